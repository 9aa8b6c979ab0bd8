"""Figure 6's contenders: from the floor to our crawl, one step of ours at a time.

`scrapy crawl bench-step -a urls=FILE -a upto=STEP` fetches the same URLs as the bare
spider and does, for each article page, the work of every step up to STEP, calling the
project's own functions and pipelines in the spider's callback. The two last rungs are
the project's own spiders: `article` (the same work, through Scrapy's item pipelines,
with the project's extensions, middlewares and log lines) and `finance` (ours: the
listing through the roll API on top). The difference between two neighbouring rungs is
what that step costs per article in a crawl.

Run with `-s STATE_ENABLED=False` below `record` (the benchmark does), so that the write
pipeline has no state to record in. Below `fsync`, `os.fsync` does nothing in the
spider's process (an instrument: only the write pipeline calls it there).
"""

from __future__ import annotations

import os
from typing import Any

from bench.spiders import FloorSpider, article_id, write_replacing

# step: what it adds to the one before (the first adds to the floor)
STEPS = {
    "parse": "our reading of the page instead of the floor's parse: encoding check, "
    "parse, look-ups, the body serialised as it is",
    "clean": "cleaning the body",
    "validate": "header image, label, validation (front matter rendered, read back)",
    "write": "rendering the post and writing it instead of the small file (no fsync)",
    "fsync": "the fsync of each post, side by side with the others of its group",
    "record": "recording the posts in the SQLite state (one commit per group)",
}
_PLAIN_WITH_STATE = {"ITEM_PIPELINES": {}, "EXTENSIONS": {"newscrawl.store.StateStore": 100}}


class StepSpider(FloorSpider):
    name = "bench-step"
    custom_settings = _PLAIN_WITH_STATE

    def __init__(self, urls: str = "", upto: str = "parse", **kwargs: Any) -> None:
        super().__init__(urls, **kwargs)
        if upto not in STEPS:
            raise ValueError(f"upto: one of {', '.join(STEPS)}, not {upto!r}")
        self.upto = list(STEPS).index(upto)

    def reaches(self, step: str) -> bool:
        return self.upto >= list(STEPS).index(step)

    async def start(self):
        from newscrawl.channels import ChannelConfig
        from newscrawl.pipelines import HeaderImagePipeline, ValidatePipeline, WritePostPipeline
        from newscrawl.store import crawl_store

        if self.reaches("record") != (crawl_store(self.crawler) is not None):
            raise RuntimeError("bench-step: STATE_ENABLED must be False below `record` only")
        if not self.reaches("clean"):
            import newscrawl.sina
            from newscrawl.clean import inner_html

            newscrawl.sina.clean_element = lambda root, base_url="": inner_html(root)
        if not self.reaches("fsync"):
            os.fsync = lambda fd: None
        self.channels = ChannelConfig.load(self.crawler.settings.get("CHANNELS_FILE"))
        self.checks = [HeaderImagePipeline.from_crawler(self.crawler)]
        self.checks.append(ValidatePipeline.from_crawler(self.crawler))
        self.writer = WritePostPipeline.from_crawler(self.crawler)
        self.writer.open_spider()
        async for request in super().start():
            yield request

    async def parse(self, response: Any) -> None:
        self.crawler.stats.inc_value("bench/responses")
        doc_id = article_id(response.url)
        if doc_id:
            await self.keep(response, doc_id)

    async def keep(self, response: Any, doc_id: str) -> None:  # type: ignore[override]
        from newscrawl.sina import parse_article

        article = parse_article(response)
        self.crawler.stats.inc_value("bench/kept")
        if not self.reaches("validate"):
            write_replacing(self.output_dir / f"{doc_id}.txt", article.title.encode("utf-8"))
            return
        article.label = self.channels.label_for(article.url)
        for check in self.checks:
            check.process_item(article)
        if self.reaches("write"):
            await self.writer.process_item(article)
        else:
            write_replacing(self.output_dir / f"{doc_id}.txt", article.title.encode("utf-8"))
