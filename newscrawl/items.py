"""The one item the project produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    """`2021-10-20T12:36:14Z`: how feed exports (`-o`, FEEDS) write `published`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Article:
    """One Sina article, as parsed from its page.

    `body` holds the cleaned body of the post (newscrawl.clean). `headimg` is chosen by a
    pipeline. `path`,
    `content_hash` (SHA-256 of the post file) and `change` (`new`, `changed`, `unchanged`)
    are set by the write pipeline, for feeds (see newscrawl.feeds).
    """

    doc_id: str
    url: str
    title: str
    published: datetime = field(metadata={"serializer": iso_utc})  # timezone-aware, UTC
    label: str
    body: str
    source: str = ""
    editor: str = ""
    og_image: str = ""
    headimg: str = ""
    path: str = ""
    content_hash: str = ""
    change: str = ""
