"""The benchmark's HTTP server on 127.0.0.1: a roll API and N article pages, in a process
of its own so that it never shares the crawler's GIL.

    python -m bench.server SITE.json [--kind asyncio|threaded] [--tls]

prints `PORT <n>` once it listens, then serves until stdin closes or it is killed. With
`--tls` it serves https, with a self-signed certificate for 127.0.0.1 made at start (the
tests' own, tests/localserver.py), as Sina does: the crawler then pays the TLS handshakes
and the decryption of every page, as it does against Sina.

SITE.json (written by `bench.pages.Site.save`) names a few page templates, each holding
its own document id, and says how many articles each channel (`lid`) lists. Article `k`
is template `k % T` with its id replaced by `Site.doc_id(k)`, generated per request (a
bytes.replace of a few hundred KB costs tens of microseconds), so 10,000 articles take no
more memory than the templates.

Paths:
    /api/roll/get?pageid=P&lid=L&num=S&page=K   the roll API (JSON, newest first)
    /<section>/<day>/doc-<id>.shtml              an article page
    /__bench/stats                               requests by kind since the last reset
    /__bench/reset                               zero the counters (answers the old ones)
    /__bench/cpu                                 the server's CPU seconds so far

`--kind threaded` serves the same answers through the tests' `http.server`-based
`LocalServer` (tests/localserver.py), to measure what that server costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench.pages import Site

TESTS = Path(__file__).resolve().parent.parent / "tests"
NOT_FOUND = b"<html><body>404 Not Found</body></html>"


class App:
    """What each path answers: (status, content type, body)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.templates = [path.read_bytes() for path in site.template_paths()]
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()  # only the threaded server needs it

    def answer(self, target: str) -> tuple[int, str, bytes]:
        parts = urlsplit(target)
        path = parts.path
        if path == "/__bench/cpu":
            return 200, "application/json", json.dumps({"cpu_s": time.process_time()}).encode()
        if path.startswith("/__bench/"):
            with self.lock:
                counts = dict(self.counts)
                if path == "/__bench/reset":
                    self.counts.clear()
            return 200, "application/json", json.dumps(counts).encode()
        if path.endswith("/roll/get"):
            with self.lock:
                self.counts["listing"] += 1
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            return 200, "application/json; charset=utf-8", self.roll(query)
        k = self.site.article_number(path)
        if k is None:
            with self.lock:
                self.counts["other"] += 1
            return 404, "text/html", NOT_FOUND
        with self.lock:
            self.counts["article"] += 1
        template = self.site.templates[k % len(self.templates)]
        body = self.templates[k % len(self.templates)].replace(
            template["id"].encode(), self.site.doc_id(k)[1:].encode()
        )
        return 200, f"text/html; charset={template['encoding']}", body

    def roll(self, query: dict[str, str]) -> bytes:
        try:
            lid, num, page = int(query["lid"]), int(query.get("num", 50)), int(query.get("page", 1))
        except (KeyError, ValueError):
            return json.dumps({"result": {"status": {"code": 11, "msg": "bad query"}}}).encode()
        numbers = self.site.listed(lid)
        chunk = numbers[(page - 1) * num : page * num] if page >= 1 else []
        data = [self.site.roll_entry(k, self.base) for k in chunk]
        result = {
            "status": {"code": 0, "msg": "succ"},
            "total": len(numbers),
            "lid": lid,
            "start": (page - 1) * num,
            "end": (page - 1) * num + len(data),
            "data": data,
        }
        return json.dumps({"result": result}, ensure_ascii=False).encode()

    base = ""  # http(s)://127.0.0.1:<port>, set once listening


def head(status: int, content_type: str, length: int) -> bytes:
    reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\nConnection: keep-alive\r\n\r\n"
    ).encode("latin-1")


class HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 GET with keep-alive: all the crawler needs, nothing more."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            request, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            try:
                _method, target, _version = line.split(" ", 2)
            except ValueError:
                self.transport.close()
                return
            status, content_type, body = self.app.answer(target)
            self.transport.write(head(status, content_type, len(body)) + body)


async def serve_asyncio(app: App, ready, tls: bool) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpProtocol(app), "127.0.0.1", 0, backlog=512, ssl=tls_context() if tls else None
    )
    port = server.sockets[0].getsockname()[1]
    ready(port)
    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.read(1) else None)
    async with server:
        await stop.wait()


def serve_threaded(app: App, ready, tls: bool) -> None:
    sys.path.insert(0, str(TESTS))
    from localserver import Answer, LocalServer  # the tests' server

    def handler(target: str) -> Answer:
        status, content_type, body = app.answer(target)
        return Answer(status, body, {"Content-Type": content_type})

    server = LocalServer(tls=tls)
    server.routes = _AnyPath(handler)  # every path goes to the handler
    with server:
        ready(server.httpd.server_port)
        sys.stdin.read()  # until the benchmark closes our stdin


def tls_context():
    """The tests' server context: a fresh self-signed certificate for 127.0.0.1."""
    sys.path.insert(0, str(TESTS))
    from localserver import _tls_context

    return _tls_context()


class _AnyPath(dict):
    def __init__(self, handler) -> None:
        super().__init__()
        self.handler = handler

    def get(self, key, default=None):  # noqa: ARG002
        return self.handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the benchmark's local roll API and pages")
    parser.add_argument("site", type=Path)
    parser.add_argument("--kind", choices=("asyncio", "threaded"), default="asyncio")
    parser.add_argument("--tls", action="store_true", help="serve https")
    args = parser.parse_args(argv)
    app = App(Site.load(args.site))

    def ready(port: int) -> None:
        app.base = f"{'https' if args.tls else 'http'}://127.0.0.1:{port}"
        print(f"PORT {port}", flush=True)

    if args.kind == "asyncio":
        asyncio.run(serve_asyncio(app, ready, args.tls))
    else:
        serve_threaded(app, ready, args.tls)


if __name__ == "__main__":
    main()
