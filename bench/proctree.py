"""The peak RSS of every process of a crawl: the crawl's own process and all it starts
(worker processes, a multiprocessing resource tracker, ...), for figure 4b.

A thread of the benchmark walks the process tree under the crawl's pid every `interval`
seconds and keeps, for each process it saw, the last VmHWM it read (the high-water mark
of that process's RSS, which only grows). The sum over the processes is the "sum of
their peak RSS" the targets speak of: memory a design takes from the machine, counted
per process, so that a page shared between a forked parent and child counts twice,
as it does in RSS. A process that lives less than `interval`, or grows in its last
`interval`, is under-counted by that much.
"""

from __future__ import annotations

import threading
from pathlib import Path


def vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


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
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pending = [self.pid]
        while pending:
            pid = pending.pop()
            hwm = vm_hwm_kb(pid)
            if hwm is not None:
                self.peaks_kb[pid] = max(hwm, self.peaks_kb.get(pid, 0))
            pending += children(pid)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def descendants_kb(self) -> int:
        """The sum of the peaks of the processes other than `pid` itself."""
        return sum(kb for pid, kb in self.peaks_kb.items() if pid != self.pid)
