"""`scrapy crawl`, with an exit status that tells cron and schedulers how the run ended:
0 when it finished, 1 when it failed as a whole (newscrawl.stats.fail_run: bad arguments,
the state held by another crawl, a full disk, ...), 130 when it was stopped before its end
(Ctrl-C, SIGTERM: finish reason `shutdown`). The README has the table.

Before the crawl starts, it checks the places Scrapy itself writes to (LOG_FILE, JOBDIR,
local FEEDS files), which fail before any of the project's checks could run, with a
traceback."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from newscrawl.preflight import check_scrapy_files
from newscrawl.stats import failed_reason, log_summary

FINISHED = 0
FAILED = 1
# What a shell reports for a command stopped with Ctrl-C. Not 0: the run did not do all
# its work (`&&` chains and monitoring must not take it for a finished run); not 1: nothing
# is broken, and the next run (with the same JOBDIR, the rest of this one) goes on.
INTERRUPTED = 130


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # -o/-O become FEEDS here
        assert self.settings is not None
        check_scrapy_files(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if not self.crawler_process.bootstrap_failed:
            log_summary(crawler)  # the last line of the log, for cron users
        self.exitcode = exit_status(crawler, self.crawler_process.bootstrap_failed)


def exit_status(crawler: Crawler, bootstrap_failed: bool) -> int:
    if bootstrap_failed or failed_reason(crawler.stats):
        return FAILED
    # No finish reason: the spider never closed (a second Ctrl-C forces the stop).
    if crawler.stats.get_value("finish_reason", "shutdown") == "shutdown":
        return INTERRUPTED
    return FINISHED
