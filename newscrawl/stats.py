"""Run accounting: counters by reason, how a run ends, and the one summary line every run
ends with.

A run that cannot do its job (a bad argument, the state held by another crawl, a full
disk, ...) is *failed*: `fail_run` logs its one ERROR, records the reason in the stats
(`newscrawl/failed`), and the run finishes with that reason as Scrapy's `finish_reason`.
`scrapy crawl` then exits non-zero (newscrawl.commands.crawl).
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

DROPPED = "newscrawl/dropped/"
FAILED = "newscrawl/failed"
FAULT = "newscrawl/fault"  # the first fault of the machine that stopped the run


def count_drop(stats: StatsCollector, reason: str) -> None:
    stats.inc_value("newscrawl/dropped")
    stats.inc_value(DROPPED + reason)


def fail_run(
    crawler: Crawler,
    reason: str,
    message: str,
    *,
    stop: bool = True,
    log: logging.Logger | logging.LoggerAdapter = logger,
) -> None:
    """The run as a whole failed: one ERROR (`message`: what, where, what to do), a
    non-zero exit status, and `reason` as the run's `finish_reason`.

    With `stop`, the spider closes now, dropping what is still queued; else the run goes
    on to its end and finishes with `reason` (RunSummary raises CloseSpider when it gets
    idle). The first reason of a run is the one kept.
    """
    log.error("%s", message)
    if not crawler.stats.get_value(FAILED):
        crawler.stats.set_value(FAILED, reason)
    engine = crawler.engine
    if stop and engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=failed_reason(crawler.stats)))


def stop_for_fault(
    crawler: Crawler,
    reason: str,
    message: str,
    *,
    log: logging.Logger | logging.LoggerAdapter = logger,
) -> None:
    """A fault of the machine during the run (a full disk, a damaged state, ...): the run
    stops now. As it stops, the components that write run into the same fault one after
    the other: only the first one logs its ERROR."""
    if crawler.stats.get_value(FAULT):
        return
    crawler.stats.set_value(FAULT, reason)
    fail_run(crawler, reason, message, stop=True, log=log)


def refuse_start(
    crawler: Crawler,
    reason: str,
    message: str,
    *,
    log: logging.Logger | logging.LoggerAdapter = logger,
) -> CloseSpider:
    """For a component that finds, as the spider opens (in `open_spider` or on
    `spider_opened`), that the run cannot do its job: fails the run and returns the
    CloseSpider to raise, with which Scrapy closes the spider before any request. When the
    run failed already, no second ERROR: the first fault is the one to fix."""
    if not failed_reason(crawler.stats):
        fail_run(crawler, reason, message, stop=False, log=log)
    return CloseSpider(failed_reason(crawler.stats))


def failed_reason(stats: StatsCollector) -> str:
    """Why the run failed, or '' when it did not."""
    return stats.get_value(FAILED) or ""


class RunSummary:
    """Ends a failed run with its own reason, and logs one INFO line at the end of every
    run: written, changed, unchanged, skipped as known, dropped by reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

    def spider_idle(self) -> None:
        reason = failed_reason(self.stats)
        if reason:
            raise CloseSpider(reason)

    def spider_closed(self, reason: str) -> None:
        logger.info("%s", summary_line(self.stats.get_stats(), reason))


def summary_line(stats: dict, reason: str) -> str:
    dropped = sorted(
        (key[len(DROPPED):], value) for key, value in stats.items() if key.startswith(DROPPED)
    )
    by_reason = ", ".join(f"{name} {count}" for name, count in dropped)
    parts = [
        f"written {stats.get('newscrawl/written', 0)}",
        f"changed {stats.get('newscrawl/changed', 0)}",
        f"unchanged {stats.get('newscrawl/unchanged', 0)}",
        f"skipped as known {stats.get('newscrawl/skipped_known', 0)}",
        f"dropped {stats.get('newscrawl/dropped', 0)}" + (f" ({by_reason})" if by_reason else ""),
    ]
    return "Summary: " + ", ".join(parts) + f"; finished: {reason}"
