"""Every run accounted for, end to end with the real `scrapy crawl finance` against a local
Sina: each listed article ends as written, changed, unchanged or dropped with a reason,
whatever the downloader does with it (redirects of every kind, retries given up), and the
Summary that ends the log adds up."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from localserver import Answer, LocalServer, summary
from pagegen import PageSpec, article_page
from test_finance import LocalSina, Story, channel, crawl, posts, write_channels

from newscrawl.exporters import front_matter

HOME = "<!DOCTYPE html><html><head><title>新浪首页</title></head><body>首页</body></html>".encode()
UNUSABLE = ("newscrawl/listing_skipped/", "newscrawl/feed_skipped/")


def counters(result: subprocess.CompletedProcess[str]) -> Counter[str]:
    """The `newscrawl/...` counters of the stats Scrapy dumps at the end of the run."""
    return Counter({k: int(v) for k, v in re.findall(r"'(newscrawl/[^']+)': (\d+)", result.stderr)})


def assert_adds_up(result: subprocess.CompletedProcess[str]) -> dict[str, int | str]:
    """The Summary is the last line, says what the stats say, and its sums hold:
    listed = unusable + skipped as known + duplicates + fetched, and
    fetched = written + changed + unchanged + dropped. Returns its terms."""
    terms = summary(result.stderr)
    stats = counters(result)
    unusable = sum(v for k, v in stats.items() if k.startswith(UNUSABLE))
    assert terms["listed"] == stats["newscrawl/listed"]
    assert terms.get("unusable", 0) == unusable
    assert terms["skipped as known"] == stats["newscrawl/skipped_known"]
    assert terms["duplicates"] == stats["newscrawl/listed_duplicates"]
    assert terms["fetched"] == stats["newscrawl/fetched"]
    for end in ("written", "changed", "unchanged", "dropped"):
        assert terms[end] == stats[f"newscrawl/{end}"], end
    assert "not fetched" not in terms and "unfinished" not in terms and "inherited" not in terms
    assert terms["listed"] == (
        unusable + terms["skipped as known"] + terms["duplicates"] + terms["fetched"]
    )
    assert terms["fetched"] == (
        terms["written"] + terms["changed"] + terms["unchanged"] + terms["dropped"]
    )
    assert "dupefilter/filtered" not in result.stderr
    return terms


def warnings_naming(result: subprocess.CompletedProcess[str], url: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if "] WARNING:" in line and url in line]


@pytest.fixture
def site():
    with LocalServer() as server:
        yield LocalSina(server)


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, b"", {"Location": location})


def test_every_article_ends_somewhere_whatever_its_redirects(
    site: LocalSina, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    server = site.server
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("rd", n) for n in range(1, 31)]
    items = [site.item(s) for s in stories]
    server.route("/", Answer(200, HOME, {"Content-Type": "text/html; charset=utf-8"}))
    # 20% of the articles removed: Sina redirects them to its home page.
    removed = stories[0:30:5]
    for story in removed:
        server.route(story.path, redirect(server.url("/")))
    # Another URL of the same article: listed under /roll/, moved to /china/gncj/.
    moved = stories[1]
    items[1] = site.item(moved, server.url(moved.roll_path))
    server.route(moved.roll_path, redirect(server.url(moved.path), 301))
    # To another article, one this run fetches too.
    merged, target = stories[2], stories[3]
    server.route(merged.path, redirect(server.url(target.path)))
    # Off ARTICLE_HOSTS (localhost is this server too, but not an article host).
    offsite = stories[4]
    server.route(offsite.path, redirect(server.url(offsite.path).replace("127.0.0.1", "localhost")))
    # Two URLs of one article sending the crawler to each other.
    looping = stories[6]
    server.route(looping.path, redirect(server.url(looping.roll_path)))
    server.route(looping.roll_path, redirect(server.url(looping.path)))
    # Hop after hop to the same article, one query parameter more each time.
    endless = stories[7]
    server.route(endless.path, lambda path: redirect(server.url(path) + "&hop=1" if "?" in path
                                                     else server.url(path) + "?hop=1"))
    # A page that is no article and refreshes to the home page.
    refreshing = stories[8]
    server.page(refreshing.path, b'<html><head><meta http-equiv="refresh" content="0; url=/">'
                                 b"</head><body></body></html>")
    # A server error that outlasts the retries.
    failing = stories[9]
    server.route(failing.path, Answer(503, b"Service Unavailable"))
    site.listing(1686, items)

    result = crawl(site, out, channels, RETRY_TIMES=1, REDIRECT_MAX_TIMES=4)

    assert result.returncode == 0, result.stderr[-3000:]
    terms = assert_adds_up(result)
    dropped = {
        **{s.doc_id: ("redirected", server.url("/")) for s in removed},
        merged.doc_id: ("redirected", server.url(target.path)),
        offsite.doc_id: ("redirected", "localhost"),
        looping.doc_id: ("redirect-loop", "in a loop"),
        endless.doc_id: ("redirect-loop", "more than 4 times"),
        refreshing.doc_id: ("redirected", server.url("/")),
        failing.doc_id: ("http-503", "after 1 retries"),
    }
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in stories if s.doc_id not in dropped)
    assert front_matter(written[moved.doc_id])["title"] == moved.title
    # One WARNING for each article that became no post, naming it, where it was sent and why.
    for story in stories:
        if story.doc_id in dropped:
            reason, detail = dropped[story.doc_id]
            listed_url = server.url(story.path)
            [warning] = warnings_naming(result, listed_url)
            assert warning.endswith(f"({reason})") and detail in warning, warning
    assert terms["dropped"] == len(dropped)
    assert terms["dropped/redirected"] == len(removed) + 3
    assert (terms["dropped/redirect-loop"], terms["dropped/http-503"]) == (2, 1)
    # A redirect away from an article is not followed: neither the home page nor the
    # off-site URL was requested, and the other article only once, for itself.
    assert "/" not in server.requests
    assert site.requests_for()[offsite.doc_id] == 1
    assert site.requests_for()[target.doc_id] == 1


def test_summary_adds_up_across_runs_with_a_mix_of_outcomes(
    site: LocalSina, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    server = site.server
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("mx", n) for n in range(1, 13)]
    gone = stories[5]
    server.route(gone.path, Answer(404, b"Not Found"))
    with_image = stories[6]
    serve_with_image(site, with_image, "https://127.0.0.1:1/img/refused.jpg")
    items = [site.item(s) for s in stories]
    items.insert(2, {**site.item(stories[0]), "url": "", "wapurl": ""})  # no link
    items.insert(4, site.item(stories[1], "https://example.com/doc-iexample0000001.shtml"))
    items.insert(6, {**site.item(stories[2]), "url": server.url("/china/"), "docid": ""})
    items.append(site.item(stories[0], server.url(stories[0].roll_path)))  # listed again
    site.listing(1686, items)
    site.overlap = 0
    images = {"DOWNLOAD_IMAGES": 1, "RETRY_TIMES": 0}

    first = crawl(site, out, channels, **images)
    assert first.returncode == 0, first.stderr[-3000:]
    terms = assert_adds_up(first)
    assert (terms["written"], terms["dropped"], terms["dropped/http-404"]) == (11, 1, 1)
    assert (terms["unusable"], terms["duplicates"]) == (3, 1)
    assert terms["unusable/no-link"] == terms["unusable/off-site"] == terms["unusable/not-article"]
    assert (terms["images saved"], terms["images failed"]) == (0, 1)
    assert len(re.findall(r"\] INFO: Wrote new ", first.stderr)) == 11

    # refresh=1: one page changed, the others unchanged, the 404 still gone.
    site.stories[stories[0].doc_id].title = "国务院部署重点工作（更新）"
    second = crawl(site, out, channels, "refresh=1", **images)
    assert second.returncode == 0, second.stderr[-3000:]
    terms = assert_adds_up(second)
    assert (terms["written"], terms["changed"], terms["unchanged"], terms["dropped"]) == (0, 1, 10, 1)
    assert terms["skipped as known"] == 0
    [rewrote] = re.findall(r"\] INFO: Rewrote changed (\S+)", second.stderr)
    assert rewrote.endswith(f"{stories[0].doc_id}.md")
    assert "Wrote new" not in second.stderr

    # Two new articles on top: the known ones are skipped, each logged at DEBUG only.
    new = [site.story("mn", n, minutes=-n) for n in range(1, 3)]
    site.listing(1686, [site.item(s) for s in new] + items)
    third = crawl(site, out, channels, LOG_LEVEL="DEBUG", **images)
    assert third.returncode == 0, third.stderr[-3000:]
    terms = assert_adds_up(third)
    assert terms["written"] == 2 and terms["skipped as known"] > 0
    skipped = re.findall(r"\] DEBUG: Skipped known (\w+) ", third.stderr)
    assert len(skipped) == terms["skipped as known"]
    assert set(skipped) <= {s.doc_id for s in stories}
    quiet = crawl(site, out, channels, **images)
    assert "Skipped known" not in quiet.stderr
    assert_adds_up(quiet)


def serve_with_image(site: LocalSina, story: Story, image: str) -> None:
    """The story's page with one body image at `image`."""
    spec = PageSpec(story.doc_id, story.title, story.paragraphs, story.created)
    marker = "<!-- news_keyword_pub"
    figure = f'<p><img src="{image}" alt="图"></p>{marker}'
    page = article_page(spec).decode().replace(marker, figure, 1).encode()
    site.server.route(story.path, Answer(200, page, {"Content-Type": "text/html; charset=utf-8"}))
