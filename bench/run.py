"""The newscrawl benchmark: `.venv/bin/python -m bench [--n 2000] [--json FILE]`.

Figures against servers the benchmark starts on 127.0.0.1 (https by default, as Sina
serves: `--no-tls` for http), throttling off, the same concurrency and settings for
every contender, each figure the median of `--repeat` repetitions, every comparison
made within this one run (contenders take turns):

1. throughput: `scrapy crawl finance` over a local roll API listing N real-sized article
   pages, in articles per second of crawl time (the stats' elapsed_time_seconds, i.e.
   without interpreter start-up), against (bench/throughput.py):
   1. a bare Scrapy spider requesting exactly the same URLs (listing pages and articles)
      and discarding the responses: for reference;
   a. the floor: the bare spider plus one lxml.html parse and one small file per
      article, the least a crawl that keeps articles does. Target >= 0.8x (aim 1.0x);
   b. the peer: the bare spider plus trafilatura's Markdown of each page, written to a
      file, over `--peer-n` (300) of the articles, when trafilatura is installed
      (`pip install -e '.[bench]'`). Target >= 10x.
2. per-page cost: parse + clean + export of each page in this process against a bare
   `lxml.html` parse of the same bytes, for the benchmark's real-sized pages and for the
   hand-made fixture pages (tests/fixtures); and against the peer's `trafilatura.extract`,
   for scale, when it is installed. Target <= 2x the bare parse.
3. no-change run: the second `scrapy crawl finance` over the unchanged API: requests by
   kind (listing pages only, at most one per channel) and wall time against `scrapy crawl`
   of a spider that does nothing. Target <= 1.5x.
4. memory: peak RSS (VmHWM, see bench/statsdump.py) of a `--mem-n` (10,000) article run
   against the bare spider's run of the same URLs, and the same ratio at N: target
   <= 1.3x, and flat (the ratio at --mem-n at most 0.05 above the ratio at N).
   b. the sum of the peak RSS of all the crawl's processes (bench/proctree.py), for a
   crawl that uses the second core through more processes: target <= 1.6x.
5. state at scale, in a SQLite store the benchmark fills with `--ids` (1,000,000) ids:
   a. `known()` of one listing page's 50 ids (target <= 1 ms per call; the ratio to a
      store of `--small-ids` is shown), b. `record()` (target <= 2x the small store's),
   c. the no-change run of figure 3 with the crawl's state padded to `--ids` ids against
      the same run with the state the first run left (N ids): target <= 1.2x.
6. (only with `--figures ...,6`) where the time goes: the crawls of figure 1 take turns
   with eight more, from the floor to ours one step at a time (bench/steps.py), and a
   table gives each step's processor and wall time per article; b. each component of
   ours timed alone in this process (bench/components.py; `--instructions` also counts
   their instructions under valgrind).

Every crawl is the real `scrapy crawl` in its own process, with the project's settings
plus, for every contender alike: AUTOTHROTTLE_ENABLED=False, CONCURRENT_REQUESTS and
CONCURRENT_REQUESTS_PER_DOMAIN = --concurrency, LOG_LEVEL = --log-level, no telnet console.
The benchmark's own spiders (bench/spiders.py, bench/steps.py) drop the project's
pipelines and extensions.

Prints a table (figure, ours, baseline, ratio, target, pass) and writes everything
measured to `--json FILE`. Exits 0 when the benchmark ran, whatever the verdicts
(`--strict`: exit 1 when a target is missed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import shutil
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from bench.pages import PROJECT, Site, build_templates
from bench.proctree import TreePeaks

CONCURRENCY = 16


# --- one figure -------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    title: str
    ours: float | None
    baseline: float | None
    unit: str
    baseline_label: str
    target: str  # e.g. ">= 0.8x"
    ratio: float | None = None
    passed: bool | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def judge(self, ratio: float | None, ok: bool | None) -> Figure:
        self.ratio, self.passed = ratio, ok
        return self


def ratio_of(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b not in (None, 0) else None


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# --- processes --------------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    wall: float  # seconds, process start to exit
    maxrss_mb: float  # the process's own peak RSS (wait4)
    stats: dict[str, Any]
    log: Path
    others_mb: float = 0.0  # the peaks of the processes the crawl started (bench.proctree)

    @property
    def peak_mb(self) -> float:
        """Peak RSS of the crawl: VmHWM as the crawl saw it at its end (see statsdump),
        else what wait4 said (which also counts the benchmark's memory before the fork)."""
        kb = self.stats.get("bench/peak_rss_kb")
        return kb / 1024 if kb else self.maxrss_mb

    @property
    def tree_mb(self) -> float:
        """The sum of the peak RSS of all the crawl's processes (figure 4b)."""
        return self.peak_mb + self.others_mb

    @property
    def elapsed(self) -> float:
        return float(self.stats.get("elapsed_time_seconds") or self.wall)

    @property
    def cpu(self) -> float:
        """Processor seconds of the crawl, from the spider's opening to its closing, its
        worker processes included (see bench/statsdump.py)."""
        stats = self.stats
        return float(stats.get("bench/cpu_s", 0)) + float(stats.get("bench/children_cpu_s", 0))

    def check(self, what: str) -> Run:
        if self.returncode != 0:
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"bench: {what} exited {self.returncode}; log {self.log}:\n{tail}")
        return self


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.work = workdir
        self.counter = 0
        self.log_level = args.log_level

    def settings(self, out: Path, base: str, stats_file: Path) -> list[str]:
        common = {
            "AUTOTHROTTLE_ENABLED": "False",
            "CONCURRENT_REQUESTS": self.args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.args.concurrency,
            "DOWNLOAD_DELAY": 0,
            "LOG_LEVEL": self.log_level,
            "TELNETCONSOLE_ENABLED": "False",
            "SPIDER_MODULES": "spiders,bench.spiders,bench.steps",
            "STATS_CLASS": "bench.statsdump.JsonStatsCollector",
            "BENCH_STATS_FILE": stats_file,
            "OUTPUT_DIR": out,
            "ARTICLE_HOSTS": "127.0.0.1,sina.com.cn,sina.cn,sina.com",
            "ROLL_API_URL": f"{base}/api/roll/get",
        }
        args: list[str] = []
        for name, value in common.items():
            args += ["-s", f"{name}={value}"]
        return args

    def crawl(
        self, spider: str, out: Path, base: str, *extra: str, wrapper: tuple[str, ...] = ()
    ) -> Run:
        """`scrapy crawl SPIDER` in a subprocess of its own (run by `wrapper`, if any, e.g.
        valgrind); its peak RSS from wait4."""
        self.counter += 1
        tag = f"{self.counter:03d}-{spider}"
        stats_file = self.work / "runs" / f"{tag}.stats.json"
        log = self.work / "runs" / f"{tag}.log"
        stats_file.parent.mkdir(parents=True, exist_ok=True)
        command = [
            *wrapper,
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            spider,
            *self.settings(out, base, stats_file),
            *extra,
        ]  # extra -s win
        env = dict(os.environ, PYTHONPATH=str(PROJECT), SCRAPY_SETTINGS_MODULE="newscrawl.settings")
        env.pop("SCRAPY_PROJECT", None)
        with open(log, "wb") as log_file:
            started = time.perf_counter()
            process = subprocess.Popen(
                command,
                cwd=PROJECT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            peaks = TreePeaks(process.pid)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
            peaks.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
        others = peaks.descendants_kb() / 1024
        return Run(process.returncode, wall, usage.ru_maxrss / 1024, stats, log, others)


class Server:
    """`python -m bench.server` in its own process (https with `tls`)."""

    def __init__(self, site: Site, site_file: Path, kind: str, tls: bool) -> None:
        site.save(site_file)
        env = dict(os.environ, PYTHONPATH=str(PROJECT))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(site_file), "--kind", kind]
            + (["--tls"] if tls else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=PROJECT,
            env=env,
        )
        line = self.process.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "PORT":
            self.close()
            raise SystemExit("bench: the local server did not start")
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{line[1]}"

    def ask(self, path: str) -> dict[str, Any]:
        context = ssl._create_unverified_context()  # the server's self-signed certificate
        with urlopen(self.base + path, timeout=10, context=context) as answer:
            return json.loads(answer.read())

    def counts(self, reset: bool = True) -> dict[str, int]:
        return self.ask("/__bench/reset" if reset else "/__bench/stats")

    def cpu(self) -> float:
        """The server's processor seconds so far."""
        return float(self.ask("/__bench/cpu")["cpu_s"])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def channel_args() -> tuple[list[str], list[int], Any]:
    from newscrawl.channels import ChannelConfig

    config = ChannelConfig.load(None)
    channels = list(config.channels.values())
    return [c.name for c in channels], [c.lid for c in channels], channels


def listing_urls(site: Site, base: str, channels: list, page_size: int) -> list[str]:
    """The roll-API pages `scrapy crawl finance` reads on a first run of `site`."""
    from newscrawl.roll import api_url

    urls = []
    for channel in channels:
        pages = max(1, math.ceil(len(site.listed(channel.lid)) / page_size))
        urls += [
            api_url(f"{base}/api/roll/get", channel, p, page_size) for p in range(1, pages + 1)
        ]
    return urls


def page_size_setting() -> int:
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
    return get_project_settings().getint("ROLL_PAGE_SIZE", 50)


# --- figures 1, 3, 4 and 6: crawls ----------------------------------------------------


def crawl_figures(bench: Bench, templates: list[dict], pages_dir: Path) -> list[Figure]:
    args = bench.args
    names, lids, channels = channel_args()
    page_size = page_size_setting()
    finance_args = ["-a", f"channels={','.join(names)}", "-a", "max_pages=100000"]
    figures: list[Figure] = []
    site = Site(pages_dir, args.n, lids, templates)

    # 1 (and 6). first crawls by every contender, in turns
    threaded_rates: list[float] = []
    with Server(site, bench.work / "site.json", args.server, args.tls) as server:
        from bench.spiders import write_urls
        from bench.throughput import (
            contenders,
            first_crawls,
            ladder_figure,
            throughput_figures,
            url_files,
        )

        listing = listing_urls(site, server.base, channels, page_size)
        todo = contenders(
            args, url_files(bench.work, site, server.base, listing, args.peer_n), finance_args
        )
        measured, last_out = first_crawls(bench, server, todo)
        if args.compare_servers:
            with Server(site, bench.work / "site-threaded.json", "threaded", args.tls) as threaded:
                write_urls(
                    bench.work / "urls-threaded.txt",
                    listing_urls(site, threaded.base, channels, page_size)
                    + site.urls(threaded.base),
                )
                for _rep in range(args.repeat):
                    run = bench.crawl(
                        "bench-bare",
                        bench.work / "out-bare",
                        threaded.base,
                        "-a",
                        f"urls={bench.work / 'urls-threaded.txt'}",
                    ).check("bare")
                    threaded_rates.append(args.n / run.elapsed)
        throughput = throughput_figures(args, todo, measured)
        if threaded_rates:
            throughput[0].details["bare_with_threaded_http_server_articles_per_s"] = threaded_rates
            throughput[0].note += (
                f"; bare spider with the threaded http.server: "
                f"{median(threaded_rates):.0f} articles/s"
            )
        figures += throughput
        if "6" in args.wanted:
            figures.append(ladder_figure(args, todo, measured))
        if {"3", "5"}.intersection(args.wanted):
            figures += no_change_figures(bench, server, last_out, finance_args, channels)
    if "4" in args.wanted:
        figures += memory_figures(bench, site, channels, finance_args, measured)
    return figures


def no_change_figures(
    bench: Bench, server: Server, last_out: Path, finance_args: list[str], channels: list
) -> list[Figure]:
    """Figure 3, the run after the first over the same API, and 5c, the same with the
    state padded to --ids ids."""
    args = bench.args
    figures: list[Figure] = []
    state = last_out / ".newscrawl" / "state.sqlite3"
    padded = bench.work / "padded" / "state.sqlite3"
    pad_state(state, padded, args.ids)
    idle_wall, same_wall, padded_wall, requests = [], [], [], []
    for rep in range(args.repeat):
        kinds = ["idle", "same", "padded"]
        kinds = kinds[rep % 3 :] + kinds[: rep % 3]
        for kind in kinds:
            server.counts()
            if kind == "idle":
                run = bench.crawl("bench-idle", bench.work / "out-idle", server.base)
                idle_wall.append(run.check("bench-idle").wall)
                continue
            extra = [] if kind == "same" else ["-s", f"STATE_PATH={padded}"]
            run = bench.crawl("finance", last_out, server.base, *finance_args, *extra)
            run.check("finance (no change)")
            served = server.counts()
            if run.stats.get("newscrawl/written") or run.stats.get("newscrawl/changed"):
                raise SystemExit(f"bench: the no-change run wrote posts; see {run.log}")
            (same_wall if kind == "same" else padded_wall).append(run.wall)
            if kind == "same":
                requests.append(served)
    ours3, idle3 = median(same_wall), median(idle_wall)
    r = ratio_of(ours3, idle3)
    listing = max((c.get("listing", 0) for c in requests), default=0)
    articles = max((c.get("article", 0) for c in requests), default=0)
    ok = r is not None and r <= 1.5 and articles == 0 and listing <= len(channels)
    fig3 = Figure(
        "no_change",
        "3. no-change run (wall)",
        ours3,
        idle3,
        "s",
        "scrapy crawl of a spider doing nothing",
        "<= 1.5x",
    ).judge(r, ok)
    fig3.note = (
        f"requests: {listing} listing ({len(channels)} channels), "
        f"{articles} article, {max((c.get('other', 0) for c in requests), default=0)} other"
    )
    fig3.details = {
        "ours_wall_s": same_wall,
        "idle_wall_s": idle_wall,
        "requests_by_kind": requests,
        "channels": len(channels),
    }
    figures.append(fig3)
    r = ratio_of(median(padded_wall), ours3)
    fig5c = Figure(
        "state_run",
        f"5c. no-change run, {args.ids:,} ids in state",
        median(padded_wall),
        ours3,
        "s",
        f"same run, state of {args.n:,} ids",
        "<= 1.2x",
    ).judge(r, r is not None and r <= 1.2)
    fig5c.details = {"padded_wall_s": padded_wall, "same_wall_s": same_wall}
    figures.append(fig5c)
    return figures


def memory_figures(
    bench: Bench, site: Site, channels: list, finance_args: list[str], measured: dict
) -> list[Figure]:
    """Figure 4, peak RSS at --mem-n, ours vs bare, and the ratio at N for flatness; 4b,
    the same for the sum of the peaks of all the crawl's processes."""
    args = bench.args
    page_size = page_size_setting()
    figures: list[Figure] = []
    ours_rss, bare_rss = measured["ours"].peak_mb, measured["bare"].peak_mb
    ours_tree, bare_tree = measured["ours"].tree_mb, measured["bare"].tree_mb
    mem_site = site.with_n(args.mem_n)
    mem_ours, mem_bare, mem_rates, tree_ours, tree_bare = [], [], [], [], []
    with Server(mem_site, bench.work / "site-mem.json", args.server, args.tls) as server:
        from bench.spiders import write_urls

        mem_urls = bench.work / "urls-mem.txt"
        write_urls(
            mem_urls,
            listing_urls(mem_site, server.base, channels, page_size) + mem_site.urls(server.base),
        )
        for rep in range(args.mem_repeat):
            order = ("ours", "bare") if rep % 2 == 0 else ("bare", "ours")
            for who in order:
                if who == "ours":
                    out = bench.work / f"out-mem-{rep}"
                    run = bench.crawl("finance", out, server.base, *finance_args).check("finance")
                    if int(run.stats.get("newscrawl/written", 0)) != args.mem_n:
                        raise SystemExit(
                            f"bench: the memory run wrote "
                            f"{run.stats.get('newscrawl/written')}; see {run.log}"
                        )
                    mem_ours.append(run.peak_mb)
                    tree_ours.append(run.tree_mb)
                    mem_rates.append(args.mem_n / run.elapsed)
                    shutil.rmtree(out, ignore_errors=True)
                else:
                    run = bench.crawl(
                        "bench-bare", bench.work / "out-bare", server.base, "-a", f"urls={mem_urls}"
                    ).check("bench-bare")
                    mem_bare.append(run.peak_mb)
                    tree_bare.append(run.tree_mb)
    ours4, bare4 = median(mem_ours), median(mem_bare)
    r = ratio_of(ours4, bare4)
    r_small = ratio_of(median(ours_rss), median(bare_rss))
    flat = r is not None and r_small is not None and r <= r_small + 0.05
    fig4 = Figure(
        "memory",
        f"4. peak RSS, one process, N={args.mem_n}",
        ours4,
        bare4,
        "MB",
        "bare spider, same URLs",
        "<= 1.3x, flat",
    ).judge(r, r is not None and r <= 1.3 and flat)
    fig4.note = (
        f"at N={args.n}: {median(ours_rss):.0f} MB vs {median(bare_rss):.0f} MB = {r_small:.2f}x"
        if r_small
        else ""
    )
    fig4.details = {
        "ours_mb": mem_ours,
        "bare_mb": mem_bare,
        f"ours_mb_at_{args.n}": ours_rss,
        f"bare_mb_at_{args.n}": bare_rss,
        "ours_articles_per_s": mem_rates,
    }
    figures.append(fig4)
    ours4b, bare4b = median(tree_ours), median(tree_bare)
    r = ratio_of(ours4b, bare4b)
    fig4b = Figure(
        "memory_all_processes",
        f"4b. sum of peak RSS, all processes, N={args.mem_n}",
        ours4b,
        bare4b,
        "MB",
        "bare spider, same URLs",
        "<= 1.6x",
    ).judge(r, r is not None and r <= 1.6)
    fig4b.note = (
        f"at N={args.n}: {median(ours_tree):.0f} MB vs {median(bare_tree):.0f} MB; "
        "each process's VmHWM, sampled every 50 ms (bench/proctree.py)"
    )
    fig4b.details = {
        "ours_mb": tree_ours,
        "bare_mb": tree_bare,
        f"ours_mb_at_{args.n}": ours_tree,
        f"bare_mb_at_{args.n}": bare_tree,
    }
    figures.append(fig4b)
    return figures


def pad_state(state: Path, padded: Path, ids: int) -> None:
    """A copy of the crawl's state, grown to `ids` ids with made-up articles."""
    padded.parent.mkdir(parents=True, exist_ok=True)
    for stale in padded.parent.glob(padded.name + "*"):
        stale.unlink()
    source = sqlite3.connect(state)
    target = sqlite3.connect(padded)
    source.backup(target)
    source.close()
    have = target.execute("SELECT count(*) FROM articles").fetchone()[0]
    from bench.statescale import fill

    fill(target, max(0, ids - have))
    target.close()


# --- the table --------------------------------------------------------------------------


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "articles/s":
        return f"{value:,.0f} art/s"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "us":
        return f"{value:.1f} µs"
    return f"{value:.3g} {unit}".strip()


def table(figures: list[Figure]) -> str:
    rows = [("figure", "ours", "baseline", "ratio", "target", "pass")]
    for f in figures:
        verdict = "-" if f.passed is None else ("PASS" if f.passed else "FAIL")
        rows.append(
            (
                f.title,
                fmt(f.ours, f.unit),
                f"{fmt(f.baseline, f.unit)} ({f.baseline_label})",
                "-" if f.ratio is None else f"{f.ratio:.2f}x",
                f.target,
                verdict,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    notes = [f"  {f.title}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", "notes:"] + notes if notes else []))


def machine() -> dict[str, Any]:
    import lxml.etree
    import scrapy

    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, lxml.etree.LIBXML_VERSION)),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="articles of the throughput run (2000)")
    p.add_argument("--mem-n", type=int, default=10000, help="articles of the memory run (10000)")
    p.add_argument("--ids", type=int, default=1_000_000, help="ids in the big state (1000000)")
    p.add_argument("--small-ids", type=int, default=1000, help="ids in the small state (1000)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions per figure (3)")
    p.add_argument("--mem-repeat", type=int, help="repetitions of the memory runs (--repeat)")
    p.add_argument("--loops", type=int, default=15, help="timings per page in figure 2 (15)")
    p.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENCY,
        help=f"CONCURRENT_REQUESTS(_PER_DOMAIN) of every contender ({CONCURRENCY})",
    )
    p.add_argument(
        "--pages",
        choices=("auto", "corpus", "synthetic"),
        default="auto",
        help="real-sized page templates: the shared corpus when present, or synthetic",
    )
    p.add_argument(
        "--peer-n",
        type=int,
        default=300,
        help="articles of the peer's crawls (300: trafilatura is slow; at most --n)",
    )
    p.add_argument("--server", choices=("asyncio", "threaded"), default="asyncio")
    p.add_argument(
        "--tls",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve https, as Sina does (default), or plain http (--no-tls)",
    )
    p.add_argument(
        "--compare-servers",
        action="store_true",
        help="also time the bare spider against the threaded http.server",
    )
    p.add_argument(
        "--instructions",
        action="store_true",
        help="figure 6b also counts instructions under valgrind's callgrind (slow)",
    )
    p.add_argument("--log-level", default="INFO", help="LOG_LEVEL of every crawl (INFO)")
    p.add_argument(
        "--figures",
        default="1,2,3,4,5",
        help="which figures (1,2,3,4,5; 6, the cost of each step, adds 8 contenders to 1)",
    )
    p.add_argument("--json", type=Path, help="write the figures and raw timings here")
    p.add_argument("--workdir", type=Path, help="keep the work files here (default: temporary)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    args.mem_repeat = args.mem_repeat or args.repeat
    args.wanted = sorted({w.strip() for w in args.figures.split(",")})
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = args.wanted
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newscrawl-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
    sys.path.insert(0, str(PROJECT))
    started = time.time()
    load_before = os.getloadavg()[0]
    bench = Bench(args, workdir)
    pages_dir = workdir / "pages"
    templates, kind = build_templates(pages_dir, args.pages)
    print(
        f"bench: {len(templates)} {kind} page templates "
        f"({min(t['size'] for t in templates) // 1024}-"
        f"{max(t['size'] for t in templates) // 1024} KB),"
        f" {os.cpu_count()} cores, work files in {workdir}",
        flush=True,
    )
    figures: list[Figure] = []
    try:
        if "2" in wanted:
            from bench.perpage import per_page_figures

            figures += per_page_figures(args, templates, pages_dir)
            print(table(figures), flush=True)
        if "6" in wanted:
            from bench.components import component_figure

            figures.append(component_figure(args, workdir / "components"))
        if {"1", "3", "4", "6"}.intersection(wanted):
            figures += crawl_figures(bench, templates, pages_dir)
        if "5" in wanted:
            from bench.statescale import state_figures

            figures = (
                [f for f in figures if f.key != "state_run"]
                + state_figures(args, workdir)
                + [f for f in figures if f.key == "state_run"]
            )
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    order = [
        "throughput",
        "throughput_floor",
        "throughput_peer",
        "per_page_real",
        "per_page_fixtures",
        "per_page_trafilatura",
        "no_change",
        "memory",
        "memory_all_processes",
        "state_known",
        "state_record",
        "state_run",
        "ladder",
        "components",
    ]
    figures.sort(key=lambda f: order.index(f.key) if f.key in order else len(order))
    print()
    print(table(figures))
    for figure in figures:
        if figure.key == "ladder":
            from bench.throughput import ladder_table

            print("\n" + ladder_table(figure))
        if figure.key == "components":
            from bench.components import table_text

            print("\n" + table_text(figure.details))
    command = "python -m bench " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    print(
        f"\n{machine()['cores']} cores ({machine()['cpu']}); {kind} pages; "
        f"{time.time() - started:.0f} s; load average {load['before']} before, "
        f"{load['after']} after; command: {command}"
    )
    if load_before > 0.5:
        print(
            "bench: WARNING: the machine was busy when the benchmark started; "
            "the figures may be off"
        )
    if args.json:
        report = {
            "command": command,
            "machine": machine(),
            "pages": kind,
            "load_average": load,
            "templates": [{k: t[k] for k in ("source", "size")} for t in templates],
            "parameters": {
                k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
            },
            "seconds": round(time.time() - started, 1),
            "figures": [
                {
                    "key": f.key,
                    "title": f.title,
                    "ours": f.ours,
                    "baseline": f.baseline,
                    "unit": f.unit,
                    "baseline_label": f.baseline_label,
                    "ratio": f.ratio,
                    "target": f.target,
                    "pass": f.passed,
                    "note": f.note,
                    "details": f.details,
                }
                for f in figures
            ],
        }
        args.json.write_text(
            json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    missed = [f.title for f in figures if f.passed is False]
    return 1 if args.strict and missed else 0
