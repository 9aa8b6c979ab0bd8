"""The layout alarm: a run fails loudly when Sina's pages look changed.

A cron job that silently drops every page after Sina redesigns its pages is the failure
that matters most. When the run gets idle, the alarm goes off if at least
DROP_ALARM_RATIO of at least DROP_ALARM_MIN article pages were dropped for reasons of the
page itself (no title, body or date found: the parsing rules no longer match), or if a
channel's listing gave entries of which none could be used. The run then logs one ERROR
(counts, reasons, three example URLs), finishes with `layout-changed` and exits 1.

Spidermon was tried (1.27 on Scrapy 2.19): its monitors run at spider_closed, when the
finish reason is already fixed, a failed one logs a traceback and 25 lines of report, and
it warns of Scrapy deprecations. The check needs a dozen lines; this extension is them.
"""

from __future__ import annotations

import logging
from collections import Counter

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.stats import DROPPED, fail_run, page_dropped, reason_list

logger = logging.getLogger(__name__)

# Drop reasons that say the page did not look like an article page (newscrawl.sina).
PAGE_REASONS = ("no-title", "no-body", "no-date", "empty-body", "parse-error")
EXAMPLES = 3

# Signal: a channel's listing ended with entries, none of them usable; arguments `name`
# (the channel), `url` (its first listing page), `reasons` (a Counter of skip reasons).
listing_unusable = object()


class LayoutAlarm:
    """Collects the evidence as pages are dropped and listings end; decides when the run
    gets idle (before RunSummary ends it: EXTENSIONS order), or when a spider asks."""

    def __init__(self, crawler: Crawler, ratio: float, minimum: int) -> None:
        self.crawler = crawler
        self.ratio = ratio
        self.minimum = minimum
        self.examples: list[str] = []  # the first URLs dropped for a page reason
        self.listings: list[str] = []  # unusable listings, described
        self.raised = False
        crawler.signals.connect(self.page_dropped, signal=page_dropped)
        crawler.signals.connect(self.listing_unusable, signal=listing_unusable)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LayoutAlarm:
        settings = crawler.settings
        if not settings.getbool("DROP_ALARM_ENABLED", True):
            raise NotConfigured
        ratio = settings.getfloat("DROP_ALARM_RATIO", 0.2)
        return cls(crawler, ratio, settings.getint("DROP_ALARM_MIN", 10))

    def page_dropped(self, url: str, reason: str) -> None:
        if reason in PAGE_REASONS and len(self.examples) < EXAMPLES:
            self.examples.append(url)

    def listing_unusable(self, name: str, url: str, reasons: Counter[str]) -> None:
        self.listings.append(
            f"the listing of {name} gave {sum(reasons.values())} entries, none usable"
            f" ({reason_list(reasons)}): {url}"
        )

    def spider_idle(self) -> None:
        self.check()

    def check(self) -> bool:
        """Raises the alarm (once) when the run so far calls for it; whether it is raised."""
        if self.raised:
            return True
        findings = [*self.page_findings(), *self.listings]
        if findings:
            self.raised = True
            message = (
                "Sina's layout may have changed: " + "; ".join(findings) + ". Open these"
                " pages in a browser and compare them with the rules in newscrawl/sina.py"
                " (article pages) and newscrawl/roll.py (listings)."
            )
            fail_run(self.crawler, "layout-changed", message, stop=False, log=logger)
        return self.raised

    def page_findings(self) -> list[str]:
        stats = self.crawler.stats
        pages = stats.get_value("newscrawl/article_pages", 0)
        dropped = Counter({r: stats.get_value(f"{DROPPED}{r}", 0) for r in PAGE_REASONS})
        dropped = +dropped  # without the zeros
        total = sum(dropped.values())
        if pages < self.minimum or not total or total / pages < self.ratio:
            return []
        return [
            f"{total} of {pages} article pages were dropped for what the page lacks"
            f" ({reason_list(dropped)}), e.g. {', '.join(self.examples)}"
            f" (the alarm: DROP_ALARM_RATIO={self.ratio} of at least"
            f" DROP_ALARM_MIN={self.minimum} pages)"
        ]
