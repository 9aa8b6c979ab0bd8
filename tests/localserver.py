"""A real HTTP server on 127.0.0.1 for end-to-end crawls, and a runner for `scrapy crawl`.

Tests register what each path answers (`server.route(...)`) and read back which paths
were requested (`server.requests`), so they can assert, for instance, that a second run
fetched no article page, and with which headers (`server.headers_of(...)`).
`LocalServer(tls=True)` serves HTTPS with a throw-away self-signed certificate (Scrapy does
not verify certificates), for URLs the crawler turns into `https://` (body images).
"""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import tempfile
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
    def __init__(self, tls: bool = False) -> None:
        self.routes: dict[str, Answer | Handler] = {}
        self.requests: list[str] = []
        self.received: list[tuple[str, dict[str, str]]] = []  # (path, request headers)
        self._lock = threading.Lock()
        self.tls = tls
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with server._lock:
                    server.requests.append(self.path)
                    server.received.append((self.path, dict(self.headers.items())))
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
        if tls:
            self.httpd.socket = _tls_context().wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.httpd.server_port}"

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

    def headers_of(self, prefix: str = "") -> list[dict[str, str]]:
        """The headers of each request whose path starts with `prefix`, in order."""
        with self._lock:
            return [h for p, h in self.received if p.startswith(prefix)]

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def self_signed_certificate():
    """A fresh self-signed certificate for 127.0.0.1 and its key (cryptography's)."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _tls_context() -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1."""
    from cryptography.hazmat.primitives import serialization

    cert, key = self_signed_certificate()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_file, key_file)
    return context


def scrapy_crawl(
    spider: str,
    *args: str,
    cwd: Path = PROJECT,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the real `scrapy crawl SPIDER ARGS...` of this project in a subprocess."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    return subprocess.run(
        command, cwd=cwd, env=crawl_env(), capture_output=True, text=True, timeout=timeout
    )


def crawl_env() -> dict[str, str]:
    """The environment of a `scrapy crawl` of this project, whatever the test run's own."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT), SCRAPY_SETTINGS_MODULE="newscrawl.settings")
    env.pop("SCRAPY_PROJECT", None)
    return env


def settings_args(**settings: object) -> list[str]:
    """`-s NAME=VALUE` arguments."""
    args: list[str] = []
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    return args


def summary(output: str) -> dict[str, int | str]:
    """The terms of the Summary line that must end a crawl's log, by name: `listed` (or
    `given`), `unusable`, `skipped as known`, `duplicates`, `fetched`, `written`, `changed`,
    `unchanged`, `dropped`, `dropped/<reason>`, `unusable/<reason>`, ..., and `finished`
    (the finish reason)."""
    last = output.rstrip("\n").splitlines()[-1]
    assert "Summary: " in last, f"the log does not end with the Summary: {last!r}"
    body, finished = last.split("Summary: ", 1)[1].rsplit("; finished: ", 1)
    terms: dict[str, int | str] = {"finished": finished}
    for name, reasons in re.findall(r"(\w+) -?\d+ \(([^)]*)\)", body):
        for reason in reasons.split(", "):
            label, count = reason.rsplit(" ", 1)
            terms[f"{name}/{label}"] = int(count)
    for term in re.split(r"\s*[=+;,]\s*", re.sub(r"\([^)]*\)", "", body)):
        name, count = term.strip().rsplit(" ", 1)
        terms[name] = int(count)
    return terms
