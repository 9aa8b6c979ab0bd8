"""Bad input costs only itself: a date that cannot be a date is absent (the next source of
FORMAT.md's order is used), a bad listing item is skipped with its reason while the rest of
its listing goes on, and a hostile link is sanitised, not fatal to its page."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from minipage import t3_page
from pagegen import PageSpec, article_page
from scrapy.http import HtmlResponse, Response

from newscrawl.clean import clean_body
from newscrawl.dates import feed_time, parse_time, unix_time
from newscrawl.roll import ListingError, list_page_links, parse_roll
from newscrawl.sina import NotAnArticle, parse_article
from spiders.feed import feed_entries

T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
LISTED = datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
BASE = "https://finance.sina.com.cn/china/gncj/2024-05-01/doc-ibadinput000001.shtml"


def page(**replacements: str) -> bytes:
    """A T3 page of 2024-05-01 10:00 Beijing time whose date texts are replaced."""
    text = article_page(PageSpec("ibadinput000001", "标题", ["正文。"], T0)).decode()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


CREATE_AT = '"weibo: article:create_at" content="2024-05-01 10:00:00"'
SHOWN = "2024年05月01日 10:00"
PUBLISHED = '"article:published_time" content="2024-05-01T10:00:00+08:00"'
STAMP = "published at 2024-05-01 10:00:00"


def parse(body: bytes, listed_at: datetime | None = None):
    return parse_article(Response(BASE, body=body), "新浪财经－国內", listed_at)


# --------------------------------------------------------------------------- dates

YEAR_1 = {
    CREATE_AT: '"weibo: article:create_at" content="0001-01-01 00:00:00"',
    SHOWN: "0001年01月01日 00:00",
    PUBLISHED: '"article:published_time" content="0001-01-01T00:00:00+08:00"',
    STAMP: "published at 0001-01-01 00:00:00",
}


def test_a_page_whose_dates_are_all_year_1_has_no_date():
    with pytest.raises(NotAnArticle) as caught:
        parse(page(**YEAR_1))
    assert caught.value.reason == "no-date"


def test_a_page_whose_dates_are_all_year_1_takes_the_listing_time():
    assert parse(page(**YEAR_1), LISTED).published == LISTED


def test_an_impossible_offset_yields_to_the_next_source():
    impossible = {
        CREATE_AT: '"weibo: article:create_at" content=""',
        SHOWN: "",
        PUBLISHED: '"article:published_time" content="2024-05-01T09:00:00+99:99"',
    }
    assert parse(page(**impossible), LISTED).published == LISTED
    # without a listing time: the CMS stamp, the last source
    assert parse(page(**impossible)).published == T0


def test_a_visible_date_that_cannot_be_yields_to_the_published_time():
    body = page(**{CREATE_AT: '"weibo: article:create_at" content="2024-13-45 99:99:99"',
                   SHOWN: "2024年13月45日 25:61"})
    assert parse(body).published == T0


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01 00:00:00", "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-23:59",
        "2021-10-20T20:36:14+99:99", "2021-10-20 20:36:14 +9999", "99999999999999999999",
        "2999-01-01 00:00:00", "1970-01-01 08:00:00", "2021-10-20" + " 20:36:14" * 100,
    ],
)
def test_meta_times_that_cannot_be_are_absent(text):
    assert parse_time(text) is None


@pytest.mark.parametrize("text", ["0001年01月01日 00:00", "2021年13月45日 25:61",
                                  "9999.12.31 23:59", "2021年02月30日 10:00"])
def test_visible_times_that_cannot_be_are_absent(text):
    assert parse_time(text, visible=True) is None


@pytest.mark.parametrize(
    "value",
    ["99999999999999", 99999999999999, -1, "0", "", "9" * 5000, "1e10", 1.5e9, True, None,
     [1714528800], {"s": 1}, 2**70],
)
def test_unix_times_that_cannot_be_are_absent(value):
    assert unix_time(value) is None


def test_unix_times_as_the_api_sends_them():
    assert unix_time("1714528800") == unix_time(1714528800) == T0


@pytest.mark.parametrize(
    "text",
    ["Mon, 01 Jan 0001 00:00:00 +0800", "Wed, 01 May 99999 00:00:00 +0800",
     "Wed, 01 May 2024 00:00:00 +9999", "0001-01-01T00:00:00+99:99", "", "yesterday"],
)
def test_feed_times_that_cannot_be_are_absent(text):
    assert feed_time(text) is None


def test_feed_times_as_feeds_state_them():
    assert feed_time("Wed, 01 May 2024 10:00:00 +0800") == T0
    assert feed_time("2024-05-01T10:00:00+08:00") == T0
    assert feed_time("Wed, 01 May 2024 10:00:00") == T0  # no zone: Beijing time


# --------------------------------------------------------------------------- listings


def roll(items: list, **result: object) -> bytes:
    data = {"status": {"code": 0, "msg": "succ"}, "total": len(items), "data": items, **result}
    return json.dumps({"result": data}).encode()


def item(n: int, **changes: object) -> dict:
    doc = f"ibadroll{n:07d}"
    fields = {"docid": f"comos:{doc[1:]}", "title": f"第{n}条", "ctime": "1714528800",
              "url": f"https://finance.sina.com.cn/roll/2024-05-01/doc-{doc}.shtml"}
    return {**fields, **changes}


def test_a_roll_item_with_an_impossible_ctime_is_listed_with_the_page_around_it():
    listing = parse_roll(roll([item(1), item(2, ctime="99999999999999"), item(3)]))
    assert [e.doc_id for e in listing.entries] == ["ibadroll0000001", "ibadroll0000002",
                                                   "ibadroll0000003"]
    assert [e.listed_at for e in listing.entries] == [T0, None, T0]
    # intime is the next source
    again = parse_roll(roll([item(2, ctime="99999999999999", intime="1714525200")]))
    assert again.entries[0].listed_at == LISTED


def test_a_roll_answer_of_deep_brackets_is_a_listing_error():
    with pytest.raises(ListingError, match="not JSON"):
        parse_roll(b"[" * 100_000)


def test_bad_roll_items_are_skipped_with_their_reason():
    listing = parse_roll(roll([
        item(1),
        42,
        item(2, url="", wapurl=None),
        item(3, url="http://[x/doc-ibadroll0000003.shtml"),
        item(4, url="\x01\x02javascript:alert(1)"),
        item(5, url=["not", "a", "string"], wapurl=" https://finance.sina.cn/doc-ibadroll0000005.d.html "),
        item(6),
    ], total="-5"))
    assert [e.doc_id for e in listing.entries] == ["ibadroll0000001", "ibadroll0000005",
                                                   "ibadroll0000006"]
    assert listing.entries[1].url == "https://finance.sina.cn/doc-ibadroll0000005.d.html"
    assert [(bad.reason, bad.detail) for bad in listing.skipped] == [
        ("malformed", "that is not an object: 42"),
        ("no-link", "without a link (title '第2条')"),
        ("bad-link", "with a link that is no http(s) URL: 'http://[x/doc-ibadroll0000003.shtml'"),
        ("bad-link", r"with a link that is no http(s) URL: '\x01\x02javascript:alert(1)'"),
    ]
    assert listing.total == 0  # a count that cannot be is not stated


@pytest.mark.parametrize(
    "total, expected", [(120, 120), ("120", 120), ("-1", 0), ("9" * 5000, 0), (1e300, 0),
                        ([1], 0), (None, 0), (True, 0)],
)
def test_roll_totals(total, expected):
    assert parse_roll(roll([item(1)], total=total)).total == expected


def test_a_bad_link_on_a_list_page_is_skipped_with_the_rest_listed():
    body = """<html><head><meta charset="utf-8"><base href="http://["></head><body>
        <ul class="list_009">
        <li><a href="https://finance.sina.com.cn/roll/2024-05-01/doc-ibadlist0000001.shtml">一</a></li>
        <li><a href="http://[x/doc-ibadlist0000002.shtml">二</a></li>
        <li><a href="\x01 https://finance.sina.com.cn/roll/2024-05-01/doc-ibadlist0000003.shtml\n">三</a></li>
        </ul></body></html>"""
    response = HtmlResponse("https://finance.sina.com.cn/roll/", body=body.encode())
    listing = list_page_links(response)
    assert [e.doc_id for e in listing.entries] == ["ibadlist0000001", "ibadlist0000003"]
    assert [bad.reason for bad in listing.skipped] == ["bad-link"]


def test_bad_feed_entries_are_skipped_and_bad_dates_absent():
    feed = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
        <item><title>一</title><link>https://finance.sina.com.cn/roll/2024-05-01/doc-ibadfeed0000001.shtml</link>
        <pubDate>Mon, 01 Jan 0001 00:00:00 +9999</pubDate></item>
        <item><title>二</title><pubDate>Wed, 01 May 2024 10:00:00 +0800</pubDate></item>
        <item><title>三</title><link>javascript:alert(1)</link></item>
        <item><title>四</title><link>https://finance.sina.com.cn/roll/2024-05-01/doc-ibadfeed0000004.shtml</link>
        <pubDate>Wed, 01 May 2024 10:00:00 +0800</pubDate></item>
        </channel></rss>"""
    listing = feed_entries(feed.encode())
    assert [(e.doc_id, e.listed_at) for e in listing.entries] == [
        ("ibadfeed0000001", None), ("ibadfeed0000004", T0)]
    assert [bad.reason for bad in listing.skipped] == ["no-link", "bad-link"]


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    "href",
    ["\x01\x02javascript:alert(1)", " \x1fjavascript:alert(1)", "java\tscript:alert(1)",
     "\njava\nscript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)",
     "data:text/html,<script>alert(1)</script>", "http://[x/"],
)
def test_a_link_that_is_no_web_address_becomes_its_text(href):
    body = clean_body(f'<p>前<a href="{href}">链接</a>后</p>', BASE)
    assert body == "<p>前链接后</p>"


def test_control_characters_inside_a_link_are_percent_encoded_as_browsers_do():
    body = clean_body('<p><a href="\x01 /a/b\x02c?d=\x7f \x1f">链接</a></p>', BASE)
    assert 'href="https://finance.sina.com.cn/a/b%02c?d=%7F"' in body


def test_a_page_with_a_control_character_link_is_sanitised_not_lost():
    body = t3_page("ibadlink0000001", "标题",
                   '<p>正文<a href="\x01\x02javascript:alert(1)">点这里</a>。</p>'
                   '<p><img src="\x01//n.sinaimg.cn/a.jpg">\x0b图<span class="share">分享</span>\x01</p>')
    article = parse_article(Response(BASE, body=body))
    assert "<p>正文点这里。</p>" in article.body
    assert '<img src="https://n.sinaimg.cn/a.jpg"' in article.body
    assert "javascript" not in article.body and "分享" not in article.body


def test_a_base_href_that_is_no_url_leaves_the_page_its_own_url():
    body = t3_page("ibadbase0000001", "标题", '<p>正文<a href="/x">链接</a></p>').replace(
        b"<head>", b'<head><base href="http://[">')
    article = parse_article(Response(BASE, body=body))
    assert 'href="https://finance.sina.com.cn/x"' in article.body


def test_a_canonical_url_that_is_no_url_yields_to_the_next_candidate():
    body = page(**{'property="og:url" content="': 'property="og:url" content="http://[x/'})
    assert parse(body).url == BASE
