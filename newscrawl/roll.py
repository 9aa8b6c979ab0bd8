"""Sina's roll listings: the roll API (`feed.mix.sina.com.cn/api/roll/get`, SINA_PAGES.md §5)
and, as a fallback, the server-rendered list pages (§4); from a response to the articles
it lists. Knows listings, nothing about article pages or files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response, TextResponse

from newscrawl.channels import Channel
from newscrawl.dates import unix_time
from newscrawl.sina import url_document_id

# `try{cb({...});}catch(e){};` or a bare `cb({...});`
_JSONP = re.compile(
    r"^\s*(?:try\s*\{)?\s*[\w$.]+\s*\((?P<json>.*)\)\s*;?\s*"
    r"(?:\}\s*catch\s*\(\s*\w*\s*\)\s*\{[^{}]*\}\s*;?)?\s*$",
    re.S,
)
_COMOS = re.compile(r"comos:([0-9a-z]+)")
LIST_PAGE_LINKS = ("ul.list_009 li a::attr(href)", 'a[href*="/doc-i"]::attr(href)')


class ListingError(Exception):
    """A listing response that lists nothing; the message is the cause, for the log."""


@dataclass(frozen=True)
class Listed:
    """One article as a listing gives it. `doc_id` is '' when the listing does not tell."""

    url: str
    doc_id: str = ""
    listed_at: datetime | None = None  # UTC
    title: str = ""


@dataclass(frozen=True)
class RollPage:
    entries: list[Listed]
    total: int  # what the API says it holds for the list; 0 when it does not say


def api_url(base: str, channel: Channel, page: int, size: int) -> str:
    query = urlencode({"pageid": channel.pageid, "lid": channel.lid, "num": size, "page": page})
    return f"{base}{'&' if '?' in base else '?'}{query}"


def parse_roll(body: bytes) -> RollPage:
    """The articles on one roll-API page. Raises ListingError with the cause when the
    response is not a successful listing (HTML, bad JSON, non-zero `status.code`)."""
    text = decode(body).strip()
    if not text:
        raise ListingError("empty response")
    if text.startswith("<"):
        raise ListingError(f"HTML where JSON was expected: {snippet(text)}")
    try:
        data = json.loads(unwrap_jsonp(text))
    except ValueError:
        raise ListingError(f"not JSON: {snippet(text)}") from None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise ListingError(f"no 'result' object in the JSON: {snippet(text)}")
    status = result.get("status") or {}
    code = status.get("code", 0) if isinstance(status, dict) else status
    if str(code) != "0":
        message = status.get("msg", "") if isinstance(status, dict) else ""
        raise ListingError(f"API status {code}" + (f" {message!r}" if message else ""))
    items = result.get("data") or []
    if not isinstance(items, list):
        raise ListingError(f"'result.data' is not a list: {snippet(text)}")
    entries = [roll_entry(item) for item in items if isinstance(item, dict)]
    return RollPage(entries, _int(result.get("total")))


def unwrap_jsonp(text: str) -> str:
    if text.startswith(("{", "[")):
        return text
    match = _JSONP.match(text)
    return match.group("json") if match else text


def roll_entry(item: dict[str, Any]) -> Listed:
    url = str(item.get("url") or item.get("wapurl") or "").strip()
    comos = _COMOS.fullmatch(str(item.get("docid") or "").strip())
    doc_id = url_document_id(url) or ("i" + comos.group(1) if comos else "")
    listed_at = unix_time(item.get("ctime")) or unix_time(item.get("intime"))
    return Listed(url, doc_id, listed_at, str(item.get("title") or ""))


def list_page_links(response: Response) -> list[Listed]:
    """The article links of a channel or roll list page (`/china/`, `roll/index.d.html`)."""
    if not isinstance(response, TextResponse):
        raise ListingError("not an HTML page")
    hrefs = (href for css in LIST_PAGE_LINKS for href in response.css(css).getall())
    urls = dict.fromkeys(response.urljoin(href.strip()) for href in hrefs)
    return [Listed(url, url_document_id(url)) for url in urls if url_document_id(url)]


def decode(body: bytes) -> str:
    """The API answers UTF-8; old Sina endpoints answered GBK."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def snippet(text: str, size: int = 80) -> str:
    return repr(" ".join(text.split())[:size])


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0
