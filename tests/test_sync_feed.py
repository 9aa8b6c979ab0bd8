"""The sync feed: Scrapy's FEEDS with the `newscrawl.feeds.ChangedPosts` item filter writes
one JSON Lines record per post a run wrote or changed, and nothing for unchanged posts.
End to end with the real `scrapy crawl article` over the saved fixture pages."""

from __future__ import annotations

import hashlib
import json
import shutil
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from localserver import scrapy_crawl, settings_args

from newscrawl.feeds import SYNC_FIELDS

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def feeds_setting(path: Path) -> str:
    """The FEEDS value the README documents, as `-s FEEDS=...` takes it (JSON)."""
    return json.dumps({
        str(path): {
            "format": "jsonlines",
            "overwrite": True,
            "item_filter": "newscrawl.feeds.ChangedPosts",
            "fields": SYNC_FIELDS,
        }
    })


def run(tmp: Path, listing: Path):
    feed = tmp / "changes.jsonl"
    result = scrapy_crawl(
        "article", "-a", f"urls={listing}",
        "-s", f"FEEDS={feeds_setting(feed)}",
        *settings_args(OUTPUT_DIR=tmp / "out", AUTOTHROTTLE_ENABLED="False"),
    )
    assert result.returncode == 0, result.stderr
    lines = feed.read_text(encoding="utf-8").splitlines()
    hashes = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp.glob("out/*.md")}
    return result, [json.loads(line) for line in lines], hashes


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    """Three runs over copies of the fixture pages: first, again unchanged, then again
    after one page got a new paragraph."""
    tmp = tmp_path_factory.mktemp("sync")
    pages = tmp / "pages"
    pages.mkdir()
    for name in EXPECTED:
        shutil.copyfile(FIXTURES / "pages" / name, pages / name)
    listing = tmp / "pages.txt"
    listing.write_text("\n".join(str(pages / n) for n in sorted(EXPECTED)) + "\n", "utf-8")
    first = run(tmp, listing)
    second = run(tmp, listing)
    page = pages / "t3_finance.html"
    page.write_bytes(page.read_bytes().replace("　　".encode(), "　　新的一句。".encode(), 1))
    third = run(tmp, listing)
    return tmp, first, second, third


def test_first_run_lists_every_written_post(runs) -> None:
    tmp, (result, records, hashes), _, _ = runs
    assert f"= written {len(EXPECTED)} + changed 0 + unchanged 0 +" in result.stderr
    assert sorted(r["doc_id"] for r in records) == sorted(e["doc_id"] for e in EXPECTED.values())
    for record in records:
        assert list(record) == SYNC_FIELDS
        assert record["change"] == "new"
        want = next(e for e in EXPECTED.values() if e["doc_id"] == record["doc_id"])
        assert record["title"] == want["title"]
        assert record["published"] == (
            parsedate_to_datetime(want["date"]).isoformat().replace("+00:00", "Z")
        )
        path = Path(record["path"])
        assert path == tmp / "out" / f"{record['doc_id']}.md"
        assert record["content_hash"] == hashes[record["path"]]
        assert record["url"].startswith(("https://", "http://", "file://"))


def test_unchanged_run_lists_nothing(runs) -> None:
    _, _, (result, records, _), _ = runs
    assert f"written 0 + changed 0 + unchanged {len(EXPECTED)}" in result.stderr
    assert records == []


def test_a_changed_post_is_listed_with_its_new_hash(runs) -> None:
    _, (_, first, _), _, (result, records, hashes) = runs
    assert "written 0 + changed 1 +" in result.stderr
    [record] = records
    assert record["doc_id"] == EXPECTED["t3_finance.html"]["doc_id"]
    assert record["change"] == "changed"
    assert record["content_hash"] == hashes[record["path"]]
    before = next(r for r in first if r["doc_id"] == record["doc_id"])
    assert record["content_hash"] != before["content_hash"]


def test_plain_feed_exports_still_see_every_post(tmp_path: Path) -> None:
    """Without the filter a feed gets every item, unchanged ones too (marked so)."""
    page = FIXTURES / "pages" / "t3_finance.html"
    args = ["-a", f"url={page}", *settings_args(OUTPUT_DIR=tmp_path / "out")]
    scrapy_crawl("article", *args)
    result = scrapy_crawl("article", *args, "-O", str(tmp_path / "all.jsonl"))
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(x) for x in (tmp_path / "all.jsonl").read_text("utf-8").splitlines()]
    assert record["change"] == "unchanged"
