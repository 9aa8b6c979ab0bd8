"""Sina article pages: from a response to an `Article`, for every template since 2005.

Knows Sina's markup (T1 `blkContainer` 2005–2013, T2 2014–2017, T3 2017–now, T4 mobile,
财经头条 and 看点), its encodings, ids and dates; knows nothing about cleaning or files.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit, urlunsplit

from dateutil import parser as dateparser
from dateutil.tz import tzoffset
from parsel import Selector
from scrapy.http import HtmlResponse, Response
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from newscrawl.items import Article

BEIJING = tzoffset("CST", 8 * 3600)  # Sina states Beijing time; China has no daylight saving

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

# Document ids in URL paths, newest patterns first; the group is the id.
URL_ID_PATTERNS = (
    re.compile(r"/(?:doc|detail|zl)-(i[0-9a-z]{14})(?:\.d)?\.s?html"),
    re.compile(r"//(?:t\.)?cj\.sina\.(?:com\.)?cn/articles/view/\d+/([0-9a-z]+)"),
    re.compile(r"//k\.sina\.(?:com\.)?cn/article_\d+_([0-9a-z]+)\.html"),
)
_CHINESE_DATE = re.compile(
    r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?"
)
_CMS_STAMP = re.compile(rb"published at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_LATE_META_CHARSET = re.compile(rb"<meta\b[^>]*charset[^>]*>", re.I)
_EDITOR_PREFIX = re.compile(r"^\s*责任编辑\s*[:：]\s*")


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
    page = as_text(response)
    sel = page.selector
    title = first_text(sel, TITLE_CSS) or meta(sel, "og:title")
    if not title:
        raise NotAnArticle("no-title", "no headline (h1) on the page")
    body = first(sel, BODY_CSS)
    if body is None:
        raise NotAnArticle("no-body", "no article body container on the page")
    if not (body.xpath("string()").get() or "").strip() and not body.css("img"):
        raise NotAnArticle("empty-body", "the article body is empty")
    url = canonical_url(sel, page.url)
    doc_id = document_id(sel, url, page.url)
    if not doc_id:
        raise NotAnArticle("no-doc-id", "no Sina document id in the URL or the page")
    published = publication_time(sel, page.body, listed_at)
    if published is None:
        raise NotAnArticle("no-date", "no publication time on the page")
    return Article(
        doc_id=doc_id,
        url=url,
        title=title,
        published=published,
        label=label,
        body="".join(body.xpath("node()").getall()),
        source=first_text(sel, SOURCE_CSS) or meta(sel, "article:author"),
        editor=_EDITOR_PREFIX.sub("", first_text(sel, EDITOR_CSS)),
        og_image=meta(sel, "og:image"),
    )


def as_text(response: Response) -> HtmlResponse:
    """`response` as HTML in its true encoding.

    The HTTP header's charset wins, then the page's own `<meta>` (anywhere in the first
    64 KiB, not only the first 4 KiB Scrapy looks at), never a `<script charset=...>`;
    a declared encoding that fails to decode yields to one that does. GB2312 and GBK are
    decoded as gb18030 (w3lib's aliases).
    """
    if not response.body.strip():
        raise NotAnArticle("empty", "the response body is empty")
    if b"\x00" in response.body[:4096]:
        raise NotAnArticle("binary", "the response is not text")
    header = http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
    declared = [enc for enc in (header, _meta_encoding(response.body)) if enc]
    encoding = next((enc for enc in declared if _decodes(response.body, enc)), None)
    if encoding is None:
        encoding = "utf-8" if _decodes(response.body, "utf-8") else (declared or ["gb18030"])[0]
    return response.replace(cls=HtmlResponse, encoding=encoding)


def first(sel: Selector, css: tuple[str, ...]) -> Selector | None:
    for query in css:
        found = sel.css(query)
        if found:
            return found[0]
    return None


def first_text(sel: Selector, css: tuple[str, ...]) -> str:
    """Collapsed text of the first non-empty match of the selectors, in order."""
    for query in css:
        for node in sel.css(query):
            text = collapse(node.xpath("string()").get())
            if text:
                return text
    return ""


def collapse(text: str | None) -> str:
    """Whitespace runs (any Unicode whitespace, line breaks included) as one space, trimmed."""
    return " ".join((text or "").split())


def meta(sel: Selector, name: str) -> str:
    value = sel.xpath(
        "//meta[@property=$n or @name=$n]/@content", n=name
    ).get(default="")
    return value.strip()


def canonical_url(sel: Selector, fetched_url: str) -> str:
    """The article's own URL: og:url, then link rel=canonical, then where it was fetched;
    without query string or fragment (tracking parameters)."""
    for candidate in (
        meta(sel, "og:url"),
        sel.xpath("//link[@rel='canonical']/@href").get(default=""),
        sel.xpath("//*[@name='moodcounter']/@url").get(default=""),
        fetched_url,
    ):
        candidate = candidate.strip()
        if candidate.lower().startswith("http%3a"):
            candidate = unquote(candidate)
        if candidate.startswith(("http://", "https://")):
            return strip_query(candidate)
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


def document_id(sel: Selector, url: str, fetched_url: str) -> str:
    """The Sina document id: from the article URL, else the `publishid` meta
    (`<id>` → `i<id>`; the old `p_id,t_id,d_id` triple → `p-t-d`)."""
    found = url_document_id(url) or url_document_id(fetched_url)
    if found:
        return found
    publishid = meta(sel, "publishid")
    if re.fullmatch(r"[0-9a-z]{14}", publishid):
        return "i" + publishid
    if re.fullmatch(r"\d+,\d+,\d+", publishid):
        return publishid.replace(",", "-")
    return ""


def publication_time(
    sel: Selector, body: bytes, listed_at: datetime | None = None
) -> datetime | None:
    """First publication, in UTC. In FORMAT.md's order: `weibo: article:create_at`
    (seconds), the visible date, `article:published_time` (can be a later re-publication),
    the listing's time, and last the CMS stamp of old pages."""
    created = parse_time(meta(sel, "weibo: article:create_at"))
    if created:
        return created
    for query in VISIBLE_DATE_CSS:
        for node in sel.css(query):
            shown = parse_time(collapse(node.xpath("string()").get()), visible=True)
            if shown:
                return shown
    published = parse_time(meta(sel, "article:published_time"))
    if published:
        return published
    if listed_at:
        return listed_at.astimezone(UTC)
    stamp = _CMS_STAMP.search(body[:4096])
    return parse_time(stamp.group(1).decode()) if stamp else None


def parse_time(text: str, visible: bool = False) -> datetime | None:
    """A Beijing-time (or zoned) time string as a UTC datetime, or None.

    `visible` texts ("2018年12月28日 19:55", "2005.08.26 05:39", "作者：…") must hold a
    date and a time; metas are ISO-like and read with python-dateutil.
    """
    text = text.replace("\xa0", " ").strip()
    if not text:
        return None
    match = _CHINESE_DATE.search(text)
    if match:
        y, mo, d, h, mi, s = (int(g or 0) for g in match.groups())
        try:
            moment = datetime(y, mo, d, h, mi, s, tzinfo=BEIJING)
        except ValueError:
            return None
    elif visible:
        return None
    else:
        try:
            moment = dateparser.parse(text)
        except (ValueError, OverflowError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
    moment = moment.astimezone(UTC)
    if not datetime(1995, 1, 1, tzinfo=UTC) <= moment <= datetime.now(UTC) + timedelta(days=2):
        return None
    return moment


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

