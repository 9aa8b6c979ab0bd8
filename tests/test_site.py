"""`scrapy site` without a browser: what it builds from OUTPUT_DIR, and its failures (one
ERROR naming the folder or the log, exit status 1). The browser's view of the built site is
tests/test_site_browser.py. Needs Node.js and npm (skipped without them, failing under CI)."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import hexosite
import pytest
from localserver import PROJECT, crawl_env
from test_hexo_harness import write_post


def scrapy_site(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "site", *args], cwd=cwd,
                          env=crawl_env(), capture_output=True, text=True)


def wait_for_serving(process: subprocess.Popen[str], lines: list[str]) -> str:
    """Read the command's log until it says where it serves; its URL."""
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        found = re.search(r"Serving .* at (http://127\.0\.0\.1:\d+/)", line)
        if found:
            return found.group(1)
    process.wait()
    pytest.fail(f"scrapy site exited {process.returncode} without serving:\n{''.join(lines)}")


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if " ERROR: " in line]


@pytest.fixture(autouse=True)
def hexo() -> None:
    hexosite.require_hexo()


def test_builds_posts_and_images_and_rebuilds_from_scratch(tmp_path: Path) -> None:
    out, site = tmp_path / "out", tmp_path / "site"
    write_post(out, "doc-one", '<p>一</p><p><img src="/images/ab.png"></p>', title="第一篇")
    write_post(out, "doc-two", "<p>二</p>", title="第二篇")
    (out / "images").mkdir()
    (out / "images" / "ab.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (out / ".doc-three.md.1@host.x.tmp").write_text("a half-written post")
    result = scrapy_site("--site", str(site), str(out))
    assert result.returncode == 0, result.stderr
    assert f"Site built from {out}: 2 posts, 1 images in {site / 'public'}" in result.stderr
    public = site / "public"
    assert (public / "2021/10/20/doc-one/index.html").is_file()
    assert (public / "images/ab.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
    index = (public / "index.html").read_text(encoding="utf-8")
    assert index.index("第一篇") > 0 and index.index("第二篇") > 0
    config = (site / "_config.yml").read_text(encoding="utf-8")
    assert "\ntimezone:\n" in config

    (out / "doc-two.md").unlink()  # gone from the archive, gone from the site
    result = scrapy_site("--site", str(site), str(out))
    assert result.returncode == 0, result.stderr
    assert not (public / "2021/10/20/doc-two").exists()
    assert "第二篇" not in (public / "index.html").read_text(encoding="utf-8")


def test_defaults_are_site_and_output_in_the_working_directory(tmp_path: Path) -> None:
    write_post(tmp_path / "output", "doc-one", "<p>一</p>", title="第一篇")
    result = scrapy_site(cwd=tmp_path)  # as the README says: scrapy site
    assert result.returncode == 0, result.stderr
    assert f"Site built from output: 1 posts, 0 images in {tmp_path / 'site/public'}" in result.stderr
    assert (tmp_path / "site/public/2021/10/20/doc-one/index.html").is_file()


def test_no_posts_is_one_error(tmp_path: Path) -> None:
    for folder in (tmp_path / "missing", tmp_path):
        result = scrapy_site("--site", str(tmp_path / "site"), str(folder))
        assert result.returncode == 1
        assert len(errors(result)) == 1 and str(folder) in errors(result)[0], result.stderr
        assert "scrapy crawl finance" in errors(result)[0]
        assert "Traceback" not in result.stderr


def test_a_folder_it_did_not_make_is_left_alone(tmp_path: Path) -> None:
    write_post(tmp_path / "out", "doc-one", "<p>一</p>")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = scrapy_site("--site", str(mine), str(tmp_path / "out"))
    assert result.returncode == 1
    assert len(errors(result)) == 1 and "--site" in errors(result)[0], result.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    (tmp_path / "a-file").write_text("not a folder")
    result = scrapy_site("--site", str(tmp_path / "a-file"), str(tmp_path / "out"))
    assert result.returncode == 1 and len(errors(result)) == 1, result.stderr
    assert (tmp_path / "a-file").read_text() == "not a folder"


def test_a_failing_hexo_generate_is_one_error_naming_its_log(tmp_path: Path) -> None:
    write_post(tmp_path / "out", "doc-bad", "<p>价格 {% 不是标签 %} 元</p>")  # not escaped
    site = tmp_path / "site"
    result = scrapy_site("--site", str(site), str(tmp_path / "out"))
    assert result.returncode == 1
    [error] = errors(result)
    assert "hexo generate failed" in error and str(site / "hexo.log") in error, error
    assert "_posts/doc-bad.md" in error and "不是标签" in error, error
    assert "Nunjucks" in (site / "hexo.log").read_text(encoding="utf-8")


def test_port_in_use_is_one_error(tmp_path: Path) -> None:
    write_post(tmp_path / "out", "doc-one", "<p>一</p>")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = scrapy_site("--serve", "--port", str(port), "--site", str(tmp_path / "site"),
                             str(tmp_path / "out"))
    assert result.returncode == 1
    [error] = errors(result)
    assert f"127.0.0.1:{port}" in error and "--port" in error, error


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serving_stops_on_ctrl_c_or_sigterm_even_when_sigint_was_ignored(
    tmp_path: Path, signum: int
) -> None:
    """A shell's background job inherits SIGINT ignored: Ctrl-C (or SIGTERM) must still stop
    the server, with its log line and exit status 0."""
    write_post(tmp_path / "out", "doc-one", "<p>一</p>")
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "site", "--serve", "--port", "0",
         "--site", str(tmp_path / "site"), str(tmp_path / "out")],
        cwd=PROJECT, env=crawl_env(), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    lines: list[str] = []
    try:
        with urllib.request.urlopen(wait_for_serving(process, lines)) as page:
            assert page.status == 200
        process.send_signal(signum)
        _, rest = process.communicate(timeout=120)
    finally:
        if process.poll() is None:  # it did not stop: leave no server behind
            process.kill()
            process.wait()
    assert process.returncode == 0, "".join(lines) + rest
    assert "Stopped serving" in rest
