"""Run accounting: counters by reason, and the one summary line every run ends with."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DROPPED = "newscrawl/dropped/"


def count_drop(stats: StatsCollector, reason: str) -> None:
    stats.inc_value("newscrawl/dropped")
    stats.inc_value(DROPPED + reason)


def mark_failed(stats: StatsCollector, reason: str) -> None:
    """Make `scrapy crawl` exit non-zero (see newscrawl.commands.crawl)."""
    stats.set_value("newscrawl/failed", reason)


class RunSummary:
    """Logs one INFO line at the end of every run: written, changed, unchanged, skipped
    as known, dropped by reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

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
    failed = stats.get("newscrawl/failed")
    return "Summary: " + ", ".join(parts) + f"; finished: {failed or reason}"
