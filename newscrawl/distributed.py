"""Distributed crawls: `-s REDIS_URL=redis://host:6379/0` turns any crawl into one worker
of a crawl shared through Redis. Without REDIS_URL nothing here does anything, and Redis's
client libraries are not even imported (5 MB less for every crawl that does not use them).

`RedisAddon` (a Scrapy add-on, setting ADDONS) switches the scheduler to scrapy-redis: the
request queue (`newscrawl:<spider>:requests`) and the seen requests live in Redis, shared
by every worker of the spider; the state store becomes a RedisStore
(newscrawl.redis_store), so every worker skips what any worker wrote; and the extension
newscrawl.redis_workers.RedisWorkers joins this worker to the spider's current run.

The add-on only changes settings: it runs before the crawler exists, when a fault could
only end in a traceback. Whether REDIS_URL can be used is found out by RedisWorkers,
which refuses the run at open with one ERROR and its own finish reason.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

KEY_PREFIX = "newscrawl"
WORKERS_EXTENSION = "newscrawl.redis_workers.RedisWorkers"


def run_keys(spider: str) -> dict[str, str]:
    """The Redis keys (and key prefixes, ending in ':') of a spider's runs."""
    base = f"{KEY_PREFIX}:{spider}:"
    return {
        "workers": base + "workers",
        "run": base + "run",
        "dupefilter": base + "dupefilter:",
        "busy": base + "busy:",
        "preparing": base + "preparing:",
        "marks": base + "marks:",  # the marks as they were when the run started
        "requests": base + "requests",
    }


class RedisAddon:
    """ADDONS entry: does nothing unless REDIS_URL is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        settings.set("SCHEDULER", "newscrawl.redis_workers.RunScheduler", priority="addon")
        settings["EXTENSIONS"][WORKERS_EXTENSION] = 50
