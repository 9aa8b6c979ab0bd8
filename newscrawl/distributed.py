"""Distributed crawls: `-s REDIS_URL=redis://host:6379/0` turns any crawl into one worker
of a crawl shared through Redis. Without REDIS_URL nothing here does anything, and Redis's
client libraries are not even imported (5 MB less for every crawl that does not use them).

`RedisAddon` (a Scrapy add-on, setting ADDONS) checks that Redis answers at start (a
clear ERROR naming the URL and a non-zero exit otherwise) and switches the scheduler to
scrapy-redis: the request queue (`newscrawl:<spider>:requests`) and the seen requests
live in Redis, shared by every worker of the spider; the state store becomes a
RedisStore (newscrawl.redis_store), so every worker skips what any worker wrote; and the
extension newscrawl.redis_workers.RedisWorkers keys the seen requests per run.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

KEY_PREFIX = "newscrawl"
WORKERS_EXTENSION = "newscrawl.redis_workers.RedisWorkers"


class RedisAddon:
    """ADDONS entry: does nothing unless REDIS_URL is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        from newscrawl.redis_workers import check_reachable

        check_reachable(settings)
        timeout = settings.getfloat("REDIS_CONNECT_TIMEOUT", 10.0)
        for name, value in {
            "SCHEDULER": "newscrawl.redis_workers.RunScheduler",
            "DUPEFILTER_CLASS": "newscrawl.redis_workers.RunDupeFilter",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": f"{KEY_PREFIX}:%(spider)s:requests",
            # The queue and the seen requests outlive a worker: the others go on with
            # them. RunDupeFilter starts a fresh seen set per run instead of flushing.
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_FLUSH_ON_START": False,
            # > 0 would block the reactor in BRPOP/sleep between polls.
            "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
            "REDIS_PARAMS": {
                "socket_timeout": 30,
                "socket_connect_timeout": timeout,
                "retry_on_timeout": True,
                "encoding": "utf-8",
            },
        }.items():
            settings.set(name, value, priority="addon")
        settings["EXTENSIONS"][WORKERS_EXTENSION] = 50
