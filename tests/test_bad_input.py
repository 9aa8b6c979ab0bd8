"""Bad input costs only itself: a date that cannot be a date is absent (the next source of
FORMAT.md's order is used)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pagegen import PageSpec, article_page
from scrapy.http import Response

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
