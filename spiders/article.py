"""`scrapy crawl article`: archive given article pages, live or saved.

    -a url=URL[,URL...]   article URLs, file:// URLs or paths of saved pages
    -a urls=FILE          one URL or path per line; blank lines and # comments ignored
    -a label=LABEL        the channel label of every post, instead of the one configured
                          for its URL

Every page given becomes a post or is named in the ERROR that ends the run: the run then
finishes with `pages-dropped` and exits 1 (`layout-changed` when the layout alarm says why,
newscrawl.alarm). A saved page that does not exist fails at once, the others go on.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.http import Request

from newscrawl.alarm import LayoutAlarm
from newscrawl.articles import ArticlePageSpider, BadArgument
from newscrawl.stats import GIVEN, failed_reason, page_dropped

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
LISTED_DROPS = 20  # pages named in the final ERROR; the WARNINGs name every one


class ArticleSpider(ArticlePageSpider):
    name = "article"

    def __init__(
        self, url: str = "", urls: str = "", label: str = "", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.url_argument = url
        self.urls_argument = urls
        self.label_override = label
        self.given: dict[str, str] = {}  # request URL → the page as the argument gave it
        self.unposted: list[tuple[str, str]] = []  # (URL, reason) of pages that became no post

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ArticleSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.page_dropped, signal=page_dropped)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        ready = self.ready_to_start()
        self.crawler.stats.set_value(GIVEN, len(self.targets) if ready else 0)
        if not ready:
            return
        for target in self.targets:
            yield self.article_request(target, dont_filter=True)

    def read_arguments(self) -> None:
        self.targets = self.read_targets()

    def read_targets(self) -> list[str]:
        """Every URL to fetch, validated; raises BadArgument naming the argument."""
        given = [(t, "url") for t in self.url_argument.split(",")]
        if self.urls_argument:
            given += [(t, "urls") for t in read_list(self.urls_argument)]
        targets = []
        for text, argument in given:
            text = text.strip()
            if not text:
                continue
            scheme = _SCHEME.match(text)
            if not scheme:
                target = Path(text).expanduser().resolve().as_uri()
            elif scheme.group(1).lower() in ("http", "https"):
                self.check_host(text, argument)
                target = text
            elif scheme.group(1).lower() == "file":
                target = text
            else:
                raise BadArgument(
                    f"argument {argument!r}: {text} is neither an http(s) URL nor a file"
                    f" (unknown scheme {scheme.group(1)!r})"
                )
            self.given.setdefault(target, text)
            targets.append(target)
        if not targets:
            raise BadArgument(
                "argument 'url' or 'urls' is required: -a url=URL[,URL...] or -a urls=FILE"
            )
        return targets

    def page_dropped(self, url: str, reason: str) -> None:
        self.unposted.append((url, reason))

    def spider_idle(self) -> None:
        """Once every page has ended: the run fails naming those that became no post."""
        if not self.unposted or failed_reason(self.crawler.stats):
            return
        alarm = self.crawler.get_extension(LayoutAlarm)
        if alarm is not None and alarm.check():  # a changed layout says more
            return
        named = [f"{self.given.get(url, url)} ({reason})" for url, reason in self.unposted]
        more = len(named) - LISTED_DROPS
        self.fail(
            "pages-dropped",
            f"{len(named)} of {len(self.targets)} pages given did not become a post: "
            + ", ".join(named[:LISTED_DROPS])
            + (f" and {more} more" if more > 0 else "")
            + "; the WARNINGs above say why for each",
        )


def read_list(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadArgument(f"argument 'urls': cannot read {path}: {exc}") from exc
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
