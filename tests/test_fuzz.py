"""Bad input costs only itself: every input, however broken, ends as an Article (then a post
or a DropItem with a reason), a Listed entry, or a named drop (NotAnArticle, ListingError,
a skipped item with its reason), never another exception.

Hypothesis mutates the fixture pages (tests/fixtures/pages and generated ones), roll-API
answers, list pages and feeds: truncations, byte flips, spliced hostile tags, giant and
out-of-range numbers, control characters in every attribute, deep nesting and brackets.
The parsers run in-process, as the spiders call them. Each test runs a fixed number of
examples, derandomized: the same examples on every run, however fast the machine is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from minipage import t3_page
from pagegen import PageSpec, article_page
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from newscrawl.dates import EARLIEST, FUTURE
from newscrawl.exporters import render_post
from newscrawl.pipelines import HeaderImagePipeline, ValidatePipeline
from newscrawl.roll import Listing, ListingError, list_page_links, parse_roll
from newscrawl.sina import NotAnArticle, parse_article, strip_query
from spiders.feed import feed_entries

PAGES = Path(__file__).parent / "fixtures" / "pages"
ARTICLE_URL = "https://finance.sina.com.cn/china/gncj/2021-10-20/doc-iktzscyy0713985.shtml"
LABEL = "新浪财经－国內"
ITEM_REASONS = {"no-link", "bad-link", "malformed"}


def fuzz(examples: int) -> Callable:
    """A fixed number of examples, the same ones on every run."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --------------------------------------------------------------------------- mutations


def truncate(at: float, data: bytes) -> bytes:
    return data[: int(len(data) * at)]


def flip(at: float, bits: int, data: bytes) -> bytes:
    if not data:
        return data
    i = min(int(len(data) * at), len(data) - 1)
    return data[:i] + bytes([data[i] ^ bits]) + data[i + 1:]


def splice(at: float, piece: bytes, data: bytes) -> bytes:
    i = int(len(data) * at)
    return data[:i] + piece + data[i:]


def nest(at: float, tag: bytes, depth: int, data: bytes) -> bytes:
    return splice(at, tag * depth, data)


_QUOTED = re.compile(rb"""=(["'])(.*?)\1""", re.S)


def controls_in_attributes(char: bytes, where: str, data: bytes) -> bytes:
    """`char` at the start, the end or both ends of every quoted attribute value."""
    before = char if where in ("start", "both") else b""
    after = char if where in ("end", "both") else b""
    return _QUOTED.sub(lambda m: b"=" + m[1] + before + m[2] + after + m[1], data)


_DIGITS = re.compile(rb"\d+")


def numbers(replacement: bytes, at: float | None, data: bytes) -> bytes:
    """Every run of digits (or the first one after `at`) replaced by `replacement`."""
    if at is None:
        return _DIGITS.sub(lambda m: replacement, data)
    match = _DIGITS.search(data, int(len(data) * at))
    return data if match is None else data[:match.start()] + replacement + data[match.end():]


CONTROLS = [bytes([c]) for c in (*range(0x00, 0x20), 0x7F)] + ["\ufffe".encode(), b"\xff"]
NUMBERS = [b"0", b"0001", b"-1", b"99", b"99999999999999", b"9" * 40, b"9" * 5000, b"1e309"]
DEEP_TAGS = [b"<div>", b"<p><span>", b"<b>", b"<a>", b"<table><tr><td>", b"["]


def mutation(splices: list[bytes]) -> st.SearchStrategy[Callable[[bytes], bytes]]:
    at = st.floats(0, 1)
    return st.one_of(
        st.builds(partial, st.just(truncate), at),
        st.builds(partial, st.just(flip), at, st.integers(1, 255)),
        st.builds(partial, st.just(splice), at, st.sampled_from(splices)),
        st.builds(partial, st.just(controls_in_attributes), st.sampled_from(CONTROLS),
                  st.sampled_from(["start", "end", "both"])),
        st.builds(partial, st.just(numbers), st.sampled_from(NUMBERS), st.none() | at),
        st.builds(partial, st.just(nest), at, st.sampled_from(DEEP_TAGS),
                  st.integers(1, 5000)),
    )


def mutated(bases: list[bytes], splices: list[bytes]) -> st.SearchStrategy[bytes]:
    changes = st.lists(mutation(splices), min_size=1, max_size=3)

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = draw(st.sampled_from(bases))
        for change in draw(changes):
            data = change(data)
        return data

    return build()


# --------------------------------------------------------------------------- article pages

PAGE_SPLICES = [
    piece.encode("utf-8") for piece in (
        '<meta name="weibo: article:create_at" content="0001-01-01 00:00:00">',
        '<meta name="weibo: article:create_at" content="99999999999999999999">',
        '<meta property="article:published_time" content="2021-10-20T20:36:14+99:99">',
        '<meta property="article:published_time" content="0001-01-01T00:00:00+08:00">',
        '<span class="date">0001年01月01日 00:00</span>',
        '<span class="date">9999年99月99日 99:99</span>',
        '<span class="date">2021年10月20日 20:36</span>',
        '<!-- [ published at 0001-01-01 00:00:00 ] -->',
        '<a href="\x01\x02javascript:alert(1)">链接</a>',
        '<a href="java\tscript:alert(1)">链接</a>',
        '<a href=" \x00 vbscript:x">链接</a>',
        '<a href="http://[x">链接</a>',
        '<a href="//[x/">链接</a>',
        '<img src="\x01//n.sinaimg.cn/x.jpg" data-src="http://[">',
        '<img src="//[x/y.jpg">',
        '<base href="http://[">',
        '<base href="javascript:x">',
        '<link rel="canonical" href="http://[x/doc-iabcdefg1234567.shtml">',
        '<meta property="og:url" content="http%3A%2F%2F[x">',
        '<meta property="og:url" content="https://finance.sina.com.cn:notaport/doc-iabcdefg1234567.shtml">',
        '<meta property="og:image" content="\x01http://[">',
        '<meta name="publishid" content="1,2,99999999999999999999999">',
        '<meta charset="x-no-such-charset">',
        '<meta charset="utf-16">',
        '<meta http-equiv="Content-Type" content="text/html; charset=gbk">',
        '<h1 class="main-title">\x00\x01\x0b\ufffe</h1>',
        '<div id="artibody"><p>\x01\x0c</p></div>',
        '<div class="share">\x0b</div>\x01',
        '<div id="artibody"></div>',
        "<!--", "<![CDATA[", "<script>", "<style>", "</div></div></div>", "<title>",
        "\ufffe", "\x00", "{% raw %}{{ x }}",
    )
] + [b"\xff\xfe", b"\xef\xbb\xbf", b"\x1b$B"]
NOT_ARTICLES = {"binary.bin", "empty.html", "home.html", "no_body.html", "no_title.html"}
ARTICLE_PAGES = [p.read_bytes() for p in sorted(PAGES.iterdir()) if p.name not in NOT_ARTICLES] + [
    article_page(PageSpec("ifuzzpage000001", "标题", ["正文一。", "正文二。"],
                          datetime(2024, 5, 1, 2, 0, tzinfo=UTC))),
    t3_page("ifuzzpage000002", "标题", '<p>正文<a href="/x">链接</a><img src="//n.sinaimg.cn/a.jpg"></p>'),
]
# Mostly article pages (what most mutations should start from), the other pages too.
PAGE_BASES = 3 * ARTICLE_PAGES + [(PAGES / name).read_bytes() for name in sorted(NOT_ARTICLES)]
CONTENT_TYPES = ["", "text/html", "text/html; charset=utf-8", "text/html; charset=gbk",
                 "text/html; charset=x-bogus", "application/octet-stream"]
PAGE_URLS = [ARTICLE_URL, "file:///saved/page.html", "https://finance.sina.com.cn/x.shtml"]


@pytest.fixture(scope="module")
def pipeline() -> Callable[[object], object]:
    crawler = get_crawler()
    crawler.stats.open_spider()
    header, validate = HeaderImagePipeline(""), ValidatePipeline(crawler)

    def run(item: object) -> object:
        item = validate.process_item(header.process_item(item))
        render_post(item).encode("utf-8")  # as WritePostPipeline writes it
        return item

    return run


def check_article_page(response: Response, listed_at: datetime | None, pipeline) -> None:
    try:
        article = parse_article(response, LABEL, listed_at)
    except NotAnArticle as exc:
        assert re.fullmatch(r"[a-z][a-z0-9-]*", exc.reason)
        return
    assert article.published.tzinfo is not None
    assert EARLIEST <= article.published <= datetime.now(UTC) + FUTURE
    try:
        pipeline(article)
    except DropItem as exc:
        assert str(exc).split(":")[0] in {"invalid"}


@fuzz(600)
@given(
    body=mutated(PAGE_BASES, PAGE_SPLICES),
    content_type=st.sampled_from(CONTENT_TYPES),
    url=st.sampled_from(PAGE_URLS),
    listed_at=st.none() | st.just(datetime(2024, 5, 1, 2, 0, tzinfo=UTC)),
)
def test_article_pages(body, content_type, url, listed_at, pipeline):
    headers = {"Content-Type": content_type} if content_type else {}
    check_article_page(Response(url, body=body, headers=headers), listed_at, pipeline)


# --------------------------------------------------------------------------- roll API


def roll_item(n: int) -> dict:
    doc = f"ifuzzroll{n:06d}"
    seconds = str(1714528800 - 60 * n)
    return {
        "docid": f"comos:{doc[1:]}",
        "url": f"https://finance.sina.com.cn/china/gncj/2024-05-01/doc-{doc}.shtml",
        "wapurl": f"https://finance.sina.cn/china/gncj/2024-05-01/detail-{doc}.d.html",
        "title": f"第{n}条", "intro": "摘要", "media_name": "新华社",
        "ctime": seconds, "intime": seconds, "mtime": seconds,
        "commentid": f"cj:comos-{doc[1:]}:0",
    }


ITEM_KEYS = ["docid", "url", "wapurl", "title", "ctime", "intime"]
HOSTILE_TEXT = [
    "", " ", "99999999999999", "-1", "0", "0001", "1e10", "9" * 5000, " 1714528800 ",
    "\x01\x02javascript:alert(1)", "java\tscript:alert(1)", "http://[x/doc-iabcdefg1234567.shtml",
    "https://finance.sina.com.cn:notaport/doc-iabcdefg1234567.shtml",
    "https://finance.sina.com.cn\x00/doc-iabcdefg1234567.shtml",
    "https://finance.sina.com.cn\uff0f/doc-iabcdefg1234567.shtml",
    "//finance.sina.com.cn/doc-iabcdefg1234567.shtml", "/china/doc-iabcdefg1234567.shtml",
    "comos:", "comos:\ud800", "\ud800", "https://\ud800.sina.com.cn/doc-iabcdefg1234567.shtml",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(HOSTILE_TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)
hostile = st.one_of(
    st.sampled_from(HOSTILE_TEXT), st.integers(), st.integers(-(2**70), 2**70), json_values,
)


ROLL_SPLICES = [b"[" * 100_000, b"{" * 5000, b'"\\ud800"', b"99999999999999", b"<html>",
                b"\xff", b"\x00", b'{"result":', b"]}"]
ITEM_CHANGES = st.dictionaries(st.sampled_from(ITEM_KEYS), hostile, max_size=3)
RESULT_CHANGES = st.dictionaries(st.sampled_from(["status", "total", "data", "end"]), hostile,
                                 max_size=2)
ROLL_MUTATIONS = st.lists(mutation(ROLL_SPLICES), max_size=3)


@st.composite
def roll_answers(draw: st.DrawFn) -> bytes:
    items: list[object] = [{**roll_item(n), **draw(ITEM_CHANGES)}
                           for n in range(draw(st.integers(0, 6)))]
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), draw(json_values))
    result: dict[str, object] = {
        "status": {"code": 0, "msg": "succ"}, "total": len(items), "start": 0, "data": items,
    }
    result.update(draw(RESULT_CHANGES))
    text = json.dumps({"result": result}, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        text = f"try{{jQuery1112_1714528800({text});}}catch(e){{}};"
    body = text.encode("utf-8", "surrogatepass")
    for change in draw(ROLL_MUTATIONS):
        body = change(body)
    return body


def check_listing(listing: Listing) -> None:
    assert listing.total >= 0
    for entry in listing.entries:
        parts = urlsplit(entry.url)
        assert parts.scheme in ("http", "https") and parts.hostname
        Request(strip_query(entry.url))  # what the spider requests
        assert entry.listed_at is None or entry.listed_at >= EARLIEST
    assert {bad.reason for bad in listing.skipped} <= ITEM_REASONS


@fuzz(600)
@given(body=roll_answers())
def test_roll_api_answers(body):
    try:
        listing = parse_roll(body)
    except ListingError:
        return
    check_listing(listing)


# --------------------------------------------------------------------------- list pages


def list_page(count: int = 6) -> bytes:
    links = "".join(
        f'<li><a href="/china/gncj/2024-05-01/doc-ifuzzlist{n:06d}.shtml?cre=tianyi">第{n}条</a>'
        f"<span>(05月01日 10:{n:02d})</span></li>"
        for n in range(count)
    )
    return (
        '<html><head><meta charset="utf-8"><title>国内财经</title></head><body>'
        '<div class="nav"><a href="/">首页</a><a href="javascript:void(0)">更多</a></div>'
        f'<ul class="list_009">{links}</ul>'
        '<a href="https://finance.sina.com.cn/roll/2024-05-01/doc-ifuzzlist999999.shtml">滚动</a>'
        "</body></html>"
    ).encode()


LIST_SPLICES = [
    piece.encode("utf-8") for piece in (
        '<a href="http://[x/doc-iabcdefg1234567.shtml">坏链接</a>',
        '<a href="\x01 /china/doc-iabcdefg1234567.shtml\x02">控制字符</a>',
        '<a href="javascript:/doc-iabcdefg1234567.shtml">脚本</a>',
        '<a href="https://finance.sina.com.cn:99999999/doc-iabcdefg1234567.shtml">端口</a>',
        '<base href="http://[">', '<base href="javascript:x">', "<ul class=\"list_009\"><li>",
    )
]


@fuzz(300)
@given(body=mutated([list_page(), list_page(0), (PAGES / "home.html").read_bytes()],
                    LIST_SPLICES),
       content_type=st.sampled_from(CONTENT_TYPES))
def test_list_pages(body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = HtmlResponse("https://finance.sina.com.cn/china/", body=body, headers=headers)
    check_listing(list_page_links(response))


# --------------------------------------------------------------------------- feeds


def rss(encoding: str = "utf-8") -> bytes:
    items = "".join(
        f"<item><title><![CDATA[第{n}条]]></title>"
        f"<link>https://finance.sina.com.cn/china/gncj/2024-05-01/doc-ifuzzfeed{n:06d}.shtml</link>"
        f"<pubDate>Wed, 01 May 2024 0{n}:00:00 +0800</pubDate>"
        f'<guid isPermaLink="false">{n}</guid></item>'
        for n in range(5)
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>新浪财经</title><link>http://finance.sina.com.cn/china/</link>{items}"
        "</channel></rss>"
    ).encode(encoding)


def atom() -> bytes:
    entries = "".join(
        f'<entry><title>第{n}条</title><id>urn:{n}</id>'
        f'<link rel="alternate" href="https://finance.sina.com.cn/roll/2024-05-01/doc-ifuzzatom{n:06d}.shtml"/>'
        f"<published>2024-05-01T0{n}:00:00+08:00</published></entry>"
        for n in range(5)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>国内财经</title><id>urn:feed</id>{entries}</feed>"
    ).encode()


FEED_SPLICES = [
    piece.encode("utf-8") for piece in (
        "<item><link>http://[x/doc-iabcdefg1234567.shtml</link>"
        "<pubDate>Mon, 01 Jan 0001 00:00:00 +9999</pubDate></item>",
        "<item><link> </link><title>无链接</title><pubDate>99999999999999</pubDate></item>",
        "<item><guid>javascript:alert(1)</guid><dc:date>0001-01-01T00:00:00+99:99</dc:date></item>",
        '<entry><link href="&#1;javascript:alert(1)"/><published>0001-01-01T00:00:00+99:99</published></entry>',
        '<entry><link href="/relative/doc-iabcdefg1234567.shtml"/><updated>9999-99-99</updated></entry>',
        "<pubDate>Wed, 01 May 99999 00:00:00 +0800</pubDate>",
        "<pubDate>Wed, 01 May 2024 00:00:00 -9999</pubDate>",
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
        "&b;", "<![CDATA[", "<!--", "</channel>",
    )
]


@fuzz(400)
@given(body=mutated([rss(), rss("gb2312"), atom()], FEED_SPLICES))
def test_feeds(body):
    try:
        listing = feed_entries(body)
    except ListingError:
        return
    check_listing(listing)
