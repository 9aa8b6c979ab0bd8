"""The pipelines' own checks: validation of the front matter, and the cleanup of what a
killed writer leaves behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from scrapy.utils.test import get_crawler
from test_exporters import article

from newscrawl.pipelines import (
    STALE_SHARED_TEMP,
    ValidatePipeline,
    content_hash,
    recover_temp_files,
    write_atomically,
)
from newscrawl.store import Record, SQLiteStore


def test_validation_passes_a_title_with_line_breaks_and_control_characters():
    crawler = get_crawler()
    crawler.stats.open_spider()
    item = article(title="上半句\u2028下半句\x07")
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item
    assert not crawler.stats.get_value("newscrawl/dropped/invalid")


def dead_pid() -> str:
    """The pid of a process that has exited."""
    return subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_shared_folder_cleanup_removes_only_temp_files_of_dead_writers(tmp_path):
    write_atomically(tmp_path / "a.md", b"post")
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temporary file left
    dead, host = dead_pid(), socket.gethostname()
    files = {
        "dead": tmp_path / f".b.md.{dead}@{host}.abc12345.tmp",  # its writer is gone
        "alive": tmp_path / f".c.md.{os.getpid()}@{host}.abc12345.tmp",  # still writing
        "elsewhere": tmp_path / f".d.md.{dead}@another-{host}.abc12345.tmp",  # can't tell
        "unnamed": tmp_path / ".e.md.k1ll3d.tmp",  # an older writer's name
    }
    for path in files.values():
        path.write_text("half a post")
    store = SQLiteStore(tmp_path / "state" / "state.sqlite3")
    recover_temp_files(tmp_path, store, STALE_SHARED_TEMP)
    assert {name for name, path in files.items() if path.exists()} == {
        "alive", "elsewhere", "unnamed"
    }
    recover_temp_files(tmp_path, store, 0)  # the state's lock is ours: every one is stale
    assert not list(tmp_path.glob(".*.tmp"))
    assert sorted(p.name for p in tmp_path.glob("*.md")) == ["a.md"]
    store.close()


def test_a_temporary_post_the_state_recorded_is_put_in_place(tmp_path):
    """A crawl killed between a group's record and its renames (newscrawl.commit): the
    recorded bytes are in place as the next run opens, so it does not fetch them again;
    a temporary post whose bytes the state does not hold is removed."""
    dead, host = dead_pid(), socket.gethostname()
    recorded, other = "---\ntitle: '记'\n---\n".encode(), "---\ntitle: '别'\n---\n".encode()
    temps = {
        "iaaa": (tmp_path / f".iaaa.md.{dead}@{host}.r1.tmp", recorded),  # recorded: kept
        "ibbb": (tmp_path / f".ibbb.md.{dead}@{host}.r2.tmp", other),  # other bytes
        "iccc": (tmp_path / f".iccc.md.{dead}@{host}.r3.tmp", recorded),  # not recorded
    }
    for path, data in temps.values():
        path.write_bytes(data)
    (tmp_path / "ibbb.md").write_bytes(b"the post as it was")
    store = SQLiteStore(tmp_path / "state" / "state.sqlite3")
    store.record([
        Record(doc_id, f"https://finance.sina.com.cn/doc-{doc_id}.shtml",
               str(tmp_path / f"{doc_id}.md"), content_hash(recorded))
        for doc_id in ("iaaa", "ibbb")
    ])
    recover_temp_files(tmp_path, store, 0)
    store.close()
    assert not list(tmp_path.glob(".*.tmp"))
    assert (tmp_path / "iaaa.md").read_bytes() == recorded
    assert (tmp_path / "ibbb.md").read_bytes() == b"the post as it was"
    assert not (tmp_path / "iccc.md").exists()
