"""What is already written: document id → URL, file, content hash, first and last seen.

One narrow interface (`known`, `record`) so that a Redis-backed twin can stand in for
crawls spread over several machines. An id is recorded only after its file is safely on
disk (the write pipeline calls `record`), so a crash before the write means the article
is fetched again next time, never lost.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    doc_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
) WITHOUT ROWID
"""


class StateLocked(RuntimeError):
    """Another crawl holds the state."""


class Store(Protocol):
    def known(self, doc_ids: Iterable[str]) -> set[str]: ...

    def record(self, doc_id: str, url: str, path: str, content_hash: str) -> None: ...

    def mark(self, name: str) -> str | None: ...

    def lower_mark(self, name: str, value: str) -> None: ...

    def clear_mark(self, name: str) -> None: ...

    def close(self) -> None: ...


class SQLiteStore:
    """The embedded store: one SQLite file, guarded by an exclusive lock file so that two
    crawls never share it (the second waits up to `lock_timeout` seconds, then refuses)."""

    def __init__(self, path: Path, lock_timeout: float = 0.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(path.with_name(path.name + ".lock"), "a+b")  # noqa: SIM115
        try:
            _acquire(self._lock, lock_timeout)
        except StateLocked:
            self._lock.close()
            raise StateLocked(
                f"the state {path} is in use by another crawl"
                f" (waited {lock_timeout:g} s; see STATE_LOCK_TIMEOUT)"
            ) from None
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # A commit reaches the write-ahead log at once (a crawl killed right after loses
        # nothing) and the disk at each checkpoint: a power cut can lose the last
        # records, never corrupt the file. Their posts are on disk (fsync'd before
        # they are recorded), so the next run fetches them again and finds them unchanged.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def known(self, doc_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(doc_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT doc_id FROM articles WHERE doc_id IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    def record(self, doc_id: str, url: str, path: str, content_hash: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id) DO UPDATE SET"
            " url=excluded.url, path=excluded.path, content_hash=excluded.content_hash,"
            " last_seen=excluded.last_seen",
            (doc_id, url, path, content_hash, now, now),
        )

    def mark(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM marks WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def lower_mark(self, name: str, value: str) -> None:
        """Sets a small named value kept across runs, unless it holds a lower one (by
        string order: marks of one kind are written in one fixed format)."""
        self.db.execute(
            "INSERT INTO marks VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET value = min(value, excluded.value)",
            (name, value),
        )

    def clear_mark(self, name: str) -> None:
        self.db.execute("DELETE FROM marks WHERE name = ?", (name,))

    def close(self) -> None:
        self.db.close()
        self._lock.close()


def _acquire(lock_file, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise StateLocked from None
            time.sleep(0.2)


class StateStore:
    """Extension that opens the crawl's store (setting STATE_PATH, default
    OUTPUT_DIR/.newscrawl/state.sqlite3; with REDIS_URL set, the Redis HASH REDIS_STATE_KEY
    shared by all workers) and closes it when the spider closes.

    Components reach it with `crawler.get_extension(StateStore).store`. Set STATE_ENABLED
    to False to crawl without state.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("STATE_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        output = Path(settings.get("OUTPUT_DIR", "output"))
        self.path = Path(settings.get("STATE_PATH") or output / ".newscrawl" / "state.sqlite3")
        self.lock_timeout = settings.getfloat("STATE_LOCK_TIMEOUT", 0.0)
        self.store: Store | None = None
        self.error = ""
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        try:
            self.store = self.open_store()
        except StateLocked as exc:
            self.error = str(exc)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StateStore:
        return cls(crawler)

    def open_store(self) -> Store:
        settings = self.crawler.settings
        if settings.get("REDIS_URL"):  # a distributed crawl: see newscrawl.distributed
            from newscrawl.redis_store import RedisStore

            return RedisStore.from_url(
                settings["REDIS_URL"],
                settings.get("REDIS_STATE_KEY", ""),
                settings.getfloat("REDIS_CONNECT_TIMEOUT", 10.0),
            )
        return SQLiteStore(self.path, self.lock_timeout)

    def spider_closed(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def crawl_store(crawler: Crawler) -> Store | None:
    """The open store of this crawl: None without state, or when another crawl holds it."""
    extension = crawler.get_extension(StateStore)
    return extension.store if extension else None
