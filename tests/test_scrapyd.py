"""The project deployed as the README says: Scrapyd 1.6.0 in a virtualenv of its own that
holds the project's dependencies but not newscrawl (`pip install 'scrapyd==1.6.0'
'setuptools<81' -r requirements.txt`), the egg built and uploaded by `scrapyd-deploy` from
a copy of the project, `finance` scheduled through schedule.json against the local roll
API, polled until it finished, its status, log and posts checked.

The virtualenv is made once per requirements.txt and cached (`$NEWSCRAWL_SCRAPYD_CACHE`,
else `$XDG_CACHE_HOME/newscrawl-scrapyd`, else `~/.cache/newscrawl-scrapyd`); making it
installs from the package index (about half a minute)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from localserver import PROJECT, LocalServer
from projectfiles import copy_project, package_files
from test_distributed import free_port
from test_finance import LocalSina, check_post, posts

BIN = Path(sys.executable).parent
SCRAPYD = ["scrapyd==1.6.0", "setuptools<81"]  # scrapyd 1.6.0 imports pkg_resources


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urlencode(data).encode() if data is not None else None
    with urlopen(f"{base}/{endpoint}", body, timeout=30) as response:
        return json.loads(response.read())


def clean_env() -> dict[str, str]:
    """The environment without anything that would lead Python to this project."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def cache_root() -> Path:
    if env := os.environ.get("NEWSCRAWL_SCRAPYD_CACHE"):
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "newscrawl-scrapyd"


def scrapyd_venv() -> Path:
    """The virtualenv Scrapyd runs in, made as the README says (once, then cached)."""
    requirements = (PROJECT / "requirements.txt").read_bytes()
    key = hashlib.sha256(
        requirements + "\0".join(SCRAPYD).encode() + sys.version.encode()
    ).hexdigest()[:16]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / key
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one maker at a time; the others wait for it
        if not (venv / ".complete").is_file():
            shutil.rmtree(venv, ignore_errors=True)
            base_python = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base_python, "-m", "venv", str(venv)], check=True, env=clean_env())
            result = subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", *SCRAPYD,
                 "-r", str(PROJECT / "requirements.txt")],
                capture_output=True, text=True, env=clean_env(), cwd=root,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            (venv / ".complete").write_text("ok\n")
    return venv


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real Scrapyd from its own virtualenv; yields its URL and its folder."""
    venv = scrapyd_venv()
    home = tmp_path_factory.mktemp("scrapyd")
    has_newscrawl = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.util; print(importlib.util.find_spec('newscrawl') is not None)"],
        capture_output=True, text=True, cwd=home, env=clean_env(), check=True,
    ).stdout.strip()
    assert has_newscrawl == "False"  # the job can only run from the deployed egg
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
    process = subprocess.Popen([str(venv / "bin" / "scrapyd")], cwd=home, stdout=log,
                               stderr=subprocess.STDOUT, env=clean_env())
    base = f"http://127.0.0.1:{port}"
    try:
        while True:  # until it answers, or dies
            try:
                if api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                pass
            if process.poll() is not None:
                pytest.fail(f"scrapyd did not start: {(home / 'scrapyd.out').read_text()}")
            time.sleep(0.1)
        yield base, home
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


@pytest.fixture(scope="module")
def deployed(scrapyd: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    """`scrapyd-deploy -v 1.0` (README) from a copy of the project aimed at this Scrapyd."""
    base, _ = scrapyd
    copy = copy_project(tmp_path_factory.mktemp("deploy") / "project")
    cfg = (copy / "scrapy.cfg").read_text()
    assert "url = http://localhost:6800\n" in cfg
    (copy / "scrapy.cfg").write_text(cfg.replace("http://localhost:6800", base))
    result = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "-v", "1.0"], cwd=copy, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"status": "ok"' in result.stdout, result.stdout + result.stderr
    return base


def run_job(base: str, spider: str, data: list[tuple[str, str]]) -> str:
    """Schedule a job and wait until Scrapyd lists it as finished; its id."""
    scheduled = api(base, "schedule.json", [("project", "newscrawl"), ("spider", spider), *data])
    assert scheduled["status"] == "ok", scheduled
    job = scheduled["jobid"]
    while (state := api(base, f"status.json?job={job}")["currstate"]) != "finished":
        assert state in ("pending", "running"), state
        time.sleep(0.25)
    return job


def job_log(base: str, job: str) -> str:
    """The job's log, through the log_url listjobs.json gives."""
    [entry] = [j for j in api(base, "listjobs.json?project=newscrawl")["finished"]
               if j["id"] == job]
    with urlopen(base + entry["log_url"], timeout=30) as response:
        return response.read().decode("utf-8")


def test_the_egg_holds_every_module(deployed: str, scrapyd: tuple[str, Path]) -> None:
    _, home = scrapyd
    [egg] = (home / "eggs" / "newscrawl").glob("1_0.egg")
    with zipfile.ZipFile(egg) as archive:
        shipped = {n for n in archive.namelist() if not n.startswith("EGG-INFO/")}
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert sorted(package_files() - shipped) == []
    assert sorted(shipped - package_files()) == []
    assert "settings = newscrawl.settings" in entry_points
    listed = api(deployed, "listspiders.json?project=newscrawl")["spiders"]
    assert sorted(listed) == ["article", "feed", "finance"]


def test_scheduled_finance_writes_the_posts(deployed: str, tmp_path: Path) -> None:
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
        data = [("channels", "china")]
        data += [("setting", f"{name}={value}") for name, value in settings.items()]
        job = run_job(deployed, "finance", data)
    log = job_log(deployed, job)
    # listjobs.json says "finished" even for a failed job: the log tells.
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    assert "= written 40 + changed 0 +" in log, log[-3000:]
    assert " ERROR: " not in log and "Traceback" not in log, log
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in stories)
    for story in stories:
        check_post(written[story.doc_id], story)  # label from the channels.yaml in the egg


def test_a_failed_job_is_finished_too_and_its_log_says_why(
    deployed: str, tmp_path: Path
) -> None:
    job = run_job(deployed, "finance", [("max_pages", "two"),
                                        ("setting", f"OUTPUT_DIR={tmp_path / 'out'}")])
    log = job_log(deployed, job)
    assert "argument 'max_pages': expected a whole number >= 1, got 'two'" in log, log
    assert "'finish_reason': 'bad-argument'" in log, log[-3000:]
    assert "finished: bad-argument" in log, log[-3000:]
