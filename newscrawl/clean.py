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
    # video player shells; the legacy (2008-2014) Flash players with their caption and
    # "播放视频" boxes (span.contentPlayer, div.blk-video), the slots Flash was written into
    # and the "get Flash player" link of their fallback content
    "[class*=player]", "[class*=Player]", "[id*=Player]", "[class*=videoList]",
    "[id^=videoList]", "[class*=video_box]", "[class*=J_Video]", ".wap_special",
    "[class*=blk-video]", "[id^=flashcontent]", "a[href*=getflashplayer]",
    # Sina's own statements and product slots (看点 pages)
    ".article-notice", "[class*=goods-card]",
    # related reading, keywords, comment and tool boxes
    ".otherContent_01", "[class*=corrTxt]", "[class*=blkComment]", "[class*=comment]",
    ".article-bottom", "#article-bottom", ".keywords", "#keywords", ".article-keywords",
    "[name=moodcounter]", "[class*=kandian]", "[class*=tool]", "[class*=share]",
)

# Elements whose content is never article text, and which a sanitizer must never pass.
DROPPED_TAGS: tuple[str, ...] = (
    "script", "style", "link", "meta", "iframe", "frame", "noscript", "embed", "param",
    "input", "button", "select", "textarea", "svg", "math", "video", "audio", "canvas",
    "template",
)

# Containers whose own content is never article text (a form's controls, an object's or
# applet's plugin parts), but which, left open by the page, hold the rest of the article in
# libxml2's tree as in a browser's: their content up to their last control or plugin part
# goes, what follows it stays (a browser shows it).
OPEN_CONTAINERS: dict[str, tuple[str, ...]] = {
    "form": ("input", "button", "select", "textarea", "keygen"),
    "object": ("param", "embed"),
    "applet": ("param",),
}

# HTML void elements that libxml2's HTML parser (2.14, in the pinned lxml) does not know as
# void: it nests whatever follows one (up to its parent's end) inside it, so that removing
# `<embed src=...>` would remove the rest of the paragraph or article. Cleaning starts by
# moving their content out after them, as a browser builds the tree. (tests/test_clean.py
# probes the parser for this list.)
PARSER_NESTING_VOIDS: tuple[str, ...] = (
    "embed", "source", "track", "wbr", "keygen", "bgsound", "image",
)

# Comment markers that open and close noise slots in Sina's body templates: everything from
# the first to the last comment holding the marker, among siblings, is removed.
NOISE_COMMENT_REGIONS: tuple[str, ...] = (
    "总声明", "正文下iframe", "文末二维码", "行情图", "秒拍", "播放器",
)

# Sina's own statements (看点's 特别声明, 自媒体 免责声明, 风险提示 boxes) at the end of a body:
# a block whose text opens with such a label and says it is a disclaimer. A broker's
# "风险提示：" list in a research note says none of these words and stays.
STATEMENT_OPENING = re.compile(
    r"[【\[(（]?(?:(?:特别|免责|郑重|重要|总)?声明|风险提示)[】\])）]?[:：]"
)
STATEMENT_WORDS: tuple[str, ...] = (
    "仅代表", "不代表", "仅供参考", "风险自负", "投资建议", "与新浪", "不构成", "据此操作",
    "据此买卖", "入市需谨慎", "投资需谨慎", "请于作品发表后",
)
STATEMENT_MAX_CHARS = 300
# Follow-us promotions at the end of a body (with their QR image, when they point at one).
# They speak to the reader ("欢迎关注…公众号", "长按二维码，关注…"); a sentence that only
# mentions a 公众号 is not one.
FOLLOW_US = re.compile(
    r"(?:长按|扫描|扫码|扫一扫|识别)[^。！!]{0,24}关注"
    r"|(?:^|欢迎|请|敬请|点击|记得|一键)关注[^。！!]{0,30}(?:公众号|微信号|微信|微博|本号)"
)
QR_CODE_MENTION = re.compile(r"二维码|扫码|扫一扫")
PROMOTION_MAX_CHARS = 120
# Related-link boxes that editors write into a body, at its start or end: a paragraph with
# one of these labels and nothing but links after it ("此前报道：<a>…</a>"), and the
# paragraphs made of a single link that follow it.
RELATED_LINKS_LABEL = re.compile(
    r"(?:相关新闻|相关阅读|相关报道|相关链接|延伸阅读|推荐阅读|往期回顾|此前报道|更多报道)[:：]"
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

# The indent that opens a paragraph on Sina's pages (two full-width spaces).
PARAGRAPH_INDENT = "\u3000"
# Link schemes a post keeps ('' is a relative link); the sanitizer allows the same.
LINK_SCHEMES = frozenset({"", "http", "https", "mailto"})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_WRAPPERS = frozenset({
    "div", "p", "span", "font", "section", "strong", "b", "em", "i", "u", "center", "a",
    "li", "ul", "ol", "blockquote", "figure", "figcaption", "h2", "h3", "h4", "h5", "h6",
})

# Elements that close an open `<p>` in libxml2's HTML parser (and in browsers).
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "aside", "header", "footer", "nav", "address",
    "center", "table", "ul", "ol", "dl", "li", "dd", "dt", "blockquote", "figure", "pre",
    "hr", "form", "h1", "h2", "h3", "h4", "h5", "h6", "menu", "dir", "fieldset",
})
_UNSEEN = frozenset(DROPPED_TAGS)  # (a script's or style's text is not the page's text)
_BOILERPLATE_BLOCKS = frozenset({"p", "div", "section", "center", "blockquote"})
EDITOR_CLASSES = frozenset({"article-editor", "show_author"})
_CJK = re.compile("[\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef]")

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
    clean_content_tags=(set(DROPPED_TAGS) | set(OPEN_CONTAINERS)) - {"svg", "math"},
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
    empty_void_elements(root)
    remove_comment_regions(root)
    remove_noise(root)
    remove_edge_boilerplate(root)
    fix_images(root, base_url)
    wrap_photo_blocks(root)
    absolutize_links(root, base_url)
    remove_empty_wrappers(root)
    return tidy_lines(escape_braces(_SANITIZER.clean(inner_html(root))))


def inner_html(root: etree._Element) -> str:
    """The HTML inside `root` (its attributes and tag are dropped: one serialisation of
    `<div>...</div>` with the wrapper cut off, instead of one per child)."""
    root.attrib.clear()
    root.tag = "div"
    return etree.tostring(root, method="html", encoding="unicode", with_tail=False)[5:-6]


def empty_void_elements(root: etree._Element) -> None:
    """Move what libxml2 nested inside void elements (PARSER_NESTING_VOIDS) out after them,
    and read a legacy `<image>` as the `<img>` it is to a browser."""
    for void in list(root.iter(*PARSER_NESTING_VOIDS)):
        if void.tag == "image":
            void.tag = "img"
        parent, swallowed = void.getparent(), list(void)
        if void is root or not (void.text or swallowed):
            continue
        if swallowed:
            swallowed[-1].tail = (swallowed[-1].tail or "") + (void.tail or "")
            void.tail = None
            index = parent.index(void)
            parent[index + 1:index + 1] = swallowed
        void.tail, void.text = (void.text or "") + (void.tail or ""), None


def remove_comment_regions(root: etree._Element) -> None:
    """Remove each noise slot delimited by marker comments: the ad slots of AD_SLOT_MARKERS
    in document order (`remove_ad_slots`), then those of NOISE_COMMENT_REGIONS among
    siblings; then the comments next to text, so that the text on both sides of them is
    joined as around any removed element. (The sanitizer strips the others, between
    blocks.)"""
    comments = list(root.iter(etree.Comment))  # in document order
    slots: dict[str, dict[etree._Element, list[etree._Element]]] = {}
    ad_marks: list[etree._Element] = []
    for comment in comments:
        text = comment.text or ""
        for marker in NOISE_COMMENT_REGIONS:
            if marker in text:
                slots.setdefault(marker, {}).setdefault(comment.getparent(), []).append(comment)
        if _AD_SLOT.search(text):
            ad_marks.append(comment)
    if ad_marks:
        remove_ad_slots(ad_marks, root)
    for marker in NOISE_COMMENT_REGIONS:  # (a slot may hold another marker's comments)
        for parent, marked in slots.get(marker, {}).items():
            marks = [c for c in marked if c.getparent() is parent]
            if len(marks) < 2 or not _under(parent, root):
                continue
            first, last = parent.index(marks[0]), parent.index(marks[-1])
            for node in parent[first + 1:last]:
                _remove(node)
    for comment in comments:
        parent, before = comment.getparent(), comment.getprevious()
        if parent is not None and not (
            _is_blank_text(comment.tail)
            and _is_blank_text(parent.text if before is None else before.tail)
        ):
            _remove(comment)


# Ad slots of the 2004-2010 templates (画中画 "picture in picture" ads, NEWSZW_HZH, the
# allyes Adforward slot), delimited by comments that a word in them marks as opening
# (begin, start, 开始) or closing (end, 结束) the slot of that name. The parser can move
# such a pair apart: an ad `<table>` inside a `<p>` closes the paragraph, leaving the
# opening comment in the paragraph and the closing one, with the rest of the paragraph's
# text, after it.
AD_SLOT_MARKERS: tuple[str, ...] = ("画中画", "NEWSZW_HZH", "Adforward")
_AD_SLOT = re.compile("|".join(map(re.escape, AD_SLOT_MARKERS)))
_SLOT_ROLE = re.compile(r"(?<![a-z])(?:begin|start|end)(?![a-z])|开始|结束", re.I)


def remove_ad_slots(marks: list[etree._Element], root: etree._Element) -> None:
    """Remove every node between the opening and the closing comment of each ad slot, in
    document order, whatever the parser made of the markup between them; then the text
    after the slot goes back into the paragraph the slot split.

    `marks` are the comments holding an AD_SLOT_MARKERS word, in document order. A closing
    comment closes the latest open slot of its name; when a name has no closing comment
    at all (a template that wrote `画中画 begin` twice), its comments pair up in turn. An
    opening comment left without a pair removes nothing."""
    for start, end in _slot_pairs(marks):
        if _under(start, root) and _under(end, root):  # (not inside a slot removed before)
            _cut_between(start, end)
            _rejoin_after_slot(start, end)


def _slot_pairs(marks: list[etree._Element]) -> list[tuple[etree._Element, etree._Element]]:
    """(opening, closing) comment pairs, outer slots first."""
    opened: dict[str, list[etree._Element]] = {}
    closed: set[str] = set()
    pairs: list[tuple[etree._Element, etree._Element]] = []
    for mark in marks:
        role = _SLOT_ROLE.search(mark.text or "")
        if role is None:
            continue
        name = (mark.text or "")[:role.start()].strip()
        if role.group().lower() in ("end", "结束"):
            closed.add(name)
            if opened.get(name):
                pairs.append((opened[name].pop(), mark))
        else:
            opened.setdefault(name, []).append(mark)
    for name, unclosed in opened.items():
        if name not in closed:
            pairs += zip(unclosed[0::2], unclosed[1::2], strict=False)
    order = {mark: index for index, mark in enumerate(marks)}
    return sorted(pairs, key=lambda pair: order[pair[0]])


def _cut_between(start: etree._Element, end: etree._Element) -> None:
    """Remove what lies between `start` and `end` (`start` first in document order): the
    text and nodes after `start` up to the element that holds both, the ones before `end`
    from there, and those in between. `end`'s own ancestors stay, emptied before it; those
    left with nothing after it either (the ad's table around its closing comment) go."""
    holding_end = set(end.iterancestors())
    branch = start
    while branch.getparent() not in holding_end:
        parent = branch.getparent()
        for sibling in list(branch.itersiblings()):
            parent.remove(sibling)  # (with its tail)
        branch.tail = None
        branch = parent
    common = branch.getparent()
    end_branch = end
    while end_branch.getparent() is not common:
        parent = end_branch.getparent()
        for sibling in list(end_branch.itersiblings(preceding=True)):
            parent.remove(sibling)
        parent.text = None
        end_branch = parent
    branch.tail = None
    for sibling in list(branch.itersiblings()):
        if sibling is end_branch:
            break
        common.remove(sibling)
    while end.getparent() is not common and len(end.getparent()) == 1 and not (
        end.tail or ""
    ).strip():
        shell = end.getparent()
        end.tail = shell.tail
        shell.addprevious(end)
        shell.getparent().remove(shell)


def _rejoin_after_slot(start: etree._Element, end: etree._Element) -> None:
    """When the parser closed the paragraph that holds `start` (the slot's markup split
    it), move the text after `end`, with the inline elements around it up to the next
    block, back to the end of that paragraph; unless it opens with Sina's full-width
    indent, as a paragraph of its own does."""
    paragraph = start.getparent()
    if paragraph is None or paragraph.tag != "p" or paragraph in end.iterancestors():
        return
    run = []
    for sibling in end.itersiblings():
        if sibling.tag in _BLOCK_TAGS:
            break
        run.append(sibling)
    text = (end.tail or "").lstrip(" \t\r\n")
    if text.startswith(PARAGRAPH_INDENT) or not (text.strip() or run):
        return
    end.tail = None
    _set_end_text(paragraph, _end_text(paragraph) + text)
    paragraph.extend(run)  # (each with its tail)
    # the line break that ended the page's paragraph stays after it
    moved = _end_text(paragraph)
    kept = moved.rstrip(" \t\r\n")
    _set_end_text(paragraph, kept)
    paragraph.tail = moved[len(kept):] + (paragraph.tail or "")


# A centred photo of the old templates (`<center><img><br>caption</center>`, or the caption
# in a centred block of its own right after it) becomes the img_wrapper block of the newer
# ones; a centred block with a paragraph, a second image or a longer text is not a photo.
PHOTO_CAPTION_MAX_CHARS = 60
_NOT_IN_PHOTO_BLOCKS = ("p", "div", "table", "ul", "ol", "center", "blockquote")


def wrap_photo_blocks(root: etree._Element) -> None:
    """Turn each centred photo block (`center`, or `p`/`div` aligned centre, holding one
    image and at most a short caption) into `<div class="img_wrapper"><img><span
    class="img_descr">caption</span></div>`, as the newer templates have it."""
    for block in list(root.iter("center", "p", "div")):
        if block.tag != "center" and block.get("align") is None:
            continue  # (most blocks)
        if block is root or block.getparent() is None or not _is_centred(block):
            continue
        images = list(block.iter("img"))
        if len(images) != 1 or next(block.iterdescendants(*_NOT_IN_PHOTO_BLOCKS), None) is not None:
            continue
        caption = " ".join("".join(block.itertext()).split())
        if len(caption) > PHOTO_CAPTION_MAX_CHARS:
            continue
        if not caption:
            caption = _take_caption_block(block)
        image = images[0]
        link = image.getparent()
        if link.tag == "a" and link is not block and len(link) == 1 and not _text_in(link):
            image = link  # (a link to the larger photo)
        image.tail = None
        tail = block.tail
        block.clear()
        block.tag = "div"
        block.set("class", "img_wrapper")
        block.tail = tail
        block.append(image)
        if caption:
            etree.SubElement(block, "span", {"class": "img_descr"}).text = caption


def _is_centred(block: etree._Element) -> bool:
    return block.tag == "center" or (block.get("align") or "").lower() == "center"


def _take_caption_block(photo: etree._Element) -> str:
    """The caption of a photo block that holds none: the short text of the centred block
    right after it (line breaks between them aside), removed from the tree; or ''."""
    breaks = []
    for sibling in photo.itersiblings():
        if (sibling.getprevious().tail or "").strip():
            return ""
        if sibling.tag == "br":
            breaks.append(sibling)
            continue
        if not isinstance(sibling.tag, str) or not _is_centred(sibling):
            return ""
        if next(sibling.iterdescendants("img", *_NOT_IN_PHOTO_BLOCKS), None) is not None:
            return ""
        text = " ".join(_text_in(sibling).split())
        if not text or len(text) > PHOTO_CAPTION_MAX_CHARS:
            return ""
        for node in [*breaks, sibling]:
            _remove(node)
        return text
    return ""


def _text_in(element: etree._Element) -> str:
    return "".join(element.itertext())


def remove_noise(root: etree._Element) -> None:
    """Remove the noise blocks of NOISE_SELECTORS, the tags of DROPPED_TAGS, the own
    content of OPEN_CONTAINERS, and noise images."""
    noise = select(root, _NOISE_MATCHED) + (_NOISE_XPATH(root) if _NOISE_XPATH else [])
    for el in noise:
        if el is not root:
            _remove(el)
    dropped = []
    for el in list(root.iter(*DROPPED_TAGS, *OPEN_CONTAINERS)):
        if el.tag in OPEN_CONTAINERS:
            _remove_open_container(el)
        else:
            dropped.append(el)
    for el in dropped:
        _remove(el)
    for el in list(root.iter("img")):
        if NOISE_IMAGE_SRC.search(_image_src(el)) or (el.get("width"), el.get("height")) == (
            "1", "1"
        ):
            _remove(el)


def _remove_open_container(container: etree._Element) -> None:
    """Remove `container`'s own content, up to its last control or plugin part, and keep
    what follows that in its place."""
    parts = list(container.iter(*OPEN_CONTAINERS[container.tag]))
    if parts:
        last = parts[-1]
        while last.getparent() is not container:
            last = last.getparent()
        own = container[:container.index(last) + 1]
        container.text = last.tail
        for child in own:
            container.remove(child)  # (with its tail: the container's own text)
    if _is_blank(container):
        _remove(container)  # (an empty form that split a paragraph: it is rejoined)
    else:
        _unwrap(container)


# How deep the edge walks go into nested blocks: Sina's boxes sit a few wrappers deep at
# most, and a page may nest thousands (libxml2 reads 2,048 levels; Python recurses ~1,000).
EDGE_DEPTH = 32


def remove_edge_boilerplate(root: etree._Element) -> None:
    """Remove the boilerplate blocks at the edges of the body: Sina's statements, follow-us
    promotions and related-link boxes at its end, related-link boxes at its start.

    Walking in from the edge, a block that is one of them goes (a promotion that points at
    a QR code with the image block next to it), blank and image-only blocks and the editor
    line are passed over, and the first article text ends the walk: a paragraph that only
    mentions 风险, a 公众号 or 相关新闻 is never looked at unless nothing but such blocks
    lies between it and the edge."""
    _peel_end(root)
    _peel_start(root)


def _peel_end(parent: etree._Element, depth: int = 0) -> bool:
    """Remove the boilerplate blocks at the end of `parent`; whether article text was met
    (or containers nested deeper than EDGE_DEPTH, where no boilerplate box sits)."""
    if depth > EDGE_DEPTH:
        return True
    child = parent[-1] if len(parent) else None
    while child is not None:  # (sibling to sibling: lxml finds a child by index in O(n))
        if not _is_blank_text(child.tail):
            return True
        previous = child.getprevious()
        if not isinstance(child.tag, str):
            pass
        elif _is_container(child):
            if _peel_end(child, depth + 1):
                return True
        else:
            text = _compact_text(child)
            if not text or _is_editor_line(child, text):
                pass
            elif child.tag not in _BOILERPLATE_BLOCKS:
                return True
            elif _is_statement(text):
                _remove(child)
            elif _is_promotion(text):
                qr = _image_only_neighbour(child) if QR_CODE_MENTION.search(text) else None
                if qr is not None:
                    if qr is previous:
                        previous = qr.getprevious()
                    _remove(qr)
                _remove(child)
            else:
                box = _related_links_ending_with(child, text)
                if not box:
                    return True
                previous = box[0].getprevious()
                for block in box:
                    _remove(block)
        child = previous
    return not _is_blank_text(parent.text)


def _peel_start(parent: etree._Element, depth: int = 0) -> bool:
    """Remove the related-link boxes at the start of `parent`; whether article text was met
    (or containers nested deeper than EDGE_DEPTH)."""
    if depth > EDGE_DEPTH or not _is_blank_text(parent.text):
        return True
    child = parent[0] if len(parent) else None
    while child is not None:
        following, tail = child.getnext(), child.tail
        if not isinstance(child.tag, str):
            pass
        elif _is_container(child):
            if _peel_start(child, depth + 1):
                return True
        else:
            text = _compact_text(child)
            box = _related_links_starting_with(child, text) if text else []
            if text and not box:
                return True
            if box:
                following, tail = box[-1].getnext(), box[-1].tail
                for block in box:
                    _remove(block)
        if not _is_blank_text(tail):
            return True
        child = following
    return False


def _is_container(element: etree._Element) -> bool:
    """A block holding blocks: its edges are looked at, not itself."""
    return element.tag in _BOILERPLATE_BLOCKS and any(c.tag in _BLOCK_TAGS for c in element)


def _related_links_starting_with(label: etree._Element, text: str) -> list[etree._Element]:
    """`label` and the single-link paragraphs after it, when `label` is a related-link label
    paragraph (`text` is its compact text); else []."""
    if not _is_related_links_label(label, text):
        return []
    box = [label]
    for sibling in label.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if not _is_link_only(sibling) or not _is_blank_text(box[-1].tail):
            break
        box.append(sibling)
    return box


def _related_links_ending_with(last: etree._Element, text: str) -> list[etree._Element]:
    """The related-link box whose last block is `last` (`text` its compact text): its label
    paragraph and the single-link paragraphs up to `last`; else []."""
    if _is_related_links_label(last, text):
        return [last]
    if not _is_link_only(last):
        return []
    box = [last]
    for sibling in last.itersiblings(preceding=True):
        if not isinstance(sibling.tag, str):
            continue
        if not _is_blank_text(sibling.tail):
            return []
        if _is_related_links_label(sibling, _compact_text(sibling)):
            return [sibling, *reversed(box)]
        if not _is_link_only(sibling):
            return []
        box.append(sibling)
    return []


def _is_related_links_label(block: etree._Element, text: str) -> bool:
    if block.tag != "p":
        return False
    label = RELATED_LINKS_LABEL.match(text)
    return label is not None and text[label.end():] == _link_text(block)


def _is_link_only(block: etree._Element) -> bool:
    """Whether `block` is a paragraph whose whole text is one link's."""
    if block.tag != "p":
        return False
    links = list(block.iter("a"))
    return len(links) == 1 and _compact_text(block) == _link_text(block) != ""


def _link_text(block: etree._Element) -> str:
    return "".join(_compact_text(a) for a in block.iter("a"))


def _is_statement(text: str) -> bool:
    return (
        len(text) <= STATEMENT_MAX_CHARS
        and STATEMENT_OPENING.match(text) is not None
        and any(word in text for word in STATEMENT_WORDS)
    )


def _is_promotion(text: str) -> bool:
    return len(text) <= PROMOTION_MAX_CHARS and FOLLOW_US.search(text) is not None


def _is_editor_line(element: etree._Element, text: str) -> bool:
    return text.lstrip("（(").startswith("责任编辑") or not EDITOR_CLASSES.isdisjoint(
        (element.get("class") or "").split()
    )


def _image_only_neighbour(element: etree._Element) -> etree._Element | None:
    """The image-only block right after `element`, else the one right before it."""
    for neighbour in (element.getnext(), element.getprevious()):
        if (
            neighbour is not None
            and isinstance(neighbour.tag, str)
            and not _compact_text(neighbour)
            and (neighbour.tag == "img" or next(neighbour.iter("img"), None) is not None)
        ):
            return neighbour
    return None


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
    """Remove wrappers left with neither text nor an image or table, innermost first, and
    the line breaks left at the end of the body (the spacing before a removed block)."""
    for el in reversed(list(root.iter(*_WRAPPERS))):
        text = el.text
        if (text and not text.isspace()) or el is root or el.getparent() is None:
            continue  # (text of its own: not empty, found without reading the subtree)
        if not any(text.strip() for text in el.itertext()) and (
            next(el.iter("img", "table", "hr"), None) is None
        ):
            _remove(el)
    for el in reversed(root):
        if not _is_blank_text(el.tail) or el.tag not in ("br", etree.Comment):
            break
        if el.tag == "br":
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
    """Remove `node` and its content but keep the text that follows it: joined to the text
    before it, or back into the paragraph that `node` split."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tag in _BLOCK_TAGS:
        _rejoin_split_paragraph(node)
    tail = node.tail
    if tail:
        prev = node.getprevious()
        if prev is not None:
            _store(prev, "tail", _joined(prev.tail, tail))
        else:
            _store(parent, "text", _joined(parent.text, tail))
    parent.remove(node)


def _rejoin_split_paragraph(block: etree._Element) -> None:
    """Put back into the paragraph before `block` the text that follows it.

    A block element inside a `<p>` (a video player's div, a table) closes the paragraph in
    libxml2's parser as in a browser: the rest of the paragraph is left as loose text after
    the block, and the page's `</p>` is dropped. So when a removed block follows a `<p>`
    and loose text (with the inline elements around it, up to the next block) follows the
    block, that text is the paragraph's own; unless it opens with Sina's full-width indent,
    as a paragraph of its own does."""
    paragraph = block.getprevious()
    if paragraph is None or paragraph.tag != "p":
        return
    loose = []
    for sibling in block.itersiblings():
        if sibling.tag in _BLOCK_TAGS:
            break
        loose.append(sibling)
    continuation = (block.tail or "") + "".join(
        ("" if s.tag in _UNSEEN else "".join(s.itertext())) + (s.tail or "")
        for s in loose
        if isinstance(s.tag, str)
    )
    continuation = continuation.lstrip(" \t\r\n")
    if not continuation.strip() or continuation.startswith(PARAGRAPH_INDENT):
        return
    _set_end_text(paragraph, _joined(_end_text(paragraph), block.tail or ""))
    paragraph.extend(loose)
    # the line break that ended the page's paragraph stays after it
    end = _end_text(paragraph)
    kept = end.rstrip(" \t\r\n")
    _set_end_text(paragraph, kept)
    block.tail = end[len(kept):] or None


def _end_text(element: etree._Element) -> str:
    """The text at the end of `element`'s content: its last child's tail, or its text."""
    return (element[-1].tail if len(element) else element.text) or ""


def _set_end_text(element: etree._Element, text: str) -> None:
    if len(element):
        _store(element[-1], "tail", text)
    else:
        _store(element, "text", text)


def _joined(before: str | None, after: str) -> str:
    """`before` + `after`, the text on both sides of a removed element. Line breaks of the
    page's source between two Chinese characters go with it: a browser shows them as a
    space in the middle of a sentence."""
    before = before or ""
    head, rest = before.rstrip(" \t\r\n"), after.lstrip(" \t\r\n")
    gap = before[len(head):] + after[:len(after) - len(rest)]
    if "\n" in gap and head and rest and _CJK.match(head[-1]) and _CJK.match(rest[0]):
        return head + rest
    return before + after


def _compact_text(element: etree._Element) -> str:
    """The text of `element` without any white space (full-width included)."""
    text = "".join(element.itertext()) if len(element) else element.text or ""
    return "".join(text.split())


def _is_blank(element: etree._Element) -> bool:
    return not _compact_text(element) and next(element.iter("img"), None) is None


def _is_blank_text(text: str | None) -> bool:
    return not text or text.isspace()


def _append(node: etree._Element, field: str, text: str) -> None:
    """Add `text` to the node's `text` or `tail` (see `_store`)."""
    _store(node, field, (getattr(node, field) or "") + text)


def _store(node: etree._Element, field: str, text: str) -> None:
    """Set the node's `text` or `tail`. lxml refuses to store the characters XML cannot
    hold (C0 controls, U+FFFE, U+FFFF) that its HTML parser lets into a tree: those are
    dropped."""
    try:
        setattr(node, field, text)
    except ValueError:
        setattr(node, field, _NOT_XML.sub("", text))
