"""Sina's roll listings: the roll API (`feed.mix.sina.com.cn/api/roll/get`, SINA_PAGES.md §5)
and, as a fallback, the server-rendered list pages (§4); from a response to the articles
it lists. Knows listings, nothing about article pages or files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlencode

from parsel import Selector
from scrapy.http import Response, TextResponse

from newscrawl.channels import Channel
from newscrawl.dates import unix_time
from newscrawl.sina import url_document_id
from newscrawl.urls import http_url, page_base_url

# `try{cb({...});}catch(e){};` or a bare `cb({...});`
_JSONP = re.compile(
    r"^\s*(?:try\s*\{)?\s*[\w$.]+\s*\((?P<json>.*)\)\s*;?\s*"
    r"(?:\}\s*catch\s*\(\s*\w*\s*\)\s*\{[^{}]*\}\s*;?)?\s*$",
    re.S,
)
_COMOS = re.compile(r"comos:([0-9a-z]+)")
LIST_PAGE_LINKS = ("ul.list_009 li a::attr(href)", 'a[href*="/doc-i"]::attr(href)')
T = TypeVar("T")


class ListingError(Exception):
    """A listing response that lists nothing; the message is the cause, for the log."""


class BadItem(Exception):
    """One item of a listing that cannot be used; `reason` is a slug for the stats,
    `detail` says which item, for the log."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Listed:
    """One article as a listing gives it. `doc_id` is '' when the listing does not tell."""

    url: str  # http(s), absolute
    doc_id: str = ""
    listed_at: datetime | None = None  # UTC
    title: str = ""


@dataclass(frozen=True)
class Listing:
    """What one listing response lists: its usable entries, in order, and the items
    skipped as unusable (one bad item costs only itself)."""

    entries: list[Listed]
    skipped: list[BadItem] = field(default_factory=list)
    total: int = 0  # what the roll API says it holds for the list; 0 when it does not say


def listing(items: Iterable[T], entry: Callable[[T], Listed], total: int = 0) -> Listing:
    """The Listing of `items`, each made an entry by `entry` (which raises BadItem)."""
    entries, skipped = [], []
    for item in items:
        try:
            entries.append(entry(item))
        except BadItem as bad:
            skipped.append(bad)
    return Listing(entries, skipped, total)


def listed(
    link: str, title: str = "", listed_at: datetime | None = None, doc_id: str = "",
    base: str = "",
) -> Listed:
    """A listing's item with a link: `link` made absolute against `base` (as a browser
    reads it), its document id from the link, else `doc_id`. Raises BadItem when there is
    no link, or none that can be requested."""
    if not link.strip():
        raise BadItem("no-link", f"without a link (title {snippet(title)})")
    url = http_url(link, base)
    if not url:
        raise BadItem("bad-link", f"with a link that is no http(s) URL: {snippet(link)}")
    return Listed(url, url_document_id(url) or doc_id, listed_at, title)


def api_url(base: str, channel: Channel, page: int, size: int) -> str:
    query = urlencode({"pageid": channel.pageid, "lid": channel.lid, "num": size, "page": page})
    return f"{base}{'&' if '?' in base else '?'}{query}"


def parse_roll(body: bytes) -> Listing:
    """The articles on one roll-API page. Raises ListingError with the cause when the
    response is not a successful listing (HTML, bad JSON, non-zero `status.code`)."""
    text = decode(body).strip()
    if not text:
        raise ListingError("empty response")
    if text.startswith("<"):
        raise ListingError(f"HTML where JSON was expected: {snippet(text)}")
    try:
        data = json.loads(unwrap_jsonp(text))
    except (ValueError, RecursionError):  # (nested deeper than Python's stack)
        raise ListingError(f"not JSON: {snippet(text)}") from None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise ListingError(f"no 'result' object in the JSON: {snippet(text)}")
    status = result.get("status") or {}
    code = status.get("code", 0) if isinstance(status, dict) else status
    if code not in (0, "0"):
        message = status.get("msg") if isinstance(status, dict) else ""
        raise ListingError(
            f"API status {describe(code)}" + (f" {describe(message)}" if message else "")
        )
    items = result.get("data") or []
    if not isinstance(items, list):
        raise ListingError(f"'result.data' is not a list: {snippet(text)}")
    return listing(items, roll_entry, count(result.get("total")))


def unwrap_jsonp(text: str) -> str:
    if text.startswith(("{", "[")):
        return text
    match = _JSONP.match(text)
    return match.group("json") if match else text


def roll_entry(item: Any) -> Listed:
    """One item of `result.data`; raises BadItem when it is not an article's object."""
    if not isinstance(item, dict):
        raise BadItem("malformed", f"that is not an object: {describe(item)}")
    link = _text(item.get("url")) or _text(item.get("wapurl"))
    comos = _COMOS.fullmatch(_text(item.get("docid")).strip())
    listed_at = unix_time(item.get("ctime")) or unix_time(item.get("intime"))
    doc_id = "i" + comos.group(1) if comos else ""
    return listed(link, _text(item.get("title")), listed_at, doc_id)


def list_page_links(response: Response) -> Listing:
    """The article links of a channel or roll list page (`/china/`, `roll/index.d.html`);
    links to other pages are not listed."""
    if not isinstance(response, TextResponse):
        raise ListingError("not an HTML page")
    base = page_base_url(response.text[:4096], response.url, response.encoding)
    # (a Selector of its own: Scrapy's `response.css` fails on a `<base href>` that is no URL)
    page = Selector(text=response.text, type="html", base_url=base)
    hrefs = (href for css in LIST_PAGE_LINKS for href in page.css(css).getall())
    links = dict.fromkeys(http_url(href, base) or href for href in hrefs)  # (a bad one as it is)
    return listing((link for link in links if url_document_id(link)), partial(listed, base=base))


def decode(body: bytes) -> str:
    """The API answers UTF-8; old Sina endpoints answered GBK."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def snippet(text: str, size: int = 80) -> str:
    return repr(" ".join(text.split())[:size])


def describe(value: Any) -> str:
    """A JSON value for a log line: a string or number as it reads (shortened), an array
    or object by its kind only."""
    if isinstance(value, str):
        return snippet(value)
    if isinstance(value, list | dict):
        return "an array" if isinstance(value, list) else "an object"
    return json.dumps(value)


def count(value: Any) -> int:
    """A count the API states (as a number or a string): a whole number >= 0, else 0."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return 0
    try:
        return max(0, int(value))
    except ValueError:  # (not digits, or more digits than Python converts)
        return 0


def _text(value: Any) -> str:
    """A string field of an item ('' when the field is anything else)."""
    return value if isinstance(value, str) else ""
