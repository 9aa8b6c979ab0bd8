"""`scrapy crawl`, with an exit status that tells cron and schedulers how the run ended:
0 when it finished, 1 when it failed as a whole (newscrawl.stats.fail_run: bad arguments,
the state held by another crawl, a full disk, ...), 130 when it was stopped before its end
(Ctrl-C, SIGTERM: finish reason `shutdown`). The README has the table.

Before the crawl starts, it checks the places Scrapy itself writes to (LOG_FILE, JOBDIR,
local FEEDS files), which fail before any of the project's checks could run, with a
traceback."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from newscrawl.faults import write_failure
from newscrawl.pipelines import check_writable
from newscrawl.stats import failed_reason, log_summary

logger = logging.getLogger(__name__)

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
        problem = unwritable_place(self.settings)
        if problem:
            log_error(self.settings, problem)
            raise SystemExit(FAILED)

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


def unwritable_place(settings: BaseSettings) -> str:
    """The ERROR message for the first place Scrapy writes to that cannot be written:
    the folder of LOG_FILE (which must exist), JOBDIR, the folder of a local FEEDS file
    (both created if missing, as Scrapy would); '' when all can be written."""
    places: list[tuple[Path, bool, str, str]] = []  # folder, create it, what, setting
    if settings.get("LOG_FILE"):
        log_file = Path(settings["LOG_FILE"])
        places.append((log_file.parent, False, f"the log file {log_file}", "LOG_FILE"))
    if settings.get("JOBDIR"):
        places.append((Path(settings["JOBDIR"]), True, f"the job folder {settings['JOBDIR']}",
                       "JOBDIR"))
    for uri in settings.getdict("FEEDS"):
        path = local_path(str(uri))
        if path is not None and "%(" not in str(path.parent):
            places.append((path.parent, True, f"the feed {path}", "FEEDS"))
    for folder, create, what, setting in places:
        try:
            check_writable(folder, create=create)
        except OSError as exc:
            return write_failure(exc, what, setting, during_run=False)[1]
    return ""


def local_path(uri: str) -> Path | None:
    """The file a FEEDS URI names on this machine (None: stdout, S3, FTP, ...)."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return Path(parts.path)
    return Path(uri) if not parts.scheme else None


def log_error(settings: BaseSettings, message: str) -> None:
    """One ERROR line on standard error, as Scrapy's log would write it (the log is not
    set up yet, and may be the very thing that cannot be written)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"),
                                           settings.get("LOG_DATEFORMAT")))
    logger.addHandler(handler)
    logger.propagate = False
    logger.error("%s", message)
