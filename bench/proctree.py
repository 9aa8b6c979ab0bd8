"""The peak RSS of every process of a crawl: the crawl's own process and all it starts
(worker processes, a multiprocessing resource tracker, ...), for figure 4b.

A thread of the benchmark walks the process tree under the crawl's pid every `interval`
seconds and keeps, for each process it saw, the last VmHWM it read (the high-water mark
of that process's RSS, which only grows, but starts again when the process execs). The
sum over the processes is the "sum of their peak RSS" the targets speak of: memory a
design takes from the machine, counted per process, so that a page shared between a
forked parent and child counts twice, as it does in RSS.

A child seen in one sample only is left out: it lived less than `interval` (Scrapy runs
`uname` at start), and a child caught between its vfork and its exec shows its parent's
memory as its own. A process that grows in its last `interval` is under-counted by that
much.
"""

from __future__ import annotations

import threading
from pathlib import Path


def status(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict, {} when the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def vm_hwm_kb(pid: int, parent: int | None = None) -> int | None:
    """The VmHWM of `pid`, if it is (still) the child of `parent` (a pid the machine
    reused for another process is not)."""
    fields = status(pid)
    if not fields or "VmHWM" not in fields:
        return None
    if parent is not None and int(fields.get("PPid", "-1")) != parent:
        return None
    return int(fields["VmHWM"].split()[0])


def children(pid: int) -> list[int]:
    """The children of `pid` (all its threads'), or [] when it is gone."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


class TreePeaks:
    """Samples the peak RSS of `pid` and its descendants until `stop()`."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peaks_kb: dict[int, int] = {}
        self.seen: dict[int, int] = {}  # samples in which each process was seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pending: list[tuple[int, int | None]] = [(self.pid, None)]
        while pending:
            pid, parent = pending.pop()
            hwm = vm_hwm_kb(pid, parent)
            if hwm is None:
                continue
            self.peaks_kb[pid] = hwm
            self.seen[pid] = self.seen.get(pid, 0) + 1
            pending += [(child, pid) for child in children(pid)]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def descendants_kb(self) -> int:
        """The sum of the peaks of the processes other than `pid` itself (seen twice)."""
        return sum(
            kb for pid, kb in self.peaks_kb.items() if pid != self.pid and self.seen[pid] > 1
        )
