"""End-to-end runs of the real `scrapy crawl feed` with RSS 2.0 and Atom feeds whose
entries link to article pages on a local server (127.0.0.1), to other sites, and to Sina
pages that are not articles."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from localserver import Answer, LocalServer, scrapy_crawl, settings_args, summary
from pagegen import PageSpec, article_page

from newscrawl.exporters import front_matter

NATIONAL = "新浪财经－国內"
ROLL = "新浪财经－滚动"
T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)


class LocalArticles:
    """Article pages on a LocalServer, each under /china/gncj/ and /roll/."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.specs: dict[str, PageSpec] = {}

    def add(self, n: int) -> PageSpec:
        ident = f"ifeed{n:010d}"
        spec = PageSpec(ident, f"央行发布第{n}号公告：流动性保持合理充裕",
                        [f"第{n}号公告正文。", "（来源：中国人民银行）"],
                        T0 - timedelta(hours=n))
        self.specs[ident] = spec
        answer = Answer(200, article_page(spec), {"Content-Type": "text/html; charset=utf-8"})
        for path in (self.path(spec), self.path(spec, "/roll")):
            self.server.route(path, answer)
        return spec

    def path(self, spec: PageSpec, channel: str = "/china/gncj") -> str:
        return f"{channel}/{spec.beijing:%Y-%m-%d}/doc-{spec.doc_id}.shtml"

    def url(self, spec: PageSpec, channel: str = "/china/gncj") -> str:
        return self.server.url(self.path(spec, channel))

    def requested(self, start: int = 0) -> Counter[str]:
        found = (re.search(r"/doc-(i[0-9a-z]{14})\.shtml", p) for p in self.server.requests[start:])
        return Counter(m.group(1) for m in found if m)


def rss(items: list[tuple[str, str, str]], encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document; items are (title, link, pubDate)."""
    body = "".join(
        f"<item><title><![CDATA[{title}]]></title><link>{link}</link>"
        f"<pubDate>{date}</pubDate><guid isPermaLink=\"false\">{hash(link)}</guid></item>\n"
        for title, link, date in items
    )
    text = f"""<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>新浪财经-国内财经</title><link>http://finance.sina.com.cn/china/</link>
<description>新浪财经国内财经新闻</description><language>zh-cn</language>
{body}</channel></rss>
"""
    return text.encode(encoding)


def atom(entries: list[tuple[str, str, str]]) -> bytes:
    """An Atom document (default namespace); entries are (title, link, published)."""
    body = "".join(
        f"""<entry><title>{title}</title><id>urn:uuid:{abs(hash(link))}</id>
<link rel="related" href="https://weibo.com/sinafinance"/>
<link rel="alternate" type="text/html" href="{link}"/>
<published>{published}</published><updated>{published}</updated>
<author><name>新浪财经</name></author></entry>
"""
        for title, link, published in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
<title>国内财经 - 新浪财经</title><id>urn:sina:finance:china</id>
<updated>2024-05-01T10:00:00+08:00</updated>
<link rel="self" href="http://127.0.0.1/feed.atom"/>
{body}</feed>
""".encode()


def crawl(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    settings = settings_args(
        OUTPUT_DIR=out, ARTICLE_HOSTS="127.0.0.1", AUTOTHROTTLE_ENABLED=0, RETRY_TIMES=1,
        LOG_LEVEL="INFO",
    )
    return scrapy_crawl("feed", *[p for arg in args for p in ("-a", arg)], *settings)


def stat(result: subprocess.CompletedProcess[str], key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", result.stderr)
    return int(match.group(1)) if match else 0


def posts(out: Path) -> dict[str, dict]:
    return {p.stem: front_matter(p.read_text("utf-8")) for p in sorted(out.glob("*.md"))}


def check(meta: dict, spec: PageSpec, label: str) -> None:
    assert meta["title"] == spec.title
    assert meta["categories"] == ["金融", "新浪财经", label]
    assert meta["date"] == f"{spec.create_at:%a, %d %b %Y %H:%M:%S} GMT"


@pytest.fixture
def server():
    with LocalServer() as local:
        yield local


@pytest.fixture
def articles(server: LocalServer) -> LocalArticles:
    return LocalArticles(server)


def test_rss_then_atom_feed_on_one_state(
    server: LocalServer, articles: LocalArticles, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    a, b, c, d, e = (articles.add(n) for n in range(1, 6))
    offsite = "https://www.example.com/finance/2024/05/01/rate-decision.html"
    channel_page = server.url("/china/")
    # Sina's old feeds were GB2312, dated in RFC 822 with a +0800 zone.
    feed = rss([
        (a.title, articles.url(a) + "?from=rss&utm_source=feed", "Wed, 01 May 2024 09:00:00 +0800"),
        ("外部链接", offsite, "Wed, 01 May 2024 08:30:00 +0800"),
        (b.title, articles.url(b), "Wed, 01 May 2024 08:00:00 +0800"),
        ("国内财经频道", channel_page, "Wed, 01 May 2024 07:30:00 +0800"),
        (a.title, articles.url(a, "/roll"), "Wed, 01 May 2024 09:00:00 +0800"),
        (c.title, articles.url(c), "Wed, 01 May 2024 07:00:00 +0800"),
    ], encoding="gb2312")
    feed_url = server.route("/rss/china.xml", Answer(200, feed, {"Content-Type": "application/rss+xml"}))

    first = crawl(out, f"url={feed_url}")
    assert first.returncode == 0, first.stderr[-3000:]
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in (a, b, c))
    for spec in (a, b, c):
        check(written[spec.doc_id], spec, NATIONAL)  # the label configured for /china/
    assert articles.requested() == Counter({a.doc_id: 1, b.doc_id: 1, c.doc_id: 1})
    assert stat(first, "newscrawl/feed_skipped/off-site") == 1
    assert stat(first, "newscrawl/feed_skipped/not-article") == 1
    assert stat(first, "newscrawl/listed_duplicates") == 1
    assert f"Skipped listed entry {offsite} (off-site)" in first.stderr
    assert f"Skipped listed entry {channel_page} (not-article)" in first.stderr
    assert "/china/" not in [p.split("?")[0] for p in server.requests]
    # Every entry of the feed is in the Summary, the skipped ones too.
    terms = summary(first.stderr)
    assert (terms["listed"], terms["unusable"], terms["duplicates"], terms["fetched"]) == (6, 2, 1, 3)
    assert (terms["unusable/off-site"], terms["unusable/not-article"]) == (1, 1)

    # An Atom feed, read from a file, with a label: b is known (also under an https URL
    # that this server could not even serve), d and e are new.
    https_b = articles.url(b).replace("http://", "https://")
    atom_file = tmp_path / "china.atom"
    atom_file.write_bytes(atom([
        (d.title, articles.url(d), "2024-05-01T06:00:00+08:00"),
        (b.title, https_b, "2024-05-01T08:00:00+08:00"),
        ("外部链接", offsite, "2024-05-01T05:30:00+08:00"),
        (e.title, articles.url(e, "/roll"), "2024-05-01T05:00:00+08:00"),
    ]))
    mark = len(server.requests)
    second = crawl(out, f"url={atom_file}", f"label={ROLL}")
    assert second.returncode == 0, second.stderr[-3000:]
    assert articles.requested(mark) == Counter({d.doc_id: 1, e.doc_id: 1})
    assert stat(second, "newscrawl/skipped_known") == 1
    assert stat(second, "newscrawl/feed_skipped/off-site") == 1
    assert stat(second, "newscrawl/dropped") == 0
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in (a, b, c, d, e))
    check(written[d.doc_id], d, ROLL)
    check(written[e.doc_id], e, ROLL)
    check(written[b.doc_id], b, NATIONAL)  # untouched

    # refresh=1 fetches the known ones again and rewrites nothing unchanged.
    mark = len(server.requests)
    again = crawl(out, f"url={feed_url}", "refresh=1")
    assert again.returncode == 0, again.stderr[-3000:]
    assert articles.requested(mark) == Counter({a.doc_id: 1, b.doc_id: 1, c.doc_id: 1})
    assert stat(again, "newscrawl/unchanged") == 3
    assert stat(again, "newscrawl/written") == 0 and stat(again, "newscrawl/changed") == 0


@pytest.mark.parametrize(
    "answer, cause",
    [
        (Answer(404, b"<html><body>404</body></html>"), "HTTP 404"),
        (Answer(200, b"<!DOCTYPE html><html><body><p>feed moved</p></body></html>",
                {"Content-Type": "text/html"}), "not an RSS or Atom feed (root element 'html')"),
    ],
)
def test_a_feed_that_cannot_be_read_fails_the_run(
    server: LocalServer, tmp_path: Path, answer: Answer, cause: str
) -> None:
    feed_url = server.route("/rss/gone.xml", answer)
    result = crawl(tmp_path / "out", f"url={feed_url}")
    assert result.returncode == 1
    assert f"Cannot read the feed {feed_url}: {cause}" in result.stderr
    assert "finished: no-listing" in result.stderr


def test_feed_url_is_required(tmp_path: Path) -> None:
    result = crawl(tmp_path / "out")
    assert result.returncode == 1
    assert "argument 'url' is required" in result.stderr
