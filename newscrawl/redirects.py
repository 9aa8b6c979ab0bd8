"""Redirects of article pages. The spiders follow them themselves (see
`ArticlePageSpider.article_request`): a removed Sina article is redirected to a home or
error page, which is never worth fetching; only a redirect to another URL of the same
article (http → https, `/roll/` → `/china/`, the mobile site → the PC site) is followed."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from newscrawl.sina import url_document_id

REDIRECT_STATUSES = (301, 302, 303, 307, 308)  # those Scrapy's RedirectMiddleware follows


def location(response: Response) -> str:
    """Where an HTTP redirect leads, as an absolute URL; '' without a Location header."""
    header = response.headers.get("Location")
    return response.urljoin(safe_url_string(header)) if header else ""


def refresh_target(response: Response, ignore_tags: Iterable[str], max_delay: float) -> str:
    """Where a page's `<meta http-equiv="refresh">` sends the browser within `max_delay`
    seconds (Scrapy's METAREFRESH_* settings), or ''."""
    if not isinstance(response, TextResponse):
        return ""
    delay, url = get_meta_refresh(response, ignore_tags=ignore_tags)
    return url if url and delay is not None and delay < max_delay else ""


def same_article(url: str, target: str) -> bool:
    """Whether `target` is another URL of the article at `url`: the same document id, or,
    for the old URLs that have none, the same host and path whatever the scheme."""
    doc_id = url_document_id(url)
    if doc_id:
        return url_document_id(target) == doc_id
    if url_document_id(target):
        return False
    a, b = urlsplit(url), urlsplit(target)
    return (a.hostname, a.path) == (b.hostname, b.path)
