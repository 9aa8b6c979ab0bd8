"""The state store's Redis-backed twin, for crawls spread over several machines
(`-s REDIS_URL=redis://host:6379/0`, see newscrawl.distributed).

The known documents are one Redis HASH (setting REDIS_STATE_KEY, default
`newscrawl:known`): doc id → JSON {url, path, content_hash, first_seen, last_seen}. Every
worker of every crawl against the same Redis database sees what any of them wrote. As with
SQLiteStore, an id is recorded only after its file is safely on disk (WritePostPipeline):
when Redis is lost, a post may be on disk and not known (the next run fetches it again and
finds it unchanged), never known and not on disk. A Redis fault is a StateError
(`redis-lost`), which the crawl's GuardedStore turns into the run's one ERROR and its stop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import redis

from newscrawl.distributed import run_keys
from newscrawl.redis_client import LOST, REDIS_ERRORS, connect, lost_message, url_failure
from newscrawl.state_schema import StateError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from newscrawl.store import Record

DEFAULT_KEY = "newscrawl:known"
MARKS_KEY = "newscrawl:marks"  # small named values kept across runs (a HASH)

# HSET that keeps first_seen: one round trip, atomic.
_RECORD = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
local entry = cjson.decode(ARGV[2])
if old then
    local ok, previous = pcall(cjson.decode, old)
    if ok and type(previous) == 'table' and previous['first_seen'] then
        entry['first_seen'] = previous['first_seen']
    end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
return 1
"""

_LOWER_MARK = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old or ARGV[2] < old then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1
"""


# A mark as it was when the spider's current run (KEYS[1] holds its number) started: the
# copy its first worker made (newscrawl.redis_workers); the marks themselves (KEYS[2])
# when no run was ever started.
_MARK_AT_RUN_START = """
local run = redis.call('GET', KEYS[1])
if run then
    return redis.call('HGET', ARGV[1] .. run, ARGV[2])
end
return redis.call('HGET', KEYS[2], ARGV[2])
"""


class RedisStore:
    """known / record / close, like SQLiteStore. Not exclusive: several crawls share it
    (`exclusive` tells the write pipeline not to remove other workers' temporary files).
    Raises StateError (`redis-lost`) when Redis fails, in this call and every later one."""

    exclusive = False

    def __init__(
        self, client: redis.Redis, key: str = DEFAULT_KEY, url: str = "", spider: str = ""
    ) -> None:
        self.client = client
        self.key = key
        self.url = url  # for the ERROR
        keys = run_keys(spider)
        self.run_key = keys["run"] if spider else ""
        self.marks_at_run_start = keys["marks"]
        self.lost = ""  # the message of the Redis fault, once there was one
        self._record = client.register_script(_RECORD)
        self._lower_mark = client.register_script(_LOWER_MARK)
        self._mark_at_run_start = client.register_script(_MARK_AT_RUN_START)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisStore:
        """The store of a distributed crawl. Raises StateError when REDIS_URL is not a
        Redis URL: the run is refused as it opens (RedisWorkers says why, first)."""
        settings = crawler.settings
        url = settings["REDIS_URL"]
        failure = url_failure(url)
        if failure:
            raise StateError(*failure)
        return cls(
            connect(settings, decode_responses=True),
            settings.get("REDIS_STATE_KEY") or DEFAULT_KEY,
            url,
            crawler.spidercls.name,
        )

    @contextmanager
    def _redis(self) -> Iterator[None]:
        """Redis's errors become StateError `redis-lost`; once Redis failed, at once."""
        if self.lost:
            raise StateError(LOST, self.lost)
        try:
            yield
        except REDIS_ERRORS as exc:
            self.lost = lost_message(self.url, exc)
            raise StateError(LOST, self.lost) from None

    def known(self, doc_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(doc_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            with self._redis():
                values = self.client.hmget(self.key, chunk)
            found.update(
                doc_id for doc_id, value in zip(chunk, values, strict=True) if value is not None
            )
        return found

    def content_hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(doc_ids))
        with self._redis():
            values = self.client.hmget(self.key, ids) if ids else []
        hashes = {}
        for doc_id, value in zip(ids, values, strict=True):
            try:
                hashes[doc_id] = json.loads(value)["content_hash"]
            except (TypeError, ValueError, KeyError):  # not known, or not ours to read
                continue
        return hashes

    def record(self, records: Sequence[Record]) -> None:
        """One round trip: a MULTI/EXEC transaction, so that other workers see all of
        them or none."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._redis():
            batch = self.client.pipeline(transaction=True)
            for doc_id, url, path, content_hash in records:
                entry = {"url": url, "path": path, "content_hash": content_hash,
                         "first_seen": now, "last_seen": now}
                self._record(keys=[self.key], args=[doc_id, json.dumps(entry)], client=batch)
            batch.execute()

    def mark(self, name: str) -> str | None:
        """The mark as it was when the spider's current run started: what earlier runs
        left, not what the run's live workers noted since (a worker that joins a run
        reads what the run's first worker read)."""
        with self._redis():
            if not self.run_key:
                return self.client.hget(MARKS_KEY, name)
            return self._mark_at_run_start(
                keys=[self.run_key, MARKS_KEY], args=[self.marks_at_run_start, name]
            )

    def lower_mark(self, name: str, value: str) -> None:
        """Like SQLiteStore.lower_mark; atomic, as several workers lower the same mark."""
        with self._redis():
            self._lower_mark(keys=[MARKS_KEY], args=[name, value])

    def clear_mark(self, name: str) -> None:
        with self._redis():
            self.client.hdel(MARKS_KEY, name)

    def close(self) -> None:
        self.client.close()
