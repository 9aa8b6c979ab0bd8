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
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
from localserver import Answer, LocalServer
from test_finance import (
    HANG,
    LocalSina,
    channel,
    check_post,
    crawl,
    posts,
    start_crawl,
    stat,
    wait_for,
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


class RedisServer:
    """A real redis-server on a free port of 127.0.0.1, with its data in `folder`
    (`durable`: every write on disk before Redis answers, so a restart after a SIGKILL
    finds all that the crawl was told was written)."""

    def __init__(self, folder: Path, durable: bool = False) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            message = "redis-server is not installed (apt-get install -y redis-server)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        persistence = ["yes", "--appendfsync", "always"] if durable else ["no"]
        self.command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", *persistence, "--dir", str(folder)]
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        client = redis.Redis.from_url(self.url)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                if self.process.poll() is not None:
                    pytest.fail(f"redis-server did not start on port {self.port}")
                return False

        wait_for(answers, what=f"redis-server on port {self.port}")
        client.close()
        return self

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server for the module; yields its URL (database 0)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


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
        local = LocalSina(server)
        yield local
        local.release()  # a failed test leaves no page waiting


def clean_log(stderr: str) -> None:
    """No traceback, no asyncio complaint, no deprecation warning."""
    for noise in ("Traceback", "Task exception was never retrieved", "Unhandled error",
                  "DeprecationWarning", "py.warnings"):
        assert noise not in stderr, stderr[-3000:]


def agents(site: LocalSina) -> set[str]:
    """The User-Agents of the requests so far: one per worker that sent one."""
    return {headers.get("User-Agent", "") for _, headers in list(site.server.received)}


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The ERROR lines of a crawl's log."""
    return [line for line in result.stderr.splitlines() if "] ERROR: " in line]


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
    wait_for(lambda: len({headers.get("User-Agent") for _, headers in list(site.server.received)})
             == 2, *workers, what="both workers' first requests")
    site.gate.set()
    results = [w.finish() for w in workers]
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Distributed crawl through Redis at " + redis_url in result.stderr
        clean_log(result.stderr)
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in stories)
    requested = site.requests_for()
    assert len(requested) == N and max(requested.values()) == 1
    counts = [stat(r, "newscrawl/written") for r in results]
    assert sum(counts) == N and min(counts) > 0, counts
    # Both joined the same run; the one that joined a live run does not take the run's
    # own walk note for one a dead run left.
    assert "started run 1" in "".join(r.stderr for r in results)
    assert "joined run 1" in "".join(r.stderr for r in results)
    assert "a previous run stopped" not in "".join(r.stderr for r in results)
    for story in stories[:: N // 20]:
        check_post(written[story.doc_id], story)
    assert not list(out.glob(".*.tmp"))
    store = redis.Redis.from_url(redis_url)
    assert store.hlen("newscrawl:known") == N
    assert store.zcard("newscrawl:finance:workers") == 0  # both left the run
    assert store.hgetall("newscrawl:marks") == {}  # the run finished: no walk note left

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
            "REDIS_WORKER_TIMEOUT": 2, "DOWNLOAD_TIMEOUT": HANG}
    # Every 20th page from the third listing page on hangs until released; the victim is
    # killed once it holds one of them, so it surely dies with work taken but not written,
    # below listing pages whose articles are all written.
    site.hung = {s.doc_id for s in stories[100::20]}
    victim = start_crawl(site, out, channels, REDIS_URL=redis_url, USER_AGENT="victim", **slow)
    other = start_crawl(site, out, channels, REDIS_URL=redis_url, **slow)

    def victim_holds_a_hung_page() -> bool:
        taken = (
            re.search(r"doc-(i\w{14})", path)
            for path, headers in list(site.server.received)
            if headers.get("User-Agent") == "victim"
        )
        return any(found and found.group(1) in site.hung for found in taken)

    wait_for(lambda: len(list(out.glob("*.md"))) >= 150 and victim_holds_a_hung_page(),
             victim, other, what="150 posts, and a hung page in the victim's hands")
    victim.kill()  # SIGKILL: its taken requests are in the dupefilter, not written
    victim.finish(timeout=30)
    site.released.set()
    survivor = other.finish()
    assert survivor.returncode == 0, survivor.stderr[-3000:]
    before = posts(out)
    assert 150 <= len(before) < N
    for ident, text in before.items():
        check_post(text, site.stories[ident])

    # Repeat the crawl (the plain scheduled one): a new run, whose dupefilter does not
    # block what the killed worker took but did not write. The gaps it left may lie under
    # pages of known articles only, where a plain walk would stop; the note takes the walk
    # back far enough.
    site.delay = 0
    mark = len(site.server.requests)
    rerun = crawl(site, out, channels, REDIS_URL=redis_url, **FAST)
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
    # The survivor waited for the victim until its heartbeat expired, then ended the run
    # as one that lost a worker, which keeps the walk note for the rerun.
    assert "stopped without a heartbeat while it had requests in hand" in survivor.stderr
    assert "finished: worker_lost" in survivor.stderr
    assert stat(survivor, "newscrawl/workers_lost") == 1
    assert "a previous run stopped before it was done" in rerun.stderr


def test_a_worker_with_nothing_queued_waits_for_the_busy_ones(
    site: LocalSina, tmp_path: Path, redis_url: str
) -> None:
    """The second worker lists a channel with nothing in it while the first is still
    listing its own: it stays, and takes its share of what the first one lists."""
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686), channel("quiet", 1687)])
    stories = [site.story("dw", n) for n in range(1, 201)]
    site.listing(1686, [site.item(s) for s in stories])
    site.listing(1687, [])
    site.delay = 0.2
    store = redis.Redis.from_url(redis_url)

    def busy_listing(path: str) -> Answer:
        # The first page answers once the second worker has joined and gone idle (it is
        # out of the run's busy set), or when the test ends.
        while not site.released.is_set() and not (
            store.zcard("newscrawl:finance:workers") == 2
            and store.scard("newscrawl:finance:busy:1") == 1
        ):
            time.sleep(0.02)
        return site.listed_answer(path)

    site.answers[1686] = busy_listing
    slow = {**FAST, "CONCURRENT_REQUESTS": 4, "CONCURRENT_REQUESTS_PER_DOMAIN": 4}
    first = start_crawl(site, out, channels, "channels=china", REDIS_URL=redis_url, **slow)
    wait_for(site.api_requests, first, what="the first worker's listing request")
    second = start_crawl(site, out, channels, "channels=quiet", REDIS_URL=redis_url, **slow)
    results = [first.finish(), second.finish()]
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
    counts = [stat(r, "newscrawl/written") for r in results]
    assert sum(counts) == len(stories) and min(counts) > 0, counts
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
    assert max(site.requests_for().values()) == 1
    assert "joined run 1" in results[1].stderr
    assert "waiting for the 1 busy worker(s) of run 1" in results[1].stderr
    store.close()


def test_a_new_run_takes_over_what_a_dead_run_left_queued(
    site: LocalSina, tmp_path: Path, redis_url: str
) -> None:
    """The only worker dies with most of a listing page still queued in Redis: the next
    run keeps the queued requests, lists again, and still fetches each article once."""
    out = tmp_path / "out"
    channels, stories = thousand(site, tmp_path)
    site.hung = {s.doc_id for s in stories}
    store = redis.Redis.from_url(redis_url)
    queue = "newscrawl:finance:requests"
    one = {**FAST, "CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
           "REDIS_WORKER_TIMEOUT": 1}
    victim = start_crawl(site, out, channels, REDIS_URL=redis_url, DOWNLOAD_TIMEOUT=HANG, **one)
    wait_for(lambda: site.requests_for() and store.zcard(queue) >= 40, victim,
             what="an article taken and the rest queued")
    victim.kill()  # holds one article page; 49 more and the next listing page are queued
    victim.finish(timeout=30)
    left = store.zcard(queue)
    assert left >= 40 and not posts(out)
    taken = set(site.requests_for())
    site.hung = set()
    site.released.set()
    wait_for(lambda: heartbeats_expired(store), what="the dead worker's heartbeat to expire")

    mark = len(site.server.requests)
    rerun = crawl(site, out, channels, REDIS_URL=redis_url, **FAST)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
    requested = site.requests_for(mark)
    assert set(requested) == {s.doc_id for s in stories}
    assert max(requested.values()) == 1, [i for i, n in requested.items() if n > 1]
    assert taken <= set(requested)  # what the dead worker held is fetched again
    assert store.zcard(queue) == 0
    assert "started run 2" in rerun.stderr
    assert f"Run 2: {left} request(s) left queued by the previous run are kept" in rerun.stderr
    store.close()


def heartbeats_expired(store: redis.Redis) -> bool:
    """No worker of the finance spider is alive by its heartbeat (scores are expiry times,
    on Redis's clock)."""
    seconds, micros = store.time()
    expiries = store.zrange("newscrawl:finance:workers", 0, -1, withscores=True)
    return all(expiry <= seconds + micros / 1e6 for _, expiry in expiries)


def test_a_queued_request_the_spider_cannot_read_is_dropped_with_a_warning(
    site: LocalSina, tmp_path: Path, redis_url: str
) -> None:
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("uq", n) for n in range(1, 6)]
    site.listing(1686, [site.item(s) for s in stories])
    store = redis.Redis.from_url(redis_url)
    store.zadd("newscrawl:finance:requests", {b"\x80\x05not a pickle": 0})
    result = crawl(site, out, channels, REDIS_URL=redis_url, **FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Dropped a queued request this spider cannot read" in result.stderr
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
    assert store.zcard("newscrawl:finance:requests") == 0
    store.close()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_walk_note_only_moves_back(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Workers that listed less far do not move the shared note forward."""
    if kind == "sqlite":
        store = SQLiteStore(tmp_path / "state.sqlite3")
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisStore(redis.Redis.from_url(url, decode_responses=True))
    name = "unfinished-walk:finance:china"
    store.lower_mark(name, "2024-05-01T02:00:00+00:00")
    store.lower_mark(name, "2024-05-01T03:00:00+00:00")
    assert store.mark(name) == "2024-05-01T02:00:00+00:00"
    store.lower_mark(name, "2024-04-30T23:59:59+00:00")
    assert store.mark(name) == "2024-04-30T23:59:59+00:00"
    store.clear_mark(name)
    assert store.mark(name) is None
    store.close()


def test_a_worker_that_joins_a_live_run_reads_no_note_of_a_previous_run(
    site: LocalSina, tmp_path: Path, redis_url: str
) -> None:
    """On an empty Redis, the first worker notes how far its walk has gone; a worker that
    joins its run afterwards must not read that note as one a dead run left."""
    out = tmp_path / "out"
    channels, stories = thousand(site, tmp_path)
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    note = "unfinished-walk:finance:china"
    site.gate = threading.Event()
    held = {"DOWNLOAD_TIMEOUT": HANG, **FAST}
    with ExitStack() as running:
        first = running.enter_context(
            start_crawl(site, out, channels, REDIS_URL=redis_url, USER_AGENT="first", **held)
        )
        wait_for(lambda: store.hget("newscrawl:marks", note), first,
                 what="the first worker's walk note")
        second = running.enter_context(
            start_crawl(site, out, channels, REDIS_URL=redis_url, USER_AGENT="second", **held)
        )
        wait_for(lambda: "second" in agents(site), first, second,
                 what="the second worker's first request")
        site.gate.set()
        results = [first.finish(), second.finish()]
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "a previous run stopped" not in result.stderr
    assert "joined run 1" in results[1].stderr
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
    assert max(site.requests_for().values()) == 1
    assert store.hget("newscrawl:marks", note) is None
    store.close()


def test_three_workers_fetch_each_article_once_whatever_its_urls(
    site: LocalSina, tmp_path: Path, redis_url: str
) -> None:
    """Each article is listed under two URLs in two channels (/china/… and /roll/…, as
    Sina's roll channel does), and each worker lists both: one article is one request,
    and no post is written twice (`changed`)."""
    out = tmp_path / "out"
    channels = write_channels(
        tmp_path, [channel("china", 1686), channel("roll", 2519, label="新浪财经－滚动")]
    )
    stories = [site.story("tw", n) for n in range(1, 301)]
    site.listing(1686, [site.item(s) for s in stories])
    site.listing(2519, [site.item(s, site.server.url(s.roll_path)) for s in stories])
    # Article pages wait until the three workers have asked for something.
    site.gate = threading.Event()
    names = [f"worker-{n}" for n in range(3)]
    with ExitStack() as running:
        workers = [
            running.enter_context(start_crawl(
                site, out, channels, "channels=china,roll", REDIS_URL=redis_url,
                USER_AGENT=name, DOWNLOAD_TIMEOUT=HANG, **FAST,
            ))
            for name in names
        ]
        wait_for(lambda: set(names) <= agents(site), *workers, what="the three workers' requests")
        site.gate.set()
        results = [w.finish() for w in workers]
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        clean_log(result.stderr)
    requested = site.requests_for()
    assert set(requested) == {s.doc_id for s in stories}
    assert [i for i, n in requested.items() if n > 1] == []
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
    assert sum(stat(r, "newscrawl/written") for r in results) == len(stories)
    assert sum(stat(r, "newscrawl/changed") for r in results) == 0


# --------------------------------------------------------------------------- Redis faults


BAD_URLS = {
    "port not a number": "redis://:s3cret@127.0.0.1:notaport/x",
    "unknown scheme": "http://127.0.0.1:6379/0",
    "database not a number": "redis://127.0.0.1:6379/zero",
    "no host": "redis:///0",
    "unix socket without path": "unix://",
}


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_a_malformed_redis_url_fails_at_start_naming_it(
    site: LocalSina, tmp_path: Path, url: str
) -> None:
    out = tmp_path / "out"
    channels, _ = thousand(site, tmp_path)
    result = crawl(site, out, channels, REDIS_URL=url, **FAST)
    assert result.returncode == 1
    [error] = errors(result)
    assert f"REDIS_URL {url.replace('s3cret', '***')} is not a Redis URL (" in error
    assert "s3cret" not in result.stderr
    assert "'finish_reason': 'bad-setting'" in result.stderr
    assert "finished: bad-setting" in result.stderr
    clean_log(result.stderr)
    assert site.server.requests == []
    assert not list(out.glob("*.md"))


def test_unreachable_redis_fails_naming_the_url(site: LocalSina, tmp_path: Path) -> None:
    out = tmp_path / "out"
    channels, _ = thousand(site, tmp_path)
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"  # nothing listens there
    result = crawl(site, out, channels, REDIS_URL=url, **FAST)
    assert result.returncode == 1
    [error] = errors(result)
    assert f"Redis at {url.replace('s3cret', '***')} is unreachable (" in error
    assert "start it, or fix REDIS_URL" in error
    assert "s3cret" not in result.stderr
    assert "'finish_reason': 'redis-unreachable'" in result.stderr
    clean_log(result.stderr)
    assert site.server.requests == []
    assert not list(out.glob("*.md"))


def test_a_redis_that_never_answers_is_given_up_after_the_connect_timeout(
    site: LocalSina, tmp_path: Path
) -> None:
    """A server that accepts connections and never says a word (a Redis stopped with
    SIGSTOP, a firewall that swallows packets): the worker gives up after
    REDIS_CONNECT_TIMEOUT and fails the run, instead of hanging."""
    out = tmp_path / "out"
    channels, _ = thousand(site, tmp_path)
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept_and_keep_silent() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed at the end of the test
                return
            accepted.append(connection)

    threading.Thread(target=accept_and_keep_silent, daemon=True).start()
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    try:
        result = crawl(site, out, channels, REDIS_URL=url, REDIS_CONNECT_TIMEOUT=1, **FAST)
    finally:
        listener.close()
        for connection in accepted:
            connection.close()
    assert accepted  # it did connect, and then waited for an answer
    assert result.returncode == 1
    [error] = errors(result)
    assert f"Redis at {url} is unreachable (Timeout" in error
    assert "REDIS_CONNECT_TIMEOUT=1 s" in error
    assert "'finish_reason': 'redis-unreachable'" in result.stderr
    clean_log(result.stderr)
    assert site.server.requests == []


def test_redis_lost_mid_run_stops_the_worker_with_one_error(
    site: LocalSina, tmp_path: Path
) -> None:
    """redis-server is killed while the worker has pages in hand: one ERROR, exit 1,
    `redis-lost`; what Redis recorded is on disk, and the next run (Redis back, with what
    it had written) fetches only what Redis did not know."""
    out = tmp_path / "out"
    channels, stories = thousand(site, tmp_path)
    server = RedisServer(tmp_path / "redis", durable=True).start()
    few = {**FAST, "CONCURRENT_REQUESTS": 8, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
           "REDIS_WORKER_TIMEOUT": 2, "DOWNLOAD_TIMEOUT": HANG}
    try:
        site.hung = {s.doc_id for s in stories[150::25]}
        with start_crawl(site, out, channels, REDIS_URL=server.url, **few) as worker:
            wait_for(lambda: len(posts(out)) >= 100 and set(site.requests_for()) & site.hung,
                     worker, what="100 posts, and a hung page taken")
            server.kill()
            site.released.set()
            result = worker.finish()
        assert result.returncode == 1, result.stderr[-3000:]
        [error] = errors(result)
        assert f"Lost Redis at {server.url} (" in error
        assert "'finish_reason': 'redis-lost'" in result.stderr
        assert "finished: redis-lost" in result.stderr
        clean_log(result.stderr)
        assert not list(out.glob(".*.tmp"))

        # Redis comes back with all it had acknowledged: every id it knows has its post.
        server.start()
        client = redis.Redis.from_url(server.url, decode_responses=True)
        known = set(client.hkeys("newscrawl:known"))
        before = posts(out)
        assert known <= set(before) and len(known) >= 100
        for ident, text in before.items():
            check_post(text, site.stories[ident])
        wait_for(lambda: heartbeats_expired(client), what="the lost worker's heartbeat to expire")
        mark = len(site.server.requests)
        rerun = crawl(site, out, channels, REDIS_URL=server.url, **FAST)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
        requested = site.requests_for(mark)
        assert not set(requested) & known and max(requested.values()) == 1
        assert stat(rerun, "newscrawl/unchanged") == len(set(before) - known)
        assert stat(rerun, "newscrawl/changed") == 0
        client.close()
    finally:
        server.stop()


def test_redis_lost_while_a_worker_waits_for_a_busy_one(
    site: LocalSina, tmp_path: Path
) -> None:
    """One worker has nothing to do and waits (heartbeat, idle check), the other has
    pages in hand (store, scheduler): each stops with its one ERROR."""
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686), channel("quiet", 1687)])
    # As many articles as the busy worker takes at once: all in its hands, none queued
    # for the other one to take.
    stories = [site.story("lw", n) for n in range(1, 5)]
    site.listing(1686, [site.item(s) for s in stories])
    site.listing(1687, [])
    site.hung = {s.doc_id for s in stories}
    server = RedisServer(tmp_path / "redis").start()
    client = redis.Redis.from_url(server.url)
    slow = {**FAST, "CONCURRENT_REQUESTS": 4, "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            "REDIS_WORKER_TIMEOUT": 2, "DOWNLOAD_TIMEOUT": HANG}
    try:
        with ExitStack() as running:
            busy = running.enter_context(
                start_crawl(site, out, channels, "channels=china", REDIS_URL=server.url, **slow)
            )
            wait_for(lambda: len(site.requests_for()) == 4, busy,
                     what="the busy worker's requests")
            idle = running.enter_context(
                start_crawl(site, out, channels, "channels=quiet", REDIS_URL=server.url, **slow)
            )
            wait_for(lambda: client.zcard("newscrawl:finance:workers") == 2
                     and client.scard("newscrawl:finance:busy:1") == 1, busy, idle,
                     what="the second worker, idle")
            server.kill()
            site.released.set()
            results = [idle.finish(), busy.finish()]
        for result in results:
            assert result.returncode == 1, result.stderr[-3000:]
            [error] = errors(result)
            assert f"Lost Redis at {server.url} (" in error
            assert "'finish_reason': 'redis-lost'" in result.stderr
            clean_log(result.stderr)
        assert not list(out.glob(".*.tmp"))
    finally:
        client.close()
        server.stop()
