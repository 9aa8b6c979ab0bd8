"""The one item the project produces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Article:
    """One Sina article, as parsed from its page and then cleaned by the pipelines.

    `body` holds the inner HTML of the page's body container; the cleaning pipeline
    replaces it with the cleaned body. `headimg` is chosen by a pipeline too.
    """

    doc_id: str
    url: str
    title: str
    published: datetime  # timezone-aware, UTC
    label: str
    body: str
    source: str = ""
    editor: str = ""
    og_image: str = ""
    headimg: str = ""
