"""`scrapy crawl finance`: archive what Sina Finance's roll API lists, channel by channel.

    -a channels=NAME[,NAME...]  channels of the channel configuration (default: china)
    -a max_pages=N              walk at most N API pages per channel (default ROLL_MAX_PAGES)
    -a since=YYYY-MM-DD         backfill: walk back to this date (Beijing time), past pages
                                of known articles
    -a refresh=1                fetch known articles of the listing again; only files whose
                                content changed are rewritten

A channel's pages are walked, newest first, until a page holds only known articles, the
API has no more, `max_pages` pages were read, or `since` is passed. A walk that a killed
run left unfinished is resumed: the next run walks back past known pages to the oldest
article the unfinished walk had listed, so what it listed but never wrote is found again.
A channel whose API listing fails falls back to its `list_url`, if it has one. The run
fails (exit status 1) on bad arguments, a state held by another crawl, or when no channel
could be listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newscrawl.alarm import listing_unusable
from newscrawl.articles import (
    ArticlePageSpider,
    BadArgument,
    failure_cause,
    parse_flag,
)
from newscrawl.channels import Channel
from newscrawl.dates import BEIJING
from newscrawl.roll import Listed, Listing, ListingError, api_url, list_page_links, parse_roll
from newscrawl.store import StateFailed

LISTING_PRIORITY = -10  # articles before the next listing page: the queue stays short
SKIPPED = "newscrawl/listing_skipped/"


@dataclass
class Tally:
    """A channel's listing so far: its first page, its entries, those not usable."""

    url: str
    entries: int = 0
    unusable: Counter[str] = field(default_factory=Counter)


class FinanceSpider(ArticlePageSpider):
    name = "finance"

    def __init__(
        self,
        channels: str = "",
        max_pages: str = "",
        since: str = "",
        refresh: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.arguments = {
            "channels": channels, "max_pages": max_pages, "since": since, "refresh": refresh,
        }
        self.picked: list[Channel] = []
        self.pending: set[str] = set()  # channels whose listing has not ended yet
        self.listed: set[str] = set()  # channels listed at least in part
        self.resume: dict[str, datetime] = {}  # channel → where a dead run's walk reached
        self.reached: dict[str, datetime] = {}  # channel → how far back this run has listed
        self.tallies: dict[str, Tally] = {}  # channel → its listing so far

    async def start(self) -> AsyncIterator[Request]:
        if not self.ready_to_start():
            return
        settings = self.crawler.settings
        self.api_base = settings.get("ROLL_API_URL")
        self.page_size = settings.getint("ROLL_PAGE_SIZE", 50)
        self.max_pages = self.max_pages or settings.getint("ROLL_MAX_PAGES", 50)
        self.pending = {c.name for c in self.picked}
        for channel in self.picked:
            self.resume_unfinished_walk(channel)
            yield self.api_request(channel, 1)

    def read_arguments(self) -> None:
        args = self.arguments
        try:
            self.picked = self.channel_config.pick(args["channels"])
        except ValueError as exc:
            raise BadArgument(f"argument 'channels': {exc}") from None
        self.max_pages = parse_max_pages(args["max_pages"])
        self.since = parse_since(args["since"])
        self.refresh = parse_flag(args["refresh"], "refresh")

    # --- the roll API ------------------------------------------------------------------

    def api_request(self, channel: Channel, page: int) -> Request:
        return Request(
            api_url(self.api_base, channel, page, self.page_size),
            callback=self.parse_roll_page,
            errback=self.api_failed,
            cb_kwargs={"channel": channel, "page": page},
            priority=LISTING_PRIORITY,
            dont_filter=True,
            # The one ERROR of a failed listing is ours, naming the channel.
            meta={"give_up_log_level": "WARNING"},
        )

    def parse_roll_page(self, response: Response, channel: Channel, page: int) -> Iterator[Request]:
        try:
            roll = parse_roll(response.body)
        except ListingError as exc:
            yield from self.listing_failed(channel, page, response.url, str(exc))
            return
        self.crawler.stats.inc_value("newscrawl/listing_pages")
        self.listed.add(channel.name)
        bad = self.skip_bad_items(roll, response.url, SKIPPED)
        entries = roll.entries
        if page == 1 and not entries and not roll.skipped:
            self.logger.warning("Channel %s: the API lists nothing: %s", channel.name, response.url)
        in_range = [e for e in entries if self.in_range(e)]
        self.note_walk(channel, in_range)
        batch = self.listed_requests(in_range, channel.label, SKIPPED)
        self.tally(channel, response.url, len(in_range) + bad.total(), bad + batch.unusable)
        yield from batch.requests
        stop = self.stop_reason(channel, page, roll, in_range, batch.known)
        if stop:
            self.logger.info("Channel %s: listed %d page(s); %s", channel.name, page, stop)
            self.channel_done(channel)
        else:
            yield self.api_request(channel, page + 1)

    def in_range(self, entry: Listed) -> bool:
        """Listed on or after `since` (or undated, or no `since` given)."""
        return not (self.since and entry.listed_at) or entry.listed_at >= self.since

    # --- unfinished walks ----------------------------------------------------------------
    # Before a page's articles are requested, the store notes how far back the walk has
    # listed; a run that ends normally (reason `finished`) has handled all it listed and
    # removes the note. A note found at start means a run died, or a worker of a
    # distributed run did (reason `worker_lost`): the walk goes on past pages of known
    # articles down to the note.

    def walk_mark(self, channel: Channel) -> str:
        return f"unfinished-walk:{self.name}:{channel.name}"

    def resume_unfinished_walk(self, channel: Channel) -> None:
        noted = self.state_store.mark(self.walk_mark(channel)) if self.state_store else None
        if noted:
            self.resume[channel.name] = datetime.fromisoformat(noted)
            self.logger.info(
                "Channel %s: a previous run stopped before it was done; walking back to %s",
                channel.name, noted,
            )

    def note_walk(self, channel: Channel, entries: list[Listed]) -> None:
        times = [e.listed_at for e in entries if e.listed_at]
        if not times or self.state_store is None:
            return
        earlier = [t for t in (self.reached.get(channel.name), self.resume.get(channel.name)) if t]
        self.reached[channel.name] = reached = min([*times, *earlier])
        # In UTC, so that string order is time order: the workers of a distributed run
        # share the note, and it only ever moves back.
        note = reached.astimezone(UTC).isoformat(timespec="seconds")
        self.state_store.lower_mark(self.walk_mark(channel), note)

    def closed(self, reason: str) -> None:
        if reason == "finished" and self.state_store is not None:
            try:
                for channel in self.picked:
                    self.state_store.clear_mark(self.walk_mark(channel))
            except StateFailed:
                pass  # logged; the notes stay, and the next run walks back a little further

    def stop_reason(
        self,
        channel: Channel,
        page: int,
        roll: Listing,
        in_range: list[Listed],
        known: set[str],
    ) -> str:
        """Why the walk of a channel ends after `page`, or '' to read the next page."""
        entries, total = roll.entries, roll.total
        if not entries and not roll.skipped:
            return "the API has no more"
        if total and page * self.page_size >= total:
            return f"the API holds {total} in all"
        if len(in_range) < len(entries):
            return f"reached {self.since:%Y-%m-%d}"
        if page >= self.max_pages:
            return f"max_pages {self.max_pages} reached"
        ids = [e.doc_id for e in entries if e.doc_id]
        if not self.since and ids and all(i in known for i in ids):
            if self.below_unfinished_walk(channel, entries):
                return "a page of known articles only"
        return ""

    def below_unfinished_walk(self, channel: Channel, entries: list[Listed]) -> bool:
        """Whether `entries` reach back as far as the walk a dead run left unfinished (and
        so as far as what it may have listed without writing); True when there is none."""
        resume = self.resume.get(channel.name)
        times = [e.listed_at for e in entries if e.listed_at]
        return resume is None or not times or min(times) <= resume

    def api_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        channel, page = request.cb_kwargs["channel"], request.cb_kwargs["page"]
        yield from self.listing_failed(channel, page, request.url, failure_cause(failure))

    def listing_failed(
        self, channel: Channel, page: int, url: str, cause: str
    ) -> Iterator[Request]:
        self.listing_error(channel, url, cause)
        yield from self.after_listing_failure(channel, page)

    def listing_parse_failed(self, response: Response, cause: str) -> Iterator[Request]:
        """A listing page that raised while parsed (logged as parse-error) ends its
        channel's walk as a failed listing does."""
        channel = response.request.cb_kwargs["channel"]
        if response.request.callback == self.parse_roll_page:
            yield from self.after_listing_failure(channel, response.request.cb_kwargs["page"])
        else:
            self.channel_done(channel)

    def after_listing_failure(self, channel: Channel, page: int) -> Iterator[Request]:
        """A channel whose API listing failed on its first page falls back to its list
        page, if it has one; else its walk ends."""
        if page == 1 and channel.list_url:
            self.logger.info("Channel %s: falling back to %s", channel.name, channel.list_url)
            yield Request(
                channel.list_url,
                callback=self.parse_list_page,
                errback=self.list_page_failed,
                cb_kwargs={"channel": channel},
                priority=LISTING_PRIORITY,
                dont_filter=True,
                meta={"give_up_log_level": "WARNING"},
            )
        else:
            self.channel_done(channel)

    # --- the fallback list page ----------------------------------------------------------

    def parse_list_page(self, response: Response, channel: Channel) -> Iterator[Request]:
        try:
            links = list_page_links(response)
        except ListingError as exc:
            self.list_page_error(channel, response.url, str(exc))
            return
        if not links.entries and not links.skipped:
            self.list_page_error(channel, response.url, "no article links on the page")
            return
        self.crawler.stats.inc_value("newscrawl/listing_pages")
        self.listed.add(channel.name)
        bad = self.skip_bad_items(links, response.url, SKIPPED)
        batch = self.listed_requests(links.entries, channel.label, SKIPPED)
        self.tally(channel, response.url, len(links.entries) + bad.total(), bad + batch.unusable)
        self.logger.info("Channel %s: listed %d article link(s) on %s",
                         channel.name, len(links.entries), response.url)
        yield from batch.requests
        self.channel_done(channel)

    def list_page_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.list_page_error(request.cb_kwargs["channel"], request.url, failure_cause(failure))

    def list_page_error(self, channel: Channel, url: str, cause: str) -> None:
        self.listing_error(channel, url, cause)
        self.channel_done(channel)

    def listing_error(self, channel: Channel, url: str, cause: str) -> None:
        """The one ERROR line of a failed listing: channel, URL and cause."""
        self.crawler.stats.inc_value("newscrawl/listing_errors")
        self.logger.error(
            "Channel %s (%s): cannot list %s: %s", channel.name, channel.title, url, cause
        )

    def tally(self, channel: Channel, url: str, entries: int, unusable: Counter[str]) -> None:
        tally = self.tallies.setdefault(channel.name, Tally(url))
        tally.entries += entries
        tally.unusable += unusable

    def channel_done(self, channel: Channel) -> None:
        """The end of a channel's listing; the run fails once all ended and none listed.
        A listing whose entries were all unusable tells the layout alarm."""
        self.pending.discard(channel.name)
        tally = self.tallies.get(channel.name)
        if tally and tally.entries and tally.unusable.total() == tally.entries:
            self.crawler.signals.send_catch_log(
                listing_unusable, name=f"channel {channel.name}", url=tally.url,
                reasons=tally.unusable,
            )
        if not self.pending and not self.listed:
            names = ", ".join(c.name for c in self.picked)
            self.fail("no-listing", f"No channel could be listed ({names}); see the errors above")


def parse_max_pages(text: str) -> int:
    """`-a max_pages=N`: a whole number >= 1; 0 when not given."""
    if not text.strip():
        return 0
    try:
        pages = int(text)
    except ValueError:
        pages = 0
    if pages < 1:
        raise BadArgument(f"argument 'max_pages': expected a whole number >= 1, got {text!r}")
    return pages


def parse_since(text: str) -> datetime | None:
    """`-a since=YYYY-MM-DD`: the start of that day in Beijing time, Sina's time zone."""
    if not text.strip():
        return None
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise BadArgument(
            f"argument 'since': expected a date YYYY-MM-DD, got {text!r}"
        ) from None
    return day.replace(tzinfo=BEIJING)
