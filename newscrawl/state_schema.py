"""The SQLite state's schema, and how a state file is told apart from anything else.

The file says what it is: newscrawl's `PRAGMA application_id` and its schema's version
(`PRAGMA user_version`). A state of an older schema is migrated in place, in one
transaction; a newer one, a file that is not a SQLite database, a damaged one, another
application's database or tables of an unknown shape are refused (StateError), and the
file is left as it was.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

LOCKED = "state-locked"
UNUSABLE = "state-unusable"
TOO_NEW = "state-too-new"

APPLICATION_ID = 0x6E637374  # "ncst"
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


class StateError(Exception):
    """The state cannot be used (`reason`: the run's finish reason); the message names the
    file, the cause and what to do."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def unusable(path: Path, problem: str) -> StateError:
    return StateError(UNUSABLE, (
        f"The state {path} cannot be used: {problem}. Nothing was changed in it."
        " Move it aside (the next run then starts a new state: it fetches the listed"
        " articles again and finds their posts unchanged), restore it from a backup,"
        " or set STATE_PATH to another file."
    ))


def check_header(path: Path) -> None:
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


def prepare(db: sqlite3.Connection, path: Path) -> None:
    """Makes the database at `path` a state of SCHEMA_VERSION: creates its tables when it
    is new, migrates it when it is older, marks it when it does not say its version yet.
    Raises StateError for a file it cannot use, and sqlite3.Error."""
    version, stamped = schema_version(db, path)
    if version != SCHEMA_VERSION or not stamped:
        migrate(db, path, version)


def schema_version(db: sqlite3.Connection, path: Path) -> tuple[int | None, bool]:
    """The schema version of the database (None: new and empty) and whether the file says
    it (else its tables tell), after checking that this code can use it."""
    application = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = _tables(db)
    if application == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise StateError(TOO_NEW, (
                f"The state {path} has schema version {version}, newer than this"
                f" newscrawl's ({SCHEMA_VERSION}): a newer newscrawl wrote it. Run that"
                " newscrawl, or set STATE_PATH to another file. Nothing was changed in it."
            ))
        if tables != TABLES.get(version):
            raise unusable(
                path, f"its tables ({_describe(tables)}) are not those of schema version {version}"
            )
        return version, True
    if application == 0 and version == 0:
        if not tables:
            return None, False
        for known_version, known_tables in TABLES.items():
            if tables == known_tables:
                return known_version, False
    raise unusable(path, (
        f"it is not a newscrawl state (application id {application:#x}, schema version"
        f" {version}, tables: {_describe(tables)})"
    ))


@contextmanager
def transaction(db: sqlite3.Connection, begin: str = "BEGIN") -> Iterator[None]:
    """What runs inside is committed whole, or rolled back (`db` in autocommit mode)."""
    db.execute(begin)
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def migrate(db: sqlite3.Connection, path: Path, version: int | None) -> None:
    """Creates the tables of a new state, or takes an older one to SCHEMA_VERSION: all or
    nothing."""
    steps = NEW_STATE if version is None else [
        statement for step in range(version, SCHEMA_VERSION) for statement in MIGRATIONS[step]
    ]
    with transaction(db, "BEGIN IMMEDIATE"):
        for statement in steps:
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    if version == SCHEMA_VERSION:
        logger.info("The state %s now says its schema version (%d)", path, version)
    elif version is not None:
        logger.info("Migrated the state %s from schema version %d to %d",
                    path, version, SCHEMA_VERSION)


def _tables(db: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    names = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
    )]
    return {
        name: tuple(row[0] for row in db.execute(
            "SELECT name FROM pragma_table_info(?) ORDER BY cid", (name,)
        ))
        for name in names
    }


def _describe(tables: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{name}({', '.join(cols)})" for name, cols in tables.items()) or "none"
