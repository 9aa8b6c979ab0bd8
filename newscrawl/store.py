"""What is already written: document id → URL, file, content hash, first and last seen.

One narrow interface (`known`, `record`) so that a Redis-backed twin can stand in for
crawls spread over several machines. An id is recorded only after its file is safely on
disk (the write pipeline calls `record`), so a crash before the write means the article
is fetched again next time, never lost.

A state file that cannot be used is refused at start, and left as it was; an older one is
migrated (newscrawl.state_schema). A fault of the state during a run (a full disk, ...)
stops the run with one ERROR (GuardedStore).
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured

from newscrawl.faults import DISK_FULL, IO_ERROR, UNWRITABLE, advice, make_folder, write_failure
from newscrawl.state_schema import (
    LOCKED,
    UNUSABLE,
    StateError,
    check_header,
    prepare,
    transaction,
    unusable,
)
from newscrawl.stats import failed_reason, refuse_start, stop_for_fault

logger = logging.getLogger(__name__)

# Writes that failed because of the disk, and refusals of the file, by SQLite's
# primary result code (sqlite_errorcode & 0xFF).
_SQLITE_REASONS = {
    sqlite3.SQLITE_FULL: DISK_FULL,
    sqlite3.SQLITE_IOERR: IO_ERROR,
    sqlite3.SQLITE_READONLY: UNWRITABLE,
    sqlite3.SQLITE_CANTOPEN: UNWRITABLE,
    sqlite3.SQLITE_PERM: UNWRITABLE,
    sqlite3.SQLITE_BUSY: LOCKED,
    sqlite3.SQLITE_LOCKED: LOCKED,
}


class StateFailed(CloseSpider):
    """The state failed during the run: its ERROR is logged, and the spider is closing."""


class Record(NamedTuple):
    """What the state keeps of one written article."""

    doc_id: str
    url: str
    path: str
    content_hash: str


class Store(Protocol):
    def known(self, doc_ids: Iterable[str]) -> set[str]: ...

    def record(self, records: Sequence[Record]) -> None:
        """Records articles written: all of them at once, or (on a fault) none."""

    def content_hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """The content hash recorded for each of `doc_ids` that is known."""

    def mark(self, name: str) -> str | None: ...

    def lower_mark(self, name: str, value: str) -> None: ...

    def clear_mark(self, name: str) -> None: ...

    def close(self) -> None: ...


class SQLiteStore:
    """The embedded store: one SQLite file, guarded by an exclusive lock file so that two
    crawls never share it (the second waits up to `lock_timeout` seconds, then refuses).

    Raises StateError when the file cannot be used, at opening and in every call."""

    def __init__(self, path: Path, lock_timeout: float = 0.0) -> None:
        self.path = path
        lock_path = path.with_name(path.name + ".lock")
        where = f"the folder of the state {path}"
        try:
            make_folder(path.parent)
            where = f"the state's lock file {lock_path}"
            self._lock = open(lock_path, "a+b")  # noqa: SIM115 (closed by close())
        except OSError as exc:
            raise StateError(*write_failure(exc, where, "STATE_PATH", during_run=False)) from None
        try:
            if not _acquire(self._lock, lock_timeout):
                raise StateError(LOCKED, (
                    f"The state {path} is in use by another crawl (waited {lock_timeout:g} s):"
                    " let it finish, or set STATE_LOCK_TIMEOUT to wait for it longer"
                ))
            check_header(path)
            with self._failures(during_run=False):  # a path SQLite cannot open, ...
                self.db = sqlite3.connect(path, isolation_level=None)
        except OSError as exc:
            self._lock.close()
            raise StateError(*write_failure(
                exc, f"the state {path}", "STATE_PATH", during_run=False
            )) from None
        except BaseException:
            self._lock.close()
            raise
        try:
            with self._failures(during_run=False):
                self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        prepare(self.db, self.path)  # before anything is written to a file not yet checked
        self.db.execute("PRAGMA journal_mode=WAL")
        # A commit reaches the write-ahead log at once (a crawl killed right after loses
        # nothing) and the disk at each checkpoint: a power cut can lose the last
        # records, never corrupt the file. Their posts are on disk (fsync'd before
        # they are recorded), so the next run fetches them again and finds them unchanged.
        self.db.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def _failures(self, during_run: bool = True) -> Iterator[None]:
        """Turns SQLite's errors into a StateError naming the file, the cause and what to
        do."""
        try:
            yield
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            reason = _SQLITE_REASONS.get(code, UNUSABLE)
            if reason == UNUSABLE:
                raise unusable(self.path, f"SQLite says: {exc}") from None
            if reason == LOCKED:
                what = "stop the program that holds it"
            else:
                what = advice(reason, "STATE_PATH")
            message = f"Cannot use the state {self.path}: SQLite says: {exc}; {what}"
            if during_run:
                message += (
                    " (the run stopped; the posts written so far are whole, and the next run"
                    " fetches again those the state did not record)"
                )
            raise StateError(reason, message) from None

    def known(self, doc_ids: Iterable[str]) -> set[str]:
        return set(self._select("doc_id", doc_ids))

    def content_hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        return dict(self._select("doc_id, content_hash", doc_ids))

    def _select(self, columns: str, doc_ids: Iterable[str]) -> Iterator[Any]:
        ids = list(dict.fromkeys(doc_ids))
        with self._failures():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT {columns} FROM articles WHERE doc_id IN ({marks})"
                rows = self.db.execute(query, chunk).fetchall()
                yield from (row[0] if len(row) == 1 else row for row in rows)

    def record(self, records: Sequence[Record]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._failures(), transaction(self.db):
            self.db.executemany(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id) DO UPDATE"
                " SET url=excluded.url, path=excluded.path, content_hash=excluded.content_hash,"
                " last_seen=excluded.last_seen",
                [(*record, now, now) for record in records],
            )

    def mark(self, name: str) -> str | None:
        with self._failures():
            row = self.db.execute("SELECT value FROM marks WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def lower_mark(self, name: str, value: str) -> None:
        """Sets a small named value kept across runs, unless it holds a lower one (by
        string order: marks of one kind are written in one fixed format)."""
        with self._failures():
            self.db.execute(
                "INSERT INTO marks VALUES (?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value = min(value, excluded.value)",
                (name, value),
            )

    def clear_mark(self, name: str) -> None:
        with self._failures():
            self.db.execute("DELETE FROM marks WHERE name = ?", (name,))

    def close(self) -> None:
        self.db.close()
        self._lock.close()


def _acquire(lock_file: IO[bytes], timeout: float) -> bool:
    """Takes the exclusive lock, waiting up to `timeout` seconds; False if it could not."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


class GuardedStore:
    """The crawl's store as spiders and pipelines see it: a fault of the state during the
    run (a full disk, a damaged file) fails the run with one ERROR and raises StateFailed,
    which Scrapy takes, out of a spider callback, as the order to close the spider."""

    def __init__(self, store: Store, crawler: Crawler) -> None:
        self.store = store
        self.crawler = crawler

    @property
    def exclusive(self) -> bool:
        """Whether this crawl is the only one writing with this state (see RedisStore)."""
        return getattr(self.store, "exclusive", True)

    def known(self, doc_ids: Iterable[str]) -> set[str]:
        with self._guard():
            return self.store.known(doc_ids)

    def record(self, records: Sequence[Record]) -> None:
        with self._guard():
            self.store.record(records)

    def content_hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        with self._guard():
            return self.store.content_hashes(doc_ids)

    def mark(self, name: str) -> str | None:
        with self._guard():
            return self.store.mark(name)

    def lower_mark(self, name: str, value: str) -> None:
        with self._guard():
            self.store.lower_mark(name, value)

    def clear_mark(self, name: str) -> None:
        with self._guard():
            self.store.clear_mark(name)

    def close(self) -> None:
        self.store.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except StateError as exc:
            stop_for_fault(self.crawler, exc.reason, str(exc), log=logger)
            raise StateFailed(failed_reason(self.crawler.stats)) from None


class StateStore:
    """Extension that opens the crawl's store (setting STATE_PATH, default
    OUTPUT_DIR/.newscrawl/state.sqlite3; with REDIS_URL set, the Redis HASH REDIS_STATE_KEY
    shared by all workers) and closes it when the spider closes. A state that cannot be
    used (held by another crawl, damaged, unwritable, ...) fails the run as the spider
    opens, before any request.

    Components reach it with `crawl_store(crawler)`. Set STATE_ENABLED to False to crawl
    without state.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("STATE_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        output = Path(settings.get("OUTPUT_DIR", "output"))
        self.path = Path(settings.get("STATE_PATH") or output / ".newscrawl" / "state.sqlite3")
        self.lock_timeout = settings.getfloat("STATE_LOCK_TIMEOUT", 0.0)
        self.store: GuardedStore | None = None
        self.failure: StateError | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        try:
            self.store = GuardedStore(self.open_store(), crawler)
        except StateError as exc:
            self.failure = exc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StateStore:
        return cls(crawler)

    def open_store(self) -> Store:
        settings = self.crawler.settings
        if settings.get("REDIS_URL"):  # a distributed crawl: see newscrawl.distributed
            from newscrawl.redis_store import RedisStore

            return RedisStore.from_crawler(self.crawler)
        return SQLiteStore(self.path, self.lock_timeout)

    def spider_opened(self) -> None:
        if self.failure is not None:
            raise refuse_start(self.crawler, self.failure.reason, str(self.failure), log=logger)

    def spider_closed(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def crawl_store(crawler: Crawler) -> GuardedStore | None:
    """The open store of this crawl: None without state, or when it could not be opened."""
    extension = crawler.get_extension(StateStore)
    return extension.store if extension else None
