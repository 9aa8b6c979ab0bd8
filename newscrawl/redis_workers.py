"""The Redis side of a distributed crawl (see newscrawl.distributed, whose add-on turns
these on only when REDIS_URL is set, so that a crawl without Redis never imports it):

* `RedisWorkers` (an extension) is this worker's link to Redis. At start it checks
  REDIS_URL and joins the spider's current *run*: the workers of a spider that overlap in
  time form one run and share one dupefilter (`newscrawl:<spider>:dupefilter:<run>`), so
  no article is requested twice in a run. The first worker that starts when no live
  worker is left starts a new run, with an empty dupefilter: the articles that a killed
  worker had taken but not written (their requests are marked seen, but their ids are
  not known) are listed and fetched again. Workers prove they are alive with a heartbeat
  (REDIS_WORKER_TIMEOUT). The run's busy set (`newscrawl:<spider>:busy:<run>`) holds the
  workers that have requests in hand.
* Faults end in one ERROR, a non-zero exit status and their own finish reason: a
  REDIS_URL that is not a Redis URL (`bad-setting`), or a Redis that does not answer
  within REDIS_CONNECT_TIMEOUT at start (`redis-unreachable`), stops the worker before any
  request; a Redis lost during the run (`redis-lost`) stops it at the first failed
  command, whichever component sent it (`RedisWorkers.lost_redis`), and every later
  Redis call of the worker is skipped.
* `RunScheduler`: scrapy-redis's scheduler, that keeps a worker in its run while others
  are busy and hands a dead run's queue on to the next one (see its docstring).
* `RunDupeFilter`: scrapy-redis's dupefilter, keyed by that run and by document id.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newscrawl.distributed import run_keys
from newscrawl.redis_client import (
    LOST,
    REDIS_ERRORS,
    connect,
    lost_message,
    safe_url,
    start_failure,
    url_failure,
)
from newscrawl.redis_store import MARKS_KEY
from newscrawl.sina import url_document_id
from newscrawl.stats import refuse_start, stop_for_fault

logger = logging.getLogger(__name__)

# Join the current run if a worker of it is alive, else start a new one. Atomic, so two
# workers starting at once always land in the same run. Scores are expiry times (Redis's
# clock, so the workers' clocks do not matter). A new run drops the previous run's seen
# requests, busy set and copy of the marks, and copies the marks (KEYS[3]) as they are
# now: the notes that dead runs left, which every worker of the run reads
# (RedisStore.mark), whatever the run's live workers note since. It is "preparing"
# (ARGV[5]) until its first worker has marked what the queue still holds as seen
# (RunScheduler.open): workers that join wait for that.
_JOIN = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
local run = tonumber(redis.call('GET', KEYS[2]) or '0')
local new = 0
if run == 0 or redis.call('ZCARD', KEYS[1]) == 0 then
    run = redis.call('INCR', KEYS[2])
    new = 1
    redis.call('DEL', ARGV[3] .. (run - 1), ARGV[4] .. (run - 1), ARGV[6] .. (run - 1))
    redis.call('SET', ARGV[5] .. run, ARGV[1], 'PX', math.ceil(tonumber(ARGV[2]) * 1000))
    local marks = redis.call('HGETALL', KEYS[3])
    if #marks > 0 then
        redis.call('HSET', ARGV[6] .. run, unpack(marks))
    end
end
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[1])
redis.call('SADD', ARGV[4] .. run, ARGV[1])
return {run, new}
"""

_BEAT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[1])
return 1
"""

# This worker has nothing left to do: it leaves the run's busy set (KEYS[2]). Returns how
# many other workers of the run are still busy and alive, and the busy ones whose
# heartbeat has stopped: they died with requests taken.
_IDLE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('SREM', KEYS[2], ARGV[1])
local working, lost = 0, {}
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local expiry = redis.call('ZSCORE', KEYS[1], worker)
    if expiry and tonumber(expiry) > t then
        working = working + 1
    else
        table.insert(lost, worker)
    end
end
return {working, lost}
"""


class RedisWorkers:
    """Registers this process as a worker of the spider's current run (see the module
    docstring), keeps it alive with a heartbeat, tells the run whether it is busy, and
    leaves the run when the spider closes. Every Redis fault of the worker ends here."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured
        self.crawler = crawler
        self.url = settings["REDIS_URL"]
        self.timeout = settings.getfloat("REDIS_WORKER_TIMEOUT", 60.0)
        self.keys = run_keys(crawler.spidercls.name)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.client: redis.Redis | None = None
        self.failure: tuple[str, str] | None = None  # (reason, message): refused at open
        self.joined = False  # registered in the run: leaves it when the spider closes
        self.lost = False
        self.idle = False
        self.heartbeat = task.LoopingCall(self.beat)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.failure = url_failure(self.url)
        if self.failure:
            return
        try:
            self.client = connect(settings)
            self.join()
        except REDIS_ERRORS as exc:
            timeout = settings.getfloat("REDIS_CONNECT_TIMEOUT", 10.0)
            self.failure = start_failure(self.url, exc, timeout)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisWorkers:
        return cls(crawler)

    def join(self) -> None:
        assert self.client is not None
        run, new = self.client.eval(
            _JOIN, 3, self.keys["workers"], self.keys["run"], MARKS_KEY,
            self.worker, self.timeout, self.keys["dupefilter"], self.keys["busy"],
            self.keys["preparing"], self.keys["marks"],
        )
        self.joined = True
        self.run = int(run)
        self.started_run = bool(new)
        self.preparing_key = f"{self.keys['preparing']}{self.run}"
        self.dupefilter_key = f"{self.keys['dupefilter']}{self.run}"
        self.busy_key = f"{self.keys['busy']}{self.run}"
        if not self.started_run:
            self.wait_until_prepared()
        logger.info(
            "Distributed crawl through Redis at %s: worker %s %s run %d",
            safe_url(self.url), self.worker, "started" if new else "joined", self.run,
        )

    def wait_until_prepared(self) -> None:
        """Blocks (at start, before the engine runs) while the run's first worker prepares
        the run; at most REDIS_WORKER_TIMEOUT, after which the key has expired anyway."""
        assert self.client is not None
        deadline = time.monotonic() + self.timeout
        while self.client.exists(self.preparing_key) and time.monotonic() < deadline:
            time.sleep(0.05)

    def prepared(self) -> None:
        """The first worker of a new run is done preparing it: the others may go on."""
        assert self.client is not None
        self.client.delete(self.preparing_key)

    def spider_opened(self) -> None:
        """A worker that could not join its run (or prepare it) stops here, before any
        request: one ERROR, and its reason as finish_reason. (Not earlier: Scrapy closes
        a spider cleanly only from here on.)"""
        if self.failure:
            raise refuse_start(self.crawler, *self.failure, log=logger)
        self.heartbeat.start(max(self.timeout / 4, 0.2), now=False)

    def beat(self) -> None:
        try:
            self.client.eval(_BEAT, 1, self.keys["workers"], self.worker, self.timeout)
        except REDIS_ERRORS as exc:
            self.lost_redis(exc)

    def lost_redis(self, exc: Exception) -> None:
        """A Redis command failed during the run: the worker stops, and skips Redis from
        now on. Only the first fault of the run logs its ERROR (the state store, or
        another command under way, may run into the same one)."""
        self.lost = True
        if self.heartbeat.running:
            self.heartbeat.stop()
        stop_for_fault(self.crawler, LOST, lost_message(self.url, exc), log=logger)

    def lost_at_open(self, exc: Exception) -> None:
        """A Redis command failed while the scheduler opened: the worker stops at
        spider_opened."""
        self.lost = True
        self.failure = (LOST, lost_message(self.url, exc))

    def working(self) -> None:
        """This worker took a request: the others of the run wait for it before leaving."""
        if self.idle:
            try:
                self.client.sadd(self.busy_key, self.worker)
            except REDIS_ERRORS as exc:
                self.lost_redis(exc)
            self.idle = False

    def idle_now(self) -> tuple[int, list[str]]:
        """This worker has nothing in hand: (how many other workers of the run are busy,
        the busy workers of the run that died)."""
        working, lost = self.client.eval(
            _IDLE, 2, self.keys["workers"], self.busy_key, self.worker
        )
        self.idle = True
        return int(working), [worker.decode() for worker in lost]

    def spider_closed(self) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.client is None:
            return
        if self.joined and not self.lost:  # no call to a Redis known to be gone
            try:
                self.client.pipeline().zrem(self.keys["workers"], self.worker).srem(
                    self.busy_key, self.worker
                ).execute()
            except REDIS_ERRORS:
                pass  # the worker's heartbeat expires: the others count it as gone
        self.client.close()


class RunScheduler(Scheduler):
    """scrapy-redis's scheduler, for a worker of a run.

    * A new run keeps what the previous run left queued (its workers died before they
      took it), and marks it as seen, so that listing it again does not queue it twice.
    * A worker whose queue runs dry while another worker of the run is busy does not
      leave: that worker may still queue requests (the listing's next page, say). It
      looks at the queue again at the engine's next heartbeat (every 5 s), and leaves once
      no worker of the run is busy. A busy worker that died (no heartbeat for
      REDIS_WORKER_TIMEOUT) does not hold the others; they end the run with the reason
      `worker_lost`, which keeps the walk notes of the finance spider, so that the next
      run lists again what the dead worker had taken.
    * A Redis error ends the worker (`RedisWorkers.lost_redis`): nothing more is queued
      or taken.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunScheduler:
        workers = crawler.get_extension(RedisWorkers)
        joined = workers.client is not None and not workers.failure
        dupefilter = (
            RunDupeFilter(workers.client, workers.dupefilter_key,
                          debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))
            if joined else None
        )
        # scrapy-redis's own from_crawler would connect again, and ping, with its own
        # timeouts: the worker has joined its run through this client already.
        scheduler = cls(
            server=workers.client,
            # The queue outlives a worker: the others go on with it.
            persist=True,
            queue_key=workers.keys["requests"],
            dupefilter=dupefilter,
            # > 0 would block the reactor in BRPOP/sleep between polls.
            idle_before_close=0,
        )
        scheduler.stats = crawler.stats
        scheduler.crawler = crawler
        scheduler.workers = workers
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Spider) -> None:
        if self.workers.failure:
            return  # RedisWorkers stops the worker at spider_opened
        # scrapy-redis's open, without its `spider.log` (deprecated in Scrapy 2.19).
        self.spider = spider
        self.queue = PriorityQueue(self.server, spider, self.queue_key)
        try:
            if self.workers.started_run:
                self.prepare_run()
        except REDIS_ERRORS as exc:
            self.workers.lost_at_open(exc)

    def prepare_run(self) -> None:
        try:
            kept = self.mark_queued_as_seen()
        finally:
            self.workers.prepared()
        if kept:
            logger.info(
                "Run %d: %d request(s) left queued by the previous run are kept",
                self.workers.run, kept,
            )

    def mark_queued_as_seen(self) -> int:
        """Adds the fingerprint of every queued request to this run's seen requests;
        returns how many requests are kept. One this spider cannot read (queued by an
        older version of it, say) is dropped with a WARNING: popped, it would stop the
        crawl."""
        fingerprints, kept = [], 0
        for encoded in self.server.zrange(self.queue.key, 0, -1):
            try:
                fields = self.queue.serializer.loads(encoded)
                request = request_from_dict(fields, spider=self.spider)
            except Exception as exc:  # whatever unpickling or an unknown callback raises
                logger.warning("Dropped a queued request this spider cannot read: %r", exc)
                self.server.zrem(self.queue.key, encoded)
                continue
            kept += 1
            if not request.dont_filter:
                fingerprints.append(self.df.request_fingerprint(request))
        for start in range(0, len(fingerprints), 1000):
            self.server.sadd(self.df.key, *fingerprints[start:start + 1000])
        return kept

    def __len__(self) -> int:
        if self.workers.lost:
            return 0
        try:
            return len(self.queue)
        except REDIS_ERRORS as exc:
            self.workers.lost_redis(exc)
            return 0

    # enqueue_request and next_request are scrapy-redis's, with the Redis faults handled
    # and the stats counted without the `spider` argument Scrapy 2.19 deprecates.

    def enqueue_request(self, request: Request) -> bool:
        if self.workers.lost:
            return False
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except REDIS_ERRORS as exc:
            self.workers.lost_redis(exc)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.workers.lost:
            return None
        try:
            request = self.queue.pop(self.idle_before_close)
        except REDIS_ERRORS as exc:
            self.workers.lost_redis(exc)
            return None
        if request is None:
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        self.workers.working()
        return request

    def spider_idle(self) -> None:
        """Keeps this worker in the run while another worker of it is busy (see above)."""
        if self.workers.lost:
            return
        just_idle = not self.workers.idle  # for one INFO line each time it starts waiting
        try:
            working, lost = self.workers.idle_now()
            queued = len(self.queue)
        except REDIS_ERRORS as exc:
            self.workers.lost_redis(exc)
            return
        if queued:  # queued since the engine looked: taken at its next heartbeat
            raise DontCloseSpider
        if working:
            if just_idle:
                logger.info(
                    "Nothing to do for now; waiting for the %d busy worker(s) of run %d",
                    working, self.workers.run,
                )
            raise DontCloseSpider
        if lost:
            for worker in lost:
                logger.warning(
                    "Worker %s of run %d stopped without a heartbeat while it had requests"
                    " in hand; the next run lists again what it had taken",
                    worker, self.workers.run,
                )
            self.crawler.stats.set_value("newscrawl/workers_lost", len(lost))
            raise CloseSpider("worker_lost")


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter, with the seen requests of the current run only. An
    article is one document id, whatever its URLs (Sina lists one article under /roll/ in
    one channel and under its section in another): a request for an article URL is seen
    once its id is, so two workers that list it under two URLs fetch it once. A redirect
    keeps its own URL's fingerprint: it is the next hop of a request already let through.
    """

    def request_fingerprint(self, request: Request) -> str:
        doc_id = url_document_id(request.url)
        if doc_id and not request.meta.get("redirect_urls"):
            return f"doc:{doc_id}"
        return super().request_fingerprint(request)
