"""The Redis side of a distributed crawl (see newscrawl.distributed, whose add-on turns
these on only when REDIS_URL is set, so that a crawl without Redis never imports it):

* `check_reachable`: Redis answers, or a clear ERROR naming the URL (password hidden).
* `RedisWorkers` (an extension) keys the seen requests per *run*: the workers of a spider
  that overlap in time form one run and share one dupefilter
  (`newscrawl:<spider>:dupefilter:<run>`), so no article is requested twice in a run. The
  first worker that starts when no live worker is left starts a new run, with an empty
  dupefilter: the articles that a killed worker had taken but not written (their requests
  are marked seen, but their ids are not known) are listed and fetched again. Workers
  prove they are alive with a heartbeat (REDIS_WORKER_TIMEOUT); when Redis is lost in the
  middle of a run the heartbeat fails and the worker stops with an error instead of
  hanging.
* `RunDupeFilter`: scrapy-redis's dupefilter, keyed by that run.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from twisted.internet import task

from newscrawl.distributed import KEY_PREFIX
from newscrawl.stats import mark_failed

logger = logging.getLogger(__name__)



class RedisUnreachable(RuntimeError):
    """REDIS_URL is set but Redis does not answer."""


def safe_url(url: str) -> str:
    """The URL for the log, without its password."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit(parts._replace(netloc=user + host))
    return url


def connect(settings: BaseSettings, **options: Any) -> redis.Redis:
    timeout = settings.getfloat("REDIS_CONNECT_TIMEOUT", 10.0)
    return redis.Redis.from_url(
        settings["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=30, **options
    )


def check_reachable(settings: BaseSettings) -> None:
    url = settings["REDIS_URL"]
    try:
        client = connect(settings)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        message = (
            f"Redis at {safe_url(url)} is unreachable ({exc}); start it or fix REDIS_URL."
            " Nothing was crawled."
        )
        logger.error(message)
        raise RedisUnreachable(message) from None


# Join the current run if a worker of it is alive, else start a new one. Atomic, so two
# workers starting at once always land in the same run. Scores are expiry times (Redis's
# clock, so the workers' clocks do not matter).
_JOIN = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
local run = tonumber(redis.call('GET', KEYS[2]) or '0')
local new = 0
if run == 0 or redis.call('ZCARD', KEYS[1]) == 0 then
    run = redis.call('INCR', KEYS[2])
    new = 1
    redis.call('DEL', ARGV[3] .. (run - 1))
end
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[1])
return {run, new}
"""

_BEAT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[1])
return 1
"""


class RedisWorkers:
    """Registers this process as a worker of the spider's current run (see the module
    docstring), keeps it alive with a heartbeat, and leaves the run when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured
        self.crawler = crawler
        self.url = settings["REDIS_URL"]
        self.timeout = settings.getfloat("REDIS_WORKER_TIMEOUT", 60.0)
        name = crawler.spidercls.name
        self.workers_key = f"{KEY_PREFIX}:{name}:workers"
        self.run_key = f"{KEY_PREFIX}:{name}:run"
        self.dupefilter_prefix = f"{KEY_PREFIX}:{name}:dupefilter:"
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.client = connect(settings)
        try:
            run, new = self.client.eval(
                _JOIN, 2, self.workers_key, self.run_key,
                self.worker, self.timeout, self.dupefilter_prefix,
            )
        except (redis.RedisError, OSError) as exc:
            message = f"Redis at {safe_url(self.url)} is unreachable ({exc})"
            logger.error(message)
            raise RedisUnreachable(message) from None
        self.run = int(run)
        self.dupefilter_key = f"{self.dupefilter_prefix}{self.run}"
        logger.info(
            "Distributed crawl through Redis at %s: worker %s %s run %d",
            safe_url(self.url), self.worker, "started" if new else "joined", self.run,
        )
        self.heartbeat = task.LoopingCall(self.beat)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisWorkers:
        return cls(crawler)

    def spider_opened(self) -> None:
        self.heartbeat.start(max(self.timeout / 4, 0.2), now=False)

    def beat(self) -> None:
        try:
            self.client.eval(_BEAT, 1, self.workers_key, self.worker, self.timeout)
        except (redis.RedisError, OSError) as exc:
            logger.error("Lost Redis at %s (%s); stopping this worker", safe_url(self.url), exc)
            mark_failed(self.crawler.stats, "redis-lost")
            if self.heartbeat.running:
                self.heartbeat.stop()
            engine = self.crawler.engine
            if engine is not None and engine.running:
                deferred_from_coro(engine.close_spider_async(reason="redis-lost"))

    def spider_closed(self) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        try:
            self.client.zrem(self.workers_key, self.worker)
        except (redis.RedisError, OSError):
            pass
        self.client.close()


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter, with the seen requests of the current run only."""

    @classmethod
    def from_spider(cls, spider: Spider) -> RunDupeFilter:
        workers = spider.crawler.get_extension(RedisWorkers)
        server = connect(spider.settings)
        debug = spider.settings.getbool("DUPEFILTER_DEBUG")
        return cls(server, key=workers.dupefilter_key, debug=debug)
