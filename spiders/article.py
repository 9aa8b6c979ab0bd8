"""`scrapy crawl article`: archive given article pages, live or saved.

    -a url=URL[,URL...]   article URLs, file:// URLs or paths of saved pages
    -a urls=FILE          one URL or path per line; blank lines and # comments ignored
    -a label=LABEL        the channel label of every post, instead of the one configured
                          for its URL
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy.http import Request

from newscrawl.articles import ArticlePageSpider, BadArgument


class ArticleSpider(ArticlePageSpider):
    name = "article"

    def __init__(
        self, url: str = "", urls: str = "", label: str = "", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.url_argument = url
        self.urls_argument = urls
        self.label_override = label

    async def start(self) -> AsyncIterator[Request]:
        if not self.ready_to_start():
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
        for target, argument in given:
            target = target.strip()
            if not target:
                continue
            if target.startswith(("http://", "https://")):
                self.check_host(target, argument)
            elif not target.startswith("file://"):
                target = Path(target).expanduser().resolve().as_uri()
            targets.append(target)
        if not targets:
            raise BadArgument(
                "argument 'url' or 'urls' is required: -a url=URL[,URL...] or -a urls=FILE"
            )
        return targets


def read_list(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadArgument(f"argument 'urls': cannot read {path}: {exc}") from exc
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
