"""Body cleaning: from the inner HTML of an article's body container to the body of a post.

Each rule is a small function over an lxml tree; `clean_body` applies them in order, then
an allowlist sanitizer (nh3) makes the result safe for a website whatever the page held.
What counts as noise is data, in the tuples below, and nowhere else.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
import nh3
from lxml import etree

from newscrawl.css import SelectorSet, compile_selector, select, xpath_of
from newscrawl.urls import browser_url, scheme

# Elements removed with everything inside them (CSS selectors).
NOISE_SELECTORS: tuple[str, ...] = (
    # QR widgets and app promotions
    ".appendQr_wrap", "[class*=appendQr]", "[class*=kaihu]", ".fin_art_weixin", "#wx_pic",
    ".new_style_article", "a[href*=tuiguang]",
    # blocks of click-tracked Sina widgets (the body container itself is never removed)
    "div[data-sudaclick]", "section[data-sudaclick]", "ul[data-sudaclick]",
    # ads
    "ins.sinaads", "[class*=sinaads]", "[sax-type]", "[data-ad-pdps]", "[data-id^=PDPS]",
    "[id^=ad_]", "[id^=Sinads]", "[class~=ad]",
    # quote charts and price spans (the stock's name link sits in its own span and stays)
    ".ct_hqimg", "[id^=hqimg]", "[class*=hqimg]", ".tech-quotation", "span[id^=quote_]",
    # video player shells
    "[class*=player]", "[id*=Player]", "[class*=videoList]", "[id^=videoList]",
    "[class*=video_box]", "[class*=J_Video]", ".wap_special",
    # related reading, keywords, comment and tool boxes
    ".otherContent_01", "[class*=corrTxt]", "[class*=blkComment]", "[class*=comment]",
    ".article-bottom", "#article-bottom", ".keywords", "#keywords", ".article-keywords",
    "[name=moodcounter]", "[class*=kandian]", "[class*=tool]", "[class*=share]",
)

# Elements whose content is never article text, and which a sanitizer must never pass.
DROPPED_TAGS: tuple[str, ...] = (
    "script", "style", "link", "meta", "iframe", "frame", "noscript", "object", "embed",
    "applet", "form", "input", "button", "select", "textarea", "svg", "math", "video",
    "audio", "canvas", "template",
)

# Comment markers that open and close noise slots in Sina's body templates: everything from
# the first to the last comment holding the marker, among siblings, is removed.
NOISE_COMMENT_REGIONS: tuple[str, ...] = (
    "总声明", "正文下iframe", "文末二维码", "行情图", "秒拍", "视频播放器",
)

# Images that are never content: spacers, counters and template placeholders.
NOISE_IMAGE_SRC = re.compile(r"/c\.gif$|@@|/default/2fb77759/|343233024\.png")

ALLOWED_TAGS: frozenset[str] = frozenset({
    "p", "br", "div", "span", "strong", "b", "em", "i", "u", "s", "sub", "sup", "small",
    "a", "img", "figure", "figcaption", "blockquote", "q", "cite", "pre", "code", "hr",
    "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "align", "cms-style"},
    "a": {"href", "target"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

# Link schemes a post keeps ('' is a relative link); the sanitizer allows the same.
LINK_SCHEMES = frozenset({"", "http", "https", "mailto"})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_WRAPPERS = frozenset({
    "div", "p", "span", "font", "section", "strong", "b", "em", "i", "u", "center", "a",
    "li", "ul", "ol", "blockquote", "figure", "figcaption", "h2", "h3", "h4", "h5", "h6",
})

# The noise selectors tested in Python (newscrawl.css), the few outside its subset in XPath.
_NOISE = [compile_selector(css) for css in NOISE_SELECTORS]
_NOISE_MATCHED = SelectorSet(selector for selector in _NOISE if selector is not None)
_NOISE_UNMATCHED = [css for css, s in zip(NOISE_SELECTORS, _NOISE, strict=True) if s is None]
_NOISE_XPATH = (
    etree.XPath(" | ".join(xpath_of(css).path for css in _NOISE_UNMATCHED))
    if _NOISE_UNMATCHED
    else None
)
_SANITIZER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_TAGS) - {"svg", "math"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=set(LINK_SCHEMES - {""}),
    link_rel="noopener noreferrer",
    strip_comments=True,
    set_tag_attribute_values={"img": {"referrerpolicy": "no-referrer"}},
)


def clean_body(html: str, base_url: str = "") -> str:
    """The post body for an HTML fragment (see `clean_element`)."""
    return clean_element(lxml.html.fragment_fromstring(html, create_parent="div"), base_url)


def clean_element(root: etree._Element, base_url: str = "") -> str:
    """The post body for the content of `root`: noise removed, images fixed, sanitized,
    braces escaped, one right-trimmed line per source line and no blank lines.

    `root` is changed in place: a page's own body container can be cleaned where it was
    parsed, without serialising its content and parsing it again."""
    remove_comment_regions(root)
    remove_noise(root)
    fix_images(root, base_url)
    absolutize_links(root, base_url)
    remove_empty_wrappers(root)
    return tidy_lines(escape_braces(_SANITIZER.clean(inner_html(root))))


def inner_html(root: etree._Element) -> str:
    """The HTML inside `root` (its attributes and tag are dropped: one serialisation of
    `<div>...</div>` with the wrapper cut off, instead of one per child)."""
    root.attrib.clear()
    root.tag = "div"
    return etree.tostring(root, method="html", encoding="unicode", with_tail=False)[5:-6]


def remove_comment_regions(root: etree._Element) -> None:
    """Remove each noise slot delimited by a pair of marker comments. (Comments themselves
    never reach a post: the sanitizer strips them.)"""
    slots: dict[str, dict[etree._Element, list[etree._Element]]] = {}
    for comment in root.iter(etree.Comment):  # in document order
        for marker in NOISE_COMMENT_REGIONS:
            if marker in (comment.text or ""):
                slots.setdefault(marker, {}).setdefault(comment.getparent(), []).append(comment)
    for marker in NOISE_COMMENT_REGIONS:  # (a slot may hold another marker's comments)
        for parent, comments in slots.get(marker, {}).items():
            marks = [c for c in comments if c.getparent() is parent]
            if len(marks) < 2 or not _under(parent, root):
                continue
            first, last = parent.index(marks[0]), parent.index(marks[-1])
            for node in parent[first + 1:last]:
                _remove(node)


def remove_noise(root: etree._Element) -> None:
    """Remove the noise blocks of NOISE_SELECTORS and the tags of DROPPED_TAGS."""
    noise = select(root, _NOISE_MATCHED) + (_NOISE_XPATH(root) if _NOISE_XPATH else [])
    for el in noise:
        if el is not root:
            _remove(el)
    for el in list(root.iter(*DROPPED_TAGS)):
        _remove(el)
    for el in list(root.iter("img")):
        if NOISE_IMAGE_SRC.search(_image_src(el)) or (el.get("width"), el.get("height")) == (
            "1", "1"
        ):
            _remove(el)


def fix_images(root: etree._Element, base_url: str) -> None:
    """Promote lazy `data-src` to `src` and make every src absolute `https://`; drop an
    image whose address cannot be made absolute."""
    for img in list(root.iter("img")):
        src = absolute_https(_image_src(img), base_url)
        if not src:
            _remove(img)
            continue
        for lazy in ("data-src", "data-original", "original"):
            img.attrib.pop(lazy, None)
        img.set("src", src)


def absolutize_links(root: etree._Element, base_url: str) -> None:
    r"""Make links absolute against the article's own URL, read as a browser reads them
    (`\x01 java\tscript:` is `javascript:`); a link a post cannot keep (a script, any
    scheme but http, https and mailto, or no URL at all) becomes its plain text."""
    resolvable = base_url.startswith(("http://", "https://"))
    for a in list(root.iter("a")):
        href = a.get("href")
        if href is None:
            continue
        href = browser_url(href)
        if scheme(href) not in LINK_SCHEMES:
            _unwrap(a)
            continue
        if resolvable and href and not href.startswith("#"):
            try:
                href = urljoin(base_url, href)
            except ValueError:  # `http://[x`: no URL
                _unwrap(a)
                continue
        a.set("href", href)


def remove_empty_wrappers(root: etree._Element) -> None:
    """Remove wrappers left with neither text nor an image or table, innermost first."""
    for el in reversed(list(root.iter(*_WRAPPERS))):
        text = el.text
        if (text and not text.isspace()) or el is root or el.getparent() is None:
            continue  # (text of its own: not empty, found without reading the subtree)
        if not any(text.strip() for text in el.itertext()) and (
            next(el.iter("img", "table", "hr"), None) is None
        ):
            _remove(el)


def escape_braces(html: str) -> str:
    """Hexo runs post bodies through Nunjucks: a literal `{` or `}` must never reach it."""
    return html.replace("{", "&#123;").replace("}", "&#125;")


def tidy_lines(html: str) -> str:
    """One line per source line, trimmed at both ends (ASCII indentation only: full-width
    indents live inside paragraphs), without blank lines."""
    lines = (line.lstrip(" \t").rstrip() for line in re.split(r"\r\n?|\n", html))
    return "\n".join(line for line in lines if line)


def absolute_https(url: str, base_url: str = "") -> str:
    """`url` (read as a browser reads it) as an absolute https:// address, or '' when it
    cannot be one."""
    url = browser_url(url or "")
    if url.startswith("//"):
        url = "https:" + url
    elif not url.startswith(("http://", "https://")) and base_url.startswith("http"):
        try:
            url = urljoin(base_url, url)
        except ValueError:  # `http://[x`: no URL
            return ""
    if url.startswith("http://"):
        url = "https://" + url[len("http://"):]
    return url if url.startswith("https://") else ""


def _image_src(img: etree._Element) -> str:
    for name in ("data-src", "data-original", "original", "src"):
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return ""


def _under(node, root: etree._Element) -> bool:
    """Whether `node` is still in the tree of `root` (not removed, nor inside a removed
    element)."""
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _unwrap(element: etree._Element) -> None:
    """Replace `element` by its content (text, children and tail), as lxml.html's
    `drop_tag` does, for any lxml element."""
    parent, previous = element.getparent(), element.getprevious()
    if parent is None:
        return
    for text in (element.text, None if len(element) else element.tail):
        if text and previous is not None:
            _append(previous, "tail", text)
        elif text:
            _append(parent, "text", text)
    if len(element) and element.tail:
        _append(element[-1], "tail", element.tail)
    index = parent.index(element)
    parent[index:index + 1] = list(element)


def _remove(node) -> None:
    """Remove `node` and its content but keep the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        prev = node.getprevious()
        if prev is not None:
            _append(prev, "tail", tail)
        else:
            _append(parent, "text", tail)
    parent.remove(node)


def _append(node: etree._Element, field: str, text: str) -> None:
    """Add `text` to the node's `text` or `tail`. lxml refuses to store the characters XML
    cannot hold (C0 controls, U+FFFE, U+FFFF) that its HTML parser lets into a tree:
    those are dropped."""
    joined = (getattr(node, field) or "") + text
    try:
        setattr(node, field, joined)
    except ValueError:
        setattr(node, field, _NOT_XML.sub("", joined))
