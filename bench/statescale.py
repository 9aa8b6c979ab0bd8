"""Figure 5: the SQLite state store with many ids (`known` and `record` per call), built by
the benchmark with made-up articles, against the same store holding 1,000 ids."""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from pathlib import Path

from newscrawl.store import Record, SQLiteStore

BATCH = 50  # ids per known() call: one roll-API page


def filler_id(j: int) -> str:
    return f"ifill{j:010d}"


def fill(db: sqlite3.Connection, count: int, start: int = 0) -> None:
    """Insert `count` made-up articles in one transaction (as a years-old archive holds)."""
    now = "2024-03-01T00:00:00+00:00"

    def rows():
        for j in range(start, start + count):
            doc_id = filler_id(j)
            yield (
                doc_id,
                f"https://finance.sina.com.cn/roll/2020-01-01/doc-{doc_id}.shtml",
                f"output/{doc_id}.md",
                f"{j:064x}",
                now,
                now,
            )

    with db:
        db.executemany("INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?, ?, ?)", rows())


def make_store(path: Path, ids: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    SQLiteStore(path).close()  # the schema, as the crawler creates it
    db = sqlite3.connect(path)
    fill(db, ids)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def time_known(store: SQLiteStore, ids: int, calls: int, rng: random.Random) -> list[float]:
    times = []
    for _ in range(calls):
        batch = [filler_id(rng.randrange(ids)) for _ in range(BATCH // 2)]
        batch += [f"inew{rng.randrange(10**10):010d}" for _ in range(BATCH - len(batch))]
        started = time.perf_counter()
        store.known(batch)
        times.append(time.perf_counter() - started)
    return times


def time_record(store: SQLiteStore, calls: int, offset: int) -> list[float]:
    times = []
    for i in range(calls):
        doc_id = f"irec{offset + i:011d}"
        started = time.perf_counter()
        store.record([Record(
            doc_id,
            f"https://finance.sina.com.cn/x/doc-{doc_id}.shtml",
            f"output/{doc_id}.md",
            "0" * 64,
        )])
        times.append(time.perf_counter() - started)
    return times


def state_figures(args, workdir: Path):
    from bench.run import Figure, ratio_of

    sizes = {"small": args.small_ids, "big": args.ids}
    paths = {k: workdir / "state" / k / "state.sqlite3" for k in sizes}
    built = {}
    for key, ids in sizes.items():
        started = time.perf_counter()
        make_store(paths[key], ids)
        built[key] = time.perf_counter() - started
    known = {k: [] for k in sizes}
    record = {k: [] for k in sizes}
    rng = random.Random(5)
    calls = 400
    for rep in range(args.repeat):
        for key in ("small", "big") if rep % 2 == 0 else ("big", "small"):
            store = SQLiteStore(paths[key])
            try:
                time_known(store, sizes[key], 50, rng)  # warm the cache as a run would
                known[key] += time_known(store, sizes[key], calls, rng)
                record[key] += time_record(store, 50, rep * 1000)
            finally:
                store.close()
    us = {
        k: {
            "known": statistics.median(known[k]) * 1e6,
            "record": statistics.median(record[k]) * 1e6,
        }
        for k in sizes
    }
    # A look-up walks a B-tree: deeper and colder with a million ids, so the ratio grows;
    # what a run pays is one call per listing page, which must stay well under a millisecond.
    r = ratio_of(us["big"]["known"], us["small"]["known"])
    f_known = Figure(
        "state_known",
        f"5a. known({BATCH} ids), {args.ids:,} ids",
        us["big"]["known"],
        us["small"]["known"],
        "us",
        f"{args.small_ids:,} ids",
        "<= 1 ms/call",
    ).judge(r, us["big"]["known"] <= 1000)
    r = ratio_of(us["big"]["record"], us["small"]["record"])
    f_record = Figure(
        "state_record",
        f"5b. record(), {args.ids:,} ids",
        us["big"]["record"],
        us["small"]["record"],
        "us",
        f"{args.small_ids:,} ids",
        "<= 2x",
    ).judge(r, r is not None and r <= 2)
    size_mb = paths["big"].stat().st_size / 2**20
    f_known.note = f"{args.ids:,}-id store: {size_mb:.0f} MB, built in {built['big']:.1f} s"
    for f in (f_known, f_record):
        f.details = {"microseconds": us, "build_seconds": built, "store_mb": size_mb}
    return [f_known, f_record]
