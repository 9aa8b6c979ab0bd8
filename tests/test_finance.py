"""End-to-end runs of the real `scrapy crawl finance` against a local Sina: a roll API
(JSON pages with overlapping items, tracking parameters, one article under several URLs,
the API's error shapes) and the article pages, all on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from localserver import (
    PROJECT,
    Answer,
    LocalServer,
    crawl_env,
    scrapy_crawl,
    settings_args,
    summary,
)
from pagegen import PageSpec, article_page

from newscrawl.exporters import front_matter

NATIONAL = "新浪财经－国內"  # full-width hyphen U+FF0D, 內 U+5167
API = "/api/roll/get"
T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
# DOWNLOAD_TIMEOUT of a crawl whose pages hang until the test releases them: Scrapy's 30 s
# would end the wait on a busy machine. An hour is never reached by a test.
HANG = 3600
# The longest a test waits for an event before it gives up, as a safety net against a
# hung test run; the events come in seconds.
PATIENCE = 600


# --------------------------------------------------------------------------- a local Sina


@dataclass
class Story:
    doc_id: str
    title: str
    paragraphs: list[str]
    created: datetime
    dated: bool = True  # False: the page states no time; the post takes the API's
    day: str = field(init=False)

    def __post_init__(self) -> None:
        self.day = f"{self.created + timedelta(hours=8):%Y-%m-%d}"

    @property
    def path(self) -> str:
        return f"/china/gncj/{self.day}/doc-{self.doc_id}.shtml"

    @property
    def roll_path(self) -> str:
        return f"/roll/{self.day}/doc-{self.doc_id}.shtml"


def doc_id(tag: str, n: int) -> str:
    """A Sina-shaped doc id: "i" and 14 lower-case letters or digits."""
    return f"i{tag}{n:0{14 - len(tag)}d}"


class LocalSina:
    """The roll API (one list per lid, newest first) and the article pages it lists."""

    def __init__(self, server: LocalServer, overlap: int = 1) -> None:
        self.server = server
        self.overlap = overlap  # items a page repeats from the end of the page before
        self.lists: dict[int, list[dict]] = {}
        self.answers: dict[int, Callable[[str], Answer]] = {}  # lid -> a broken answer
        self.jsonp: set[int] = set()
        self.stories: dict[str, Story] = {}
        self.delay = 0.0  # seconds each article page takes
        self.gate: threading.Event | None = None  # when set: article pages wait for it
        self.hung: set[str] = set()  # doc ids whose pages hang until `released` is set
        self.released = threading.Event()
        # Pages wait for the event, not for a while: a test releases them (or `release`
        # does, as the test ends). A crawl that must not give up on them meanwhile runs
        # with DOWNLOAD_TIMEOUT=HANG.
        server.route(API, self.roll_api)

    def story(self, tag: str, n: int, minutes: int = 0, title: str = "",
              dated: bool = True) -> Story:
        ident = doc_id(tag, n)
        story = Story(
            ident,
            title or f"国务院部署{tag.upper()}第{n}项重点工作",
            [f"新华社北京5月1日电 第{n}篇报道的第一段。", "（来源：新华社）"],
            T0 - timedelta(minutes=minutes or n),
            dated,
        )
        self.stories[ident] = story
        for path in (story.path, story.roll_path):
            self.server.route(path, self.article_answer(story))
        return story

    def article_answer(self, story: Story) -> Callable[[str], Answer]:
        def answer(path: str) -> Answer:
            if self.gate is not None:
                self.gate.wait()
            if story.doc_id in self.hung:
                self.released.wait()
            if self.delay:
                time.sleep(self.delay)
            spec = PageSpec(story.doc_id, story.title, story.paragraphs, story.created,
                            dated=story.dated)
            return Answer(200, article_page(spec), {"Content-Type": "text/html; charset=utf-8"})

        return answer

    def release(self) -> None:
        """Lets every waiting page go."""
        if self.gate is not None:
            self.gate.set()
        self.released.set()

    def item(self, story: Story, url: str = "") -> dict:
        seconds = str(int(story.created.timestamp()))
        return {
            "docid": f"comos:{story.doc_id[1:]}",
            "url": url or self.server.url(story.path),
            "wapurl": f"https://finance.sina.cn/china/gncj/{story.day}/detail-{story.doc_id}.d.html",
            "title": story.title,
            "intro": story.paragraphs[0],
            "media_name": "新华社",
            "ctime": seconds,
            "intime": seconds,
            "mtime": seconds,
            "commentid": f"cj:comos-{story.doc_id[1:]}:0",
        }

    def listing(self, lid: int, items: list[dict]) -> None:
        self.lists[lid] = items

    def roll_api(self, path: str) -> Answer:
        lid = int(parse_qs(urlsplit(path).query)["lid"][0])
        if lid in self.answers:
            return self.answers[lid](path)
        return self.listed_answer(path)

    def listed_answer(self, path: str) -> Answer:
        """The API's answer from the lists, whatever `answers` says."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        lid, num, page = int(query["lid"]), int(query["num"]), int(query["page"])
        if lid not in self.lists:
            return json_answer({"result": {"status": {"code": 11, "msg": "列表和页面没有经过注册"}}})
        items = self.lists[lid]
        start = max(0, (page - 1) * num - self.overlap)
        result = {
            "status": {"code": 0, "msg": "succ"},
            "timestamp": "Wed May 01 10:00:00 +0800 2024",
            "total": len(items),
            "start": start,
            "end": start + num,
            "lid": lid,
            "data": items[start:(page - 1) * num + num],
        }
        body = json.dumps({"result": result}, ensure_ascii=False)
        if lid in self.jsonp:
            body = f"try{{jQuery1112_1714528800({body});}}catch(e){{}};"
            return Answer(200, body.encode(), {"Content-Type": "application/javascript"})
        return Answer(200, body.encode(), {"Content-Type": "application/json; charset=utf-8"})

    def requests_for(self, start: int = 0) -> Counter[str]:
        """Article ids requested since the `start`-th request of the server."""
        ids: Counter[str] = Counter()
        for path in self.server.requests[start:]:
            match = re.search(r"/doc-(i[0-9a-z]{14})\.shtml", path)
            if match:
                ids[match.group(1)] += 1
        return ids

    def api_requests(self, start: int = 0) -> list[str]:
        return [p for p in self.server.requests[start:] if p.startswith(API)]


def json_answer(data: object, status: int = 200) -> Answer:
    body = json.dumps(data, ensure_ascii=False).encode()
    return Answer(status, body, {"Content-Type": "application/json; charset=utf-8"})


def channel(name: str, lid: int, list_url: str = "", label: str = NATIONAL) -> dict:
    return {"name": name, "title": f"频道{name}", "label": label, "pageid": 155, "lid": lid,
            "list_url": list_url}


def write_channels(folder: Path, channels: list[dict]) -> Path:
    path = folder / "channels.yaml"
    data = {
        "default_label": "新浪财经－综合",
        "sections": {"finance.sina.com.cn/china/": NATIONAL},
        "channels": channels,
        "default_channels": [channels[0]["name"]],
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def finance_args(site: LocalSina, out: Path, channels_file: Path, *args: str,
                 api: str = API, **settings: object) -> list[str]:
    base = {
        "OUTPUT_DIR": out,
        "CHANNELS_FILE": channels_file,
        "ROLL_API_URL": site.server.url(api),
        "ARTICLE_HOSTS": "127.0.0.1",
        "AUTOTHROTTLE_ENABLED": 0,
        "RETRY_TIMES": 1,
        "ROLL_PAGE_SIZE": 5,
        "LOG_LEVEL": "INFO",
    }
    base.update(settings)
    spider_args = [part for arg in args for part in ("-a", arg)]
    return [*spider_args, *settings_args(**base)]


def crawl(site: LocalSina, out: Path, channels_file: Path, *args: str,
          **settings: object) -> subprocess.CompletedProcess[str]:
    return scrapy_crawl("finance", *finance_args(site, out, channels_file, *args, **settings))


class BackgroundCrawl:
    """`scrapy crawl finance` running in the background, as tests/localserver.scrapy_crawl
    runs it. Its output goes to files, not pipes: a crawl whose pipe nobody reads (while
    the test waits on another one) would stall once the pipe is full."""

    def __init__(self, command: list[str]) -> None:
        self.stdout = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.stderr = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.process = subprocess.Popen(command, cwd=PROJECT, env=crawl_env(), stdout=self.stdout,
                                        stderr=self.stderr)

    def __enter__(self) -> BackgroundCrawl:
        return self

    def __exit__(self, *exc: object) -> None:
        """A test that fails midway leaves no crawl behind."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        self.process.kill()

    def send_signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def log(self) -> str:
        """What the crawl has logged so far (without moving the file offset it shares)."""
        fd, chunks, offset = self.stderr.fileno(), [], 0
        while chunk := os.pread(fd, 1 << 16, offset):
            chunks.append(chunk)
            offset += len(chunk)
        return b"".join(chunks).decode("utf-8", "replace")

    def finish(self, timeout: float = PATIENCE) -> subprocess.CompletedProcess[str]:
        """Waits for the crawl to end; its exit status and output."""
        self.process.wait(timeout=timeout)
        output = []
        for file in (self.stdout, self.stderr):
            file.seek(0)
            output.append(file.read())
            file.close()
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, *output)


def wait_for(condition: Callable[[], object], *crawls: BackgroundCrawl, what: str) -> None:
    """Waits until `condition()` holds; fails at once if one of `crawls` ends first. The
    time limit (PATIENCE) only keeps a broken test from hanging the suite."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        ended = [c for c in crawls if c.process.poll() is not None]
        if ended:
            pytest.fail(f"the crawl ended before {what}:\n{ended[0].log()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no sign, after {PATIENCE} s, of {what}")
        time.sleep(0.02)


def recorded(state: Path) -> set[str]:
    """The doc ids a crawl's SQLite state holds (read while the crawl may be writing it)."""
    if not state.exists():
        return set()
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return {row[0] for row in db.execute("SELECT doc_id FROM articles")}
    except sqlite3.OperationalError:  # not created yet
        return set()
    finally:
        db.close()


def start_crawl(site: LocalSina, out: Path, channels_file: Path, *args: str,
                **settings: object) -> BackgroundCrawl:
    return BackgroundCrawl([sys.executable, "-m", "scrapy", "crawl", "finance",
                            *finance_args(site, out, channels_file, *args, **settings)])


def stat(result: subprocess.CompletedProcess[str], key: str) -> int:
    """A counter from the stats Scrapy dumps at the end of the run (0 when absent)."""
    match = re.search(rf"'{re.escape(key)}': (\d+)", result.stderr)
    return int(match.group(1)) if match else 0


def assert_summary_adds_up(result: subprocess.CompletedProcess[str]) -> dict[str, int | str]:
    """The Summary's two sums hold, counting what a stopped run left (`not fetched`,
    `unfinished`) and what a resumed one took over (`inherited`); returns its terms."""
    terms = summary(result.stderr)
    assert terms["listed"] == (
        terms.get("unusable", 0) + terms["skipped as known"] + terms["duplicates"]
        + terms["fetched"] + terms.get("not fetched", 0)
    ), terms
    assert terms["fetched"] + terms.get("inherited", 0) == (
        terms["written"] + terms["changed"] + terms["unchanged"] + terms["dropped"]
        + terms.get("unfinished", 0)
    ), terms
    return terms


def posts(out: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md"))}


def check_post(text: str, story: Story, label: str = NATIONAL) -> None:
    """The FORMAT.md layout, with the story's values."""
    assert text.startswith("\n---\ntitle: '")
    assert text.endswith("\n  \n</div>\n            ")
    assert "\ncategories: \n - 金融\n - 新浪财经\n" in text
    meta = front_matter(text)
    assert meta["title"] == story.title
    assert meta["categories"] == ["金融", "新浪财经", label]
    assert meta["date"] == f"{story.created:%a, %d %b %Y %H:%M:%S} GMT"
    assert meta["author"] == "新浪财经" and meta["comments"] is False
    body = text.split("\n<div>   \n", 1)[1]
    assert story.paragraphs[0] in body and "责任编辑" in body
    assert "appendQr" not in body and "343233024.png" not in body


@pytest.fixture
def server():
    with LocalServer() as local:
        yield local


@pytest.fixture
def site(server: LocalServer) -> Iterator[LocalSina]:
    local = LocalSina(server)
    yield local
    local.release()


# --------------------------------------------------------------------------- runs


def test_first_run_writes_all_second_requests_no_article_third_gets_new_ones(
    site: LocalSina, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("aa", n) for n in range(1, 13)]  # 12 articles, newest first
    items = [site.item(s) for s in stories]
    # The same articles again, as listings give them: under /roll/, with tracking
    # parameters, and over https (which this server cannot serve: requesting it would
    # be a download error).
    items.insert(3, site.item(stories[1], site.server.url(stories[1].roll_path)))
    tracking = "?cre=tianyi&mod=pcpager_fin&loc=1&r=0&rfunc=93&tj=cxvertical_pc_pager_spt&tr=174"
    items.insert(7, site.item(stories[2], site.server.url(stories[2].path) + tracking))
    https = site.server.url(stories[4].path).replace("http://", "https://")
    items.insert(11, site.item(stories[4], https))
    site.listing(1686, items)

    first = crawl(site, out, channels)
    assert first.returncode == 0, first.stderr[-3000:]
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in stories)
    for story in stories:
        check_post(written[story.doc_id], story)
    # One request per article, whatever the number of URLs it was listed under.
    assert site.requests_for() == Counter({s.doc_id: 1 for s in stories})
    assert stat(first, "newscrawl/article_pages") == 12
    assert stat(first, "newscrawl/written") == 12
    assert stat(first, "newscrawl/listed_duplicates") >= 3
    assert stat(first, "newscrawl/dropped") == 0
    terms = summary(first.stderr)
    assert (terms["written"], terms["changed"], terms["unchanged"], terms["dropped"]) == (12, 0, 0, 0)
    assert terms["fetched"] == 12 and terms["listed"] == 12 + terms["duplicates"]
    assert not list(out.glob(".*.tmp"))
    # Every request, listing or article, as a browser coming from Sina Finance.
    for path, headers in site.server.received:
        assert headers.get("Referer") == "https://finance.sina.com.cn/", path
        assert headers.get("User-Agent", "").startswith("Mozilla/5.0 ("), path

    mark = len(site.server.requests)
    second = crawl(site, out, channels)
    assert second.returncode == 0, second.stderr[-3000:]
    assert site.requests_for(mark) == Counter()
    assert stat(second, "newscrawl/article_pages") == 0
    assert stat(second, "newscrawl/skipped_known") == 4  # the 5th entry is a duplicate
    assert len(site.api_requests(mark)) == 1  # page 1 holds known articles only: stop
    assert "a page of known articles only" in second.stderr
    assert posts(out) == written

    # Three new articles on top of the list, and an https URL of a known one.
    new = [site.story("ab", n, minutes=-n) for n in range(1, 4)]
    https0 = site.item(stories[0], site.server.url(stories[0].path).replace("http:", "https:"))
    site.listing(1686, [site.item(s) for s in new] + items[:1] + [https0] + items[1:])
    mark = len(site.server.requests)
    third = crawl(site, out, channels)
    assert third.returncode == 0, third.stderr[-3000:]
    assert site.requests_for(mark) == Counter({s.doc_id: 1 for s in new})
    assert stat(third, "newscrawl/written") == 3 and stat(third, "newscrawl/dropped") == 0
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories + new)

    # refresh=1: the known articles of the listing are fetched again; only the one whose
    # page changed is rewritten.
    site.stories[new[0].doc_id].title = "国务院部署重点工作（更新）"
    mark = len(site.server.requests)
    fourth = crawl(site, out, channels, "refresh=1")
    assert fourth.returncode == 0, fourth.stderr[-3000:]
    refetched = site.requests_for(mark)
    assert set(refetched) == {s.doc_id for s in new} | {stories[0].doc_id}
    assert max(refetched.values()) == 1
    assert stat(fourth, "newscrawl/changed") == 1
    assert stat(fourth, "newscrawl/unchanged") == len(refetched) - 1
    assert front_matter(posts(out)[new[0].doc_id])["title"] == "国务院部署重点工作（更新）"
    assert posts(out)[stories[5].doc_id] == written[stories[5].doc_id]


def test_api_error_shapes_are_logged_and_other_channels_go_on(
    site: LocalSina, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    names = {"plain": 1, "jsonp": 2, "code11": 3, "html": 4, "forbidden": 5, "broken": 6}
    channels = write_channels(tmp_path, [channel(name, lid) for name, lid in names.items()])
    # One page states no time at all: the post's date is the API's ctime.
    plain = [site.story("pa", n, dated=n != 2) for n in range(1, 4)]
    site.listing(1, [site.item(s) for s in plain])
    site.listing(2, [site.item(site.story("jp", n)) for n in range(1, 4)])
    site.jsonp.add(2)
    # lid 3 is not in site.lists: the API answers status 11, as for unregistered pairs.
    html = b"<!DOCTYPE html><html><head><title>Sina</title></head><body>404</body></html>"
    site.answers[4] = lambda path: Answer(200, html, {"Content-Type": "text/html"})
    site.answers[5] = lambda path: json_answer({"error": "forbidden"}, 403)
    site.answers[6] = lambda path: Answer(500, b"Internal Server Error")

    result = crawl(site, out, channels, "channels=" + ",".join(names))
    assert result.returncode == 0, result.stderr[-3000:]
    written = posts(out)
    assert len(written) == 6  # plain and JSONP channels listed, articles written
    for story in plain:
        check_post(written[story.doc_id], story)
    errors = [line for line in result.stderr.splitlines() if "] ERROR:" in line]
    causes = {
        "code11": "API status 11 '列表和页面没有经过注册'",
        "html": "HTML where JSON was expected",
        "forbidden": "HTTP 403",
        "broken": "HTTP 500",
    }
    for name, cause in causes.items():
        lid = names[name]
        mine = [e for e in errors if f"Channel {name} (频道{name})" in e]
        assert len(mine) == 1, errors
        assert f"lid={lid}&num=5&page=1" in mine[0] and cause in mine[0], mine
    assert len(errors) == 4, errors  # retries give up quietly: one ERROR per channel
    api = site.api_requests()
    # 5xx is retried (RETRY_TIMES=1), 403 is not: Sina's 403 is a refusal, not a hiccup.
    assert sum("lid=6&" in p for p in api) == 2
    assert sum("lid=5&" in p for p in api) == 1
    assert stat(result, "newscrawl/listing_errors") == 4


def test_failed_api_listing_falls_back_to_the_list_page(site: LocalSina, tmp_path: Path) -> None:
    out = tmp_path / "out"
    china = [site.story("cn", n) for n in range(1, 4)]
    roll = [site.story("rl", n) for n in range(1, 3)]
    # finance.sina.com.cn/china/: article links anywhere on the page
    china_page = "".join(
        f'<li><a href="{s.path}?cre=tianyi" target="_blank">{s.title}</a></li>' for s in china
    )
    site.server.page("/china/", f"""<html><head><meta charset="utf-8"></head><body>
        <div class="m-hdline"><a href="/china/">国内财经</a></div>
        <ul class="m-list">{china_page}</ul>
        <a href="http://finance.sina.com.cn/stock/">股票</a></body></html>""".encode())
    # roll/index.d.html: GBK, ul.list_009
    roll_items = "".join(
        f'<li><a href="{site.server.url(s.roll_path)}">{s.title}</a><span>(05月01日 10:00)</span></li>'
        for s in roll
    )
    site.server.page("/roll/index.d.html", f"""<html><head>
        <meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>
        <div id="Main"><ul class="list_009">{roll_items}</ul></div></body></html>""".encode("gb18030"))
    channels = write_channels(tmp_path, [
        channel("china", 1686, site.server.url("/china/")),
        channel("roll", 2519, site.server.url("/roll/index.d.html?cid=56589"), "新浪财经－滚动"),
        channel("gone", 1687, site.server.url("/gone/")),
    ])
    site.answers[2519] = lambda path: Answer(502, b"Bad Gateway")
    # 1686 and 1687: status 11

    result = crawl(site, out, channels, "channels=china,roll,gone")
    assert result.returncode == 0, result.stderr[-3000:]
    written = posts(out)
    assert sorted(written) == sorted(s.doc_id for s in china + roll)
    for story in china + roll:  # the roll listing's articles live under /china/ too
        check_post(written[story.doc_id], story)
    errors = [line for line in result.stderr.splitlines() if "] ERROR:" in line]
    assert any("Channel china" in e and "API status 11" in e for e in errors)
    assert any("Channel roll" in e and "HTTP 502" in e for e in errors)
    assert any("Channel gone" in e and site.server.url("/gone/") in e and "HTTP 404" in e
               for e in errors)
    assert "newscrawl/failed" not in result.stderr


def test_no_channel_listed_fails_the_run(site: LocalSina, tmp_path: Path) -> None:
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [
        channel("china", 1686, site.server.url("/china/")),  # list page: 404
        channel("macro", 1687),
    ])
    site.answers[1686] = lambda path: Answer(503, b"Service Unavailable")
    result = crawl(site, out, channels, "channels=china,macro")
    assert result.returncode == 1
    assert "No channel could be listed (china, macro)" in result.stderr
    assert "finished: no-listing" in result.stderr
    assert not posts(out)


def test_unknown_channel_stops_at_start_naming_the_known_ones(
    site: LocalSina, tmp_path: Path
) -> None:
    channels = write_channels(tmp_path, [channel("china", 1686), channel("macro", 1687)])
    result = crawl(site, tmp_path / "out", channels, "channels=china,nope")
    assert result.returncode == 1
    assert "argument 'channels': unknown channel(s) nope; known: china, macro" in result.stderr
    assert site.server.requests == []


@pytest.mark.parametrize(
    "argument, message",
    [
        ("max_pages=two", "argument 'max_pages': expected a whole number >= 1, got 'two'"),
        ("max_pages=0", "argument 'max_pages'"),
        ("since=2024-02-30", "argument 'since': expected a date YYYY-MM-DD, got '2024-02-30'"),
        ("refresh=maybe", "argument 'refresh': expected 1 or 0, got 'maybe'"),
    ],
)
def test_bad_arguments_fail_naming_the_argument(
    site: LocalSina, tmp_path: Path, argument: str, message: str
) -> None:
    channels = write_channels(tmp_path, [channel("china", 1686)])
    result = crawl(site, tmp_path / "out", channels, argument)
    assert result.returncode == 1
    assert message in result.stderr
    assert site.server.requests == []


def test_max_pages_and_since_bound_the_walk(site: LocalSina, tmp_path: Path) -> None:
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    # 20 articles, one every 6 hours back from 2024-05-01 10:00 Beijing time.
    stories = [site.story("mp", n, minutes=360 * n) for n in range(0, 20)]
    site.listing(1686, [site.item(s) for s in stories])
    site.overlap = 0

    capped = crawl(site, out, channels, "max_pages=2")
    assert capped.returncode == 0, capped.stderr[-3000:]
    assert len(site.api_requests()) == 2
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories[:10])

    # Backfill to 2024-04-28 (Beijing): past the first pages of known articles, and no
    # further than the first page that reaches an older article.
    mark = len(site.server.requests)
    backfill = crawl(site, out, channels, "since=2024-04-28")
    assert backfill.returncode == 0, backfill.stderr[-3000:]
    wanted = [s for s in stories if s.created >= datetime(2024, 4, 27, 16, tzinfo=UTC)]
    assert len(wanted) == 14
    assert sorted(posts(out)) == sorted(s.doc_id for s in wanted)
    assert set(site.requests_for(mark)) == {s.doc_id for s in wanted[10:]}
    assert len(site.api_requests(mark)) == 3
    assert "reached 2024-04-28" in backfill.stderr


def test_second_run_on_the_same_state_refuses(site: LocalSina, tmp_path: Path) -> None:
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("cc", n) for n in range(1, 9)]
    site.listing(1686, [site.item(s) for s in stories])
    site.gate = threading.Event()  # the first crawl's article pages hang until set
    first = start_crawl(site, out, channels, DOWNLOAD_TIMEOUT=HANG)
    try:
        # The first crawl holds the state from before its first request.
        wait_for(site.api_requests, first, what="the first crawl's listing request")
        second = crawl(site, out, channels, api="/api2/roll/get")
        assert second.returncode == 1
        assert "is in use by another crawl" in second.stderr
        assert "finished: state-locked" in second.stderr
        assert not site.server.requested("/api2/")
    finally:
        site.gate.set()
        result = first.finish()
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)


def test_killed_run_leaves_no_partial_file_and_the_rerun_completes(
    site: LocalSina, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("kk", n) for n in range(1, 31)]
    site.listing(1686, [site.item(s) for s in stories])
    # The first ten are written; the others hang, so the kill comes mid-run.
    site.hung = {s.doc_id for s in stories[10:]}
    run = start_crawl(site, out, channels, CONCURRENT_REQUESTS=3, ROLL_PAGE_SIZE=10,
                      DOWNLOAD_TIMEOUT=HANG)
    state = out / ".newscrawl" / "state.sqlite3"
    wait_for(lambda: len(recorded(state)) == 10 and set(site.requests_for()) & site.hung, run,
             what="ten articles recorded and the next ones requested")
    run.kill()  # SIGKILL: no spider_closed, no cleanup
    run.finish()
    before = posts(out)
    assert sorted(before) == sorted(s.doc_id for s in stories[:10])
    for ident, text in before.items():  # what is there is whole
        check_post(text, site.stories[ident])
    # What a kill in the middle of write_atomically leaves behind.
    stale = out / f".{stories[-1].doc_id}.md.k1ll3d.tmp"
    stale.write_text("\n---\ntitle: '半")

    site.release()
    mark = len(site.server.requests)
    rerun = crawl(site, out, channels, ROLL_PAGE_SIZE=10)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    after = posts(out)
    assert sorted(after) == sorted(s.doc_id for s in stories)
    for ident, text in after.items():
        check_post(text, site.stories[ident])
    assert not list(out.glob(".*.tmp"))
    requested = site.requests_for(mark)
    assert max(requested.values()) == 1
    assert set(requested) == set(after) - set(before)
    assert stat(rerun, "newscrawl/written") == 20


def test_rerun_after_a_kill_finds_what_hides_under_a_page_of_known_articles(
    site: LocalSina, tmp_path: Path
) -> None:
    """Page 1 written, page 2 listed but not written when the run dies: the next run's
    page 1 is all known, yet the walk must go on to page 2."""
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("hg", n) for n in range(1, 21)]
    site.listing(1686, [site.item(s) for s in stories])
    site.overlap = 0
    site.hung = {s.doc_id for s in stories[10:]}
    run = start_crawl(site, out, channels, ROLL_PAGE_SIZE=10, DOWNLOAD_TIMEOUT=HANG)
    # Page 1's articles recorded, and page 2 listed: one of its pages was requested (the
    # walk's note is written before its requests are).
    state = out / ".newscrawl" / "state.sqlite3"
    wait_for(lambda: len(recorded(state)) == 10 and set(site.requests_for()) & site.hung, run,
             what="page 1 recorded and page 2 listed")
    run.kill()
    run.finish()
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories[:10])

    site.release()
    rerun = crawl(site, out, channels, ROLL_PAGE_SIZE=10)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "a previous run stopped before it was done" in rerun.stderr
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
    assert stat(rerun, "newscrawl/written") == 10

    mark = len(site.server.requests)
    quiet = crawl(site, out, channels, ROLL_PAGE_SIZE=10)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert len(site.api_requests(mark)) == 1  # the walk of the rerun ended: no resume
    assert site.requests_for(mark) == Counter()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_jobdir_pauses_and_resumes(site: LocalSina, tmp_path: Path, signum: int) -> None:
    """Ctrl-C (or SIGTERM) once with `-s JOBDIR`: the queue is kept on disk and the next
    run takes it up. The stopped run exits 130: it did not finish, and nothing failed."""
    out, job = tmp_path / "out", tmp_path / "job"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = [site.story("jd", n) for n in range(1, 41)]
    site.listing(1686, [site.item(s) for s in stories])
    site.hung = {s.doc_id for s in stories[10:]}
    run = start_crawl(site, out, channels, JOBDIR=job, CONCURRENT_REQUESTS=2, ROLL_PAGE_SIZE=10,
                      DOWNLOAD_TIMEOUT=HANG)
    wait_for(lambda: len(posts(out)) == 10 and set(site.requests_for()) & site.hung, run,
             what="ten posts written and the next pages requested")
    run.send_signal(signum)
    # The stop waits for the requests under way: they get their pages once it began.
    wait_for(lambda: "shutting down gracefully" in run.log(), run, what="the graceful stop")
    site.release()
    result = run.finish()
    assert result.returncode == 130, result.stderr[-3000:]
    assert "finished: shutdown" in result.stderr
    assert "ERROR" not in result.stderr
    paused = posts(out)
    assert 10 <= len(paused) <= 12  # and the two requests under way
    assert_summary_adds_up(result)

    resumed = crawl(site, out, channels, JOBDIR=job, ROLL_PAGE_SIZE=10)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming crawl" in resumed.stderr
    # What the paused run had queued is inherited; what this one lists again is duplicate.
    terms = assert_summary_adds_up(resumed)
    assert "not fetched" not in terms and "unfinished" not in terms
    assert terms["written"] == 40 - len(paused)
    assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
    assert max(site.requests_for().values()) == 1  # nothing fetched twice
    assert "ERROR" not in resumed.stderr


def test_scale_500_articles_three_channels(site: LocalSina, tmp_path: Path) -> None:
    """Runs in a few seconds: small pages, many requests at once."""
    out = tmp_path / "out"
    names = {"china": 1686, "macro": 1687, "money": 1690}
    channels = write_channels(tmp_path, [channel(name, lid) for name, lid in names.items()])
    stories = [site.story("sc", n) for n in range(1, 501)]
    for i, lid in enumerate(names.values()):
        # Each channel lists its third, plus some of the next one's (a story in two lists).
        mine = stories[i * 167:(i + 1) * 167 + 10]
        site.listing(lid, [site.item(s) for s in mine])
    fast = {"CONCURRENT_REQUESTS": 64, "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
            "ROLL_PAGE_SIZE": 20}

    first = crawl(site, out, channels, "channels=china,macro,money", **fast)
    assert first.returncode == 0, first.stderr[-3000:]
    assert len(list(out.glob("*.md"))) == 500
    assert stat(first, "newscrawl/written") == 500
    assert max(site.requests_for().values()) == 1

    mark = len(site.server.requests)
    second = crawl(site, out, channels, "channels=china,macro,money", **fast)
    assert second.returncode == 0, second.stderr[-3000:]
    assert site.requests_for(mark) == Counter()
    assert stat(second, "newscrawl/article_pages") == 0
    assert len(site.api_requests(mark)) == 3
