"""WARC capture: `-s WARC_DIR=dir`, end to end with the real `scrapy crawl article` over the
fixture pages served on 127.0.0.1, checked with warcio's own `check` and `index` commands
and read back with its ArchiveIterator."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from localserver import Answer, LocalServer, scrapy_crawl, settings_args
from warcio.archiveiterator import ArchiveIterator

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "pages"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
WARCIO = Path(sys.executable).parent / "warcio"
NAME = re.compile(r"article-\d{8}T\d{6}Z\.warc\.gz")


def content_type(name: str) -> str:
    return "text/html; charset=gbk" if name.startswith("t1_") else "text/html; charset=utf-8"


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory):
    """One crawl with WARC_DIR: every fixture article page over HTTP (one of them gzipped),
    a redirect, a 404, and a saved page read from disk."""
    tmp = tmp_path_factory.mktemp("warc")
    pages = {name: (PAGES / name).read_bytes() for name in sorted(EXPECTED)}
    gzipped = "t3_finance.html"
    with LocalServer() as server:
        urls = {}
        for name, data in pages.items():
            if name == gzipped:
                answer = Answer(200, gzip.compress(data), {
                    "Content-Type": content_type(name), "Content-Encoding": "gzip"})
                urls[name] = server.route(f"/pages/{name}", answer)
            else:
                urls[name] = server.page(f"/pages/{name}", data, content_type(name))
        moved = server.route("/moved/doc-iabcdefg0000009.shtml", Answer(
            301, b"", {"Location": urls["t3_news.html"]}))
        gone = server.url("/gone/doc-iabcdefg0000001.shtml")
        saved = PAGES / "t4_mobile.html"
        targets = [*urls.values(), moved, gone, str(saved)]
        result = scrapy_crawl(
            "article", "-a", "url=" + ",".join(targets),
            *settings_args(OUTPUT_DIR=tmp / "out", WARC_DIR=tmp / "warc", RETRY_TIMES=0,
                           ARTICLE_HOSTS="127.0.0.1", AUTOTHROTTLE_ENABLED="False"),
        )
    # The redirect away from its article and the 404 became no post: exit status 1.
    assert result.returncode == 1, result.stderr
    assert "2 of 10 pages given did not become a post" in result.stderr
    [warc] = (tmp / "warc").iterdir()
    with warc.open("rb") as stream:
        records = [
            {
                "type": r.rec_type,
                "headers": r.rec_headers,
                "http": r.http_headers,
                "raw": r.raw_stream.read() if r.rec_type != "response" else None,
                "content": r.content_stream().read() if r.rec_type == "response" else None,
            }
            for r in ArchiveIterator(stream)
        ]
    return {
        "warc": warc, "records": records, "urls": urls, "pages": pages, "gzipped": gzipped,
        "moved": moved, "gone": gone, "saved": saved, "result": result,
    }


def by_uri(records: list[dict], kind: str, uri: str) -> list[dict]:
    return [
        r for r in records
        if r["type"] == kind and r["headers"].get_header("WARC-Target-URI") == uri
    ]


def test_one_gzipped_file_per_run_named_after_spider_and_start_time(capture) -> None:
    assert NAME.fullmatch(capture["warc"].name), capture["warc"].name
    assert capture["warc"].read_bytes()[:2] == b"\x1f\x8b"
    assert f"Writing requests and responses to {capture['warc']}" in capture["result"].stderr


def test_warcio_check_and_index_accept_it(capture) -> None:
    check = subprocess.run([WARCIO, "check", "-v", capture["warc"]],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout
    assert "digest fail" not in check.stdout
    index = subprocess.run([WARCIO, "index", "-f", "warc-type,warc-target-uri,http:status",
                            capture["warc"]], capture_output=True, text=True)
    assert index.returncode == 0, index.stderr
    rows = [json.loads(line) for line in index.stdout.splitlines()]
    assert len(rows) == len(capture["records"])
    assert rows[0]["warc-type"] == "warcinfo"
    for url in capture["urls"].values():
        assert {"warc-type": "response", "warc-target-uri": url, "http:status": "200"} in rows


def test_warcinfo_first_then_warc_1_1_records(capture) -> None:
    records = capture["records"]
    info = records[0]
    assert info["type"] == "warcinfo"
    assert info["headers"].get_header("WARC-Filename") == capture["warc"].name
    text = info["raw"].decode("utf-8")
    assert "software: newscrawl/" in text and "Scrapy/" in text and "warcio/" in text
    assert "isPartOf: article" in text and "format: WARC File Format 1.1" in text
    assert all(r["headers"].protocol == "WARC/1.1" for r in records)
    assert sum(r["type"] == "warcinfo" for r in records) == 1


def test_each_article_page_is_recorded_byte_for_byte(capture) -> None:
    records = capture["records"]
    for name, url in capture["urls"].items():
        responses = by_uri(records, "response", url)  # t3_news twice: also redirected to
        requests = by_uri(records, "request", url)
        assert responses and len(requests) == len(responses), name
        request_ids = {r["headers"].get_header("WARC-Record-ID") for r in requests}
        for response in responses:
            assert response["http"].get_statuscode() == "200"
            assert response["content"] == capture["pages"][name], name
            assert response["http"].get_header("Content-Type") == content_type(name)
            assert response["headers"].get_header("WARC-Concurrent-To") in request_ids


def test_gzipped_response_keeps_its_encoding_and_consistent_headers(capture) -> None:
    name = capture["gzipped"]
    [response] = by_uri(capture["records"], "response", capture["urls"][name])
    http = response["http"]
    assert http.get_header("Content-Encoding") == "gzip"  # the body is recorded as sent
    assert response["content"] == capture["pages"][name]  # warcio decodes it
    assert int(http.get_header("Content-Length")) == len(gzip.compress(capture["pages"][name]))
    assert http.get_header("Transfer-Encoding") is None


def test_requests_carry_the_headers_scrapy_sent(capture) -> None:
    url = capture["urls"]["t2_finance_2016.html"]
    [request] = by_uri(capture["records"], "request", url)
    http = request["http"]
    assert http.protocol == "GET" and http.statusline == "/pages/t2_finance_2016.html HTTP/1.1"
    assert http.get_header("Referer") == "https://finance.sina.com.cn/"
    assert "Mozilla/5.0" in http.get_header("User-Agent")
    assert http.get_header("Host") == url.split("/")[2]


def test_redirects_and_errors_are_recorded_too(capture) -> None:
    records = capture["records"]
    [moved] = by_uri(records, "response", capture["moved"])
    assert moved["http"].statusline == "301 Moved Permanently"
    assert moved["http"].get_header("Location") == capture["urls"]["t3_news.html"]
    [gone] = by_uri(records, "response", capture["gone"])
    assert gone["http"].statusline == "404 Not Found"
    assert by_uri(records, "request", capture["gone"])


def test_a_saved_page_is_a_resource_record(capture) -> None:
    uri = capture["saved"].resolve().as_uri()
    [resource] = by_uri(capture["records"], "resource", uri)
    assert resource["raw"] == capture["saved"].read_bytes()
    assert resource["headers"].get_header("Content-Type") == "text/html"


def test_no_warc_without_the_setting(tmp_path: Path) -> None:
    result = scrapy_crawl(
        "article", "-a", f"url={PAGES / 't3_finance.html'}",
        *settings_args(OUTPUT_DIR=tmp_path / "out"), cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "newscrawl.warc.WarcWriter" not in result.stderr
    assert list(tmp_path.rglob("*.warc.gz")) == []
