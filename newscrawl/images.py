"""Images for archives: with `-s DOWNLOAD_IMAGES=1`, every body image and the header image
of a post is downloaded and the post points at the local copy.

A Scrapy `FilesPipeline`, not an `ImagesPipeline`: it stores the bytes exactly as Sina
served them (no re-encoding to JPEG, animated GIFs and PNG transparency kept, no
thumbnails) and needs no Pillow. Files go to FILES_STORE (default OUTPUT_DIR/images) as
`<sha1 of the URL><extension>`, flat, so that the folder can be copied as it is into a Hexo
site's `source/images/`; the post then says `DOWNLOAD_IMAGES_URL + file name`
(`/images/<sha1>.jpg` by default) in the body's `src`, in `headimg` and in `thumbnail`.

Every image request carries `Referer: https://finance.sina.com.cn/` (setting
DOWNLOAD_IMAGES_REFERER): Sina's image hosts refuse requests with a foreign or no referer.
An image that cannot be downloaded keeps its remote URL, gives one WARNING naming the image
and the article, and counts in the stats as `newscrawl/images/failed`; the post is still
written. A file already in the store (from an earlier run) is not downloaded again for
FILES_EXPIRES days (Scrapy's default 90). Each file is written atomically, so a run that
dies or meets a full disk leaves no half image; a FILES_STORE folder that cannot be
written fails the run at start, and a write that fails during the run (a full disk, ...)
stops it with one ERROR.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline, FSFilesStore
from scrapy.pipelines.media import MediaPipeline
from scrapy.utils.defer import ensure_awaitable
from twisted.python.failure import Failure

from newscrawl.faults import os_cause, write_failure
from newscrawl.pipelines import check_writable, write_atomically
from newscrawl.stats import refuse_start, stop_for_fault

logger = logging.getLogger(__name__)

IMAGE_URL_KEY = "newscrawl_image_url"  # request meta: the image URL as the post has it

# The src of every <img> of a cleaned body (the sanitizer always writes double quotes).
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")')


class LocalImageStore(FSFilesStore):
    """FilesPipeline's store in a local folder, but each file is written atomically (a
    full disk or a kill leaves no half image, which a later run would take for the whole
    one), and the folder is not created as the pipeline is built, where a failure is a
    traceback: ArticleImagesPipeline.open_spider checks it."""

    def persist_file(self, path: str, buf: Any, info: Any, meta: Any = None,
                     headers: Any = None) -> None:
        absolute = self._get_filesystem_path(path)
        self._mkdir(absolute.parent, info)
        write_atomically(absolute, buf.getvalue())

    def _mkdir(self, dirname: Path, domain: Any = None) -> None:
        if domain is not None:  # None: FSFilesStore.__init__
            super()._mkdir(dirname, domain)


class ArticleImagesPipeline(FilesPipeline):
    """Downloads a post's images and rewrites its `body`, `headimg` (and so `thumbnail`) to
    the local copies. Disabled (NotConfigured) unless DOWNLOAD_IMAGES is true."""

    LOG_FAILED_RESULTS = False  # item_completed logs each failure itself, with the article
    STORE_SCHEMES = {**FilesPipeline.STORE_SCHEMES, "": LocalImageStore, "file": LocalImageStore}

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.url_prefix = settings.get("DOWNLOAD_IMAGES_URL", "/images/")
        self.referer = settings.get("DOWNLOAD_IMAGES_REFERER", "https://finance.sina.com.cn/")
        self.failures: dict[str, str] = {}  # image URL -> why it could not be downloaded

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleImagesPipeline:
        settings = crawler.settings
        if not settings.getbool("DOWNLOAD_IMAGES", False):
            raise NotConfigured
        cls._update_stores(settings)
        store = settings.get("FILES_STORE") or str(
            Path(settings.get("OUTPUT_DIR", "output")) / "images"
        )
        return cls(store, crawler=crawler)

    def open_spider(self) -> None:
        super().open_spider()
        if isinstance(self.store, LocalImageStore):
            try:
                check_writable(Path(self.store.basedir))
            except OSError as exc:
                where = f"the image folder {self.store.basedir}"
                failure = write_failure(exc, where, "FILES_STORE", during_run=False)
                raise refuse_start(self.crawler, *failure, log=logger) from None

    # ------------------------------------------------------------------ what to fetch

    def image_urls(self, item: Any) -> list[str]:
        """The body's images in order, then the header image; each once, http(s) only."""
        post = ItemAdapter(item)
        urls = [html.unescape(m.group(2)) for m in _IMG_SRC.finditer(post.get("body") or "")]
        urls.append(html.unescape(post.get("headimg") or ""))
        wanted = (u for u in urls if u.startswith(("https://", "http://")))
        return list(dict.fromkeys(wanted))

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        return [
            Request(
                url,
                headers={"Referer": self.referer},
                meta={IMAGE_URL_KEY: url},
                callback=NO_CALLBACK,
            )
            for url in self.image_urls(item)
        ]

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        """`<sha1 of the URL><extension>`: FilesPipeline's name, without its `full/`."""
        return super().file_path(request, response, info, item=item).removeprefix("full/")

    # ------------------------------------------------------------------ failures with reasons
    # A failure is not raised (Scrapy would log it as an ERROR with a traceback): its reason
    # is kept by image URL, the result is None, and item_completed logs one WARNING.

    async def media_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> Any:
        """FilesPipeline's, but a file that cannot be stored stops the run with one ERROR
        (FilesPipeline would log a traceback for each image and go on)."""
        if response.status != 200:
            return self.failed(request, f"HTTP status {response.status}")
        if not response.body:
            return self.failed(request, "empty response")
        status = "cached" if "cached" in response.flags else "downloaded"
        self.inc_stats(status)
        path = self.file_path(request, response=response, info=info, item=item)
        try:
            checksum = await ensure_awaitable(
                self.file_downloaded(response, request, info, item=item)
            )
        except OSError as exc:
            where = f"the image {Path(self.store.basedir) / path}"
            stop_for_fault(
                self.crawler, *write_failure(exc, where, "FILES_STORE", during_run=True), log=logger
            )
            return self.failed(request, f"not stored: {os_cause(exc)}")
        return {"url": request.url, "path": path, "checksum": checksum, "status": status}

    def media_failed(  # type: ignore[override]
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> None:
        return self.failed(request, failure.getErrorMessage() or failure.type.__name__)

    def failed(self, request: Request, reason: str) -> None:
        self.failures[request.meta.get(IMAGE_URL_KEY, request.url)] = reason

    # ------------------------------------------------------------------ the post

    def item_completed(
        self, results: list[Any], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        post = ItemAdapter(item)
        stats = self.crawler.stats
        local: dict[str, str] = {}
        for url, (ok, value) in zip(self.image_urls(item), results, strict=True):
            if ok and value and value.get("path"):
                local[url] = self.url_prefix + value["path"]
                stats.inc_value("newscrawl/images/saved")
                continue
            if isinstance(value, Failure):
                reason = value.getErrorMessage() or value.type.__name__
            else:
                reason = self.failures.get(url, "download failed")
            stats.inc_value("newscrawl/images/failed")
            logger.warning(
                "Image not downloaded, keeping its remote URL: %s (article %s): %s",
                url, post.get("url"), reason,
            )

        def localize(match: re.Match[str]) -> str:
            path = local.get(html.unescape(match.group(2)))
            return match.group(1) + (path or match.group(2)) + match.group(3)

        if local:
            post["body"] = _IMG_SRC.sub(localize, post["body"])
            headimg = post.get("headimg") or ""
            post["headimg"] = local.get(html.unescape(headimg), headimg)
        return item
