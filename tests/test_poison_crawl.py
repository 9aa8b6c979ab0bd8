"""Poison among good input, in a real `scrapy crawl`: the good is written, each bad input
is named in one WARNING (or, for a listing no parser can read, its channel's ERROR), and
the run goes on to exit status 0. A parser bug is injected with tests/parse_faults.py."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from localserver import Answer, LocalServer, scrapy_crawl, settings_args
from pagegen import PageSpec, article_page
from parse_faults import MARK, ORDER
from test_finance import (
    LocalSina,
    Story,
    channel,
    check_post,
    crawl,
    json_answer,
    posts,
    stat,
    write_channels,
)

IN_BODY = '<div class="article" id="artibody" data-sudaclick="blk_content">'
UNDATED = {  # what a PageSpec(dated=False) page holds in place of its dates
    '<meta name="weibo: article:create_at" content="">':
        '<meta name="weibo: article:create_at" content="{create_at}">',
    '<meta property="article:published_time" content="">':
        '<meta property="article:published_time" content="{published}">',
    '<div class="date-source" data-sudaclick="content_media_p">':
        '<div class="date-source" data-sudaclick="content_media_p">{shown}',
}


def serve_page(site: LocalSina, story: Story, create_at: str = "", published: str = "",
               shown: str = "", body_html: str = "") -> None:
    """Serve `story` as a page without dates of its own but those given, and `body_html`
    at the top of its body."""
    spec = PageSpec(story.doc_id, story.title, story.paragraphs, story.created, dated=False)
    text = article_page(spec).decode()
    values = {"create_at": create_at, "published": published, "shown": shown}
    for old, new in UNDATED.items():
        assert old in text
        text = text.replace(old, new.format(**values))
    text = text.replace(IN_BODY, IN_BODY + body_html)
    answer = Answer(200, text.encode(), {"Content-Type": "text/html; charset=utf-8"})
    site.server.route(story.path, answer)


def log_lines(result: subprocess.CompletedProcess[str], level: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if f"] {level}:" in line]


@pytest.fixture
def site():
    with LocalServer() as server:
        yield LocalSina(server)


def test_poison_among_good_input_costs_only_itself(site: LocalSina, tmp_path: Path) -> None:
    out = tmp_path / "out"
    good = [site.story("gd", n) for n in range(1, 4)]
    year_1 = site.story("yr", 1)
    serve_page(site, year_1, "0001-01-01 00:00:00", "0001-01-01T00:00:00+08:00",
               '<span class="date">0001年01月01日 00:00</span>')
    offset = site.story("of", 1)  # its only date is impossible: the API's time is used
    serve_page(site, offset, published="2024-05-01T09:00:00+99:99")
    script = site.story("js", 1)
    serve_page(site, script, create_at=f"{script.created + timedelta(hours=8):%Y-%m-%d %H:%M:%S}",
               body_html='<p><a href="\x01\x02javascript:alert(1)">点这里</a></p>')
    buggy = site.story("bg", 1)
    serve_page(site, buggy, body_html=f"<!-- {MARK.decode()} -->")
    site.listing(1, [
        site.item(good[0]),
        {**site.item(year_1), "ctime": "99999999999999", "intime": "-1"},
        site.item(offset),
        42,
        {**site.item(good[1]), "url": "", "wapurl": ""},  # no link: skipped
        {**site.item(script)},
        {**site.item(good[2]), "url": "http://[x/doc-igd00000000003.shtml", "wapurl": ""},
        site.item(buggy),
    ])
    site.answers[2] = lambda path: Answer(200, b"[" * 100_000, {"Content-Type": "application/json"})
    # A roll page the spider fails to parse: the channel falls back to its list page.
    listed = site.story("lp", 1)
    site.server.page("/lp/", f'<html><body><ul class="list_009"><li><a href="{listed.path}">'
                             f"{listed.title}</a></li></ul></body></html>".encode())
    site.answers[3] = lambda path: json_answer({"result": {"status": {"code": 0, "msg": MARK.decode()},
                                                           "data": [site.item(listed)]}})
    channels = write_channels(tmp_path, [channel("china", 1), channel("deep", 2),
                                         channel("buggy", 3, site.server.url("/lp/"))])
    middlewares = json.dumps({"newscrawl.middlewares.ParseErrorMiddleware": 950,
                              "tests.parse_faults.RaiseWhileParsing": ORDER})

    result = crawl(site, out, channels, "channels=china,deep,buggy", ROLL_PAGE_SIZE=50,
                   SPIDER_MIDDLEWARES=middlewares)

    assert result.returncode == 0, result.stderr[-3000:]
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in (good[0], offset, script, listed))
    for story in (good[0], offset, script):
        check_post(written[story.doc_id], story)
    assert "点这里" in written[script.doc_id] and "javascript" not in written[script.doc_id]
    # the bad ones: one WARNING each, naming the URL (or the listing) and the reason
    warnings = log_lines(result, "WARNING")
    api = site.server.url("/api/roll/get")
    expected = [
        (site.server.url(year_1.path), "(no-date)"),
        (site.server.url(buggy.path), "(parse-error)"),
        ("that is not an object: 42", "(malformed)"),
        ("without a link (title '国务院部署GD第2项重点工作')", "(no-link)"),
        ("'http://[x/doc-igd00000000003.shtml'", "(bad-link)"),
        (f"{api}?pageid=155&lid=3&num=50&page=1", "(parse-error)"),
    ]
    for what, reason in expected:
        named = [w for w in warnings if what in w and w.endswith(reason)]
        assert len(named) == 1, (what, reason, warnings)
    assert len(warnings) == len(expected), warnings
    assert f"RuntimeError: {MARK.decode()}" in "\n".join(warnings)
    # the roll API answer no JSON parser can read fails its channel only, with its ERROR
    errors = log_lines(result, "ERROR")
    assert len(errors) == 1 and "Channel deep" in errors[0] and "not JSON" in errors[0], errors
    assert "Traceback" not in result.stderr and "Spider error" not in result.stderr
    assert stat(result, "newscrawl/dropped/parse-error") == 1
    assert stat(result, "newscrawl/dropped/no-date") == 1
    assert stat(result, "newscrawl/listing_errors/parse-error") == 1
    for reason in ("malformed", "no-link", "bad-link"):
        assert stat(result, f"newscrawl/listing_skipped/{reason}") == 1
    assert "dropped 2 (no-date 1, parse-error 1); finished: finished" in result.stderr


def test_a_feed_the_spider_fails_to_parse_fails_the_run(tmp_path: Path) -> None:
    feed = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{MARK.decode()}</title></channel></rss>").encode()
    middlewares = json.dumps({"newscrawl.middlewares.ParseErrorMiddleware": 950,
                              "tests.parse_faults.RaiseWhileParsing": ORDER})
    with LocalServer() as server:
        url = server.route("/rss.xml", Answer(200, feed, {"Content-Type": "application/rss+xml"}))
        result = scrapy_crawl("feed", "-a", f"url={url}", *settings_args(
            OUTPUT_DIR=tmp_path / "out", SPIDER_MIDDLEWARES=middlewares, LOG_LEVEL="INFO"))
    assert result.returncode == 1
    [warning] = log_lines(result, "WARNING")
    assert url in warning and warning.endswith("(parse-error)")
    [error] = log_lines(result, "ERROR")
    assert f"Cannot read the feed {url}: RuntimeError" in error
    assert "finished: no-listing" in result.stderr and "Traceback" not in result.stderr
