"""Figure 6b: what each component of ours costs per article, in this process, on the
benchmark's real-sized pages (`python -m bench.components`, or `python -m bench
--figures 6`).

Each component runs in the order a crawl runs it, on what it gets in a crawl, and is
timed alone: processor time of this thread (`time.thread_time`, hardly stretched when
other processes share the machine) as the median over `--loops` rounds of all pages,
the components taking turns within each round; the fsync and the state's commits wait
on the disk, so they are given in wall time too. With `--instructions` the same rounds
run again under valgrind's callgrind (instructions do not depend on the load of the
machine): each component's instructions per article.

Components (per article; a listing page lists 50):
    tls          decrypting the page from TLS records (pyOpenSSL memory BIOs, as Twisted)
    floor_parse  one lxml.html parse (the floor's)
    our_parse    parse_article with the body only serialised, not cleaned
    clean        parse_article as it is, minus our_parse
    checks       header image and label
    validate     the front matter rendered and read back (ValidatePipeline)
    render       the post rendered and encoded (WritePostPipeline)
    write        the post written: temporary file, rename (no fsync)
    fsync        the post written with its fsync (as now), minus write
    record       SQLiteStore.record, one commit each (as now)
    record_batch SQLiteStore.record, 50 in one transaction
    listing      a roll-API page parsed, its ids looked up, its requests built, / 50
    log          the post's INFO line ("Wrote ...") through a logging file handler
    peer         trafilatura's Markdown with metadata (the peer), for scale
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.pages import PLACEHOLDER, PROJECT, Site, build_templates

URL = f"https://finance.sina.com.cn/china/2024-03-01/doc-i{PLACEHOLDER}.shtml"
WALL = ("write", "write_fsync", "fsync", "record", "record_batch")  # on the disk: wall too
MINUS = {"clean": "our_parse", "fsync": "write"}  # measured with the other, which is subtracted
PER_LISTING = 50
# what ours runs per article, as now (record_batch, log's alternative, and peer are not)
OURS = (
    "tls",
    "our_parse",
    "clean",
    "checks",
    "validate",
    "render",
    "write",
    "fsync",
    "record",
    "listing",
    "log",
)


class Page:
    """One template page and what each component needs of it, made ready before timing."""

    def __init__(self, data: bytes, content_type: str) -> None:
        self.data = data
        self.content_type = content_type
        self.article: Any = None


def response_of(page: Page):
    from scrapy.http import HtmlResponse

    return HtmlResponse(URL, body=page.data, headers={"Content-Type": page.content_type})


class Components:
    """The components, each a function of a page; `setup` state lives here."""

    def __init__(self, work: Path, pages: list[Page]) -> None:
        from newscrawl.channels import ChannelConfig
        from newscrawl.store import SQLiteStore

        self.work = work
        self.pages = pages
        self.out = work / "posts"
        self.out.mkdir(parents=True, exist_ok=True)
        self.channels = ChannelConfig.load(None)
        self.store = SQLiteStore(work / "state.sqlite3")
        self.counter = 0
        self.batch: list = []
        self.tls = TlsPair()
        self.listing_body = roll_page(work)
        self.log = logging.getLogger("bench.components.post")
        handler = logging.FileHandler(work / "crawl.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        self.log.addHandler(handler)
        self.log.setLevel(logging.INFO)
        self.log.propagate = False

    def table(self) -> dict[str, Callable[[Page], Any]]:
        from newscrawl.pipelines import header_image

        return {
            "tls": lambda p: self.tls.transfer(p.data),
            "floor_parse": self.floor_parse,
            "our_parse": self.our_parse,
            "clean": self.full_parse,  # minus our_parse, below
            "checks": lambda p: (
                header_image(p.article.body, p.article.og_image),
                self.channels.label_for(p.article.url),
            ),
            "validate": self.validate,
            "render": self.render,
            "write": self.write,
            "fsync": self.write_fsync,  # minus write, below
            "record": self.record,
            "record_batch": self.record_batch,
            "listing": self.listing,
            "log": lambda p: self.log.info("Wrote %s (%s)", self.out / "x.md", URL),
            "peer": self.peer,
        }

    def floor_parse(self, page: Page) -> None:
        import lxml.html

        lxml.html.fromstring(page.data)

    def our_parse(self, page: Page) -> None:
        import newscrawl.sina
        from newscrawl.clean import inner_html

        cleaning = newscrawl.sina.clean_element
        newscrawl.sina.clean_element = lambda root, base_url="": inner_html(root)
        try:
            newscrawl.sina.parse_article(response_of(page))
        finally:
            newscrawl.sina.clean_element = cleaning

    def full_parse(self, page: Page) -> None:
        from newscrawl.sina import parse_article

        article = parse_article(response_of(page))
        article.label = self.channels.label_for(article.url)
        page.article = article

    def validate(self, page: Page) -> None:
        from newscrawl.exporters import read_yaml, render_front_matter

        read_yaml(render_front_matter(page.article))

    def render(self, page: Page) -> bytes:
        from newscrawl.exporters import render_post

        return render_post(page.article).encode("utf-8")

    def write(self, page: Page) -> None:
        """The post to its temporary file, then renamed into place: no fsync."""
        staged = self.stage(page)
        staged.file.close()
        staged.put_in_place()

    def write_fsync(self, page: Page) -> None:
        """The same with its fsync, one post at a time (the crawl makes them side by side,
        a group at a time: newscrawl.commit)."""
        staged = self.stage(page)
        staged.make_durable()
        staged.put_in_place()

    def stage(self, page: Page):
        from newscrawl.commit import stage
        from newscrawl.pipelines import temp_prefix

        record = self.next_record()
        path = self.out / f"{record.doc_id}.md"
        return stage(path, self.render(page), record, temp_prefix(path.name))

    def next_record(self):
        from newscrawl.store import Record

        self.counter += 1
        return Record(f"irec{self.counter:010d}", URL, "output/x.md", "0" * 64)

    def record(self, page: Page) -> None:
        self.store.record([self.next_record()])

    def record_batch(self, page: Page) -> None:
        """One record of a batch: the state records PER_LISTING at a time."""
        self.batch.append(self.next_record())
        if len(self.batch) == PER_LISTING:
            self.store.record(self.batch)
            self.batch = []

    def before(self, name: str) -> None:
        """Untimed preparation of a round of component `name`."""
        if name == "tls":
            self.tls.encrypt([page.data for page in self.pages])

    def after(self, name: str) -> None:
        """What a round of `name` leaves to finish, timed with it (a batch's last commit)."""
        if name == "record_batch" and self.batch:
            self.store.record(self.batch)
            self.batch = []

    def listing(self, page: Page) -> None:
        """A 50-article roll page per call, divided by 50 when reported."""
        from scrapy import Request
        from scrapy.utils.request import fingerprint

        from newscrawl.roll import parse_roll

        roll = parse_roll(self.listing_body)
        self.store.known(e.doc_id for e in roll.entries)
        for entry in roll.entries:
            fingerprint(Request(entry.url, cb_kwargs={"label": "", "listed_at": entry.listed_at}))

    def peer(self, page: Page) -> None:
        from bench.spiders import peer_extract

        peer_extract(response_of(page).text, URL)

    def close(self) -> None:
        self.store.close()


class TlsPair:
    """A TLS connection between two pyOpenSSL memory BIOs, the client reading as Twisted's
    TLSMemoryBIOProtocol reads a socket. `encrypt` (untimed) makes the server's records
    for a round of pages, in order; `transfer` decrypts one page's (records are numbered:
    each can be decrypted once, in its turn)."""

    def __init__(self) -> None:
        from OpenSSL import SSL

        cert, key = self_signed()
        server_context = SSL.Context(SSL.TLS_METHOD)
        server_context.use_certificate(cert)
        server_context.use_privatekey(key)
        self.server = SSL.Connection(server_context, None)
        self.server.set_accept_state()
        self.client = SSL.Connection(SSL.Context(SSL.TLS_METHOD), None)
        self.client.set_connect_state()
        self.pending: list[list[bytes]] = []
        for _ in range(4):  # the handshake, a flight at a time
            for one, other in ((self.client, self.server), (self.server, self.client)):
                try:
                    one.do_handshake()
                except SSL.WantReadError:
                    pass
                for chunk in self._drain(one):
                    other.bio_write(chunk)

    @staticmethod
    def _drain(connection) -> list[bytes]:
        from OpenSSL import SSL

        chunks = []
        while True:
            try:
                chunks.append(connection.bio_read(65536))
            except SSL.WantReadError:
                return chunks

    def encrypt(self, pages: list[bytes]) -> None:
        self.pending = []
        for data in pages:
            self.server.sendall(data)
            self.pending.append(self._drain(self.server))

    def transfer(self, data: bytes) -> int:
        from OpenSSL import SSL

        received = 0
        for chunk in self.pending.pop(0):
            self.client.bio_write(chunk)
            while True:
                try:
                    received += len(self.client.recv(65536))
                except SSL.WantReadError:
                    break
        assert received == len(data)
        return received


def self_signed():
    """The tests' self-signed certificate for 127.0.0.1, as pyOpenSSL objects."""
    from OpenSSL import crypto

    from bench.server import TESTS

    sys.path.insert(0, str(TESTS))
    from localserver import self_signed_certificate

    cert, key = self_signed_certificate()
    return crypto.X509.from_cryptography(cert), crypto.PKey.from_cryptography_key(key)


def roll_page(work: Path) -> bytes:
    """A roll-API page of PER_LISTING articles, as the benchmark's server answers it."""
    site = Site(work, PER_LISTING, [1], [])
    data = [site.roll_entry(k, "https://finance.sina.com.cn") for k in site.listed(1)]
    result = {"status": {"code": 0, "msg": "succ"}, "total": 10**5, "data": data}
    return json.dumps({"result": result}, ensure_ascii=False).encode()


# --- measuring --------------------------------------------------------------------------


def measure(components: Components, loops: int, instructions: bool) -> dict[str, dict]:
    """Per component: thread time per article (median of the rounds) and, for the disk's
    components, wall time; under callgrind, a dump per component and round."""
    table = components.table()
    pages = components.pages
    for page in pages:  # warm up, and make each page's article
        components.full_parse(page)
    cpu: dict[str, list[float]] = {name: [] for name in table}
    wall: dict[str, list[float]] = {name: [] for name in table}
    for rnd in range(loops):
        names = list(table)
        names = names[rnd % len(names) :] + names[: rnd % len(names)]
        for name in names:
            fn = table[name]
            components.before(name)
            if instructions:
                callgrind("--zero")
            started_cpu, started = time.thread_time(), time.perf_counter()
            for page in pages:
                fn(page)
            components.after(name)
            cpu[name].append((time.thread_time() - started_cpu) / len(pages))
            wall[name].append((time.perf_counter() - started) / len(pages))
            if instructions:
                callgrind(f"--dump={name}")
    return {
        name: {
            "cpu_ms": [v * 1000 for v in cpu[name]],
            "wall_ms": [v * 1000 for v in wall[name]],
        }
        for name in table
    }


def callgrind(command: str) -> None:
    subprocess.run(
        ["callgrind_control", command, str(os.getpid())], check=True, capture_output=True
    )


def instruction_counts(out_prefix: Path, loops: int, pages: int) -> dict[str, float]:
    """Instructions per article of each component, from the dumps of a callgrind run."""
    counts: dict[str, list[int]] = {}
    for dump in out_prefix.parent.glob(out_prefix.name + ".*"):
        trigger = total = None
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith("desc: Trigger: dump "):
                trigger = line.split("dump ", 1)[1].strip()
            elif line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
        if trigger and total is not None:
            counts.setdefault(trigger, []).append(total)
    return {name: statistics.median(v) / pages for name, v in counts.items()}


def per_article(results: dict[str, dict], name: str, key: str) -> float:
    value = statistics.median(results[name][key])
    if name in MINUS:
        value -= statistics.median(results[MINUS[name]][key])
    if name == "listing":
        value /= PER_LISTING
    return value


def load_pages(pages_dir: Path, kind: str) -> list[Page]:
    templates, _ = build_templates(pages_dir, kind)
    return [
        Page((pages_dir / t["file"]).read_bytes(), f"text/html; charset={t['encoding']}")
        for t in templates
    ]


def run(loops: int, kind: str, instructions: bool, work: Path) -> dict[str, Any]:
    pages = load_pages(work / "pages", kind)
    if instructions:
        return under_callgrind(loops, kind, work, len(pages))
    components = Components(work, pages)
    try:
        results = measure(components, loops, instructions=False)
    finally:
        components.close()
    rows = {}
    for name in results:
        rows[name] = {
            "cpu_ms": per_article(results, name, "cpu_ms"),
            "wall_ms": per_article(results, name, "wall_ms"),
            "cpu_ms_rounds": results[name]["cpu_ms"],
            "wall_ms_rounds": results[name]["wall_ms"],
        }
    return {"pages": len(pages), "loops": loops, "components": rows}


def under_callgrind(loops: int, kind: str, work: Path, pages: int) -> dict[str, Any]:
    """This module again, under callgrind, dumping per component; instructions per
    article (the listing's per article of its page)."""
    prefix = work / "callgrind" / "out"
    prefix.parent.mkdir(parents=True, exist_ok=True)
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={prefix}.%p",
        sys.executable,  # a venv's python (a symlink), not a shim script
        "-m",
        "bench.components",
        "--loops",
        str(loops),
        "--pages",
        kind,
        "--workdir",
        str(work / "in-callgrind"),
        "--dumping",
    ]
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: the components under callgrind failed:\n{done.stderr[-3000:]}")
    counts = instruction_counts(prefix, loops, pages)
    for name, other in MINUS.items():
        counts[name] -= counts[other]
    counts["listing"] /= PER_LISTING
    return {"pages": pages, "loops": loops, "instructions_per_article": counts}


def table_text(report: dict[str, Any]) -> str:
    rows = [("component", "CPU ms", "CPU min-max", "wall ms", "M instr")]
    counts = report.get("instructions_per_article", {})
    for name, row in report["components"].items():
        cpu_rounds = row["cpu_ms_rounds"]
        factor = PER_LISTING if name == "listing" else 1
        spread = (
            "-"
            if name in MINUS
            else f"{min(cpu_rounds) / factor:.3f}-{max(cpu_rounds) / factor:.3f}"
        )
        rows.append(
            (
                name,
                f"{row['cpu_ms']:.3f}",
                spread,
                f"{row['wall_ms']:.3f}" if name in WALL else "-",
                f"{counts[name] / 1e6:.2f}" if name in counts else "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return (
        f"6b. per article, each component alone ({report['pages']} pages, "
        f"median of {report['loops']} rounds):\n" + "\n".join(lines)
    )


def component_figure(args: Any, work: Path):
    """Figure 6b for `python -m bench --figures 6`: the components with --loops rounds."""
    from bench.run import Figure

    work.mkdir(parents=True, exist_ok=True)
    report = run(args.loops, args.pages, False, work)
    if args.instructions:
        counted = run(min(args.loops, 2), args.pages, True, work)
        report["instructions_per_article"] = counted["instructions_per_article"]
    rows = report["components"]
    ours = sum(rows[name]["cpu_ms"] for name in OURS)
    floor = rows["floor_parse"]["cpu_ms"]
    figure = Figure(
        "components",
        "6b. our components per article, alone",
        ours,
        floor,
        "ms",
        "floor's lxml parse",
        "- (see the table)",
    ).judge(ours / floor if floor else None, None)
    figure.note = "processor time; the fsync and the state's commit wait on the disk: see wall"
    figure.details = report
    return figure


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.components", description=__doc__)
    p.add_argument("--loops", type=int, default=9, help="rounds over all pages (9)")
    p.add_argument("--pages", choices=("auto", "corpus", "synthetic"), default="auto")
    p.add_argument("--instructions", action="store_true", help="also count under callgrind")
    p.add_argument("--instruction-loops", type=int, default=2, help="rounds under callgrind")
    p.add_argument("--json", type=Path)
    p.add_argument("--workdir", type=Path)
    p.add_argument("--dumping", action="store_true", help=argparse.SUPPRESS)  # in callgrind
    args = p.parse_args(argv)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newscrawl-components-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.dumping:
            components = Components(work, load_pages(work / "pages", args.pages))
            measure(components, args.loops, instructions=True)
            components.close()
            return 0
        report = run(args.loops, args.pages, False, work)
        if args.instructions:
            counted = run(args.instruction_loops, args.pages, True, work)
            report["instructions_per_article"] = counted["instructions_per_article"]
        print(table_text(report))
        if args.json:
            args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
