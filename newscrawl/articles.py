"""What every spider of the project shares: requesting article pages, turning responses
into items, and accounting for the pages that are not articles."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from uuid import uuid4

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.channels import ChannelConfig, ChannelsError
from newscrawl.items import Article
from newscrawl.middlewares import error_cause
from newscrawl.redirects import REDIRECT_STATUSES, location, refresh_target, same_article
from newscrawl.roll import Listed, Listing
from newscrawl.sina import NotAnArticle, parse_article, strip_query
from newscrawl.stats import (
    DUPLICATES,
    FETCHED,
    INHERITED,
    KNOWN,
    LISTED,
    LISTED_BY,
    fail_run,
    record_drop,
)
from newscrawl.store import GuardedStore, crawl_store

# Pre-2016 article URLs carry no doc id: `/stock/jsy/20150824/150323048535.shtml`.
_OLD_ARTICLE_PATH = re.compile(r"/(?:\d{8}|\d{4}-\d\d-\d\d)/\d{6,}\.s?html$")

# Saved pages are read at full speed: their own download slot, without the delay that
# AutoThrottle (or DOWNLOAD_DELAY) gives every other slot (settings.DOWNLOAD_SLOTS), and
# not retried (a missing file stays missing).
LOCAL_FILES_SLOT = "local-files"
LOCAL_FILE_META = {"download_slot": LOCAL_FILES_SLOT, "dont_retry": True}


class ListedBatch(NamedTuple):
    """What `listed_requests` made of a listing page's entries."""

    requests: list[Request]  # the articles to fetch
    known: set[str]  # ids among the entries that the state store knows
    unusable: Counter[str]  # entries that are not Sina article pages, by reason


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
    listings, `listed_requests`.

    Every article request ends once, whatever the downloader does with it: as a post
    (written, changed or unchanged, counted by the write pipeline) or as a page dropped
    with a reason (a WARNING naming the URL, `newscrawl/dropped/<reason>`). Each end counts
    as `fetched` (newscrawl.stats has the sums this makes)."""

    refresh = False  # request known articles again (listing spiders: -a refresh=1)
    label_override = ""  # the label of every post, whatever its URL (-a label=)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ArticlePageSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # A configuration that cannot be loaded fails the run at start (ready_to_start):
        # raised here, Scrapy would end in a traceback.
        try:
            spider.channel_config = ChannelConfig.load(settings.get("CHANNELS_FILE"))
            spider.channels_error = ""
        except ChannelsError as exc:
            spider.channels_error = str(exc)
        spider.allowed_hosts = tuple(settings.getlist("ARTICLE_HOSTS"))
        spider.max_page_size = settings.getint("DOWNLOAD_MAXSIZE")
        spider.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        spider.refresh_ignore_tags = settings.getlist("METAREFRESH_IGNORE_TAGS")
        spider.refresh_max_delay = settings.getfloat("METAREFRESH_MAXDELAY")
        spider.listed_keys = set()  # doc ids (or URLs) listed so far in this run
        # Marks this run's article requests: a JOBDIR run resumes requests an earlier run
        # listed, a worker of a distributed run those of other workers ("inherited").
        spider.run_token = uuid4().hex
        return spider

    @property
    def state_store(self) -> GuardedStore | None:
        """The crawl's state store (`spider.state` is Scrapy's JOBDIR dict)."""
        return crawl_store(self.crawler)

    def ready_to_start(self) -> bool:
        """Checks the channel configuration and reads the spider arguments; after an ERROR
        saying why the run cannot go on, False. (The state and the output folder are
        checked as the spider opens: newscrawl.store, newscrawl.pipelines.)"""
        if self.channels_error:
            self.fail("bad-channels", self.channels_error)
            return False
        try:
            self.read_arguments()
        except BadArgument as exc:
            self.fail("bad-argument", str(exc))
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

    # --- requests ----------------------------------------------------------------------

    def article_request(
        self,
        url: str,
        label: str = "",
        listed_at: datetime | None = None,
        meta: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Request:
        """The request of an article page; `label` is its listing channel's label (the
        post's label when no configured section matches the article's URL).

        Its redirects come back to `parse_article` rather than being followed by Scrapy's
        RedirectMiddleware: a redirect away from the article (Sina's answer for a removed
        one) is dropped at once, naming both URLs, without fetching the home page it
        leads to, and a redirect to another URL of the same article is followed with a
        request that Scrapy's duplicate filter cannot swallow."""
        meta = {
            LISTED_BY: self.run_token,
            "dont_redirect": True,  # meta refreshes too
            "handle_httpstatus_list": REDIRECT_STATUSES,
            # Scrapy's "Gave up retrying" as context: the WARNING of the drop is ours.
            "give_up_log_level": "INFO",
            **(LOCAL_FILE_META if url.startswith("file://") else {}),
            **(meta or {}),
        }
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"label": label, "listed_at": listed_at},
            meta=meta,
            **kwargs,
        )

    def listed_requests(
        self, entries: Iterable[Listed], label: str, skip_stats: str
    ) -> ListedBatch:
        """Requests for the listed articles worth fetching (`label`: the listing's label),
        with what became of the others.

        One article is one doc id, whatever its URLs: an id already listed in this run is
        not requested again (a duplicate), nor a known one unless `refresh`. Entries off
        ARTICLE_HOSTS or not article pages are unusable, counted under `skip_stats`<reason>
        (items without a link never get here: see `skip_bad_items`).
        """
        entries = list(entries)
        store = self.state_store
        known = store.known(e.doc_id for e in entries if e.doc_id) if store else set()
        stats = self.crawler.stats
        stats.inc_value(LISTED, len(entries))
        requests, unusable = [], Counter()
        for entry in entries:
            key = entry.doc_id or strip_query(entry.url)
            if key in self.listed_keys:
                stats.inc_value(DUPLICATES)
                self.logger.debug("Duplicate in this run: %s (%s)", key, entry.url)
                continue
            if entry.doc_id in known and not self.refresh:
                self.listed_keys.add(key)
                stats.inc_value(KNOWN)
                self.logger.debug("Skipped known %s (%s)", entry.doc_id, entry.url)
                continue
            if not self.on_article_host(entry.url):
                unusable[self.skip_listed(entry, "off-site", skip_stats)] += 1
                continue
            if not entry.doc_id and not _OLD_ARTICLE_PATH.search(urlsplit(entry.url).path):
                unusable[self.skip_listed(entry, "not-article", skip_stats)] += 1
                continue
            self.listed_keys.add(key)
            url = strip_query(entry.url)
            requests.append(self.article_request(url, label=label, listed_at=entry.listed_at))
        return ListedBatch(requests, known, unusable)

    def skip_listed(self, entry: Listed, reason: str, skip_stats: str) -> str:
        self.crawler.stats.inc_value(skip_stats + reason)
        self.logger.info("Skipped listed entry %s (%s)", entry.url, reason)
        return reason

    def skip_bad_items(self, listing: Listing, url: str, skip_stats: str) -> Counter[str]:
        """One WARNING and a count under `skip_stats`<reason> for each item of the listing
        at `url` that cannot be used (without a link, a link that is no URL, ...); they
        are listed and unusable entries in the Summary. Returns them by reason."""
        reasons: Counter[str] = Counter()
        for bad in listing.skipped:
            self.crawler.stats.inc_value(LISTED)
            self.crawler.stats.inc_value(skip_stats + bad.reason)
            self.logger.warning("Skipped an item of %s %s (%s)", url, bad.detail, bad.reason)
            reasons[bad.reason] += 1
        return reasons

    # --- responses -----------------------------------------------------------------------

    def parse_article(
        self, response: Response, label: str = "", listed_at: datetime | None = None
    ) -> Iterator[Article | Request]:
        if response.status in REDIRECT_STATUSES:
            yield from self.redirected(response, location(response), f"HTTP {response.status}")
            return
        self.crawler.stats.inc_value("newscrawl/article_pages")
        try:
            if self.max_page_size and len(response.body) > self.max_page_size:
                raise NotAnArticle("too-large", f"larger than {self.max_page_size} bytes")
            article = parse_article(response, listed_at=listed_at)
        except NotAnArticle as exc:
            # A page that is no article but sends the browser on is a redirect.
            target = refresh_target(response, self.refresh_ignore_tags, self.refresh_max_delay)
            if target:
                yield from self.redirected(response, target, "meta refresh")
            else:
                self.not_an_article(response.request, exc.reason, exc.detail)
            return
        self.count_fetched(response.request)
        article.label = self.label_for(article.url, label)
        yield article

    def label_for(self, url: str, listing_label: str) -> str:
        """A post's label: the one the user gave (`-a label=`), else that of the article's
        own URL (its canonical URL's section), whatever listing reached it; the listing's
        label only when no configured section matches."""
        return self.label_override or self.channel_config.label_for(url, listing_label)

    def redirected(self, response: Response, target: str, how: str) -> Iterator[Request]:
        """An article page redirects to `target`: followed when it is another URL of the
        same article on ARTICLE_HOSTS, else the article is dropped, naming both URLs."""
        request = response.request
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if not target:
            status = response.status
            self.not_an_article(request, f"http-{status}", f"HTTP status {status}, no Location")
        elif not (self.on_article_host(target) and same_article(chain[0], target)):
            self.not_an_article(request, "redirected", f"redirected to {target} ({how})")
        elif target in chain or len(chain) > self.max_redirects:
            loop = " → ".join([*chain, target])
            why = "in a loop" if target in chain else f"more than {self.max_redirects} times"
            self.not_an_article(request, "redirect-loop", f"redirected {why}: {loop}")
        else:
            yield self.article_request(
                target,
                **request.cb_kwargs,
                meta={
                    LISTED_BY: request.meta.get(LISTED_BY),
                    "redirect_urls": chain,
                    "redirect_reasons": [*request.meta.get("redirect_reasons", []), how],
                },
                priority=request.priority,
                dont_filter=True,  # the article's own request passed the filter already
            )

    def parse_failed(self, response: Response, error: Exception) -> Iterable[Request]:
        """After an unexpected exception while parsing `response` (see
        newscrawl.middlewares): one WARNING naming the URL and `parse-error`. An article page
        is dropped (`newscrawl/dropped/parse-error`); a listing page is counted
        (`newscrawl/listing_errors/parse-error`) and ends as `listing_parse_failed` says."""
        cause = error_cause(error)
        request = response.request
        if request is None or request.callback == self.parse_article:
            self.not_an_article(request or Request(response.url), "parse-error", cause)
            return ()
        self.crawler.stats.inc_value("newscrawl/listing_errors")
        self.crawler.stats.inc_value("newscrawl/listing_errors/parse-error")
        self.logger.warning("Cannot parse the listing %s: %s (parse-error)", response.url, cause)
        return self.listing_parse_failed(response, cause)

    def listing_parse_failed(self, response: Response, cause: str) -> Iterable[Request]:
        """What follows a listing page that could not be parsed (after its WARNING)."""
        return ()

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        retries = request.meta.get("retry_times", 0)
        after = f" after {retries} retries" if retries else ""
        if failure.check(HttpError):
            status = failure.value.response.status
            self.not_an_article(request, f"http-{status}", f"HTTP status {status}{after}")
        elif failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
            self.not_an_article(request, "too-large", failure.getErrorMessage())
        elif failure.check(FileNotFoundError):
            self.not_an_article(request, "no-such-file", "no such file")
        elif failure.check(IsADirectoryError, PermissionError):
            self.not_an_article(request, "unreadable", str(failure.value))
        elif failure.check(IgnoreRequest):  # robots.txt, with ROBOTSTXT_OBEY
            self.not_an_article(request, "ignored", failure.getErrorMessage())
        else:
            detail = failure.getErrorMessage() or failure.type.__name__
            self.not_an_article(request, "download-error", detail + after)

    def count_fetched(self, request: Request) -> None:
        """An article request came back for good (as a page, a failure, or a redirect
        that is not followed): `fetched` when this run listed it, else `inherited`."""
        mine = request.meta.get(LISTED_BY) == self.run_token
        self.crawler.stats.inc_value(FETCHED if mine else INHERITED)

    def not_an_article(self, request: Request, reason: str, detail: str) -> None:
        """The article requested by `request` (or by the first of its redirects) ends as a
        page dropped with `reason`."""
        self.count_fetched(request)
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        record_drop(self.crawler, url, reason)
        self.logger.warning("Not an article: %s: %s (%s)", url, detail, reason)
