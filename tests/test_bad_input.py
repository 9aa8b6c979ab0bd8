"""Bad input costs only itself: a date that cannot be a date is absent (the next source of
FORMAT.md's order is used), and a hostile link is sanitised, not fatal to its page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from minipage import t3_page
from pagegen import PageSpec, article_page
from scrapy.http import Response

from newscrawl.clean import clean_body
from newscrawl.dates import feed_time, parse_time, unix_time
from newscrawl.sina import NotAnArticle, parse_article

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
