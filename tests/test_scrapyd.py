"""The project on a real Scrapyd (127.0.0.1, a free port): deployed with scrapyd-deploy,
`finance` scheduled through schedule.json against the local roll API, polled through
listjobs.json until it finished, and its files are there.

Scrapyd and scrapyd-client come with the test extra (scrapyd 1.6.0 needs setuptools<81);
Scrapyd runs the jobs with this venv's Python, which holds the project's dependencies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from localserver import PROJECT, LocalServer
from test_distributed import free_port
from test_finance import PATIENCE, LocalSina, check_post, posts

BIN = Path(sys.executable).parent


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urlencode(data).encode() if data is not None else None
    with urlopen(f"{base}/{endpoint}", body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real Scrapyd; yields its URL and its folder (logs under logs/)."""
    binary = BIN / "scrapyd"
    if not binary.exists():
        message = f"scrapyd is not installed in {BIN} (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home / 'eggs'}
logs_dir = {home / 'logs'}
dbs_dir = {home / 'dbs'}
items_dir =
poll_interval = 0.5
max_proc = 2
""")
    # Scrapyd reads scrapyd.conf from its working directory (and the nearest scrapy.cfg:
    # start it outside the project).
    log = open(home / "scrapyd.out", "w")  # noqa: SIM115
    process = subprocess.Popen([str(binary)], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE  # a safety net: the event is the answer
        while True:
            try:
                if api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scrapyd did not start: {(home / 'scrapyd.out').read_text()}")
            time.sleep(0.1)
        yield base, home
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def deploy(base: str, tmp_path: Path) -> None:
    """scrapyd-deploy, as the README says, from a copy of the project (scrapyd-deploy
    writes setup.py, build/ and *.egg-info into the folder it runs in)."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("newscrawl", "spiders"):
        shutil.copytree(PROJECT / name, copy / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(PROJECT / "pyproject.toml", copy)
    cfg = (PROJECT / "scrapy.cfg").read_text()
    assert "url = http://localhost:6800\n" in cfg
    (copy / "scrapy.cfg").write_text(cfg.replace("http://localhost:6800", base))
    result = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "-v", "1.0"], cwd=copy, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"status": "ok"' in result.stdout, result.stdout + result.stderr
    assert "finance" in api(base, "listspiders.json?project=newscrawl")["spiders"]


def test_deploy_schedule_and_run_finance(scrapyd: tuple[str, Path], tmp_path: Path) -> None:
    base, home = scrapyd
    deploy(base, tmp_path)
    out = tmp_path / "out"
    with LocalServer() as server:
        site = LocalSina(server)
        stories = [site.story("sd", n) for n in range(1, 41)]
        site.listing(1686, [site.item(s) for s in stories])  # the shipped channel china
        settings = {
            "OUTPUT_DIR": out,
            "ROLL_API_URL": server.url("/api/roll/get"),
            "ARTICLE_HOSTS": "127.0.0.1",
            "AUTOTHROTTLE_ENABLED": 0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "ROLL_PAGE_SIZE": 20,
            "REMOTE_CONTROL_ENABLED": 0,
        }
        data = [("project", "newscrawl"), ("spider", "finance"), ("channels", "china")]
        data += [("setting", f"{name}={value}") for name, value in settings.items()]
        scheduled = api(base, "schedule.json", data)
        assert scheduled["status"] == "ok", scheduled
        job = scheduled["jobid"]
        deadline = time.monotonic() + PATIENCE  # a safety net: the event is the job's end
        while time.monotonic() < deadline:
            jobs = api(base, "listjobs.json?project=newscrawl")
            if any(j["id"] == job for j in jobs["finished"]):
                break
            time.sleep(0.25)
        else:
            pytest.fail(f"job {job} did not finish: {jobs}")
    log = (home / "logs" / "newscrawl" / "finance" / f"{job}.log").read_text()
    # listjobs.json says "finished" even for a failed job: the log tells.
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    assert "= written 40 + changed 0 +" in log, log[-3000:]
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in stories)
    for story in stories:
        check_post(written[story.doc_id], story)  # label from the channels.yaml in the egg
