"""Figures 1 and 6: first crawls of the same articles by every contender, in turns.

Contenders (bench/spiders.py, bench/steps.py), all against the same server, with the same
settings and concurrency:

- `ours`: `scrapy crawl finance` over the roll API listing N articles;
- `bare`: the listing pages and the N article pages fetched and thrown away;
- `floor`: the bare spider, plus one lxml.html parse and one small file per article;
- `peer`: the bare spider, plus trafilatura's Markdown of each page, for `--peer-n` of
  the articles only (it is slow), when trafilatura is installed;
- with figure 6, the rungs from the floor to ours: `bench-step` up to each step of
  bench/steps.py, then `scrapy crawl article` over the N article URLs (the same work
  through Scrapy's item pipelines, the project's extensions and log lines), then ours.

Each repetition runs every contender once, the order turning by one each time. A
contender that writes files gets a fresh OUTPUT_DIR each run.

Figure 1 compares ours with bare, floor and peer in articles per second of crawl time.
Figure 6 shows what each rung costs per article beyond the one before it: processor
time of the crawl's process (hardly stretched by a busy machine, but blind to waiting
on the disk: an fsync costs time, not processor), wall time (what the crawl pays,
noisy when the machine is shared), and the server's processor time (which, on this
machine, the crawl shares two cores with).
"""

from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.spiders import peer_installed, write_urls
from bench.steps import STEPS


@dataclass
class Contender:
    key: str
    label: str
    spider: str
    args: list[str]
    n: int  # article pages it fetches (and keeps, but for bare)
    kept_stat: str  # the stat that counts what it kept, "" for none
    extra: list[str] = field(default_factory=list)  # -s settings of its own


@dataclass
class Measured:
    rates: list[float] = field(default_factory=list)  # articles per second of crawl time
    cpu_ms: list[float] = field(default_factory=list)  # crawl processor ms per article
    server_ms: list[float] = field(default_factory=list)  # server processor ms per article
    peak_mb: list[float] = field(default_factory=list)
    tree_mb: list[float] = field(default_factory=list)

    def rate(self) -> float | None:
        return statistics.median(self.rates) if self.rates else None

    def wall_ms(self) -> float | None:
        rate = self.rate()
        return 1000 / rate if rate else None

    def cpu(self) -> float | None:
        return statistics.median(self.cpu_ms) if self.cpu_ms else None

    def server(self) -> float | None:
        return statistics.median(self.server_ms) if self.server_ms else None


def contenders(args: Any, files: dict[str, Path], finance_args: list[str]) -> list[Contender]:
    n, urls = args.n, ["-a", f"urls={files['urls']}"]
    found = [
        Contender(
            "ours", "ours: scrapy crawl finance", "finance", finance_args, n, "newscrawl/written"
        ),
        Contender("bare", "bare spider", "bench-bare", urls, n, ""),
        Contender(
            "floor", "floor: bare + lxml parse + small file", "bench-floor", urls, n, "bench/kept"
        ),
    ]
    if peer_installed():
        peer_n = min(args.peer_n, n)
        found.append(
            Contender(
                "peer",
                "peer: bare + trafilatura Markdown + file",
                "bench-peer",
                ["-a", f"urls={files['peer_urls']}"],
                peer_n,
                "bench/kept",
            )
        )
    if "6" in args.wanted:
        for step in STEPS:
            state = [] if step == "record" else ["-s", "STATE_ENABLED=False"]
            found.append(
                Contender(
                    f"step:{step}",
                    f"+ {STEPS[step]}",
                    "bench-step",
                    [*urls, "-a", f"upto={step}"],
                    n,
                    "bench/kept",
                    state,
                )
            )
        found.append(
            Contender(
                "article",
                "+ Scrapy's item pipelines, extensions, log (crawl article)",
                "article",
                ["-a", f"urls={files['article_urls']}"],
                n,
                "newscrawl/written",
            )
        )
    return found


def url_files(work: Path, site: Any, base: str, listing: list[str], peer_n: int) -> dict:
    articles = site.urls(base)
    peer_n = min(peer_n, len(articles))
    share = -(-len(listing) * peer_n // max(len(articles), 1))  # its share of the listing
    return {
        "urls": write_urls(work / "urls.txt", listing + articles),
        "peer_urls": write_urls(work / "urls-peer.txt", listing[:share] + articles[:peer_n]),
        "article_urls": write_urls(work / "urls-articles.txt", articles),
    }


def first_crawls(bench: Any, server: Any, todo: list[Contender]) -> tuple[dict, Path]:
    """Every contender `--repeat` times, in turns; the output folder of ours' last run."""
    measured = {c.key: Measured() for c in todo}
    last_out = None
    for rep in range(bench.args.repeat):
        turn = rep % len(todo)
        for c in todo[turn:] + todo[:turn]:
            out = bench.work / f"out-{c.key.replace(':', '-')}-{rep}"
            server.counts()
            server_cpu = server.cpu()
            run = bench.crawl(c.spider, out, server.base, *c.args, *c.extra).check(c.spider)
            server_cpu = server.cpu() - server_cpu
            served = server.counts()
            if served.get("article", 0) < c.n:
                raise SystemExit(f"bench: {c.key} fetched {served} from the server; see {run.log}")
            kept = int(run.stats.get(c.kept_stat, 0)) if c.kept_stat else c.n
            if kept != c.n:
                raise SystemExit(f"bench: {c.key} kept {kept} of {c.n} articles; see {run.log}")
            m = measured[c.key]
            m.rates.append(c.n / run.elapsed)
            m.cpu_ms.append(run.cpu * 1000 / c.n)
            m.server_ms.append(server_cpu * 1000 / c.n)
            m.peak_mb.append(run.peak_mb)
            m.tree_mb.append(run.tree_mb)
            if c.key == "ours":
                if last_out is not None:
                    shutil.rmtree(last_out, ignore_errors=True)
                last_out = out
            else:
                shutil.rmtree(out, ignore_errors=True)
    return measured, last_out


def throughput_figures(args: Any, todo: list[Contender], measured: dict) -> list:
    from bench.run import Figure, median, ratio_of

    ours = measured["ours"]
    rate = ours.rate()
    details = {
        c.key: {
            "articles": c.n,
            "articles_per_s": measured[c.key].rates,
            "crawl_cpu_ms_per_article": measured[c.key].cpu_ms,
            "server_cpu_ms_per_article": measured[c.key].server_ms,
            "peak_rss_mb": measured[c.key].peak_mb,
            "sum_of_peak_rss_mb": measured[c.key].tree_mb,
        }
        for c in todo
    }
    details.update(concurrency=args.concurrency, server=args.server, tls=args.tls)
    cpu_note = (
        "crawl CPU per article: "
        + ", ".join(
            f"{c.key} {measured[c.key].cpu():.2f} ms"
            for c in todo
            if c.key in ("ours", "bare", "floor", "peer")
        )
        + f"; server CPU per article {median(ours.server_ms):.2f} ms"
    )

    bare = measured["bare"].rate()
    r = ratio_of(rate, bare)
    fig1 = Figure(
        "throughput",
        f"1. end-to-end, N={args.n}",
        rate,
        bare,
        "articles/s",
        "bare spider, same URLs",
        "- (see 1a)",
    ).judge(r, None)
    fig1.note = cpu_note
    fig1.details = details

    floor = measured["floor"].rate()
    r = ratio_of(rate, floor)
    fig1a = Figure(
        "throughput_floor",
        f"1a. end-to-end, N={args.n}, vs the floor",
        rate,
        floor,
        "articles/s",
        "bare + lxml parse + small file",
        ">= 0.8x (aim 1.0x)",
    ).judge(r, r is not None and r >= 0.8)
    fig1a.note = f"floor/bare {ratio_of(floor, bare):.2f}x"

    peer = measured["peer"].rate() if "peer" in measured else None
    r = ratio_of(rate, peer)
    peer_n = next((c.n for c in todo if c.key == "peer"), 0)
    fig1b = Figure(
        "throughput_peer",
        f"1b. end-to-end, vs the peer (N={peer_n or args.peer_n})",
        rate,
        peer,
        "articles/s",
        "bare + trafilatura Markdown + file",
        ">= 10x",
    ).judge(r, r is not None and r >= 10)
    if peer is None:
        fig1b.passed = None
        fig1b.note = "trafilatura not installed (pip install -e '.[bench]'): skipped"
    return [fig1, fig1a, fig1b]


def ladder_figure(args: Any, todo: list[Contender], measured: dict):
    """Figure 6: the rungs from bare to ours, with what each adds per article."""
    from bench.run import Figure, ratio_of

    order = ["bare", "floor", *(f"step:{s}" for s in STEPS), "article", "ours"]
    labels = {c.key: c.label for c in todo}
    rungs, before = [], None
    for key in order:
        m = measured[key]
        cpu_spread = (min(m.cpu_ms), max(m.cpu_ms))
        rung = {
            "rung": key,
            "adds": labels[key],
            "articles_per_s": m.rate(),
            "wall_ms": m.wall_ms(),
            "cpu_ms": m.cpu(),
            "cpu_ms_min_max": cpu_spread,
            "server_cpu_ms": m.server(),
            "delta_wall_ms": m.wall_ms() - before.wall_ms() if before else None,
            "delta_cpu_ms": m.cpu() - before.cpu() if before else None,
        }
        rungs.append(rung)
        before = m
    ours, floor = measured["ours"], measured["floor"]
    fig6 = Figure(
        "ladder",
        "6. crawl CPU per article, ours vs the floor",
        ours.cpu(),
        floor.cpu(),
        "ms",
        "floor",
        "- (see the rungs)",
    ).judge(ratio_of(ours.cpu(), floor.cpu()), None)
    fig6.note = (
        f"beyond the floor: {ours.cpu() - floor.cpu():.2f} ms CPU, "
        f"{ours.wall_ms() - floor.wall_ms():.2f} ms wall per article"
    )
    fig6.details = {"rungs": rungs}
    return fig6


def ladder_table(fig6) -> str:
    rows = [
        ("rung", "adds", "art/s", "wall ms", "+wall", "CPU ms", "+CPU", "CPU min-max", "server")
    ]
    for r in fig6.details["rungs"]:

        def ms(v):
            return "-" if v is None else f"{v:+.2f}"

        rows.append(
            (
                r["rung"],
                r["adds"][:60],
                f"{r['articles_per_s']:.0f}",
                f"{r['wall_ms']:.2f}",
                ms(r["delta_wall_ms"]),
                f"{r['cpu_ms']:.2f}",
                ms(r["delta_cpu_ms"]),
                "{:.2f}-{:.2f}".format(*r["cpu_ms_min_max"]),
                f"{r['server_cpu_ms']:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "6. per article, each rung against the one above (ms):\n" + "\n".join(lines)
