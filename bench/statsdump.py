"""A stats collector that also writes the run's stats to the JSON file named by the
setting BENCH_STATS_FILE (every contender of the benchmark uses it, so they pay alike),
with the process's peak RSS and the processor time it spent crawling (user + system,
from the spider's opening to its closing: without the interpreter's start-up and
imports, and, unlike the wall time, hardly stretched by other processes on a busy
machine).

The peak is read from /proc/self/status (VmHWM, the high-water mark of this program's own
memory) when the spider closes: `ru_maxrss` of a child process also counts the memory of
the parent that forked it, the benchmark itself, before the child ran `scrapy`.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path

from scrapy.statscollectors import MemoryStatsCollector


def peak_rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class JsonStatsCollector(MemoryStatsCollector):
    cpu_at_open = 0.0

    def open_spider(self, spider=None) -> None:
        super().open_spider(spider)
        self.cpu_at_open = cpu_seconds()

    def _persist_stats(self, stats: dict) -> None:
        super()._persist_stats(stats)
        target = self._crawler.settings.get("BENCH_STATS_FILE")
        if target:
            stats = dict(
                stats,
                **{
                    "bench/peak_rss_kb": peak_rss_kb(),
                    "bench/cpu_s": cpu_seconds() - self.cpu_at_open,
                    # worker processes the crawl started and waited for (none in ours yet)
                    "bench/children_cpu_s": cpu_seconds(resource.RUSAGE_CHILDREN),
                },
            )
            Path(target).write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")
