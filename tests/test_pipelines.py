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
    remove_stale_temp_files,
    write_atomically,
)


def test_validation_passes_a_title_with_line_breaks_and_control_characters():
    crawler = get_crawler()
    crawler.stats.open_spider()
    item = article(title="上半句\u2028下半句\x07")
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item
    assert not crawler.stats.get_value("newscrawl/dropped/invalid")


def test_shared_folder_cleanup_removes_only_temp_files_of_dead_writers(tmp_path):
    write_atomically(tmp_path / "a.md", b"post")
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temporary file left
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    host = socket.gethostname()
    files = {
        "dead": tmp_path / f".b.md.{dead}@{host}.abc12345.tmp",  # its writer is gone
        "alive": tmp_path / f".c.md.{os.getpid()}@{host}.abc12345.tmp",  # still writing
        "elsewhere": tmp_path / f".d.md.{dead}@another-{host}.abc12345.tmp",  # can't tell
        "unnamed": tmp_path / ".e.md.k1ll3d.tmp",  # an older writer's name
    }
    for path in files.values():
        path.write_text("half a post")
    remove_stale_temp_files(tmp_path, STALE_SHARED_TEMP)
    assert {name for name, path in files.items() if path.exists()} == {
        "alive", "elsewhere", "unnamed"
    }
    remove_stale_temp_files(tmp_path, 0)  # the state's lock is ours: every one is stale
    assert not list(tmp_path.glob(".*.tmp"))
