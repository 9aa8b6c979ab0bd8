"""What is already written: document id → URL, file, content hash, first and last seen.

One narrow interface (`known`, `record`) so that a Redis-backed twin can stand in for
crawls spread over several machines. An id is recorded only after its file is safely on
disk (the write pipeline calls `record`), so a crash before the write means the article
is fetched again next time, never lost.

The SQLite file says what it is: newscrawl's `PRAGMA application_id` and its schema's
version (`PRAGMA user_version`). A state of an older schema is migrated in place, in one
transaction; a newer one, a file that is not a SQLite database, a damaged one or another
application's database is refused, and never changed. A fault of the state during a run
(a full disk, ...) stops the run with one ERROR (GuardedStore).
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured

from newscrawl.faults import DISK_FULL, IO_ERROR, UNWRITABLE, advice, write_failure
from newscrawl.stats import failed_reason, refuse_start, stop_for_fault

logger = logging.getLogger(__name__)

LOCKED = "state-locked"
UNUSABLE = "state-unusable"
TOO_NEW = "state-too-new"

APPLICATION_ID = 0x6E637374  # "ncst": PRAGMA application_id of a newscrawl state
SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 of the 100 bytes of a database header

_ARTICLES = """CREATE TABLE articles (
    doc_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
) WITHOUT ROWID"""
_MARKS = "CREATE TABLE marks (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
_ARTICLE_COLUMNS = ("doc_id", "url", "path", "content_hash", "first_seen", "last_seen")

# The tables (and their columns) of each schema version. The first release kept `articles`
# only (version 0); the walk notes added `marks` (version 1). Neither wrote a version or
# an application id: a file without them is told by its tables.
TABLES: dict[int, dict[str, tuple[str, ...]]] = {
    0: {"articles": _ARTICLE_COLUMNS},
    1: {"articles": _ARTICLE_COLUMNS, "marks": ("name", "value")},
}
NEW_STATE = [_ARTICLES, _MARKS]  # the tables of SCHEMA_VERSION
MIGRATIONS: dict[int, list[str]] = {0: [_MARKS]}  # what takes version N to N + 1

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


class StateError(Exception):
    """The state cannot be used (`reason`: the run's finish reason); the message names the
    file, the cause and what to do."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class StateFailed(CloseSpider):
    """The state failed during the run: its ERROR is logged, and the spider is closing."""


class Store(Protocol):
    def known(self, doc_ids: Iterable[str]) -> set[str]: ...

    def record(self, doc_id: str, url: str, path: str, content_hash: str) -> None: ...

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
            path.parent.mkdir(parents=True, exist_ok=True)
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
            _check_header(path)
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
        version, stamped = self._schema_version()
        self.db.execute("PRAGMA journal_mode=WAL")
        # A commit reaches the write-ahead log at once (a crawl killed right after loses
        # nothing) and the disk at each checkpoint: a power cut can lose the last
        # records, never corrupt the file. Their posts are on disk (fsync'd before
        # they are recorded), so the next run fetches them again and finds them unchanged.
        self.db.execute("PRAGMA synchronous=NORMAL")
        if version != SCHEMA_VERSION or not stamped:
            self._migrate(version)

    def _schema_version(self) -> tuple[int | None, bool]:
        """The schema version of the file (None: a new, empty database) and whether the
        file says it (else its tables tell), after checking that it is a newscrawl state
        this code can use; raises StateError otherwise."""
        application = self.db.execute("PRAGMA application_id").fetchone()[0]
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._tables()
        if application == APPLICATION_ID:
            if version > SCHEMA_VERSION:
                raise StateError(TOO_NEW, (
                    f"The state {self.path} has schema version {version}, newer than this"
                    f" newscrawl's ({SCHEMA_VERSION}): a newer newscrawl wrote it. Run that"
                    " newscrawl, or set STATE_PATH to another file. Nothing was changed in it."
                ))
            if tables != TABLES.get(version):
                raise self.unusable(
                    f"its tables ({_describe(tables)}) are not those of schema version {version}"
                )
            return version, True
        if application == 0 and version == 0:
            if not tables:
                return None, False
            for known_version, known_tables in TABLES.items():
                if tables == known_tables:
                    return known_version, False
        raise self.unusable(
            "it is not a newscrawl state (application id"
            f" {application:#x}, schema version {version}, tables: {_describe(tables)})"
        )

    def _tables(self) -> dict[str, tuple[str, ...]]:
        names = [row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        )]
        return {
            name: tuple(row[0] for row in self.db.execute(
                "SELECT name FROM pragma_table_info(?) ORDER BY cid", (name,)
            ))
            for name in names
        }

    def _migrate(self, version: int | None) -> None:
        """Creates the tables of a new state, or takes an older one to SCHEMA_VERSION: all
        or nothing."""
        steps = NEW_STATE if version is None else [
            statement for step in range(version, SCHEMA_VERSION) for statement in MIGRATIONS[step]
        ]
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for statement in steps:
                self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        if version == SCHEMA_VERSION:
            logger.info("The state %s now says its schema version (%d)", self.path, version)
        elif version is not None:
            logger.info(
                "Migrated the state %s from schema version %d to %d",
                self.path, version, SCHEMA_VERSION,
            )

    def unusable(self, problem: str) -> StateError:
        return unusable(self.path, problem)

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
                raise self.unusable(f"SQLite says: {exc}") from None
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
        ids = list(dict.fromkeys(doc_ids))
        found: set[str] = set()
        with self._failures():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT doc_id FROM articles WHERE doc_id IN ({marks})"
                found.update(row[0] for row in self.db.execute(query, chunk))
        return found

    def record(self, doc_id: str, url: str, path: str, content_hash: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._failures():
            self.db.execute(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id) DO UPDATE"
                " SET url=excluded.url, path=excluded.path, content_hash=excluded.content_hash,"
                " last_seen=excluded.last_seen",
                (doc_id, url, path, content_hash, now, now),
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


def _check_header(path: Path) -> None:
    """Refuses a file that is not a SQLite database before SQLite touches it: SQLite itself
    takes a file shorter than its header for a new database, and would write over it. An
    empty file is a new database (what a crawl killed as it created its state leaves)."""
    try:
        with open(path, "rb") as file:
            header = file.read(100)
    except FileNotFoundError:
        return
    if not header:
        return
    if not (header.startswith(SQLITE_MAGIC) or SQLITE_MAGIC.startswith(header)):
        raise unusable(path, "it is not a SQLite database")
    if len(header) < 100:
        raise unusable(path, f"it is cut short ({len(header)} bytes, less than a database header)")


def unusable(path: Path, problem: str) -> StateError:
    return StateError(UNUSABLE, (
        f"The state {path} cannot be used: {problem}. Nothing was changed in it."
        " Move it aside (the next run then starts a new state: it fetches the listed"
        " articles again and finds their posts unchanged), restore it from a backup,"
        " or set STATE_PATH to another file."
    ))


def _describe(tables: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{name}({', '.join(cols)})" for name, cols in tables.items()) or "none"


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

    def record(self, doc_id: str, url: str, path: str, content_hash: str) -> None:
        with self._guard():
            self.store.record(doc_id, url, path, content_hash)

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

            return RedisStore.from_url(
                settings["REDIS_URL"],
                settings.get("REDIS_STATE_KEY", ""),
                settings.getfloat("REDIS_CONNECT_TIMEOUT", 10.0),
            )
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
