"""Links as a browser reads them (the URL standard's first steps), for the links of a page
and the items of a listing, whatever control characters or spaces they hold."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

from w3lib.html import get_base_url
from w3lib.url import safe_url_string

_C0_OR_SPACE = "".join(map(chr, range(0x21)))  # trimmed at both ends
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")  # removed anywhere: `java\tscript:` is `javascript:`
# Left inside: percent-encoded, as browsers do (and XML, so lxml, cannot hold most of them).
_CONTROL = re.compile("[\x00-\x1f\x7f\ufffe\uffff]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def browser_url(href: str) -> str:
    """`href` as a browser reads it: C0 controls and spaces trimmed at both ends, tabs and
    line breaks dropped, other control characters percent-encoded."""
    url = _TAB_OR_NEWLINE.sub("", href.strip(_C0_OR_SPACE))
    return _CONTROL.sub(lambda m: quote(m.group()), url)


def scheme(url: str) -> str:
    """The scheme of `url` in lower case (`javascript`), or '' for a relative URL."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def http_url(href: str, base: str = "") -> str:
    """`href` as a browser reads it, made absolute against `base`: an http(s) URL with a
    host, that a Scrapy Request takes; '' when it is none."""
    url = browser_url(href)
    try:
        url = urljoin(base, url) if base else url
        parts = urlsplit(url)
        safe_url_string(url)  # what Request does with it: raises on a port that is none, ...
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.hostname else ""


def page_base_url(head: str, url: str, encoding: str) -> str:
    """What the relative links of a page fetched from `url` are relative to: the
    `<base href>` in its `head` (its first 4096 characters, as Scrapy reads them) when that
    is a URL, else `url`."""
    try:
        return get_base_url(head, url, encoding)
    except ValueError:  # `<base href="http://[">`
        return url
