"""Reading a page: from a response's bytes to its text and parse tree, in its true encoding.

A declaration may lie (GBK bytes sent as `utf-8` by the header, the `<meta>` or a BOM, or
UTF-8 bytes declared `gb2312`), and libxml2 would rather "recover" than say so: it turns
bytes it cannot decode into U+FFFD, reports at most 100 errors a document, and stops at
its nesting limit without a word. Here a page is read in the first encoding that decodes
all of it, or else with its undecodable bytes marked, and a page the parser could not read
to its end is refused.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lxml import etree
from scrapy.http import HtmlResponse, Response
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from newscrawl.urls import page_base_url


class NotAnArticle(Exception):
    """The page cannot become a post. `reason` is a short slug used in stats keys."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# Where a page's bytes decode in no encoding tried, the text holds this noncharacter (for a
# process's internal use, says Unicode) instead of U+FFFD: a U+FFFD the bytes really encode
# (EF BF BD in UTF-8) stays, and the parse can tell the article's text from the rest. (A
# page holding U+FDD0 of its own and undecodable bytes is taken as if both were undecodable:
# refused rather than wrong.)
UNDECODABLE = "\ufdd0"
_MARK_ERRORS = "newscrawl-undecodable"
codecs.register_error(_MARK_ERRORS, lambda error: (UNDECODABLE, error.end))

# What Sina has ever served: tried after the declared encodings (gb2312 and gbk are read
# as their superset gb18030, as w3lib resolves them).
FALLBACK_ENCODINGS = ("utf-8", "gb18030")
_LATE_META_CHARSET = re.compile(rb"<meta\b[^>]*charset[^>]*>", re.I)
_ENCODING_ERRORS = {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_ENCODING}
# libxml2 (2.13+) reports at most this many errors a document, then falls silent: past
# them, an invalid byte goes unreported.
_LIBXML2_MAX_ERRORS = 100
_UTF8_EVIDENCE = 8  # multi-byte characters (see _looks_utf8)
_DEPTH_LIMIT = re.compile(r"[Ee]xcessive depth in document: (\d+)")


@dataclass(frozen=True)
class Reading:
    """A page as read: `page` (the response, BOM removed, in the encoding it was read in)
    and `root`, its parse tree. `undecodable` counts the byte sequences that no encoding
    tried could decode; each is an UNDECODABLE character in the tree."""

    page: HtmlResponse
    root: etree._Element
    undecodable: int = 0


def read_page(response: Response) -> Reading:
    """`response` read in its true encoding, with its tree as `page.selector` would have it.

    Bytes that are UTF-8 (valid, or damaged after a good stretch: `_looks_utf8`) are read
    as UTF-8, whatever the declarations say: GBK text practically never is valid UTF-8,
    while UTF-8 Chinese often happens to decode as GB18030, into mojibake. Other bytes are
    read in the first encoding that decodes them all among the declared ones, in this
    order: the BOM's, the HTTP header's charset, the page's own `<meta>` (anywhere in the
    first 64 KiB, never a `<script charset=...>`); then GB18030. When none does, in the one
    of these or UTF-8 that leaves the fewest undecodable sequences, which are marked (see
    `Reading`).

    Two savings count at hundreds of pages a second: lxml's plain HTML parser (lxml.html's
    calls back into Python for every element handed out), and, for UTF-8, the body's own
    bytes parsed as they are, libxml2 telling whether they are valid, instead of a Python
    decode to check them, then parsel's decode and encode back (a few megabytes of
    allocation per page).

    Raises NotAnArticle for an empty or binary body, and for a page nested deeper than
    the parser reads (`too-deep`: libxml2 would drop the rest of the page silently).
    """
    body = response.body
    if not body or body.isspace():
        raise NotAnArticle("empty", "the response body is empty")
    if b"\x00" in body[:4096]:
        raise NotAnArticle("binary", "the response is not text")
    bom_encoding, bom = read_bom(body)
    content = body[len(bom):] if bom else body
    header = http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
    declared = _unique((bom_encoding, header, _meta_encoding(content)))
    if not declared or declared[0] == "utf-8" or _looks_utf8(content):
        reading = _utf8_reading(response, content)
        if reading is not None:
            return reading
        if _looks_utf8(content):
            return _lossy_reading(response, content, ["utf-8"])
    candidates = _unique((*declared, *FALLBACK_ENCODINGS))
    for encoding in candidates:  # (UTF-8 is known not to decode them by now)
        text = None if encoding == "utf-8" else _decoded(content, encoding)
        if text is not None:
            return _text_reading(response, content, encoding, text)
    return _lossy_reading(response, content, candidates)


def _unique(encodings: tuple[str | None, ...]) -> list[str]:
    """The encodings (by codec name) that can be tried, in order, each once. Only
    ASCII-compatible ones: a body in UTF-16 or UTF-32 has NUL bytes and is refused as binary,
    and a `<meta>` that could be read in ASCII cannot be UTF-16 (HTML reads it as UTF-8)."""
    names: list[str] = []
    for encoding in encodings:
        try:
            name = codecs.lookup(encoding).name if encoding else ""
        except LookupError:
            continue
        if name and name not in names and _ascii_compatible(name):
            names.append(name)
    return names


def _ascii_compatible(encoding: str) -> bool:
    """Whether ASCII text reads the same in `encoding` (UTF-8, GBK, Big5, ...; not UTF-16)."""
    try:
        return "<a class=x>".encode(encoding) == b"<a class=x>"
    except LookupError:
        return False


def _looks_utf8(content: bytes) -> bool:
    """Whether `content` is UTF-8: valid, or damaged (cut in the middle of a character,
    bytes of another encoding mixed in) after at least _UTF8_EVIDENCE valid multi-byte
    characters, which GBK text practically never makes: the odds fall about sixfold a
    character, to less than one in a million for eight."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:  # (at once, on GBK)
        valid = content[: error.start].decode("utf-8")
        return len(valid) - len(valid.encode("ascii", "ignore")) >= _UTF8_EVIDENCE
    return True


def _utf8_reading(response: Response, content: bytes) -> Reading | None:
    """`content` read as UTF-8, parsed from its own bytes when it can be; None when it is
    not valid UTF-8."""
    data = _as_parsed(content)
    if data is None:
        text = _decoded(content, "utf-8")
        return None if text is None else _text_reading(response, content, "utf-8", text)
    # as scrapy.utils.response.get_base_url: the first 4096 characters of page.text
    base_url = page_base_url(data[:16384].decode("utf-8", "ignore")[:4096], response.url, "utf-8")
    root, errors = _parse(data, base_url)
    if any(error.type in _ENCODING_ERRORS for error in errors):
        return None
    if len(errors) >= _LIBXML2_MAX_ERRORS and _decoded(content, "utf-8") is None:
        return None  # an invalid byte past the errors libxml2 reports
    _check_read_to_the_end(errors)
    return Reading(response.replace(cls=HtmlResponse, body=content, encoding="utf-8"), root)


def _as_parsed(content: bytes) -> bytes | None:
    """The bytes parsel would parse for a body that is valid UTF-8: `page.text` stripped
    and encoded back. Without NUL bytes or non-ASCII white space at either end, those are
    the body's own bytes, ASCII white space stripped; else None."""
    if b"\x00" in content:
        return None
    stripped = content.strip()
    head = stripped[:4].decode("utf-8", "ignore")[:1]
    tail = stripped[-4:].decode("utf-8", "ignore")[-1:]
    if not stripped or head.isspace() or tail.isspace():
        return None
    return stripped


def _text_reading(
    response: Response, content: bytes, encoding: str, text: str, undecodable: int = 0
) -> Reading:
    """The page whose `content` decodes to `text` in `encoding` (with `undecodable`
    sequences marked), parsed as parsel parses a text (`create_root_node`)."""
    page = response.replace(cls=HtmlResponse, body=content, encoding=encoding)
    data = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root, errors = _parse(data, page_base_url(text[:4096], page.url, encoding))
    _check_read_to_the_end(errors)
    return Reading(page, root, undecodable)


def _lossy_reading(response: Response, content: bytes, candidates: list[str]) -> Reading:
    """The page in the encoding that leaves the fewest undecodable sequences (the earliest
    tried among equals), each marked UNDECODABLE."""
    decoded = [(content.decode(encoding, _MARK_ERRORS), encoding) for encoding in candidates]
    counted = [(text.count(UNDECODABLE), i) for i, (text, _) in enumerate(decoded)]
    errors, best = min(counted)
    text, encoding = decoded[best]
    return _text_reading(response, content, encoding, text, errors)


def _parse(data: bytes, base_url: str) -> tuple[etree._Element, etree._ListErrorLog]:
    """The tree of UTF-8 `data` as parsel builds it (an empty `html` when nothing parses),
    and the parser's error log."""
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(data, parser=parser, base_url=base_url)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser, base_url=base_url)
    return root, parser.error_log


def _check_read_to_the_end(errors: etree._ListErrorLog) -> None:
    """Raises NotAnArticle when libxml2 stopped before the end of the page: at its nesting
    limit (256 elements deep, 2048 with `huge_tree`) it drops the rest of the document,
    reporting it (even past its error limit) as ERR_RESOURCE_LIMIT."""
    for error in errors:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            depth = _DEPTH_LIMIT.search(error.message)
            if depth:
                raise NotAnArticle(
                    "too-deep",
                    f"elements nested more than {depth.group(1)} deep: the HTML parser"
                    " stops there and the rest of the page would be lost",
                )
            raise NotAnArticle("too-large", f"beyond the HTML parser's limits: {error.message}")


def _meta_encoding(body: bytes) -> str | None:
    declared = html_body_declared_encoding(body)
    if declared:
        return declared
    for tag in _LATE_META_CHARSET.finditer(body[:65536]):
        declared = html_body_declared_encoding(tag.group())
        if declared:
            return declared
    return None


def _decoded(data: bytes, encoding: str) -> str | None:
    """`data` decoded, or None when some bytes do not decode in `encoding`."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None
