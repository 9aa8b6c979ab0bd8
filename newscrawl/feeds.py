"""The sync feed: a JSON Lines record for each post a run wrote or changed, so that a sync
job copies only what changed.

Scrapy's feed exports see every item that reaches the end of the pipelines, unchanged posts
included; WritePostPipeline marks each item with `change` (`new`, `changed`, `unchanged`),
`path` and `content_hash`, and `ChangedPosts`, set as a feed's `item_filter`, lets through
only the new and changed ones:

    scrapy crawl finance -s 'FEEDS={"output/changes.jsonl": {"format": "jsonlines",
        "overwrite": true, "item_filter": "newscrawl.feeds.ChangedPosts",
        "fields": ["doc_id", "url", "title", "published", "path", "content_hash", "change"]}}'
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.extensions.feedexport import ItemFilter

SYNC_FIELDS = ["doc_id", "url", "title", "published", "path", "content_hash", "change"]


class ChangedPosts(ItemFilter):
    """Accepts the posts this run wrote for the first time or rewrote."""

    def accepts(self, item: Any) -> bool:
        if not super().accepts(item):  # honours the feed's `item_classes`, if any
            return False
        return ItemAdapter(item).get("change") in ("new", "changed")
