"""What every spider of the project shares: requesting article pages, turning responses
into items, and accounting for the pages that are not articles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.channels import ChannelConfig
from newscrawl.items import Article
from newscrawl.middlewares import error_cause
from newscrawl.roll import Listed, Listing
from newscrawl.sina import NotAnArticle, parse_article, strip_query, url_document_id
from newscrawl.stats import count_drop, fail_run
from newscrawl.store import StateStore, Store, crawl_store

# Pre-2016 article URLs carry no doc id: `/stock/jsy/20150824/150323048535.shtml`.
_OLD_ARTICLE_PATH = re.compile(r"/(?:\d{8}|\d{4}-\d\d-\d\d)/\d{6,}\.s?html$")


class BadArgument(ValueError):
    """A spider argument that cannot be used; the message names the argument."""


def failure_cause(failure: Failure) -> str:
    """A download failure in a few words, for the log: `HTTP 403`, `Connection refused`."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return failure.getErrorMessage() or failure.type.__name__


def parse_flag(value: str, argument: str) -> bool:
    """A yes/no spider argument: 1/0, true/false, yes/no, on/off; empty is no."""
    text = value.strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise BadArgument(f"argument {argument!r}: expected 1 or 0, got {value!r}")


class ArticlePageSpider(scrapy.Spider):
    """Base class: subclasses find article URLs and call `article_request`, or, for
    listings, `listed_requests`."""

    refresh = False  # request known articles again (listing spiders: -a refresh=1)
    label_override = ""  # the label of every post, whatever its URL (-a label=)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ArticlePageSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.channel_config = ChannelConfig.load(crawler.settings.get("CHANNELS_FILE"))
        spider.allowed_hosts = tuple(crawler.settings.getlist("ARTICLE_HOSTS"))
        spider.max_page_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        spider.listed_keys = set()  # doc ids (or URLs) listed so far in this run
        return spider

    @property
    def state_store(self) -> Store | None:
        """The crawl's state store (`spider.state` is Scrapy's JOBDIR dict)."""
        return crawl_store(self.crawler)

    def state_error(self) -> str:
        extension = self.crawler.get_extension(StateStore)
        return extension.error if extension else ""

    def ready_to_start(self) -> bool:
        """Reads the spider arguments and checks the state; after an ERROR saying why the
        run cannot go on, False."""
        try:
            self.read_arguments()
        except BadArgument as exc:
            self.fail("bad-argument", str(exc))
            return False
        if self.state_error():
            self.fail("state-locked", self.state_error())
            return False
        return True

    def read_arguments(self) -> None:
        """Validates the spider arguments; raises BadArgument naming the argument."""

    def fail(self, reason: str, message: str) -> None:
        """Give up the whole run once what is under way ends: one ERROR line, `reason` as
        the finish reason, and a non-zero exit status."""
        fail_run(self.crawler, reason, message, stop=False, log=self.logger)

    def on_article_host(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_hosts)

    def check_host(self, url: str, argument: str) -> None:
        if not self.on_article_host(url):
            raise BadArgument(
                f"argument {argument!r}: {url} is not on Sina's domains"
                f" ({', '.join(self.allowed_hosts)}); extend the ARTICLE_HOSTS setting to allow it"
            )

    def article_request(
        self, url: str, label: str = "", listed_at: datetime | None = None, **kwargs: Any
    ) -> Request:
        """The request for an article page; `label` is its listing channel's label (the
        post's label when no configured section matches the article's URL)."""
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"label": label, "listed_at": listed_at},
            **kwargs,
        )

    def listed_requests(
        self, entries: Iterable[Listed], label: str, skip_stats: str
    ) -> tuple[list[Request], set[str]]:
        """Requests for the listed articles worth fetching (`label`: the listing's label),
        and the ids among `entries` that the state store already knows.

        One article is one doc id, whatever its URLs: an id already listed in this run is
        not requested again, nor a known one unless `refresh`. Entries off ARTICLE_HOSTS or
        not article pages are skipped, counted under `skip_stats`<reason>.
        """
        entries = list(entries)
        store = self.state_store
        known = store.known(e.doc_id for e in entries if e.doc_id) if store else set()
        stats = self.crawler.stats
        requests = []
        for entry in entries:
            key = entry.doc_id or strip_query(entry.url)
            if key in self.listed_keys:
                stats.inc_value("newscrawl/listed_duplicates")
                continue
            if entry.doc_id in known and not self.refresh:
                self.listed_keys.add(key)
                stats.inc_value("newscrawl/skipped_known")
                continue
            if not self.on_article_host(entry.url):
                self.skip_listed(entry, "off-site", skip_stats)
                continue
            if not entry.doc_id and not _OLD_ARTICLE_PATH.search(urlsplit(entry.url).path):
                self.skip_listed(entry, "not-article", skip_stats)
                continue
            self.listed_keys.add(key)
            url = strip_query(entry.url)
            requests.append(self.article_request(url, label=label, listed_at=entry.listed_at))
        return requests, known

    def skip_listed(self, entry: Listed, reason: str, skip_stats: str) -> None:
        self.crawler.stats.inc_value(skip_stats + reason)
        self.logger.info("Skipped listed entry %s (%s)", entry.url, reason)

    def skip_bad_items(self, listing: Listing, url: str, skip_stats: str) -> None:
        """One WARNING and a count under `skip_stats`<reason> for each item of the listing
        at `url` that cannot be used (without a link, a link that is no URL, ...)."""
        for bad in listing.skipped:
            self.crawler.stats.inc_value(skip_stats + bad.reason)
            self.logger.warning("Skipped an item of %s %s (%s)", url, bad.detail, bad.reason)

    def parse_article(
        self, response: Response, label: str = "", listed_at: datetime | None = None
    ) -> Iterator[Article]:
        self.crawler.stats.inc_value("newscrawl/article_pages")
        try:
            if self.max_page_size and len(response.body) > self.max_page_size:
                raise NotAnArticle("too-large", f"larger than {self.max_page_size} bytes")
            self.check_not_redirected_away(response)
            article = parse_article(response, listed_at=listed_at)
        except NotAnArticle as exc:
            requested = (response.meta.get("redirect_urls") or [response.url])[0]
            self.not_an_article(requested, exc.reason, exc.detail)
            return
        article.label = self.label_for(article.url, label)
        yield article

    def label_for(self, url: str, listing_label: str) -> str:
        """A post's label: the one the user gave (`-a label=`), else that of the article's
        own URL (its canonical URL's section), whatever listing reached it; the listing's
        label only when no configured section matches."""
        return self.label_override or self.channel_config.label_for(url, listing_label)

    def parse_failed(self, response: Response, error: Exception) -> Iterable[Request]:
        """After an unexpected exception while parsing `response` (see
        newscrawl.middlewares): one WARNING naming the URL and `parse-error`. An article page
        is dropped (`newscrawl/dropped/parse-error`); a listing page is counted
        (`newscrawl/listing_errors/parse-error`) and ends as `listing_parse_failed` says."""
        cause = error_cause(error)
        request = response.request
        if request is None or request.callback == self.parse_article:
            requested = (response.meta.get("redirect_urls") or [response.url])[0]
            self.not_an_article(requested, "parse-error", cause)
            return ()
        self.crawler.stats.inc_value("newscrawl/listing_errors")
        self.crawler.stats.inc_value("newscrawl/listing_errors/parse-error")
        self.logger.warning("Cannot parse the listing %s: %s (parse-error)", response.url, cause)
        return self.listing_parse_failed(response, cause)

    def listing_parse_failed(self, response: Response, cause: str) -> Iterable[Request]:
        """What follows a listing page that could not be parsed (after its WARNING)."""
        return ()

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
        elif failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
            self.not_an_article(request.url, "too-large", failure.getErrorMessage())
        elif failure.check(FileNotFoundError, IsADirectoryError, PermissionError):
            self.not_an_article(request.url, "unreadable", str(failure.value))
        else:
            detail = failure.getErrorMessage() or failure.type.__name__
            self.not_an_article(request.url, "download-error", detail)

    def not_an_article(self, url: str, reason: str, detail: str) -> None:
        count_drop(self.crawler.stats, reason)
        self.logger.warning("Not an article: %s: %s (%s)", url, detail, reason)
