"""Run accounting: counters by reason, how a run ends, and the one summary line every run
ends with.

A run that cannot do its job (a bad argument, the state held by another crawl, a full
disk, ...) is *failed*: `fail_run` logs its one ERROR, records the reason in the stats
(`newscrawl/failed`), and the run finishes with that reason as Scrapy's `finish_reason`.
`scrapy crawl` then exits non-zero (newscrawl.commands.crawl).

Every entry a listing gives ends as one term of the Summary, and every article request
it makes as one of written, changed, unchanged or dropped (the README explains the terms):

    listed = unusable + skipped as known + duplicates + fetched
    fetched = written + changed + unchanged + dropped
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Request
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

DROPPED = "newscrawl/dropped/"
FAILED = "newscrawl/failed"
FAULT = "newscrawl/fault"  # the first fault of the machine that stopped the run
LISTED = "newscrawl/listed"  # entries of listings (roll API, list pages, feeds)
GIVEN = "newscrawl/given"  # pages given to `scrapy crawl article`
UNUSABLE = ("newscrawl/listing_skipped/", "newscrawl/feed_skipped/")  # + reason
KNOWN = "newscrawl/skipped_known"
DUPLICATES = "newscrawl/listed_duplicates"
FETCHED = "newscrawl/fetched"  # article requests of this run that came back, for good
INHERITED = "newscrawl/fetched_inherited"  # the same, listed by another run or worker

LISTED_BY = "newscrawl_listed_by"  # request meta: the run that listed the article

# Signal: a page became no post; arguments `url` (as requested) and `reason`.
page_dropped = object()


def count_drop(stats: StatsCollector, reason: str) -> None:
    stats.inc_value("newscrawl/dropped")
    stats.inc_value(DROPPED + reason)


def record_drop(crawler: Crawler, url: str, reason: str) -> None:
    """Counts a page that became no post and tells the listeners of `page_dropped`."""
    count_drop(crawler.stats, reason)
    crawler.signals.send_catch_log(page_dropped, url=url, reason=reason)


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
    """Counts the article requests Scrapy's duplicate filter turns away, and ends a failed
    run with its own reason. (`scrapy crawl` logs the Summary: `log_summary`.)"""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

    def request_dropped(self, request: Request) -> None:
        """An article request the scheduler turned away as seen before: the run that a
        JOBDIR run resumes, or another worker of a distributed run, requested it."""
        if LISTED_BY in request.meta:
            self.stats.inc_value(DUPLICATES)
            logger.debug("Duplicate: %s was requested already", request.url)

    def spider_idle(self) -> None:
        reason = failed_reason(self.stats)
        if reason:
            raise CloseSpider(reason)



def log_summary(crawler: Crawler) -> None:
    """The Summary of a crawl that is over, as the last line of its log: after Scrapy's
    stats dump, "Spider closed", and whatever logs on engine_stopped (which does not fire
    at all for a spider closed as it opens). Nothing when the crawl never opened."""
    stats = crawler.stats.get_stats()
    if "start_time" in stats:
        # No finish reason: the spider never closed (a second Ctrl-C forces the stop).
        logger.info("%s", summary_line(stats, stats.get("finish_reason", "shutdown")))


def summary_line(stats: Mapping[str, Any], reason: str) -> str:
    """`Summary: listed 9 = unusable 1 (no-link 1) + skipped as known 2 + duplicates 1 +
    fetched 5; fetched 5 = written 3 + changed 0 + unchanged 1 + dropped 1 (http-404 1);
    finished: finished`, with extra terms only when they are not zero."""

    def count(key: str) -> int:
        return int(stats.get(key, 0))

    unusable = by_reason(stats, *UNUSABLE)
    dropped = by_reason(stats, DROPPED)
    fetched, inherited = count(FETCHED), count(INHERITED)
    ends = [count("newscrawl/written"), count("newscrawl/changed"),
            count("newscrawl/unchanged"), sum(dropped.values())]

    if GIVEN in stats:  # scrapy crawl article: pages given, no listing
        head, listed, terms = "given", count(GIVEN), []
    else:
        head, listed = "listed", count(LISTED)
        terms = [f"unusable {with_reasons(unusable)}"] if unusable else []
        terms += [f"skipped as known {count(KNOWN)}", f"duplicates {count(DUPLICATES)}"]
    terms.append(f"fetched {fetched}")
    not_fetched = listed - sum(unusable.values()) - count(KNOWN) - count(DUPLICATES) - fetched
    if not_fetched:  # still queued when the run stopped, or fetched by another worker
        terms.append(f"not fetched {not_fetched}")
    parts = [f"{head} {listed} = " + " + ".join(terms)]

    came_back = f"fetched {fetched}" + (f" + inherited {inherited}" if inherited else "")
    parts.append(
        f"{came_back} = written {ends[0]} + changed {ends[1]} + unchanged {ends[2]}"
        f" + dropped {with_reasons(dropped)}"
    )
    unfinished = fetched + inherited - sum(ends)
    if unfinished:  # under way when the run stopped
        parts[1] += f" + unfinished {unfinished}"

    saved, failed = count("newscrawl/images/saved"), count("newscrawl/images/failed")
    if saved or failed:
        parts.append(f"images saved {saved}, images failed {failed}")
    return "Summary: " + "; ".join(parts) + f"; finished: {reason}"


def by_reason(stats: Mapping[str, Any], *prefixes: str) -> Counter[str]:
    """The counters under `prefixes`, by what follows the prefix."""
    found: Counter[str] = Counter()
    for key, value in stats.items():
        for prefix in prefixes:
            if key.startswith(prefix):
                found[key[len(prefix):]] += value
    return found


def with_reasons(counts: Counter[str]) -> str:
    """`3 (http-404 2, no-title 1)`, or `0`."""
    total = sum(counts.values())
    return f"{total} ({reason_list(counts)})" if total else "0"


def reason_list(counts: Counter[str]) -> str:
    """`http-404 2, no-title 1`."""
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
