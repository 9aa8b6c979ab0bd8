"""A post's label is a function of its article: the section of its canonical URL, whatever
listing reached it first or again. End to end: the real `scrapy crawl finance` (and
`article`) against a roll API and article pages on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from localserver import Answer, LocalServer, scrapy_crawl, settings_args
from pagegen import PageSpec, article_page

from newscrawl.exporters import front_matter

NATIONAL, STOCK, ROLL = "新浪财经－国內", "新浪财经－股票", "新浪财经－滚动"
CHINA_LID, ROLL_LID = 1686, 2519
T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
# Where the articles live on Sina: their og:url. The last is under no configured section.
ARTICLES = {
    "ilabels00000001": "https://finance.sina.com.cn/china/gncj/2024-05-01/doc-ilabels00000001.shtml",
    "ilabels00000002": "https://finance.sina.com.cn/stock/jsy/2024-05-01/doc-ilabels00000002.shtml",
    "ilabels00000003": "https://finance.sina.com.cn/tech/2024-05-01/doc-ilabels00000003.shtml",
}
CHINA_ARTICLE, STOCK_ARTICLE, UNSECTIONED = ARTICLES


class Site:
    """The roll API (one list of doc ids per lid) and the article pages on 127.0.0.1."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.lists: dict[int, list[str]] = {}
        server.route("/api/roll/get", self.roll_api)
        for n, (ident, url) in enumerate(ARTICLES.items()):
            spec = PageSpec(ident, f"第{n}篇报道", [f"第{n}篇报道的第一段。"],
                            T0 - timedelta(minutes=n), url=url)
            server.page(self.path(ident), article_page(spec), "text/html; charset=utf-8")

    @staticmethod
    def path(ident: str) -> str:
        return f"/pages/doc-{ident}.shtml"

    def roll_api(self, path: str) -> Answer:
        query = parse_qs(urlsplit(path).query)
        listed = self.lists[int(query["lid"][0])] if query["page"] == ["1"] else []
        data = [{"docid": f"comos:{ident[1:]}", "url": self.server.url(self.path(ident)),
                 "title": ident, "ctime": str(int(T0.timestamp()))} for ident in listed]
        result = {"status": {"code": 0}, "total": len(self.lists[int(query["lid"][0])]),
                  "data": data}
        return Answer(200, json.dumps({"result": result}).encode(),
                      {"Content-Type": "application/json; charset=utf-8"})


@pytest.fixture
def site():
    with LocalServer() as server:
        yield Site(server)


def channels_file(folder: Path) -> Path:
    path = folder / "channels.yaml"
    path.write_text(yaml.safe_dump({
        "default_label": "新浪财经－综合",
        "sections": {
            "finance.sina.com.cn/china/": NATIONAL,
            "finance.sina.com.cn/stock/": STOCK,
            "finance.sina.com.cn/roll/": ROLL,
        },
        "channels": [
            {"name": "china", "title": "国内", "label": NATIONAL, "pageid": 155,
             "lid": CHINA_LID},
            {"name": "roll", "title": "滚动", "label": ROLL, "pageid": 384, "lid": ROLL_LID},
        ],
    }, allow_unicode=True), encoding="utf-8")
    return path


def finance(site: Site, tmp_path: Path, out: str, *args: str):
    spider_args = [part for arg in args for part in ("-a", arg)]
    return scrapy_crawl("finance", *spider_args, *settings_args(
        OUTPUT_DIR=tmp_path / out, CHANNELS_FILE=channels_file(tmp_path),
        ROLL_API_URL=site.server.url("/api/roll/get"), ARTICLE_HOSTS="127.0.0.1",
        AUTOTHROTTLE_ENABLED=0, LOG_LEVEL="INFO",
    ))


def labels(folder: Path) -> dict[str, str]:
    return {p.stem: front_matter(p.read_text(encoding="utf-8"))["categories"][2]
            for p in folder.glob("*.md")}


def test_the_label_is_the_articles_own_whichever_channel_lists_it(site, tmp_path):
    # The roll channel lists everything; the china channel the articles of both sections.
    site.lists[ROLL_LID] = [*ARTICLES]
    site.lists[CHINA_LID] = [CHINA_ARTICLE, STOCK_ARTICLE]
    expected = {CHINA_ARTICLE: NATIONAL, STOCK_ARTICLE: STOCK,
                UNSECTIONED: ROLL}  # under no section: the listing's label

    through_roll = finance(site, tmp_path, "a", "channels=roll")
    assert through_roll.returncode == 0, through_roll.stderr[-3000:]
    assert labels(tmp_path / "a") == expected

    # the same articles through the other channel, then both, in either order
    refresh = finance(site, tmp_path, "a", "channels=china", "refresh=1")
    assert refresh.returncode == 0, refresh.stderr[-3000:]
    assert "= written 0 + changed 0 + unchanged 2 +" in refresh.stderr
    for order in ("china,roll", "roll,china"):
        both = finance(site, tmp_path, order, f"channels={order}")
        assert both.returncode == 0, both.stderr[-3000:]
        assert labels(tmp_path / order) == expected, order
    refresh = finance(site, tmp_path, "a", "channels=roll,china", "refresh=1")
    assert "= written 0 + changed 0 + unchanged 3 +" in refresh.stderr
    assert labels(tmp_path / "a") == expected


def test_a_label_given_on_the_command_line_wins(site, tmp_path):
    url = site.server.url(site.path(STOCK_ARTICLE))
    args = settings_args(OUTPUT_DIR=tmp_path / "out", ARTICLE_HOSTS="127.0.0.1")
    own = scrapy_crawl("article", "-a", f"url={url}", *args)
    assert own.returncode == 0, own.stderr[-3000:]
    assert labels(tmp_path / "out") == {STOCK_ARTICLE: STOCK}
    given = scrapy_crawl("article", "-a", f"url={url}", "-a", "label=新浪财经－专题", *args)
    assert given.returncode == 0, given.stderr[-3000:]
    assert labels(tmp_path / "out") == {STOCK_ARTICLE: "新浪财经－专题"}
    assert "= written 0 + changed 1 +" in given.stderr
