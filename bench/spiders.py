"""The benchmark's reference spiders, loaded with `-s SPIDER_MODULES=spiders,bench.spiders`
(every contender gets the same setting).

- `bench-bare` requests the URLs of a file, one per line, and discards the responses: what
  Scrapy itself costs for the same downloads, without parsing, cleaning or writing.
- `bench-floor` is the bare spider plus the least any crawl that keeps articles must do:
  one `lxml.html` parse of each article page and one small file written per article.
- `bench-peer` is the bare spider plus what a user would run instead of newscrawl:
  `trafilatura.extract` (default settings, Markdown with metadata) of each article page,
  written to one file per article.
- `bench-idle` requests nothing: what starting and stopping `scrapy crawl` costs.

All run with the project's settings but without its pipelines and extensions, and write
into OUTPUT_DIR.

The floor writes its file as a careful writer must, so that no reader and no crash ever
sees half of it (a temporary file, then a rename), but without fsync: an fsync makes a
file survive a power cut, which matters to a crawl that records the file as written
(ours does, and fsyncs each post before recording it); the floor records nothing, and a
crawl that does can pay one fsync per batch of posts. Here an fsync costs 1-15 ms of
the disk's time, more than everything else an article costs: in the floor it would
measure the disk, not the crawl. What our fsync costs is figured in figure 6.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy

_PLAIN = {"ITEM_PIPELINES": {}, "EXTENSIONS": {}}  # Scrapy's own components only
_ARTICLE_ID = re.compile(r"/doc-(i\w+)\.shtml$")  # the benchmark's article URLs


class BareSpider(scrapy.Spider):
    name = "bench-bare"
    custom_settings = _PLAIN

    def __init__(self, urls: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls_file = urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        with open(self.urls_file, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.parse, dont_filter=True)

    def parse(self, response: Any) -> None:
        self.crawler.stats.inc_value("bench/responses")
        doc_id = article_id(response.url)
        if doc_id:
            self.keep(response, doc_id)

    def keep(self, response: Any, doc_id: str) -> None:
        """What the spider does with an article page (the bare spider: nothing)."""

    @property
    def output_dir(self) -> Path:
        out = Path(self.crawler.settings.get("OUTPUT_DIR"))
        out.mkdir(parents=True, exist_ok=True)
        return out


class FloorSpider(BareSpider):
    name = "bench-floor"

    def keep(self, response: Any, doc_id: str) -> None:
        import lxml.html

        root = lxml.html.fromstring(response.body)
        title = root.findtext(".//title") or ""
        write_replacing(self.output_dir / f"{doc_id}.txt", title.encode("utf-8"))
        self.crawler.stats.inc_value("bench/kept")


class PeerSpider(BareSpider):
    name = "bench-peer"

    def keep(self, response: Any, doc_id: str) -> None:
        markdown = peer_extract(response.text, response.url)
        if markdown:
            (self.output_dir / f"{doc_id}.md").write_text(markdown, encoding="utf-8")
            self.crawler.stats.inc_value("bench/kept")


def peer_extract(page: str | bytes, url: str) -> str | None:
    """What a user of trafilatura would write for a page: Markdown with its metadata."""
    import trafilatura

    return trafilatura.extract(page, url=url, output_format="markdown", with_metadata=True)


def peer_installed() -> bool:
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        return False
    return True


class IdleSpider(scrapy.Spider):
    name = "bench-idle"
    custom_settings = _PLAIN

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return
        yield


def article_id(url: str) -> str:
    match = _ARTICLE_ID.search(url)
    return match.group(1) if match else ""


def write_replacing(path: Path, data: bytes) -> None:
    """`data` in `path` through a temporary file and a rename (no fsync: see above)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_urls(path: Path, urls: list[str]) -> Path:
    path.write_text("".join(u + "\n" for u in urls), encoding="utf-8")
    return path
