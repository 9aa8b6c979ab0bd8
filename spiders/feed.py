"""`scrapy crawl feed`: archive the Sina articles an RSS 2.0 or Atom feed links to.

    -a url=URL        the feed (http(s), file:// or a path)
    -a label=LABEL    the channel label of every post, instead of the one configured for
                      its URL
    -a refresh=1      fetch known articles again; only files whose content changed are
                      rewritten

Entries linking elsewhere than to a Sina article page are skipped, logged with their link
and counted (`newscrawl/feed_skipped/<reason>`). The run fails (exit status 1) on bad
arguments, a state held by another crawl, or a feed that cannot be read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree
from parsel import Selector
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newscrawl.articles import ArticlePageSpider, BadArgument, failure_cause, parse_flag
from newscrawl.dates import feed_time
from newscrawl.roll import Listed, Listing, ListingError, listed, listing

SKIPPED = "newscrawl/feed_skipped/"


class FeedSpider(ArticlePageSpider):
    name = "feed"

    def __init__(self, url: str = "", label: str = "", refresh: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url_argument = url.strip()
        self.label_override = label
        self.refresh_argument = refresh

    async def start(self) -> AsyncIterator[Request]:
        if not self.ready_to_start():
            return
        yield Request(
            self.feed_url,
            callback=self.parse_feed,
            errback=self.feed_failed,
            dont_filter=True,
            meta={"give_up_log_level": "WARNING"},
        )

    def read_arguments(self) -> None:
        self.feed_url = self.read_feed_url()
        self.refresh = parse_flag(self.refresh_argument, "refresh")

    def read_feed_url(self) -> str:
        url = self.url_argument
        if not url:
            raise BadArgument("argument 'url' is required: -a url=FEED_URL (RSS 2.0 or Atom)")
        if url.startswith(("http://", "https://", "file://")):
            return url
        return Path(url).expanduser().resolve().as_uri()

    def parse_feed(self, response: Response) -> Iterator[Request]:
        try:
            feed = feed_entries(response.body)
        except ListingError as exc:
            self.fail("no-listing", f"Cannot read the feed {response.url}: {exc}")
            return
        self.crawler.stats.inc_value("newscrawl/listing_pages")
        self.logger.info(
            "Feed %s: %d entries", response.url, len(feed.entries) + len(feed.skipped)
        )
        self.skip_bad_items(feed, response.url, SKIPPED)
        yield from self.listed_requests(feed.entries, "", SKIPPED).requests

    def listing_parse_failed(self, response: Response, cause: str) -> Iterable[Request]:
        """The feed is the run's one listing: one that cannot be parsed fails the run."""
        self.fail("no-listing", f"Cannot read the feed {response.url}: {cause} (parse-error)")
        return ()

    def feed_failed(self, failure: Failure) -> None:
        url = failure.request.url  # type: ignore[attr-defined]
        self.fail("no-listing", f"Cannot read the feed {url}: {failure_cause(failure)}")


def feed_entries(body: bytes) -> Listing:
    """The entries of an RSS 2.0 (or RSS 1.0/RDF) or Atom feed, in feed order. The XML
    declaration's encoding is honoured (Sina's old feeds were GB2312)."""
    try:
        sel = Selector(body=body, type="xml")
    except (ValueError, etree.XMLSyntaxError) as exc:
        raise ListingError(f"not XML: {exc}") from None
    sel.remove_namespaces()
    root = sel.xpath("/*")
    name = root[0].xpath("name()").get() if root else ""
    if name in ("rss", "RDF"):
        return listing(sel.xpath("//item"), rss_entry)
    if name == "feed":
        return listing(sel.xpath("//entry"), atom_entry)
    raise ListingError(f"not an RSS or Atom feed (root element {name or 'missing'!r})")


def rss_entry(item: Selector) -> Listed:
    link = item.xpath("normalize-space(link)").get() or ""
    if not link:  # a permalink guid is the item's link too
        link = item.xpath("normalize-space(guid[not(@isPermaLink='false')])").get() or ""
    when = item.xpath("normalize-space(pubDate)").get() or item.xpath("normalize-space(date)").get()
    return listed(link, item.xpath("normalize-space(title)").get() or "", feed_time(when or ""))


def atom_entry(entry: Selector) -> Listed:
    link = (
        entry.xpath("link[@rel='alternate']/@href").get()
        or entry.xpath("link[not(@rel)]/@href").get()
        or ""
    )
    when = entry.xpath("normalize-space(published)").get() or entry.xpath(
        "normalize-space(updated)"
    ).get()
    return listed(link, entry.xpath("normalize-space(title)").get() or "", feed_time(when or ""))
