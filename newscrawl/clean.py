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
from cssselect import HTMLTranslator
from cssselect import parse as parse_css
from cssselect import parser as css_tree
from lxml import etree

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

_WRAPPERS = frozenset({
    "div", "p", "span", "font", "section", "strong", "b", "em", "i", "u", "center", "a",
    "li", "ul", "ol", "blockquote", "figure", "figcaption", "h2", "h3", "h4", "h5", "h6",
})
_CONTENT_XPATH = etree.XPath(".//img | .//table | .//hr")


def _matching_any(selectors: tuple[str, ...]) -> etree.XPath:
    """Every element matching any of the CSS `selectors`, in document order, as the union
    of their XPath translations gives them; the simple selectors (no combinator) are tested
    in one walk of the tree, as boolean conditions, rather than one walk each, and when
    each of them needs an attribute, elements without any are passed over at once."""
    translator = HTMLTranslator()
    conditions, paths, need_attribute = [], [], True
    for selector in parse_css(",".join(selectors)):
        expr = translator.xpath(selector.parsed_tree)
        if expr.path or selector.pseudo_element:
            paths.append(translator.selector_to_xpath(selector))
            continue
        tests = [] if expr.element == "*" else [f"self::{expr.element}"]
        tests += [f"({expr.condition})"] if expr.condition else []
        conditions.append(" and ".join(tests) or "true()")
        need_attribute = need_attribute and _needs_attribute(selector.parsed_tree)
    if conditions:
        some = "[@*]" if need_attribute else ""
        paths.insert(0, f"descendant-or-self::*{some}[{' or '.join(f'({c})' for c in conditions)}]")
    return etree.XPath(" | ".join(paths))


def _needs_attribute(tree) -> bool:
    """Whether a compound CSS selector matches only elements that have some attribute."""
    if isinstance(tree, (css_tree.Class, css_tree.Hash)):
        return True
    if isinstance(tree, css_tree.Attrib) and tree.operator != "!=":
        return True
    base = getattr(tree, "selector", None)  # what a class, id, attribute or pseudo adds to
    return base is not None and _needs_attribute(base)


_NOISE_XPATH = _matching_any(NOISE_SELECTORS)
_SANITIZER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_TAGS) - {"svg", "math"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
    set_tag_attribute_values={"img": {"referrerpolicy": "no-referrer"}},
)


def clean_body(html: str, base_url: str = "") -> str:
    """The post body for `html`: noise removed, images fixed, sanitized, braces escaped,
    one right-trimmed line per source line and no blank lines."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    remove_comment_regions(root)
    remove_noise(root)
    fix_images(root, base_url)
    absolutize_links(root, base_url)
    remove_empty_wrappers(root)
    inner = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return tidy_lines(escape_braces(_SANITIZER.clean(inner)))


def remove_comment_regions(root: lxml.html.HtmlElement) -> None:
    """Remove each noise slot delimited by a pair of marker comments, then every comment."""
    comments = list(root.iter(etree.Comment))  # one walk; removals only ever take some away
    for marker in NOISE_COMMENT_REGIONS:
        holding = [c for c in comments if marker in (c.text or "") and _under(c, root)]
        for parent in {c.getparent() for c in holding}:
            marks = [c for c in parent if _is_comment(c) and marker in (c.text or "")]
            if len(marks) < 2:
                continue
            first, last = parent.index(marks[0]), parent.index(marks[-1])
            for node in list(parent)[first + 1:last]:
                _remove(node)
    for comment in comments:
        if _under(comment, root):
            _remove(comment)


def remove_noise(root: lxml.html.HtmlElement) -> None:
    """Remove the noise blocks of NOISE_SELECTORS and the tags of DROPPED_TAGS."""
    for el in _NOISE_XPATH(root):
        if el is not root and el.getparent() is not None:
            _remove(el)
    for el in root.iter(*DROPPED_TAGS):
        if el.getparent() is not None:
            _remove(el)
    for el in root.iter("img"):
        if NOISE_IMAGE_SRC.search(_image_src(el)) or (el.get("width"), el.get("height")) == (
            "1", "1"
        ):
            _remove(el)


def fix_images(root: lxml.html.HtmlElement, base_url: str) -> None:
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


def absolutize_links(root: lxml.html.HtmlElement, base_url: str) -> None:
    """Make relative links absolute against the article's own URL; a link to a script
    (`javascript:`, any letter case) becomes its plain text."""
    resolvable = base_url.startswith(("http://", "https://"))
    for a in list(root.iter("a")):
        href = (a.get("href") or "").strip()
        if href.lower().startswith("javascript:"):
            a.drop_tag()
        elif resolvable and href and not href.startswith("#"):
            a.set("href", urljoin(base_url, href))


def remove_empty_wrappers(root: lxml.html.HtmlElement) -> None:
    """Remove wrappers left with neither text nor an image or table, innermost first."""
    for el in reversed(list(root.iter(*_WRAPPERS))):
        if el is root or el.getparent() is None:
            continue
        if not el.text_content().strip() and not _CONTENT_XPATH(el):
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
    """`url` as an absolute https:// address, or '' when it cannot be one."""
    url = (url or "").strip()
    if url.startswith("//"):
        url = "https:" + url
    elif not url.startswith(("http://", "https://")) and base_url.startswith("http"):
        url = urljoin(base_url, url)
    if url.startswith("http://"):
        url = "https://" + url[len("http://"):]
    return url if url.startswith("https://") else ""


def _image_src(img: lxml.html.HtmlElement) -> str:
    for name in ("data-src", "data-original", "original", "src"):
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return ""


def _under(node, root: lxml.html.HtmlElement) -> bool:
    """Whether `node` is still in the tree of `root` (not removed, nor inside a removed
    element)."""
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _is_comment(node) -> bool:
    return node.tag is etree.Comment


def _remove(node) -> None:
    """Remove `node` and its content but keep the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        prev = node.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)
