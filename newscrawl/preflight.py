"""The places Scrapy itself writes to, checked before a command starts: LOG_FILE, JOBDIR
and local FEEDS files are opened by Scrapy before any of the project's components can
check them, and a failure there was a traceback. A missing folder is created (a cron
line's `-s LOG_FILE=/var/log/newscrawl/finance.log` on a fresh machine); a place that
cannot be written is one ERROR line and exit status 1."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings
from w3lib.url import file_uri_to_path

from newscrawl.faults import write_failure
from newscrawl.pipelines import check_writable

logger = logging.getLogger(__name__)


def check_scrapy_files(settings: BaseSettings) -> None:
    """Exit with status 1 after one ERROR when a place Scrapy writes to cannot be written."""
    problem = unwritable_place(settings)
    if problem:
        log_error(settings, problem)
        raise SystemExit(1)


def unwritable_place(settings: BaseSettings) -> str:
    """The ERROR message for the first place Scrapy writes to that cannot be written: the
    folder of LOG_FILE, JOBDIR, the folder of a local FEEDS file (each created if missing);
    '' when all can be written."""
    places: list[tuple[Path, str, str]] = []  # folder, what, setting
    if settings.get("LOG_FILE"):
        log_file = Path(settings["LOG_FILE"])
        places.append((log_file.parent, f"the log file {log_file}", "LOG_FILE"))
    if settings.get("JOBDIR"):
        places.append((Path(settings["JOBDIR"]), f"the job folder {settings['JOBDIR']}", "JOBDIR"))
    for uri in settings.getdict("FEEDS"):
        path = local_path(str(uri))
        if path is not None and "%(" not in str(path.parent):
            places.append((path.parent, f"the feed {path}", "FEEDS"))
    for folder, what, setting in places:
        try:
            check_writable(folder)
        except OSError as exc:
            return write_failure(exc, what, setting, during_run=False)[1]
    return ""


def local_path(uri: str) -> Path | None:
    """The file a FEEDS URI names on this machine (None: stdout, S3, FTP, ...)."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return Path(file_uri_to_path(uri))
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
