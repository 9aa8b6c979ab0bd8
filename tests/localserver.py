"""A real HTTP server on 127.0.0.1 for end-to-end crawls, and a runner for `scrapy crawl`.

Tests register what each path answers (`server.route(...)`) and read back which paths
were requested (`server.requests`), so they can assert, for instance, that a second run
fetched no article page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[str], Answer]  # gets the full request path (with query), returns an Answer


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Answer | Handler] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with server._lock:
                    server.requests.append(self.path)
                    route = server.routes.get(urlsplit(self.path).path)
                answer = route(self.path) if callable(route) else route
                answer = answer or Answer(404, b"<html><body>404 Not Found</body></html>")
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, answer: Answer | Handler) -> str:
        """Serve `answer` at `path`; returns the full URL."""
        self.routes[urlsplit(path).path] = answer
        return self.url(path)

    def page(self, path: str, body: bytes, content_type: str = "text/html") -> str:
        return self.route(path, Answer(200, body, {"Content-Type": content_type}))

    def requested(self, prefix: str = "") -> list[str]:
        with self._lock:
            return [p for p in self.requests if p.startswith(prefix)]

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def scrapy_crawl(
    spider: str,
    *args: str,
    cwd: Path = PROJECT,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the real `scrapy crawl SPIDER ARGS...` of this project in a subprocess."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT), SCRAPY_SETTINGS_MODULE="newscrawl.settings")
    env.pop("SCRAPY_PROJECT", None)
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def settings_args(**settings: object) -> list[str]:
    """`-s NAME=VALUE` arguments."""
    args: list[str] = []
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    return args
