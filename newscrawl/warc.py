"""WARC capture: with `-s WARC_DIR=dir`, every request and response of a run goes to one
gzipped WARC/1.1 file, `dir/<spider>-<start time, UTC>.warc.gz`
(e.g. `finance-20261125T120000Z.warc.gz`), written with warcio.

The file starts with a `warcinfo` record (software, Scrapy and warcio versions, the
User-Agent, the robots policy). Then, for each HTTP(S) request that reached the downloader
(article pages, list and API calls, redirects and retries, images when DOWNLOAD_IMAGES is
on), a `request` record with the headers Scrapy sent, and for each response a `response`
record (WARC-Concurrent-To its request) with the HTTP status line, the headers and the
body bytes as they came off the wire: the extension listens to `response_downloaded`, which
Scrapy sends before any downloader middleware has run, so a gzip-encoded body is still
encoded and its `Content-Encoding` header stays true. Chunked transfer coding is already
undone by the HTTP client, so `Transfer-Encoding` is dropped (and `Content-Length` set to
the body's length when it says otherwise). A saved page read through `file://` becomes a
`resource` record. A request that got no response (a timeout, a refused connection) is
still recorded. Responses served from Scrapy's HTTP cache are not: nothing was fetched.

Each record is gzipped on its own (the usual `.warc.gz` layout), so a killed run leaves a
file whose records up to the last complete one are readable. A WARC_DIR that cannot be
written fails the run at start; a write that fails during the run (a full disk, ...) stops
it with one ERROR: the run fetches nothing it cannot record.
"""

from __future__ import annotations

import logging
import mimetypes
import socket
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.faults import make_folder, write_failure
from newscrawl.stats import failed_reason, refuse_start, stop_for_fault

logger = logging.getLogger(__name__)

HTTP_SCHEMES = ("http", "https")
_HOP_BY_HOP = {"transfer-encoding"}


class WarcWriter:
    """Extension writing the run's traffic to a WARC file in WARC_DIR (off when empty)."""

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.crawler = crawler
        self.directory = directory
        self.path: Path | None = None
        self.file: IO[bytes] | None = None
        self.writer: WARCWriter | None = None
        self.pending: dict[int, str] = {}  # id(request) -> WARC-Record-ID of its request record
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriter:
        directory = crawler.settings.get("WARC_DIR") or ""
        if not directory:
            raise NotConfigured
        ext = cls(crawler, Path(directory))
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=signals.spider_opened)
        connect(ext.spider_closed, signal=signals.spider_closed)
        connect(ext.request_reached_downloader, signal=signals.request_reached_downloader)
        connect(ext.response_downloaded, signal=signals.response_downloaded)
        connect(ext.request_left_downloader, signal=signals.request_left_downloader)
        return ext

    # ------------------------------------------------------------------ the file

    def spider_opened(self, spider: Spider) -> None:
        if failed_reason(self.crawler.stats):
            return  # the run stops before any request: nothing to record
        started = datetime.now(UTC)
        stem = f"{spider.name}-{started:%Y%m%dT%H%M%SZ}"
        where = f"the WARC folder {self.directory}"
        try:
            make_folder(self.directory)
            self.path, self.file = open_new(self.directory, stem, ".warc.gz")
            where = f"the WARC file {self.path}"
            self.writer = WARCWriter(self.file, gzip=True, warc_version="1.1")
            info = self.writer.create_warcinfo_record(self.path.name, self.warcinfo(spider))
            self.writer.write_record(info)
            self.file.flush()
        except OSError as exc:
            failure = write_failure(exc, where, "WARC_DIR", during_run=False)
            raise refuse_start(self.crawler, *failure, log=logger) from None
        self.records = 1
        logger.info("Writing requests and responses to %s", self.path)

    def warcinfo(self, spider: Spider) -> dict[str, str]:
        settings = self.crawler.settings
        return {
            "software": f"newscrawl/{_version('newscrawl')} (Scrapy/{_version('scrapy')};"
            f" warcio/{_version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "isPartOf": spider.name,
            "http-header-user-agent": settings.get("USER_AGENT", ""),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "description": f"scrapy crawl {spider.name}",
        }

    def spider_closed(self, spider: Spider) -> None:
        if self.file is None:
            return
        try:
            self.file.close()
        except OSError as exc:
            self.failed(exc)
        self.file = self.writer = None
        self.crawler.stats.set_value("newscrawl/warc/records", self.records)
        logger.info("WARC: %d records in %s", self.records, self.path)

    def write(self, record: Any) -> None:
        if self.writer is None:
            return  # a write failed: the run is stopping
        try:
            self.writer.write_record(record)
        except OSError as exc:
            self.writer = None
            self.failed(exc)
            return
        self.records += 1

    def failed(self, exc: OSError) -> None:
        failure = write_failure(exc, f"the WARC file {self.path}", "WARC_DIR", during_run=True)
        stop_for_fault(self.crawler, *failure, log=logger)

    # ------------------------------------------------------------------ the traffic

    def request_reached_downloader(self, request: Request, spider: Spider) -> None:
        if self.writer is None or urlsplit(request.url).scheme not in HTTP_SCHEMES:
            return
        record = self.writer.create_warc_record(
            request.url,
            "request",
            payload=BytesIO(request.body),
            length=len(request.body),
            http_headers=request_head(request),
        )
        self.write(record)
        self.pending[id(request)] = record.rec_headers.get_header("WARC-Record-ID")

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if self.writer is None:
            return
        body = response.body
        if urlsplit(request.url).scheme not in HTTP_SCHEMES:
            mime = mimetypes.guess_type(response.url)[0] or _mime(response)
            self.write(self.writer.create_warc_record(
                response.url, "resource", payload=BytesIO(body), length=len(body),
                warc_content_type=mime,
            ))
            return
        warc_headers = {}
        request_id = self.pending.pop(id(request), None)
        if request_id:
            warc_headers["WARC-Concurrent-To"] = request_id
        ip = getattr(response, "ip_address", None)
        if ip is not None:
            warc_headers["WARC-IP-Address"] = str(ip)
        self.write(self.writer.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            warc_headers_dict=warc_headers,
            http_headers=response_head(response),
        ))

    def request_left_downloader(self, request: Request, spider: Spider) -> None:
        self.pending.pop(id(request), None)


def request_head(request: Request) -> StatusAndHeaders:
    """The request line and headers as Scrapy sent them (Host added as the client adds it)."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _header_list(request.headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    if request.body and not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("Content-Length", str(len(request.body))))
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def response_head(response: Response) -> StatusAndHeaders:
    """The status line and headers, consistent with the body bytes that are recorded."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    headers = [
        (name, value) for name, value in _header_list(response.headers)
        if name.lower() not in _HOP_BY_HOP
    ]
    length = str(len(response.body))
    headers = [
        (name, length if name.lower() == "content-length" else value) for name, value in headers
    ]
    protocol = response.protocol or "HTTP/1.1"
    return StatusAndHeaders(f"{response.status} {reason}".strip(), headers, protocol=protocol)


def open_new(directory: Path, stem: str, suffix: str) -> tuple[Path, IO[bytes]]:
    """A new file `stem + suffix` in `directory`, or `stem-2 + suffix`... if it exists."""
    for n in range(1, 1000):
        path = directory / (stem + (f"-{n}" if n > 1 else "") + suffix)
        try:
            return path, open(path, "xb")  # noqa: SIM115 (closed at spider_closed)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free WARC file name for {directory / stem}{suffix}")


def _header_list(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _mime(response: Response) -> str:
    content_type = response.headers.get("Content-Type")
    if content_type:
        return content_type.decode("latin-1")
    return "application/octet-stream"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
