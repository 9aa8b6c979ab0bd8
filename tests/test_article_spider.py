"""End to end: the real `scrapy crawl article` against saved files and a server on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from localserver import Answer, LocalServer, scrapy_crawl, settings_args, summary

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "pages"
POSTS = FIXTURES / "posts"  # the expected post of each fixture page, byte for byte
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))

LAYOUT = re.compile(
    r"\A\n---\ntitle: '(?:[^'\n]|'')*'\ncategories: \n(?: - [^\n]+\n){3}headimg: '[^'\n]*'\n"
    r"author: [^\n]+\ncomments: false\ndate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\n"
    r"thumbnail: '[^'\n]*'\n---\n\n<div>   \n.+\n  \n</div>\n            \Z",
    re.S,
)


def crawl(tmp_path: Path, *args: str, **settings: object):
    settings.setdefault("OUTPUT_DIR", tmp_path / "out")
    settings.setdefault("ARTICLE_HOSTS", "127.0.0.1,sina.com.cn,sina.cn")
    settings.setdefault("AUTOTHROTTLE_ENABLED", "False")
    return scrapy_crawl("article", *args, *settings_args(**settings))


def posts(tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "out"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md"))}


def read_front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("\n---\n", 2)[1])


def check_post(name: str, text: str) -> None:
    """The post of fixture page `name` against its expected values."""
    want = EXPECTED[name]
    assert LAYOUT.match(text), f"{name}: layout differs from FORMAT.md"
    meta = read_front_matter(text)
    assert meta["title"] == want["title"]
    assert meta["date"] == want["date"]
    assert meta["headimg"] == meta["thumbnail"] == want["headimg"]
    assert meta["categories"][:2] == ["金融", "新浪财经"] and len(meta["categories"]) == 3
    body = text.split("<div>   \n", 1)[1]
    flat = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", body))
    for paragraph in want["paragraphs"]:
        assert re.sub(r"\s+", "", paragraph) in flat, f"{name}: missing {paragraph[:30]!r}"
    for marker in want["must_not_contain"]:
        assert marker not in body, f"{name}: body still holds {marker!r}"
    for img in re.findall(r"<img\b[^>]*>", body):
        assert 'referrerpolicy="no-referrer"' in img and 'src="https://' in img


def test_saved_pages_become_the_expected_posts(tmp_path):
    listing = tmp_path / "pages.txt"
    lines = ["# saved fixture pages, as paths and as file:// URLs", ""]
    for i, name in enumerate(sorted(EXPECTED)):
        lines.append(str(PAGES / name) if i % 2 else (PAGES / name).as_uri())
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = crawl(tmp_path, "-a", f"urls={listing}")
    assert result.returncode == 0, result.stderr
    written = posts(tmp_path)
    assert sorted(written) == sorted(f"{EXPECTED[n]['doc_id']}.md" for n in EXPECTED)
    for name, want in EXPECTED.items():
        text = written[f"{want['doc_id']}.md"]
        check_post(name, text)
        assert text == (POSTS / f"{want['doc_id']}.md").read_text(encoding="utf-8"), name
    assert summary(result.stderr) | {"finished": ""} == {
        "given": len(EXPECTED), "fetched": len(EXPECTED), "written": len(EXPECTED),
        "changed": 0, "unchanged": 0, "dropped": 0, "finished": "",
    }


@pytest.mark.parametrize("charset_in_header", [True, False])
def test_live_pages_over_http_match_the_saved_ones(tmp_path, charset_in_header):
    with LocalServer() as server:
        urls = []
        for name in EXPECTED:
            data = (PAGES / name).read_bytes()
            charset = "gbk" if name.startswith("t1_") else "utf-8"
            content_type = f"text/html; charset={charset}" if charset_in_header else "text/html"
            urls.append(server.page(f"/live/{name}", data, content_type))
        result = crawl(tmp_path, "-a", "url=" + ",".join(urls))
    assert result.returncode == 0, result.stderr
    written = posts(tmp_path)
    for want in EXPECTED.values():
        expected = (POSTS / f"{want['doc_id']}.md").read_text(encoding="utf-8")
        assert written[f"{want['doc_id']}.md"] == expected


def test_same_article_twice_is_one_file_rewritten_only_when_changed(tmp_path):
    page = (PAGES / "t3_finance.html").read_bytes()
    with LocalServer() as server:
        first = server.page("/china/a.shtml", page, "text/html; charset=utf-8")
        second = server.page("/roll/a.shtml?cre=tianyi", page, "text/html; charset=utf-8")
        result = crawl(tmp_path, "-a", f"url={first},{second}")
        assert result.returncode == 0, result.stderr
        [path] = (tmp_path / "out").glob("*.md")
        stamp = path.stat().st_mtime_ns

        again = crawl(tmp_path, "-a", f"url={first}")
        assert summary(again.stderr)["unchanged"] == 1
        assert path.stat().st_mtime_ns == stamp

        server.page("/china/a.shtml", page.replace("　　".encode(), "　　新的一句。".encode(), 1),
                    "text/html; charset=utf-8")
        changed = crawl(tmp_path, "-a", f"url={first}")
    assert summary(changed.stderr)["changed"] == 1
    assert "Rewrote changed" in changed.stderr
    assert "新的一句" in path.read_text(encoding="utf-8")
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")] == []


def test_pages_that_are_not_articles_are_dropped_with_a_reason(tmp_path):
    good = (PAGES / "t3_finance.html").read_bytes()
    with LocalServer() as server:
        urls = {
            "http-404": server.url("/gone/doc-iabcdefg0000001.shtml"),
            "http-500": server.route("/broken.shtml", Answer(500, b"oops")),
            "redirected": server.route(
                "/removed/doc-iabcdefg0000002.shtml",
                Answer(302, b"", {"Location": server.url("/index.html")}),
            ),
            "no-title": server.page("/list.html", (PAGES / "home.html").read_bytes()),
            "no-body": server.page("/nobody.shtml", (PAGES / "no_body.html").read_bytes()),
            "empty": server.page("/empty.shtml", b""),
            "binary": server.page("/pic.shtml", (PAGES / "binary.bin").read_bytes(), "image/png"),
            "too-large": server.page("/huge.shtml", b"<p>" + b"x" * 300_000),
        }
        server.page("/index.html", (PAGES / "home.html").read_bytes())
        ok = server.page("/ok.shtml", good, "text/html; charset=utf-8")
        result = crawl(
            tmp_path, "-a", "url=" + ",".join([*urls.values(), ok]),
            DOWNLOAD_MAXSIZE=200_000, RETRY_TIMES=0,
        )
        home_requests = server.requested("/index.html")
    # A page given that became no post fails the run, naming each in one ERROR at the end.
    assert result.returncode == 1, result.stderr
    assert list(posts(tmp_path)) == [f"{EXPECTED['t3_finance.html']['doc_id']}.md"]
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    for reason, url in urls.items():
        assert any(url in line and f"({reason})" in line for line in warnings), reason
    [error] = [line for line in result.stderr.splitlines() if "] ERROR:" in line]
    assert f"{len(urls)} of {len(urls) + 1} pages given did not become a post" in error
    for reason, url in urls.items():
        assert f"{url} ({reason})" in error
    # The redirect names both URLs; the home page it leads to is not fetched.
    assert f"{urls['redirected']}: redirected to {server.url('/index.html')}" in result.stderr
    assert home_requests == []
    terms = summary(result.stderr)
    assert terms["finished"] == "pages-dropped"
    assert (terms["given"], terms["fetched"], terms["written"], terms["dropped"]) == (
        len(urls) + 1, len(urls) + 1, 1, len(urls))
    for reason in urls:
        assert terms[f"dropped/{reason}"] == 1
        assert f"'newscrawl/dropped/{reason}': 1" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "argument 'url' or 'urls' is required"),
        (["-a", "urls=/nonexistent/list.txt"], "argument 'urls': cannot read /nonexistent/list.txt"),
        (["-a", "url=https://example.com/doc-iabcdefg1234567.shtml"],
         "argument 'url': https://example.com/doc-iabcdefg1234567.shtml is not on Sina's domains"),
        (["-a", f"url={PAGES / 't3_news.html'},htps://finance.sina.com.cn/doc-iabcdefg1234567.shtml"],
         "argument 'url': htps://finance.sina.com.cn/doc-iabcdefg1234567.shtml is neither an"
         " http(s) URL nor a file (unknown scheme 'htps')"),
    ],
)
def test_bad_arguments_stop_the_spider_at_start(tmp_path, args, message):
    result = scrapy_crawl("article", *args, "-s", f"OUTPUT_DIR={tmp_path / 'out'}")
    assert result.returncode == 1
    assert message in result.stderr
    assert "ERROR" in result.stderr
    assert not list((tmp_path / "out").glob("*.md")) if (tmp_path / "out").exists() else True


def test_missing_saved_pages_fail_at_once_and_the_others_are_written(tmp_path):
    """An archivist's list where two saved pages are missing: the others become posts,
    the two are not retried, and one ERROR at the end names them; exit status 1."""
    listing = tmp_path / "pages.txt"
    missing = [str(tmp_path / "saved" / "gone.html"), (tmp_path / "moved.html").as_uri()]
    present = [str(PAGES / name) for name in sorted(EXPECTED)]
    listing.write_text("\n".join([*present[:3], missing[0], *present[3:], missing[1]]) + "\n")

    result = crawl(tmp_path, "-a", f"urls={listing}", RETRY_TIMES=5)

    assert result.returncode == 1
    assert sorted(posts(tmp_path)) == sorted(f"{EXPECTED[n]['doc_id']}.md" for n in EXPECTED)
    assert "Retrying" not in result.stderr and "Gave up retrying" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "] WARNING:" in line]
    assert [w for w in warnings if w.endswith("(no-such-file)")] == warnings and len(warnings) == 2
    [error] = [line for line in result.stderr.splitlines() if "] ERROR:" in line]
    assert f"2 of {len(present) + 2} pages given did not become a post" in error
    for page in missing:
        assert f"{page} (no-such-file)" in error  # as the list gave it
    terms = summary(result.stderr)
    assert terms["finished"] == "pages-dropped"
    assert (terms["given"], terms["written"], terms["dropped/no-such-file"]) == (len(present) + 2, len(present), 2)


def test_saved_pages_are_read_without_download_delay(tmp_path):
    """Throttling is for Sina's servers, not for files: with a delay of 1000 s between
    requests, a run over saved pages still ends (it would take an hour with the delay)."""
    pages = [str(PAGES / name) for name in sorted(EXPECTED)]
    result = crawl(
        tmp_path, "-a", "url=" + ",".join(pages),
        AUTOTHROTTLE_ENABLED=True, AUTOTHROTTLE_START_DELAY=1000, DOWNLOAD_DELAY=1000,
    )
    assert result.returncode == 0, result.stderr
    assert summary(result.stderr)["written"] == len(pages)


def test_posts_to_standard_output_through_the_registered_exporter(tmp_path):
    page = PAGES / "t3_finance.html"
    result = crawl(tmp_path, "-a", f"url={page}", "-O", "-:frontmatter")
    assert result.returncode == 0, result.stderr
    expected = (POSTS / f"{EXPECTED['t3_finance.html']['doc_id']}.md").read_text(encoding="utf-8")
    assert result.stdout == expected


NASTY_TITLES = [
    "He said \"it's\" 50%: ok #1",
    "- 开头横线",
    "* 星号",
    "& 锚点",
    "{{ 大括号 }} {% raw %}",
    "表情 🚀📈",
    "第一行\n  第二行",
]


def test_nasty_titles_read_back_with_pyyaml(tmp_path):
    template = (PAGES / "t3_finance.html").read_text(encoding="utf-8")
    h1 = re.search(r'<h1 class="main-title">.*?</h1>', template, re.S).group()
    doc_id = EXPECTED["t3_finance.html"]["doc_id"]
    with LocalServer() as server:
        urls = []
        for i, title in enumerate(NASTY_TITLES):
            new_id = doc_id[:-2] + f"{i:02d}"
            escaped = title.replace("&", "&amp;").replace("<", "&lt;")
            page = template.replace(h1, f'<h1 class="main-title">{escaped}</h1>', 1)
            page = page.replace(doc_id, new_id).replace(doc_id[1:], new_id[1:])
            urls.append(server.page(f"/t{i}.shtml", page.encode(), "text/html; charset=utf-8"))
        result = crawl(tmp_path, "-a", "url=" + ",".join(urls))
    assert result.returncode == 0, result.stderr
    titles = {read_front_matter(text)["title"] for text in posts(tmp_path).values()}
    assert titles == {" ".join(t.split()) for t in NASTY_TITLES}
