"""The benchmark's reference spiders, loaded with `-s SPIDER_MODULES=spiders,bench.spiders`
(every contender gets the same setting).

- `bench-bare` requests the URLs of a file, one per line, and discards the responses: what
  Scrapy itself costs for the same downloads, without parsing, cleaning or writing.
- `bench-idle` requests nothing: what starting and stopping `scrapy crawl` costs.

Both run with the project's settings but without its pipelines and extensions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy

_PLAIN = {"ITEM_PIPELINES": {}, "EXTENSIONS": {}}  # Scrapy's own components only


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


class IdleSpider(scrapy.Spider):
    name = "bench-idle"
    custom_settings = _PLAIN

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return
        yield


def write_urls(path: Path, urls: list[str]) -> Path:
    path.write_text("".join(u + "\n" for u in urls), encoding="utf-8")
    return path
