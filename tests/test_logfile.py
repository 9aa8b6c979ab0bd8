"""`-s LOG_FILE=...` as the README's cron line uses it: a missing folder is created, and a
log file that cannot be written is one ERROR line and exit status 1, not a traceback."""

from __future__ import annotations

from pathlib import Path

from localserver import LocalServer, scrapy_crawl, settings_args
from minipage import t3_page

DOC_ID = "iktzlogf0000001"


def crawl(server: LocalServer, tmp_path: Path, log_file: Path):
    url = server.page(f"/doc-{DOC_ID}.shtml", t3_page(DOC_ID, "日志测试", "<p>正文。</p>"),
                      "text/html; charset=utf-8")
    return scrapy_crawl("article", "-a", f"url={url}", *settings_args(
        OUTPUT_DIR=tmp_path / "out", ARTICLE_HOSTS="127.0.0.1", LOG_FILE=log_file))


def test_the_log_folder_is_created(tmp_path: Path) -> None:
    log_file = tmp_path / "var" / "log" / "newscrawl" / "finance.log"
    with LocalServer() as server:
        result = crawl(server, tmp_path, log_file)
    assert result.returncode == 0, result.stderr
    assert "= written 1 +" in log_file.read_text(encoding="utf-8").splitlines()[-1]
    assert (tmp_path / "out" / f"{DOC_ID}.md").is_file()


def test_an_unwritable_log_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("a file where the log folder should be")
    log_file = tmp_path / "var" / "newscrawl.log"
    with LocalServer() as server:
        result = crawl(server, tmp_path, log_file)
        assert server.requests == []
    assert result.returncode == 1
    [error] = result.stderr.splitlines()
    assert error.endswith(
        f"ERROR: Cannot write the log file {log_file}: Not a directory (ENOTDIR); make it"
        " writable (create it, mount it read-write, fix permissions) or set LOG_FILE elsewhere"
    ), error
