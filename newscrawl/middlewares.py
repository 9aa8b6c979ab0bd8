"""The spider boundary: an unexpected exception while parsing one response costs only that
response, never the crawl."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response

logger = logging.getLogger(__name__)


class ParseErrorMiddleware:
    """A spider middleware: an exception a callback raises (while parsing an article page
    or a listing) goes to the spider's `parse_failed(response, exception)`, which logs one
    WARNING naming the URL and `parse-error`, counts it and returns what follows (the next
    listing step, if any); the traceback goes to the DEBUG log. Without such a method, or
    for the exceptions Scrapy itself handles (CloseSpider, IgnoreRequest and HttpError),
    Scrapy's own handling applies.

    It sits closest to the spider (SPIDER_MIDDLEWARES, 950), so that what `parse_failed`
    returns still passes through Scrapy's depth and referer middlewares."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParseErrorMiddleware:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> Iterable[Any] | None:
        parse_failed = getattr(self.crawler.spider, "parse_failed", None)
        if parse_failed is None or isinstance(exception, CloseSpider | IgnoreRequest):
            return None
        logger.debug("Parse error on %s", response.url, exc_info=exception)
        return parse_failed(response, exception)


def error_cause(error: BaseException, size: int = 200) -> str:
    """`ValueError: message` for a log line: shortened, and printable by any log handler."""
    message = str(error)
    if len(message) > size:
        message = message[:size] + "…"
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
