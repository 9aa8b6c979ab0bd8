"""Sina article pages: from a response to an `Article`, for every template since 2004.

Knows Sina's markup (T1 `blkContainer` 2005–2013, T2 2014–2017, T3 2017–now, T4 mobile,
财经头条 and 看点; the 2004–2005 table layout in newscrawl.legacy), its ids and dates; the
page is read in its true encoding (newscrawl.reading), the body is cleaned
(newscrawl.clean) where it was parsed, and the article comes out ready for a post.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import unquote, urlsplit, urlunsplit

from lxml import etree
from scrapy.http import HtmlResponse, Response

from newscrawl import legacy
from newscrawl.clean import EDITOR_CLASSES, clean_element
from newscrawl.css import PageIndex
from newscrawl.dates import parse_time, plausible
from newscrawl.exporters import yaml_printable
from newscrawl.items import Article
from newscrawl.reading import UNDECODABLE, NotAnArticle, Reading, read_page
from newscrawl.urls import http_url

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
_UNSEEN_TAGS = frozenset({"script", "style", "link", "meta", "noscript"})
# Tags gathered in one walk of the page (newscrawl.css.PageIndex): those the look-ups above
# and the metas need, but for the page's many `div` and `span` elements.
_FEW_TAGS = ("meta", "h1", "h2", "p", "section", "time")

# Sina's domains, and the hosts of mobile pages whose desktop twin has the same path.
SINA_DOMAINS = ("sina.com.cn", "sina.cn", "sina.com")
DESKTOP_HOSTS = {
    "k.sina.cn": "k.sina.com.cn",
    "t.cj.sina.cn": "t.cj.sina.com.cn",
    "cj.sina.cn": "t.cj.sina.com.cn",
}
# Document ids in URL paths, newest patterns first; the group is the id.
URL_ID_PATTERNS = (
    re.compile(r"/(?:doc|detail|zl)-(i[0-9a-z]{14})(?:\.d)?\.s?html"),
    re.compile(r"//(?:t\.)?cj\.sina\.(?:com\.)?cn/articles/view/\d+/([0-9a-z]+)"),
    re.compile(r"//k\.sina\.(?:com\.)?cn/article_\d+_([0-9a-z]+)\.html"),
)
_CMS_STAMP = re.compile(rb"published at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_EDITOR_PREFIX = re.compile(r"^\s*责任编辑\s*[:：]\s*")
_TAGS_OR_SPACE = re.compile(r"<[^>]*>|\s")
_CMS_STAMP_IDS = re.compile(rb"<!--\[(\d+),(\d+),(\d+)\] published at ")
_CMS_TRIPLE = re.compile(r"(\d+),(\d+),(\d+)")
_MOBILE_AGENT_URL = re.compile(r"url=(\S+)")
_CANONICAL_LINK = etree.XPath("//link[@rel='canonical']/@href")
_LINKS_HOLDING = etree.XPath("//a[contains(@href, $number)]/@href")
_MOODCOUNTER_URL = etree.XPath("//*[@name='moodcounter']/@url")
_STRING = etree.XPath("string()")


def parse_article(
    response: Response, label: str = "", listed_at: datetime | None = None
) -> Article:
    """The article on `response`. `label` and `listed_at` come from a listing, if any.

    Raises NotAnArticle with a reason when the page is not an article page.
    """
    reading = read_page(response)
    page, root = reading.page, reading.root
    index = PageIndex(root, page.body, _FEW_TAGS)  # (read_page reads ASCII-compatible only)
    metas = page_metas(index.elements("meta"))
    title = first_text(index, TITLE_CSS, clean_title) or clean_title(meta(metas, "og:title"))
    headline = None if title else legacy.headline(index)  # a 2004-2005 page?
    if headline is not None:
        title = clean_title(text_of(headline))
    if not title:
        raise NotAnArticle("no-title", "no headline (h1) on the page")
    body = legacy.body(index) if headline is not None else None
    if body is None:
        body = first(index, BODY_CSS)
    if body is None:
        raise NotAnArticle("no-body", "no article body container on the page")
    if not text_of(body).strip() and next(body.iter("img"), None) is None:
        raise NotAnArticle("empty-body", "the article body is empty")
    bring_editor_line(body)
    stated = stated_url(root, metas)
    base = stated or strip_query(page.url)  # what the body's relative links resolve against
    url = stated or recovered_url(root, metas, page.body) or base
    doc_id = document_id(url, page.url, metas, page.body)
    if not doc_id:
        raise NotAnArticle("no-doc-id", "no Sina document id in the URL or the page")
    published = dateline_time(headline) if headline is not None else None
    published = published or publication_time(index, page.body, listed_at, metas)
    if published is None:
        raise NotAnArticle("no-date", "no publication time on the page")
    source = first_text(index, SOURCE_CSS) or meta(metas, "article:author")
    editor_line = first_text(index, EDITOR_CSS)
    editor = _EDITOR_PREFIX.sub("", editor_line)
    cleaned = clean_element(body, base)  # last: it changes the page's tree
    if not holds_article(cleaned, editor_line):
        raise NotAnArticle("empty-body", "nothing but the editor line is left once cleaned")
    article = Article(
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
    return _without_undecodable(article, reading) if reading.undecodable else article


def _without_undecodable(article: Article, reading: Reading) -> Article:
    """The article of a page some bytes of which no encoding decodes: refused when they
    fall in its title or body (the post would silently lack what they stood for, as a
    page cut in the middle of its text does), else as it is, their marks removed from
    the rest (a source name, an image URL)."""
    if UNDECODABLE in article.title or UNDECODABLE in article.body:
        raise NotAnArticle(
            "undecodable",
            f"{reading.undecodable} byte sequence(s) that no encoding decodes (read as"
            f" {reading.page.encoding}), some in the article's title or body",
        )
    for name in ("url", "source", "editor", "og_image"):
        setattr(article, name, getattr(article, name).replace(UNDECODABLE, ""))
    return article


def holds_article(cleaned: str, editor_line: str = "") -> bool:
    """Whether a cleaned body holds an image or text besides its editor line (a video page
    whose player and statement are gone leaves only that line, or nothing)."""
    if "<img" in cleaned:
        return True
    text = html.unescape(_TAGS_OR_SPACE.sub("", cleaned))
    return bool(text.replace("".join(editor_line.split()), "", 1))


def as_text(response: Response) -> HtmlResponse:
    """`response` as HTML in its true encoding (see newscrawl.reading.read_page)."""
    return read_page(response).page


def collapse(text: str | None) -> str:
    """Whitespace runs (any Unicode whitespace, line breaks included) as one space, trimmed."""
    return " ".join((text or "").split())


def clean_title(text: str | None) -> str:
    """A title as a post holds it: without what YAML cannot hold (control characters and
    the like; a line break is a space), then whitespace collapsed and trimmed: removing a
    character can leave two spaces side by side, or one at an end."""
    return collapse(yaml_printable(text or ""))


def first(index: PageIndex, css: tuple[str, ...]) -> etree._Element | None:
    """The first element matching the first of the selectors that matches any."""
    return next((element for query in css for element in index.find(query)), None)


def first_text(
    index: PageIndex, css: tuple[str, ...], clean: Callable[[str], str] = collapse
) -> str:
    """Text of the first match of the selectors, in order, that is not empty once
    `clean`ed (whitespace collapsed, by default)."""
    for query in css:
        for element in index.find(query):
            text = clean(text_of(element))
            if text:
                return text
    return ""


def text_of(element: etree._Element) -> str:
    """The element's text content (XPath `string()`: comments left out)."""
    return _STRING(element)


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


def stated_url(root: etree._Element, metas: dict[str, str]) -> str:
    """The URL the page states as its own: og:url, then link rel=canonical, then the
    moodcounter's; without query string or fragment (tracking parameters). '' if none."""

    def candidates():  # each looked up only when the ones before it do not do
        yield meta(metas, "og:url")
        yield next(iter(_CANONICAL_LINK(root)), "")
        yield next(iter(_MOODCOUNTER_URL(root)), "")

    for candidate in candidates():
        candidate = candidate.strip()
        if candidate.lower().startswith("http%3a"):
            candidate = unquote(candidate)
        url = http_url(candidate)
        if url:
            return strip_query(url)
    return ""


def recovered_url(root: etree._Element, metas: dict[str, str], raw: bytes = b"") -> str:
    """The article URL of a page that names it neither in og:url nor in a canonical link,
    as its live copy has it (https), so that a saved page and the live one are one article:
    the desktop twin of its `mobile-agent` URL for 看点 and 财经头条 pages (the same path on
    another host), else, on old pages, a link of its own whose file name ends in its CMS
    document number (`/2010-05-20/230720314487.shtml` for `1,1,20314487`). '' if none."""
    agent = _MOBILE_AGENT_URL.search(meta(metas, "mobile-agent"))
    mobile = http_url(agent.group(1)) if agent else ""
    if mobile:
        parts = urlsplit(mobile)
        desktop = DESKTOP_HOSTS.get((parts.hostname or "").lower())
        url = f"https://{desktop}{parts.path}" if desktop else ""
        if url_document_id(url):
            return url
    ids = cms_ids(metas, raw)
    if ids is None:
        return ""
    own_file = re.compile(rf"/(?:\d{{8}}|\d{{4}}-\d\d-\d\d)/\d{{4}}{ids[2]}\.s?html$")
    for href in _LINKS_HOLDING(root, number=ids[2]):
        parts = urlsplit(http_url(href))
        if parts.scheme in ("http", "https") and _on_sina(parts.hostname or ""):
            if own_file.search(parts.path):
                return f"https://{parts.netloc}{parts.path}"
    return ""


def cms_ids(metas: dict[str, str], raw: bytes = b"") -> tuple[str, str, str] | None:
    """The old CMS's `(p_id, t_id, d_id)`: from the `publishid` meta (`1,1,20314487`),
    else from the stamp comment at the top of the page (`<!--[1,1,20314487] published
    at …-->`, on pages older than the meta)."""
    publishid = _CMS_TRIPLE.fullmatch(meta(metas, "publishid"))
    if publishid:
        return publishid.group(1, 2, 3)
    stamp = _CMS_STAMP_IDS.search(raw[:4096])
    return tuple(part.decode() for part in stamp.group(1, 2, 3)) if stamp else None


def _on_sina(host: str) -> bool:
    host = host.lower()
    return any(host == domain or host.endswith("." + domain) for domain in SINA_DOMAINS)


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


def document_id(url: str, fetched_url: str, metas: dict[str, str], raw: bytes = b"") -> str:
    """The Sina document id: from the article URL, else the `publishid` meta
    (`<id>` → `i<id>`), else the old CMS's `p_id,t_id,d_id` triple (`p-t-d`, from the
    meta or the page's stamp comment)."""
    found = url_document_id(url) or url_document_id(fetched_url)
    if found:
        return found
    publishid = meta(metas, "publishid")
    if re.fullmatch(r"[0-9a-z]{14}", publishid):
        return "i" + publishid
    ids = cms_ids(metas, raw)
    return "-".join(ids) if ids else ""


def dateline_time(headline: etree._Element) -> datetime | None:
    """The time in a 2004-2005 page's dateline, the row after its headline: the time it
    was first published (its CMS stamp is the last re-publication)."""
    for text in legacy.dateline_texts(headline):
        shown = parse_time(text, visible=True)
        if shown:
            return shown
    return None


def bring_editor_line(body: etree._Element) -> None:
    """Append to the body the `责任编辑` line that a template (finance 2014-2017) puts right
    after the body container, as the others have it inside: when the element next to the
    container (or, when it is its parent's last, next to its parent) is the editor line,
    and the body holds none."""
    container = body
    while container is not None:
        following = next(
            (s for s in container.itersiblings(etree.Element) if s.tag not in _UNSEEN_TAGS), None
        )
        if following is not None:
            if _is_editor_line(following) and "责任编辑" not in text_of(body):
                following.tail = "\n"
                body.append(following)
            return
        container = container.getparent() if container is body else None


def _is_editor_line(element: etree._Element) -> bool:
    return (
        element.tag == "p"
        and not EDITOR_CLASSES.isdisjoint((element.get("class") or "").split())
        and _EDITOR_PREFIX.match(text_of(element)) is not None
    )


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


