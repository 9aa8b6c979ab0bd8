"""From a parsed article (its body already cleaned, see newscrawl.sina) to a post on disk:
pick the header image, validate, write. Each step drops what it cannot handle with a reason
and a stats count."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.clean import absolute_https
from newscrawl.commit import CommitFailed, GroupCommit, stage, write_temp
from newscrawl.exporters import (
    SITE_AUTHOR,
    read_yaml,
    render_front_matter,
    render_post,
    yaml_printable,
)
from newscrawl.faults import make_folder, write_failure
from newscrawl.stats import count_drop, record_drop, refuse_start, stop_for_fault
from newscrawl.store import Record, StateFailed, Store, crawl_store

logger = logging.getLogger(__name__)

_FIRST_IMAGE = re.compile(r'<img\b[^>]*?\ssrc="([^"]+)"')
_SAFE_DOC_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
PLACEHOLDER_IMAGES = re.compile(r"sinaimg\.cn/default/")
STALE_SHARED_TEMP = 3600  # seconds: a temporary file this old belongs to no live worker
_TEMP_WRITER = re.compile(r"\.(?P<pid>\d+)@(?P<host>.+)\.[^.]+\.tmp$")
_TEMP_POST = re.compile(r"\.(?P<doc_id>[0-9A-Za-z][0-9A-Za-z_-]{0,63})\.md\.")


class HeaderImagePipeline:
    """Chooses `headimg`: the body's first image, else a real og:image, else the default
    (setting HEADIMG_DEFAULT, empty by default)."""

    def __init__(self, default: str) -> None:
        self.default = default

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeaderImagePipeline:
        return cls(crawler.settings.get("HEADIMG_DEFAULT", ""))

    def process_item(self, item: Any) -> Any:
        post = ItemAdapter(item)
        post["headimg"] = header_image(post["body"], post.get("og_image", ""), self.default)
        return item


def header_image(body: str, og_image: str, default: str = "") -> str:
    first = _FIRST_IMAGE.search(body)
    if first:
        return first.group(1)
    page_image = absolute_https(og_image)
    if page_image and not PLACEHOLDER_IMAGES.search(page_image):
        return page_image
    return default


class ValidatePipeline:
    """Drops an item whose post would not be a valid, faithful FORMAT.md file."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.author = crawler.settings.get("POST_AUTHOR", SITE_AUTHOR)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        post = ItemAdapter(item)
        for field in ("doc_id", "title", "published", "label", "body"):
            if not post.get(field):
                raise drop(self.crawler, "invalid", post, f"no {field}")
        if not _SAFE_DOC_ID.fullmatch(post["doc_id"]):
            raise drop(self.crawler, "invalid", post, f"unusable document id {post['doc_id']!r}")
        try:
            meta = read_yaml(render_front_matter(item, self.author))
        except yaml.YAMLError as exc:
            raise drop(self.crawler, "invalid", post, f"front matter is not YAML: {exc}") from exc
        written = (yaml_printable(post["title"]), yaml_printable(post["headimg"]))
        if (meta.get("title"), meta.get("headimg")) != written:
            raise drop(self.crawler, "invalid", post, "front matter does not read back the same")
        return item


class WritePostPipeline:
    """Writes one post per article to OUTPUT_DIR/<doc_id>.md, atomically (a temporary file
    in the same folder, then a rename), and only when its content changed. Then records
    the article in the state store, if the crawl has one, so it counts as known only once
    its file is safely on disk.

    Posts are committed in groups (newscrawl.commit): the posts that reach the pipeline
    while the disk is busy with the last group are made durable together, in threads, then
    recorded in one transaction and renamed into place. The item is done when its group
    is. A crawl killed at any moment leaves temporary posts that the next run settles as
    it opens (recover_temp_files).

    An OUTPUT_DIR that cannot be written fails the run as the spider opens, before any
    request. A write that fails during the run (a full disk, ...) stops the run with one
    ERROR; the posts that reach the pipeline after it are dropped (`run-stopped`), not
    written: neither half a post nor a post the state does not know."""

    def __init__(self, crawler: Crawler, output_dir: Path, author: str) -> None:
        self.crawler = crawler
        self.output_dir = output_dir
        self.author = author
        self.stopped = ""  # the fault that stopped the run, once one did
        # As many fsyncs side by side as there can be pages in the crawl's hands.
        self.commits = GroupCommit(self.record, crawler.settings.getint("CONCURRENT_REQUESTS"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WritePostPipeline:
        settings = crawler.settings
        return cls(
            crawler,
            Path(settings.get("OUTPUT_DIR", "output")),
            settings.get("POST_AUTHOR", SITE_AUTHOR),
        )

    def open_spider(self) -> None:
        try:
            check_writable(self.output_dir)
        except OSError as exc:
            where = f"the output folder {self.output_dir}"
            failure = write_failure(exc, where, "OUTPUT_DIR", during_run=False)
            raise refuse_start(self.crawler, *failure, log=logger) from None
        store = crawl_store(self.crawler)
        if store is not None:
            # A shared store (Redis) means other workers may be writing to this folder
            # right now: only the temporary files of a writer gone from this host, or of
            # long ago, are stale.
            recover_temp_files(
                self.output_dir, store, 0 if store.exclusive else STALE_SHARED_TEMP
            )

    def close_spider(self) -> None:
        self.commits.close()
        self.crawler.stats.set_value("newscrawl/commit_groups", self.commits.groups)

    async def process_item(self, item: Any) -> Any:
        post = ItemAdapter(item)
        if self.stopped:
            raise self.not_written(post)
        data = render_post(item, self.author).encode("utf-8")
        path = self.output_dir / f"{post['doc_id']}.md"
        record = Record(post["doc_id"], post["url"], str(path), content_hash(data))
        try:
            staged = stage(path, data, record, temp_prefix(path.name))
            await self.commits.commit(staged)
        except OSError as exc:
            raise self.write_failed(path, exc, post) from None
        except CommitFailed as exc:
            raise self.write_failed(exc.path, exc.error, post) from None
        except StateFailed as exc:  # its ERROR is logged; the run is stopping
            self.stopped = f"the run stopped ({exc.reason})"
        if staged.change == "unchanged":
            self.crawler.stats.inc_value("newscrawl/unchanged")
            logger.debug("Unchanged %s (%s)", path, post["url"])
        elif staged.change == "new":
            self.crawler.stats.inc_value("newscrawl/written")
            logger.info("Wrote new %s (%s)", path, post["url"])
        else:
            self.crawler.stats.inc_value("newscrawl/changed")
            logger.info("Rewrote changed %s (%s)", path, post["url"])
        # For feeds: the sync feed exports only new and changed posts (newscrawl.feeds).
        post["path"], post["content_hash"] = str(path), record.content_hash
        post["change"] = staged.change
        return item

    def record(self, records: Sequence[Record]) -> None:
        store = crawl_store(self.crawler)
        if store is not None:
            store.record(records)

    def write_failed(self, path: Path, exc: OSError, post: ItemAdapter) -> DropItem:
        """The first failed write stops the run; this post and the others not written
        with it are dropped as `run-stopped`."""
        if not self.stopped:
            failure = write_failure(exc, f"the post {path}", "OUTPUT_DIR", during_run=True)
            self.stop(*failure)
        return self.not_written(post)

    def stop(self, reason: str, message: str) -> None:
        self.stopped = f"the run stopped ({reason})"
        stop_for_fault(self.crawler, reason, message, log=logger)

    def not_written(self, post: ItemAdapter) -> DropItem:
        """An article that reaches the pipeline as the run stops after a fault: counted
        (`run-stopped` in the summary) but logged at DEBUG only, as the fault's ERROR
        says that the next run fetches what was not written."""
        count_drop(self.crawler.stats, "run-stopped")
        return DropItem(f"run-stopped: not written, {self.stopped} ({post['url']})", "DEBUG")


def check_writable(folder: Path) -> None:
    """Creates `folder` if needed and writes a byte in it: raises OSError
    if it cannot (a read-only file system, a path below a regular file, no permission, a
    full disk). The test file is named as a post's temporary file, so that a crawl killed
    right then leaves nothing the next one does not remove."""
    make_folder(folder)
    fd, probe = tempfile.mkstemp(dir=folder, prefix=temp_prefix("write-check.md"), suffix=".tmp")
    try:
        os.write(fd, b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(probe)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader (or a crash) never sees part of it. The
    temporary file is named after its writer (`.<name>.<pid>@<host>.<random>.tmp`), so
    that another worker can tell when it was left by a crawl that died."""
    temp, file = write_temp(path, data, temp_prefix(path.name))
    try:
        with file:
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def temp_prefix(name: str) -> str:
    """The start of the name of a temporary file written for `name` by this process."""
    return f".{name}.{os.getpid()}@{socket.gethostname()}."


def recover_temp_files(folder: Path, store: Store, older_than: float = 0) -> None:
    """Settles the temporary posts of a crawl killed while committing (newscrawl.commit):
    one whose bytes the state recorded is put in place (it was durable before it was
    recorded), any other is removed (its article is fetched again). Called while this crawl
    holds the state's lock (no other crawl of the same state can be writing them), or,
    with a shared state, for the files of a writer on this host that is gone and for any
    file older than `older_than` seconds."""
    now = time.time()
    stale = []
    for temp in folder.glob(".*.md.*.tmp"):
        try:
            if older_than and now - temp.stat().st_mtime < older_than and _writer_alive(temp):
                continue
        except FileNotFoundError:
            continue
        stale.append(temp)
    named = {temp: _TEMP_POST.match(temp.name) for temp in stale}
    recorded = store.content_hashes(found["doc_id"] for found in named.values() if found)
    for temp, found in named.items():
        try:
            data = temp.read_bytes()
        except FileNotFoundError:
            continue
        if found and recorded.get(found["doc_id"]) == content_hash(data):
            path = folder / f"{found['doc_id']}.md"
            os.replace(temp, path)
            logger.info("Put %s in place: recorded by an interrupted crawl", path)
        else:
            temp.unlink(missing_ok=True)
            logger.info("Removed %s, left by an interrupted crawl", temp)


def _writer_alive(temp: Path) -> bool:
    """Whether the process that writes `temp` may still be running (True when unsure:
    another host's, or a name from before writers were named)."""
    named = _TEMP_WRITER.search(temp.name)
    if named is None or named["host"] != socket.gethostname():
        return True
    try:
        os.kill(int(named["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def drop(crawler: Crawler, reason: str, post: ItemAdapter, detail: str) -> DropItem:
    """A DropItem naming the URL and the reason, counted in the stats by reason."""
    record_drop(crawler, post.get("url") or "", reason)
    return DropItem(f"{reason}: {detail} ({post.get('url')})")
