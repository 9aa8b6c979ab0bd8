"""The state store's Redis-backed twin, for crawls spread over several machines
(`-s REDIS_URL=redis://host:6379/0`, see newscrawl.distributed).

The known documents are one Redis HASH (setting REDIS_STATE_KEY, default
`newscrawl:known`): doc id → JSON {url, path, content_hash, first_seen, last_seen}. Every
worker of every crawl against the same Redis database sees what any of them wrote. As with
SQLiteStore, an id is recorded only after its file is safely on disk (WritePostPipeline).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import redis

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


class RedisStore:
    """known / record / close, like SQLiteStore. Not exclusive: several crawls share it
    (`exclusive` tells the write pipeline not to remove other workers' temporary files)."""

    exclusive = False

    def __init__(self, client: redis.Redis, key: str = DEFAULT_KEY) -> None:
        self.client = client
        self.key = key
        self._record = client.register_script(_RECORD)
        self._lower_mark = client.register_script(_LOWER_MARK)

    @classmethod
    def from_url(cls, url: str, key: str = DEFAULT_KEY, timeout: float = 10.0) -> RedisStore:
        client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=timeout, socket_timeout=30,
        )
        return cls(client, key or DEFAULT_KEY)

    def known(self, doc_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(doc_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            values = self.client.hmget(self.key, chunk)
            found.update(
                doc_id for doc_id, value in zip(chunk, values, strict=True) if value is not None
            )
        return found

    def record(self, doc_id: str, url: str, path: str, content_hash: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        entry = {"url": url, "path": path, "content_hash": content_hash,
                 "first_seen": now, "last_seen": now}
        self._record(keys=[self.key], args=[doc_id, json.dumps(entry)])

    def entry(self, doc_id: str) -> dict | None:
        value = self.client.hget(self.key, doc_id)
        return json.loads(value) if value else None

    def mark(self, name: str) -> str | None:
        return self.client.hget(MARKS_KEY, name)

    def lower_mark(self, name: str, value: str) -> None:
        """Like SQLiteStore.lower_mark; atomic, as several workers lower the same mark."""
        self._lower_mark(keys=[MARKS_KEY], args=[name, value])

    def clear_mark(self, name: str) -> None:
        self.client.hdel(MARKS_KEY, name)

    def close(self) -> None:
        self.client.close()
