"""`LOG_FILE` made ready before Scrapy opens it: its folder is created, and a log file that
cannot be opened is one ERROR line and exit status 1 instead of a traceback (a cron line
with `-s LOG_FILE=/var/log/newscrawl/finance.log` on a fresh machine)."""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy.settings import BaseSettings


def prepare_log_file(settings: BaseSettings) -> None:
    """Create the folder of LOG_FILE; exit 1 with one ERROR when the file cannot be opened."""
    name = settings.get("LOG_FILE")
    if not name:
        return
    path = Path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding=settings.get("LOG_ENCODING") or "utf-8"):
            pass
    except OSError as exc:
        cause = f"{exc.strerror}: {exc.filename}" if exc.strerror else str(exc)
        print(
            f"ERROR: cannot write the log file {path} (LOG_FILE): {cause}; "
            "choose a writable path with -s LOG_FILE=...",
            file=sys.stderr,
        )
        sys.exit(1)
