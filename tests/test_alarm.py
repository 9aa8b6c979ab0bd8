"""The layout alarm, end to end: a local Sina that serves pages in a changed layout (or a
roll API whose entries lost their links) to the real `scrapy crawl finance` and
`scrapy crawl article`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from localserver import LocalServer, scrapy_crawl, settings_args, summary
from pagegen import PageSpec, redesigned_page
from test_finance import T0, LocalSina, Story, channel, crawl, posts, write_channels

from newscrawl.alarm import PAGE_REASONS

ALARM = "Sina's layout may have changed"


@pytest.fixture
def site():
    with LocalServer() as server:
        yield LocalSina(server)


def redesign(site: LocalSina, story: Story, keep_title: bool) -> None:
    """Serve the story's page in a layout the parser does not know."""
    spec = PageSpec(story.doc_id, story.title, story.paragraphs, story.created)
    site.server.page(story.path, redesigned_page(spec, keep_title), "text/html; charset=utf-8")


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if "] ERROR:" in line]


@pytest.mark.parametrize(
    ("total", "changed", "settings", "alarm"),
    [
        (12, 8, {}, True),  # two thirds of the pages
        (15, 3, {}, True),  # exactly DROP_ALARM_RATIO
        (12, 2, {}, False),  # below the ratio: a few odd pages
        (6, 6, {}, False),  # too few pages to tell
        (6, 6, {"DROP_ALARM_MIN": 5}, True),
        (12, 8, {"DROP_ALARM_RATIO": 0.9}, False),
        (12, 8, {"DROP_ALARM_ENABLED": False}, False),
    ],
)
def test_pages_in_a_changed_layout_raise_the_alarm(
    site: LocalSina, tmp_path: Path, total: int, changed: int, settings: dict, alarm: bool
) -> None:
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("ly", n) for n in range(1, total + 1)]
    redesigned = stories[total - changed:]
    for i, story in enumerate(redesigned):
        redesign(site, story, keep_title=bool(i % 2))
    site.listing(1686, [site.item(s) for s in stories])

    result = crawl(site, out, channels, ROLL_PAGE_SIZE=50, **settings)

    assert sorted(posts(out)) == sorted(s.doc_id for s in stories[:total - changed])
    terms = summary(result.stderr)
    assert terms["dropped"] == changed
    assert set(k.split("/", 1)[1] for k in terms if k.startswith("dropped/")) <= set(PAGE_REASONS)
    if not alarm:
        assert result.returncode == 0, result.stderr[-3000:]
        assert terms["finished"] == "finished" and ALARM not in result.stderr
        return
    assert result.returncode == 1
    assert terms["finished"] == "layout-changed"
    assert "'finish_reason': 'layout-changed'" in result.stderr
    [error] = errors(result)
    assert ALARM in error
    assert f"{changed} of {total} article pages were dropped" in error
    examples = re.search(r"e\.g\. (.*?) \(the alarm", error).group(1).split(", ")
    assert len(examples) == 3
    assert set(examples) <= {site.server.url(s.path) for s in redesigned}
    assert "newscrawl/sina.py" in error  # what to do


def test_a_listing_without_usable_entries_raises_the_alarm(site: LocalSina, tmp_path: Path) -> None:
    """The roll API renamed its `url` fields: every entry of one channel lacks a link."""
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686), channel("macro", 1687)])
    fine = [site.story("ok", n) for n in range(1, 4)]
    site.listing(1686, [site.item(s) for s in fine])
    renamed = []
    for n in range(1, 8):
        item = site.item(site.story("nl", n))
        item["link"], item["wap_link"] = item.pop("url"), item.pop("wapurl")
        renamed.append(item)
    site.listing(1687, renamed)
    site.overlap = 0

    result = crawl(site, out, channels, "channels=china,macro")

    assert result.returncode == 1
    assert sorted(posts(out)) == sorted(s.doc_id for s in fine)
    [error] = errors(result)
    assert ALARM in error
    assert "the listing of channel macro gave 7 entries, none usable (no-link 7)" in error
    assert "lid=1687" in error  # the listing page to look at
    assert summary(result.stderr)["finished"] == "layout-changed"


def article(tmp_path: Path, pages: list[Path], **settings: object):
    settings.setdefault("OUTPUT_DIR", tmp_path / "out")
    url = ",".join(str(p) for p in pages)
    return scrapy_crawl("article", "-a", f"url={url}", *settings_args(**settings))


@pytest.mark.parametrize(("count", "reason"), [(10, "layout-changed"), (3, "pages-dropped")])
def test_saved_pages_in_a_changed_layout(tmp_path: Path, count: int, reason: str) -> None:
    """`scrapy crawl article`: enough pages in a changed layout are the alarm; fewer are
    pages that became no post. Either way one ERROR, exit status 1."""
    pages = []
    for n in range(count):
        spec = PageSpec(f"isaved{n:09d}", f"保存的页面{n}", ["第一段。"], T0)
        page = tmp_path / f"saved{n}.html"
        page.write_bytes(redesigned_page(spec, keep_title=bool(n % 2)))
        pages.append(page)

    result = article(tmp_path, pages)

    assert result.returncode == 1
    [error] = errors(result)
    assert summary(result.stderr)["finished"] == reason
    if reason == "layout-changed":
        assert ALARM in error and f"{count} of {count} article pages" in error
    else:
        assert f"{count} of {count} pages given did not become a post" in error
        for page in pages:
            assert str(page) in error
