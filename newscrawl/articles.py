"""What every spider of the project shares: requesting article pages, turning responses
into items, and accounting for the pages that are not articles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.channels import ChannelConfig
from newscrawl.items import Article
from newscrawl.sina import NotAnArticle, parse_article, url_document_id
from newscrawl.stats import count_drop, mark_failed
from newscrawl.store import StateStore, Store


class BadArgument(ValueError):
    """A spider argument that cannot be used; the message names the argument."""


class ArticlePageSpider(scrapy.Spider):
    """Base class: subclasses find article URLs and call `article_request`."""

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ArticlePageSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.channel_config = ChannelConfig.load(crawler.settings.get("CHANNELS_FILE"))
        spider.allowed_hosts = tuple(crawler.settings.getlist("ARTICLE_HOSTS"))
        return spider

    @property
    def state(self) -> Store | None:
        extension = self.crawler.get_extension(StateStore)
        return extension.store if extension else None

    def state_error(self) -> str:
        extension = self.crawler.get_extension(StateStore)
        return extension.error if extension else ""

    def fail(self, reason: str, message: str) -> None:
        """Give up the whole run: one ERROR line, and a non-zero exit status."""
        self.logger.error(message)
        mark_failed(self.crawler.stats, reason)

    def check_host(self, url: str, argument: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if not any(host == d or host.endswith("." + d) for d in self.allowed_hosts):
            raise BadArgument(
                f"argument {argument!r}: {url} is not on Sina's domains"
                f" ({', '.join(self.allowed_hosts)}); extend the ARTICLE_HOSTS setting to allow it"
            )

    def article_request(
        self, url: str, label: str = "", listed_at: datetime | None = None, **kwargs: Any
    ) -> Request:
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"label": label, "listed_at": listed_at},
            **kwargs,
        )

    def parse_article(
        self, response: Response, label: str = "", listed_at: datetime | None = None
    ) -> Iterator[Article]:
        self.crawler.stats.inc_value("newscrawl/article_pages")
        try:
            self.check_not_redirected_away(response)
            article = parse_article(response, label, listed_at)
        except NotAnArticle as exc:
            self.not_an_article(response.url, exc.reason, exc.detail)
            return
        article.label = label or self.channel_config.label_for(article.url)
        yield article

    def check_not_redirected_away(self, response: Response) -> None:
        """A removed article is often redirected to a home or error page."""
        redirects = response.meta.get("redirect_urls") or []
        if redirects and url_document_id(redirects[0]) and not url_document_id(response.url):
            raise NotAnArticle("redirected", f"redirected to {response.url}")

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            status = failure.value.response.status
            self.not_an_article(request.url, f"http-{status}", f"HTTP status {status}")
        elif failure.check(FileNotFoundError, IsADirectoryError, PermissionError):
            self.not_an_article(request.url, "unreadable", str(failure.value))
        else:
            detail = failure.getErrorMessage() or failure.type.__name__
            self.not_an_article(request.url, "download-error", detail)

    def not_an_article(self, url: str, reason: str, detail: str) -> None:
        count_drop(self.crawler.stats, reason)
        self.logger.warning("Not an article: %s: %s (%s)", url, detail, reason)
