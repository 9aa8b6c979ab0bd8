"""Hexo, for real: the posts that `scrapy crawl article` writes from the fixture pages, and
from variants of a T3 page with the nastiest titles, build with the pinned Hexo 7.3.0.

One crawl and one `hexo generate` for the whole module. Needs Node.js and npm: without them
these tests skip ("npm not installed"), except under CI (env CI set), where they fail.
"""

from __future__ import annotations

import html
import json
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import hexosite
import pytest
import yaml
from localserver import LocalServer, scrapy_crawl, settings_args

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "pages"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
TEMPLATE = "t3_finance.html"

NASTY_TITLES = [
    'He said "it\'s" 50%: ok #1',
    "他说\"不\"，她说'是'：It's a \"test\"",
    "美联储: 加息25个基点 #市场 反应: 强烈 #1",
    "- 开头横线 --- 中间也有",
    "* 星号开头 *",
    "& 锚点开头 &amp; 实体",
    "{{ 大括号 }} {% raw %} {# 注释 #} {",
    "{开头花括号: 值}",
    "[开头方括号] ? 问号",
    "? 问号开头",
    "! 感叹号 | 竖线 > 大于 % 百分号 @提及 `反引号`",
    "表情 🚀📈 比特币₿ 𠮷野家",
    "''双撇号'' 和 it''s 和 '",
    "2021-10-20",
    "true",
    "null",
    "0x1F",
    r"C:\path\n 反斜杠",
    "第一行\n  第二行",
]


def front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("\n---\n", 2)[1])


def content_type(name: str) -> str:
    return "text/html; charset=gbk" if name.startswith("t1_") else "text/html; charset=utf-8"


def nasty_pages() -> dict[str, bytes]:
    """Doc id -> the T3 fixture page with its h1 (and doc id) replaced, one per title."""
    template = (PAGES / TEMPLATE).read_text(encoding="utf-8")
    h1 = re.search(r'<h1 class="main-title">.*?</h1>', template, re.S).group()
    doc_id = EXPECTED[TEMPLATE]["doc_id"]
    pages = {}
    for i, title in enumerate(NASTY_TITLES):
        new_id = doc_id[:-2] + f"{i:02d}"
        escaped = title.replace("&", "&amp;").replace("<", "&lt;")
        page = template.replace(h1, f'<h1 class="main-title">{escaped}</h1>', 1)
        page = page.replace(doc_id, new_id).replace(doc_id[1:], new_id[1:])
        pages[new_id] = page.encode("utf-8")
    return pages


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """(posts by doc id, the Hexo build, nasty title by doc id)."""
    hexosite.require_hexo()
    tmp = tmp_path_factory.mktemp("hexo-e2e")
    nasty = nasty_pages()
    with LocalServer() as server:
        urls = [
            server.page(f"/fixtures/{name}", (PAGES / name).read_bytes(), content_type(name))
            for name in sorted(EXPECTED)
        ]
        urls += [
            server.page(f"/nasty/{doc_id}.shtml", page, "text/html; charset=utf-8")
            for doc_id, page in nasty.items()
        ]
        result = scrapy_crawl(
            "article", "-a", "url=" + ",".join(urls),
            *settings_args(OUTPUT_DIR=tmp / "out", ARTICLE_HOSTS="127.0.0.1",
                           AUTOTHROTTLE_ENABLED="False"),
        )
    assert result.returncode == 0, result.stderr
    posts = {p.stem: p for p in (tmp / "out").glob("*.md")}
    assert len(posts) == len(EXPECTED) + len(nasty), result.stderr
    build = hexosite.build_site(sorted(posts.values()), tmp / "site")
    titles = dict(zip(nasty, NASTY_TITLES, strict=True))
    return posts, build, titles


def test_hexo_generate_succeeds_without_problems(site) -> None:
    _, build, _ = site
    assert build.returncode == 0 and not build.timed_out, build.describe()
    assert build.problems() == [], build.describe()  # no ERROR, WARN or FATAL line
    config = yaml.safe_load((build.workdir / "_config.yml").read_text(encoding="utf-8"))
    assert "timezone" in config and config["timezone"] is None


def test_one_page_per_post(site) -> None:
    posts, build, _ = site
    assert build.page_stems() == sorted(posts), build.describe()


def test_rendered_title_is_the_yaml_title(site) -> None:
    posts, build, titles = site
    for doc_id, post in posts.items():
        meta = front_matter(post.read_text(encoding="utf-8"))
        page = build.page_for(doc_id)
        assert page.title == meta["title"], doc_id
        title_element = page.html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert html.unescape(title_element) == meta["title"], doc_id
        if doc_id in titles:
            assert meta["title"] == " ".join(titles[doc_id].split())
    for want in EXPECTED.values():
        assert build.page_for(want["doc_id"]).title == want["title"]


def test_date_is_the_posts_gmt_instant(site) -> None:
    posts, build, _ = site
    for doc_id, post in posts.items():
        meta = front_matter(post.read_text(encoding="utf-8"))
        assert meta["date"].endswith(" GMT")
        instant = parsedate_to_datetime(meta["date"])
        assert build.page_for(doc_id).date == instant.strftime("%Y-%m-%dT%H:%M:%S.000Z"), doc_id
    for want in EXPECTED.values():
        instant = parsedate_to_datetime(want["date"])
        page = build.page_for(want["doc_id"])
        assert page.date == instant.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_categories_are_finance_sina_then_the_label(site) -> None:
    posts, build, _ = site
    for doc_id, post in posts.items():
        meta = front_matter(post.read_text(encoding="utf-8"))
        label = meta["categories"][2]
        assert meta["categories"] == ["金融", "新浪财经", label] and label
        page = build.page_for(doc_id)
        assert page.categories == ["金融", "新浪财经", label], doc_id
        assert page.data["headimg"] == page.data["thumbnail"] == meta["headimg"]
        assert page.data["author"] == "新浪财经" and page.data["comments"] is False
