"""Distributed crawls (`-s REDIS_URL=...`): real `scrapy crawl finance` workers sharing a
real `redis-server` (started here on a free port of 127.0.0.1) and one OUTPUT_DIR, against
the local roll API of tests/test_finance.py."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from localserver import LocalServer
from test_finance import (
    LocalSina,
    channel,
    check_post,
    crawl,
    posts,
    start_crawl,
    stat,
    write_channels,
)

from newscrawl.redis_store import RedisStore
from newscrawl.store import SQLiteStore

N = 1000
FAST = {
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
    "ROLL_PAGE_SIZE": 50,
    "ROLL_MAX_PAGES": 100,
    "REMOTE_CONTROL_ENABLED": 0,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free port; yields its URL (database 0)."""
    binary = shutil.which("redis-server")
    if not binary:
        message = "redis-server is not installed (apt-get install -y redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """An empty database for each test."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.close()


@pytest.fixture
def site() -> Iterator[LocalSina]:
    with LocalServer() as server:
        yield LocalSina(server)


def thousand(site: LocalSina, tmp_path: Path) -> tuple[Path, list]:
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("ds", n) for n in range(1, N + 1)]
    site.listing(1686, [site.item(s) for s in stories])
    return channels, stories


def test_two_workers_share_the_work_and_fetch_each_article_once(
    site: LocalSina, tmp_path: Path, redis_url: str
) -> None:
    out = tmp_path / "out"
    channels, stories = thousand(site, tmp_path)
    # Article pages wait until both workers have asked for the listing, so that neither
    # can do it all before the other has started.
    site.gate = threading.Event()
    workers = [
        start_crawl(site, out, channels, REDIS_URL=redis_url, USER_AGENT=f"worker-{n}",
                    DOWNLOAD_TIMEOUT=120, **FAST)
        for n in range(2)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(
        {headers.get("User-Agent") for _, headers in list(site.server.received)}
    ) < 2:
        time.sleep(0.02)
    site.gate.set()
    results = [w.finish() for w in workers]
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Distributed crawl through Redis at " + redis_url in result.stderr
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in stories)
    requested = site.requests_for()
    assert len(requested) == N and max(requested.values()) == 1
    counts = [stat(r, "newscrawl/written") for r in results]
    assert sum(counts) == N and min(counts) > 0, counts
    # Both joined the same run.
    assert "started run 1" in "".join(r.stderr for r in results)
    assert "joined run 1" in "".join(r.stderr for r in results)
    for story in stories[:: N // 20]:
        check_post(written[story.doc_id], story)
    assert not list(out.glob(".*.tmp"))
    store = redis.Redis.from_url(redis_url)
    assert store.hlen("newscrawl:known") == N
    assert store.zcard("newscrawl:finance:workers") == 0  # both left the run

    # A third run: everything is known to Redis, nothing is fetched.
    site.delay = 0
    mark = len(site.server.requests)
    third = crawl(site, out, channels, REDIS_URL=redis_url, **FAST)
    assert third.returncode == 0, third.stderr[-3000:]
    assert site.requests_for(mark) == Counter()
    assert stat(third, "newscrawl/article_pages") == 0
    assert "started run 2" in third.stderr
    assert "a page of known articles only" in third.stderr
    assert posts(out) == written


def test_killed_worker_loses_nothing(site: LocalSina, tmp_path: Path, redis_url: str) -> None:
    out = tmp_path / "out"
    channels, stories = thousand(site, tmp_path)
    site.delay = 0.01
    slow = {**FAST, "CONCURRENT_REQUESTS": 8, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "REDIS_WORKER_TIMEOUT": 2}
    # Every 20th page hangs until released; the victim is killed once it holds one of
    # them, so it surely dies with work taken but not written.
    site.hung = {s.doc_id for s in stories[::20]}
    victim = start_crawl(site, out, channels, REDIS_URL=redis_url, USER_AGENT="victim", **slow)
    other = start_crawl(site, out, channels, REDIS_URL=redis_url, **slow)

    def victim_holds_a_hung_page() -> bool:
        taken = (
            re.search(r"doc-(i\w{14})", path)
            for path, headers in list(site.server.received)
            if headers.get("User-Agent") == "victim"
        )
        return any(found and found.group(1) in site.hung for found in taken)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        len(list(out.glob("*.md"))) >= 150 and victim_holds_a_hung_page()
    ):
        time.sleep(0.02)
    victim.kill()  # SIGKILL: its taken requests are in the dupefilter, not written
    victim.finish(timeout=30)
    site.released.set()
    survivor = other.finish()
    assert survivor.returncode == 0, survivor.stderr[-3000:]
    before = posts(out)
    assert 150 <= len(before) < N
    for ident, text in before.items():
        check_post(text, site.stories[ident])

    # Repeat the crawl once the killed worker's heartbeat has expired: a new run, whose
    # dupefilter does not block what the killed worker took but did not write. The gaps
    # it left may lie under pages of known articles only, where a plain walk stops: walk
    # the whole listing back (`since`; the stories span 2024-04-30/05-01 Beijing time).
    time.sleep(2.5)
    site.delay = 0
    mark = len(site.server.requests)
    rerun = crawl(site, out, channels, "since=2024-04-30", REDIS_URL=redis_url, **FAST)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    after = posts(out)
    assert sorted(after) == sorted(s.doc_id for s in stories)
    for ident, text in after.items():
        check_post(text, site.stories[ident])
    assert not list(out.glob(".*.tmp"))
    requested = site.requests_for(mark)
    assert set(requested) == set(after) - set(before)  # nothing written is fetched again
    assert max(requested.values()) == 1
    assert stat(rerun, "newscrawl/written") == N - len(before)
    assert stat(rerun, "newscrawl/changed") == 0


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_walk_note_only_moves_back(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Workers that listed less far do not move the shared note forward."""
    if kind == "sqlite":
        store = SQLiteStore(tmp_path / "state.sqlite3")
    else:
        store = RedisStore.from_url(request.getfixturevalue("redis_url"))
    name = "unfinished-walk:finance:china"
    store.lower_mark(name, "2024-05-01T02:00:00+00:00")
    store.lower_mark(name, "2024-05-01T03:00:00+00:00")
    assert store.mark(name) == "2024-05-01T02:00:00+00:00"
    store.lower_mark(name, "2024-04-30T23:59:59+00:00")
    assert store.mark(name) == "2024-04-30T23:59:59+00:00"
    store.clear_mark(name)
    assert store.mark(name) is None
    store.close()


def test_unreachable_redis_fails_naming_the_url(site: LocalSina, tmp_path: Path) -> None:
    out = tmp_path / "out"
    channels, _ = thousand(site, tmp_path)
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    result = crawl(site, out, channels, REDIS_URL=url, **FAST)
    assert result.returncode != 0
    assert f"Redis at {url} is unreachable" in result.stderr
    assert site.server.requests == []
    assert not list(out.glob("*.md"))
