"""`scrapy crawl`, exiting non-zero when the run failed as a whole (newscrawl.stats.fail_run:
bad arguments, the state held by another crawl, no channel listed, ...), so cron and
schedulers notice."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.logfile import prepare_log_file
from newscrawl.stats import failed_reason


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        prepare_log_file(self.settings)  # before Scrapy opens LOG_FILE

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or failed_reason(crawler.stats):
            self.exitcode = 1
