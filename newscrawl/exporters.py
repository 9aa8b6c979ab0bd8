"""The post format of FORMAT.md, byte for byte, as a Scrapy item exporter."""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import format_datetime
from functools import lru_cache
from typing import IO, Any

import yaml
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter

SITE_AUTHOR = "新浪财经"
CATEGORY_ROOT = ("金融", "新浪财经")

# Line breaks for YAML 1.1 (PyYAML) or 1.2 (js-yaml, Hexo's reader)
_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Characters no YAML loader accepts in a document (outside YAML's printable set).
_NOT_YAML_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def render_post(item: Any, author: str = SITE_AUTHOR) -> str:
    """The whole post file for an article item (see FORMAT.md)."""
    return (
        "\n---\n"
        f"{render_front_matter(item, author)}"
        "---\n"
        "\n"
        "<div>   \n"
        f"{ItemAdapter(item)['body']}\n"
        "  \n"
        "</div>\n"
        "            "
    )


def render_front_matter(item: Any, author: str = SITE_AUTHOR) -> str:
    """The YAML between the post's `---` lines (what a validation needs to read back)."""
    post = ItemAdapter(item)
    image = single_quoted(post["headimg"])
    categories = "".join(f" - {plain_or_quoted(c)}\n" for c in (*CATEGORY_ROOT, post["label"]))
    return (
        f"title: {single_quoted(post['title'])}\n"
        f"categories: \n{categories}"
        f"headimg: {image}\n"
        f"author: {plain_or_quoted(author)}\n"
        "comments: false\n"
        f"date: {rfc1123(post['published'])}\n"
        f"thumbnail: {image}\n"
    )


# libyaml reads a front matter about eight times faster than PyYAML's pure-Python loader (same
# YAML 1.1 resolver and safe constructor). Should it ever refuse a document, the
# pure-Python loader, used alone before, has the last word.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def front_matter(post_text: str) -> dict[str, Any]:
    """The front matter of a rendered post, read back with a YAML loader."""
    return read_yaml(post_text.split("\n---\n", 2)[1])


def read_yaml(text: str) -> Any:
    """`text` read with a safe YAML loader (libyaml's when there is one)."""
    if _FAST_LOADER is not None:
        try:
            return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 (a safe loader)
        except (yaml.YAMLError, UnicodeError):
            pass
    return yaml.safe_load(text)


def single_quoted(text: str) -> str:
    """A YAML single-quoted scalar: `'` doubled, nothing else escaped or replaced."""
    return "'" + yaml_printable(text).replace("'", "''") + "'"


@lru_cache(maxsize=1024)  # categories and authors: a handful of strings, in every post
def plain_or_quoted(text: str) -> str:
    """`text` written plain when YAML reads it back unchanged, else single-quoted."""
    text = yaml_printable(text)
    try:
        plain_ok = yaml.safe_load(f"- {text}") == [text]
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok and "\n" not in text else single_quoted(text)


def yaml_printable(text: str) -> str:
    """`text` without line breaks (a space for each: YAML folds them inside a scalar) and
    without the characters YAML forbids in a document."""
    if text.isprintable():  # (no control, separator or unassigned character: as it is)
        return text
    return _NOT_YAML_PRINTABLE.sub("", _YAML_LINE_BREAK.sub(" ", text))


def rfc1123(moment: Any) -> str:
    """`Wed, 20 Oct 2021 12:36:14 GMT`: English names, whatever the locale."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


class FrontMatterItemExporter(BaseItemExporter):
    """Writes each item as a post; registered as the `frontmatter` feed format."""

    def __init__(self, file: IO[bytes], *, author: str = SITE_AUTHOR, **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.author = author

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, file: IO[bytes], **kwargs: Any
    ) -> FrontMatterItemExporter:
        return cls(file, author=crawler.settings.get("POST_AUTHOR", SITE_AUTHOR), **kwargs)

    def export_item(self, item: Any) -> None:
        self.file.write(render_post(item, self.author).encode(self.encoding or "utf-8"))
