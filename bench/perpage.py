"""Figure 2: what one page costs in process, against a bare lxml parse of the same bytes.

`process` is the chain a page goes through in a crawl: `parse_article` (the spider's
callback, which cleans the body too), then the pipelines' work: pick the header image,
validate the front matter by reading it back, render the post's bytes for the file.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import lxml.html
from scrapy.http import HtmlResponse

from bench.pages import PLACEHOLDER, PROJECT

FIXTURES = PROJECT / "tests" / "fixtures"
LABEL = "新浪财经－国內"


def process(data: bytes, url: str, content_type: str = "") -> bytes:
    from newscrawl.exporters import read_yaml, render_front_matter, render_post
    from newscrawl.pipelines import header_image
    from newscrawl.sina import parse_article

    headers = {"Content-Type": content_type} if content_type else {}
    article = parse_article(HtmlResponse(url, body=data, headers=headers), LABEL)
    article.headimg = header_image(article.body, article.og_image)
    read_yaml(render_front_matter(article))  # ValidatePipeline
    return render_post(article).encode("utf-8")  # WritePostPipeline


def bare(data: bytes) -> None:
    lxml.html.fromstring(data)


def trafilatura_extract():
    """The peer's work on a page (bench.spiders.peer_extract), from the text Scrapy
    decodes, as in its crawl."""
    from bench.spiders import peer_extract, peer_installed

    if not peer_installed():
        return None

    def extract(data: bytes, url: str, content_type: str) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        peer_extract(HtmlResponse(url, body=data, headers=headers).text, url)

    return extract


def pages_of(
    templates: list[dict], pages_dir: Path
) -> dict[str, list[tuple[str, bytes, str, str]]]:
    """(name, bytes, URL, content type) of the real-sized pages and of the fixture pages."""
    sets: dict[str, list] = {"real": [], "fixtures": []}
    for t in templates:
        url = f"http://127.0.0.1/china/2024-03-01/doc-i{PLACEHOLDER}.shtml"
        data = (pages_dir / t["file"]).read_bytes()
        sets["real"].append((t["source"], data, url, f"text/html; charset={t['encoding']}"))
    expected = FIXTURES / "expected.json"
    if expected.exists():
        for name in sorted(json.loads(expected.read_text(encoding="utf-8"))):
            page = FIXTURES / "pages" / name
            if page.exists():
                sets["fixtures"].append((name, page.read_bytes(), page.as_uri(), ""))
    return sets


def time_once(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def per_page_figures(args, templates: list[dict], pages_dir: Path):
    from bench.run import Figure, ratio_of

    extract = trafilatura_extract()
    figures = []
    for key, pages in pages_of(templates, pages_dir).items():
        title = "2. per page, real-sized" if key == "real" else "2b. per page, fixture pages"
        if not pages:
            figures.append(
                Figure(
                    f"per_page_{key}",
                    title,
                    None,
                    None,
                    "ms",
                    "bare lxml parse",
                    "<= 2x",
                    note="no pages (tests/fixtures not generated)",
                )
            )
            continue
        rows = []
        for name, data, url, content_type in pages:
            process(data, url, content_type)  # warm up, and fail early on a broken page
            ours, base, traf = [], [], []
            for _ in range(max(args.loops, 1)):  # the two contenders alternate
                base.append(time_once(bare, data))
                ours.append(time_once(process, data, url, content_type))
            for _ in range(max(args.loops // 3, 1) if extract else 0):  # slow: fewer runs
                traf.append(time_once(extract, data, url, content_type))
            rows.append(
                {
                    "page": name,
                    "kb": len(data) // 1024,
                    "ours_ms": statistics.median(ours) * 1000,
                    "bare_ms": statistics.median(base) * 1000,
                    "trafilatura_ms": statistics.median(traf) * 1000 if traf else None,
                }
            )
        ours = sum(r["ours_ms"] for r in rows) / len(rows)
        base = sum(r["bare_ms"] for r in rows) / len(rows)
        r = ratio_of(ours, base)
        avg_kb = sum(row["kb"] for row in rows) / len(rows)
        judged = key == "real"  # the target is for real-sized pages
        fig = Figure(
            f"per_page_{key}",
            f"{title} ({len(rows)} pages, {avg_kb:.0f} KB avg)",
            ours,
            base,
            "ms",
            "bare lxml.html parse",
            "<= 2x" if judged else "-",
        ).judge(r, (r is not None and r <= 2) if judged else None)
        if not judged:
            fig.note = "the tests' small pages, for scale: fixed per-page costs dominate there"
        traf = sum(r["trafilatura_ms"] for r in rows) / len(rows) if extract else None
        fig.details = {"pages": rows, "trafilatura_ms": traf}
        figures.append(fig)
        if key == "real":  # the other baseline: a general-purpose extractor, for scale
            other = Figure(
                "per_page_trafilatura",
                "2c. per page, real-sized, vs trafilatura",
                ours,
                traf,
                "ms",
                "trafilatura.extract",
                "-",
            )
            other.ratio = ratio_of(ours, traf)
            other.note = (
                "" if extract else "trafilatura not installed (pip install -e '.[bench]'): skipped"
            )
            figures.append(other)
    return figures
