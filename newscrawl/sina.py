"""Sina article pages: from a response to an `Article`, for every template since 2005.

Knows Sina's markup (T1 `blkContainer` 2005–2013, T2 2014–2017, T3 2017–now, T4 mobile,
财经头条 and 看点), its encodings, ids and dates; the body is cleaned (newscrawl.clean)
where it was parsed, and the article comes out ready for a post.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import unquote, urlsplit, urlunsplit

from lxml import etree
from parsel.selector import create_root_node
from scrapy.http import HtmlResponse, Response
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from newscrawl.clean import clean_element
from newscrawl.css import PageIndex
from newscrawl.dates import parse_time, plausible
from newscrawl.items import Article
from newscrawl.urls import http_url, page_base_url

TITLE_CSS = (
    "h1.main-title", "h1#artibodyTitle", "h1.art_tit_h1", "#artibodyTitle",
    "h1.article-title", ".article-header h1", ".main-content h1",
)
BODY_CSS = ("#artibody", "#article", "section.art_content", ".article-body", "div.article")
VISIBLE_DATE_CSS = (  # the article header's own date first: related lists have dates too
    ".date-source .date", "#pub_date", "span.time-source", "#navtimeSource",
    "time.weibo_time", ".weibo_time", ".art_time", "span.date",
)
SOURCE_CSS = (
    ".date-source .source", "#media_name", "span.source", "h2.weibo_user",
    "[data-sudaclick=media_name]",
)
EDITOR_CSS = ("p.article-editor", "p.show_author", ".article-editor", ".show_author")
# Tags gathered in one walk of the page (newscrawl.css.PageIndex): those the look-ups above
# and the metas need, but for the page's many `div` and `span` elements.
_FEW_TAGS = ("meta", "h1", "h2", "p", "section", "time")

# Document ids in URL paths, newest patterns first; the group is the id.
URL_ID_PATTERNS = (
    re.compile(r"/(?:doc|detail|zl)-(i[0-9a-z]{14})(?:\.d)?\.s?html"),
    re.compile(r"//(?:t\.)?cj\.sina\.(?:com\.)?cn/articles/view/\d+/([0-9a-z]+)"),
    re.compile(r"//k\.sina\.(?:com\.)?cn/article_\d+_([0-9a-z]+)\.html"),
)
_CMS_STAMP = re.compile(rb"published at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_LATE_META_CHARSET = re.compile(rb"<meta\b[^>]*charset[^>]*>", re.I)
_EDITOR_PREFIX = re.compile(r"^\s*责任编辑\s*[:：]\s*")
_TAGS_OR_SPACE = re.compile(r"<[^>]*>|\s")
_CANONICAL_LINK = etree.XPath("//link[@rel='canonical']/@href")
_MOODCOUNTER_URL = etree.XPath("//*[@name='moodcounter']/@url")
_STRING = etree.XPath("string()")
_ENCODING_ERRORS = {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_ENCODING}


class NotAnArticle(Exception):
    """The page cannot become a post. `reason` is a short slug used in stats keys."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def parse_article(
    response: Response, label: str = "", listed_at: datetime | None = None
) -> Article:
    """The article on `response`. `label` and `listed_at` come from a listing, if any.

    Raises NotAnArticle with a reason when the page is not an article page.
    """
    page, root = read_page(response)
    index = PageIndex(root, page.body if _ascii_compatible(page.encoding) else None, _FEW_TAGS)
    metas = page_metas(index.elements("meta"))
    title = first_text(index, TITLE_CSS) or meta(metas, "og:title")
    if not title:
        raise NotAnArticle("no-title", "no headline (h1) on the page")
    body = first(index, BODY_CSS)
    if body is None:
        raise NotAnArticle("no-body", "no article body container on the page")
    if not text_of(body).strip() and next(body.iter("img"), None) is None:
        raise NotAnArticle("empty-body", "the article body is empty")
    url = canonical_url(root, page.url, metas)
    doc_id = document_id(url, page.url, metas)
    if not doc_id:
        raise NotAnArticle("no-doc-id", "no Sina document id in the URL or the page")
    published = publication_time(index, page.body, listed_at, metas)
    if published is None:
        raise NotAnArticle("no-date", "no publication time on the page")
    source = first_text(index, SOURCE_CSS) or meta(metas, "article:author")
    editor = _EDITOR_PREFIX.sub("", first_text(index, EDITOR_CSS))
    cleaned = clean_element(body, url)  # last: it changes the page's tree
    if not _TAGS_OR_SPACE.sub("", cleaned) and "<img" not in cleaned:
        raise NotAnArticle("empty-body", "nothing is left of the body once cleaned")
    return Article(
        doc_id=doc_id,
        url=url,
        title=title,
        published=published,
        label=label,
        body=cleaned,
        source=source,
        editor=editor,
        og_image=meta(metas, "og:image"),
    )


def _ascii_compatible(encoding: str) -> bool:
    """Whether ASCII text reads the same in `encoding` (UTF-8, GBK, Big5, ...; not UTF-16)."""
    try:
        return "<a class=x>".encode(encoding) == b"<a class=x>"
    except LookupError:
        return False


def as_text(response: Response) -> HtmlResponse:
    """`response` as HTML in its true encoding.

    The HTTP header's charset wins, then the page's own `<meta>` (anywhere in the first
    64 KiB, not only the first 4 KiB Scrapy looks at), never a `<script charset=...>`;
    a declared encoding that fails to decode yields to one that does. GB2312 and GBK are
    decoded as gb18030 (w3lib's aliases).
    """
    return read_page(response)[0]


def read_page(response: Response) -> tuple[HtmlResponse, etree._Element]:
    """`as_text(response)` and the root of its tree, as `page.selector` has it.

    Two savings count at hundreds of pages a second: lxml's plain HTML parser (lxml.html's
    calls back into Python for every element handed out), and, for UTF-8, the body's own
    bytes parsed as they are, libxml2 telling whether they are valid, instead of a Python
    decode to check them, then parsel's decode and encode back (a few megabytes of
    allocation per page)."""
    body = response.body
    if not body or body.isspace():
        raise NotAnArticle("empty", "the response body is empty")
    if b"\x00" in body[:4096]:
        raise NotAnArticle("binary", "the response is not text")
    header = http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
    declared = [enc for enc in (header, _meta_encoding(body)) if enc]
    for encoding in [*declared, "utf-8"]:
        page = response.replace(cls=HtmlResponse, encoding=encoding)
        if codecs.lookup(encoding).name == "utf-8":
            root = _utf8_tree(page)
            if root is not None:
                return page, root
        if _decodes(body, encoding):
            return page, _text_tree(page)
    page = response.replace(cls=HtmlResponse, encoding=(declared or ["gb18030"])[0])
    return page, _text_tree(page)


def _text_tree(page: HtmlResponse) -> etree._Element:
    base_url = page_base_url(page.text[:4096], page.url, page.encoding)
    return create_root_node(page.text, etree.HTMLParser, base_url=base_url)


def _utf8_tree(page: HtmlResponse) -> etree._Element | None:
    """The tree of a page read as UTF-8, parsed from its own bytes, as parsel parses them;
    None when the bytes are not valid UTF-8 for libxml2 (or cannot be parsed as they are)."""
    body = _utf8_body(page)
    if body is None:
        return None
    # as scrapy.utils.response.get_base_url: the first 4096 characters of page.text
    head = body[:16384].decode("utf-8", "ignore")[:4096]
    base_url = page_base_url(head, page.url, page.encoding)
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(body, parser=parser, base_url=base_url)
    except etree.XMLSyntaxError:
        return None
    if root is None or any(error.type in _ENCODING_ERRORS for error in parser.error_log):
        return None
    return root


def _utf8_body(page: HtmlResponse) -> bytes | None:
    """The bytes parsel would parse for a page whose body is valid UTF-8: `page.text`
    stripped and encoded back. Without a BOM, NUL bytes or non-ASCII white space at either
    end, those are the body's own bytes, ASCII white space stripped; else None."""
    body = page.body
    if read_bom(body)[0] or b"\x00" in body:
        return None
    stripped = body.strip()
    head = stripped[:4].decode("utf-8", "ignore")[:1]
    tail = stripped[-4:].decode("utf-8", "ignore")[-1:]
    if not stripped or head.isspace() or tail.isspace():
        return None
    return stripped


def first(index: PageIndex, css: tuple[str, ...]) -> etree._Element | None:
    """The first element matching the first of the selectors that matches any."""
    return next((element for query in css for element in index.find(query)), None)


def first_text(index: PageIndex, css: tuple[str, ...]) -> str:
    """Collapsed text of the first non-empty match of the selectors, in order."""
    for query in css:
        for element in index.find(query):
            text = collapse(text_of(element))
            if text:
                return text
    return ""


def text_of(element: etree._Element) -> str:
    """The element's text content (XPath `string()`: comments left out)."""
    return _STRING(element)


def collapse(text: str | None) -> str:
    """Whitespace runs (any Unicode whitespace, line breaks included) as one space, trimmed."""
    return " ".join((text or "").split())


def meta(metas: dict[str, str], name: str) -> str:
    """The content of the first `<meta>` whose property or name is `name`, trimmed."""
    return metas.get(name, "").strip()


def page_metas(elements: Iterable[etree._Element]) -> dict[str, str]:
    """Every `<meta>` content (of the page's `<meta>` elements) by property and by name,
    the first in the page winning: what all the `meta()` look-ups of a parse read."""
    metas: dict[str, str] = {}
    for element in elements:
        content = element.get("content")
        if content is None:
            continue
        for key in (element.get("property"), element.get("name")):
            if key is not None:
                metas.setdefault(key, content)
    return metas


def canonical_url(root: etree._Element, fetched_url: str, metas: dict[str, str]) -> str:
    """The article's own URL: og:url, then link rel=canonical, then where it was fetched
    (the first that is an http(s) URL); without query string or fragment (tracking
    parameters)."""

    def candidates():  # each looked up only when the ones before it do not do
        yield meta(metas, "og:url")
        yield next(iter(_CANONICAL_LINK(root)), "")
        yield next(iter(_MOODCOUNTER_URL(root)), "")
        yield fetched_url

    for candidate in candidates():
        candidate = candidate.strip()
        if candidate.lower().startswith("http%3a"):
            candidate = unquote(candidate)
        url = http_url(candidate)
        if url:
            return strip_query(url)
    return strip_query(fetched_url)


def strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def url_document_id(url: str) -> str:
    """The document id in an article URL, or ''."""
    for pattern in URL_ID_PATTERNS:
        match = pattern.search(url)
        if match:
            return match.group(1)
    return ""


def document_id(url: str, fetched_url: str, metas: dict[str, str]) -> str:
    """The Sina document id: from the article URL, else the `publishid` meta
    (`<id>` → `i<id>`; the old `p_id,t_id,d_id` triple → `p-t-d`)."""
    found = url_document_id(url) or url_document_id(fetched_url)
    if found:
        return found
    publishid = meta(metas, "publishid")
    if re.fullmatch(r"[0-9a-z]{14}", publishid):
        return "i" + publishid
    if re.fullmatch(r"\d+,\d+,\d+", publishid):
        return publishid.replace(",", "-")
    return ""


def publication_time(
    index: PageIndex,
    body: bytes,
    listed_at: datetime | None,
    metas: dict[str, str],
) -> datetime | None:
    """First publication, in UTC. In FORMAT.md's order: `weibo: article:create_at`
    (seconds), the visible date, `article:published_time` (can be a later re-publication),
    the listing's time, and last the CMS stamp of old pages."""
    created = parse_time(meta(metas, "weibo: article:create_at"))
    if created:
        return created
    for query in VISIBLE_DATE_CSS:
        for element in index.find(query):
            shown = parse_time(collapse(text_of(element)), visible=True)
            if shown:
                return shown
    published = parse_time(meta(metas, "article:published_time"))
    if published:
        return published
    listed = plausible(listed_at)
    if listed:
        return listed
    stamp = _CMS_STAMP.search(body[:4096])
    return parse_time(stamp.group(1).decode()) if stamp else None


def _meta_encoding(body: bytes) -> str | None:
    declared = html_body_declared_encoding(body)
    if declared:
        return declared
    for tag in _LATE_META_CHARSET.finditer(body[:65536]):
        declared = html_body_declared_encoding(tag.group())
        if declared:
            return declared
    return None


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True

