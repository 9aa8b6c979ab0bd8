"""A fault to inject into a test crawl: a parser bug. `scrapy crawl ... -s
SPIDER_MIDDLEWARES=...` adds this spider middleware next to the spider; for a response
holding MARK it raises where the spider's callback starts to parse, as a bug would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy.http import Response

MARK = b"raise while parsing"
ORDER = 960  # closer to the spider than newscrawl.middlewares.ParseErrorMiddleware (950)


class RaiseWhileParsing:
    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        check(response)
        yield from result

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        check(response)
        async for output in result:
            yield output


def check(response: Response) -> None:
    if MARK in response.body:
        raise RuntimeError(f"{MARK.decode()}: {response.url}")
