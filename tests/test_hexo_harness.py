"""Tests of the Hexo build check (tests/hexosite.py on newscrawl.hexo), and of the two Hexo
behaviours the post format is designed around: braces in a body reach Nunjucks, and post
dates depend on the site's `timezone` setting but not on the machine's zone.

Posts are written with the project's own writer (newscrawl.exporters.render_post); the
end-to-end check of crawled posts is tests/test_hexo.py. Needs Node.js and npm: without
them the Hexo tests skip ("npm not installed"), except under CI (env CI set), where they fail.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import hexosite
import pytest
import yaml

from newscrawl.clean import clean_body
from newscrawl.exporters import render_post
from newscrawl.items import Article

NATIONAL = "新浪财经－国內"  # full-width hyphen U+FF0D, 內 U+5167

# Instants whose calendar day differs between UTC, Beijing and New York.
DATES = {
    "doc-date-a": (datetime(2021, 10, 20, 12, 36, 14, tzinfo=UTC), "2021-10-20T12:36:14.000Z"),
    "doc-date-b": (datetime(2021, 12, 31, 16, 0, 0, tzinfo=UTC), "2021-12-31T16:00:00.000Z"),
    "doc-date-c": (datetime(2022, 3, 13, 6, 30, 0, tzinfo=UTC), "2022-03-13T06:30:00.000Z"),
}


def write_post(
    directory: Path,
    stem: str,
    body: str,
    *,
    title: str = "花括号测试",
    published: datetime = DATES["doc-date-a"][0],
) -> Path:
    """A post written by the project's writer; `body` is the (already cleaned) body HTML."""
    article = Article(
        doc_id=stem,
        url=f"https://finance.sina.com.cn/china/gncj/2021-10-20/{stem}.shtml",
        title=title,
        published=published,
        label=NATIONAL,
        body=body,
        headimg="https://n.sinaimg.cn/finance/crawl/20211020/9f1b.jpg",
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.md"
    path.write_bytes(render_post(article).encode("utf-8"))
    return path


def date_posts(directory: Path) -> list[Path]:
    return [
        write_post(directory, stem, "<p>日期</p>", title=stem, published=moment)
        for stem, (moment, _) in DATES.items()
    ]


@pytest.fixture(scope="module")
def hexo_modules() -> Path:
    """The pinned packages, installed once (``npm ci`` into the cache)."""
    return hexosite.require_hexo()


# --------------------------------------------------------------------------- braces


@pytest.mark.parametrize(
    "fragment",
    ["{{ 未闭合", "{% 不是标签 %}", "{%", "{# 未闭合注释"],
    ids=["open-var", "unknown-tag", "bare-block", "open-comment"],
)
def test_unescaped_braces_break_generate(hexo_modules: Path, tmp_path: Path, fragment) -> None:
    """One stray ``{{``/``{%``/``{#`` stops ``hexo generate`` for the whole site, which is
    why the cleaner writes every brace as an entity."""
    good = write_post(tmp_path / "posts", "doc-good", "<p>正常</p>")
    bad = write_post(tmp_path / "posts", "doc-bad", f"<p>价格 {fragment} 元</p>")
    build = hexosite.build_site([good, bad], tmp_path / "site")
    assert build.returncode != 0, build.describe()
    assert any("FATAL" in line for line in build.output), build.describe()
    assert any(
        "Nunjucks Error" in line or "Template render error" in line for line in build.output
    ), build.describe()
    assert build.pages == []  # nothing at all is generated, not even the good post


@pytest.fixture(scope="module")
def braces_build(hexo_modules: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("hexo-braces")
    raw = (
        "<p>模板语法：{{ x }} 与 {% raw %} 与 {# c #}</p>"
        "<p>半个括号 { 和 } 以及 {{price}}元</p><p># 不是标题</p><p>* 不是列表 *</p>"
    )
    posts = {
        "escaped": write_post(base / "posts", "doc-escaped", clean_body(raw)),
        "variable": write_post(base / "posts", "doc-var", "<p>前 {{ x }} 后</p>"),
        "lone": write_post(base / "posts", "doc-lone", "<p>a } b { c</p>"),
    }
    build = hexosite.build_site(list(posts.values()), base / "site")
    assert build.ok and build.problems() == [], build.describe()
    return posts, build


def test_escaped_braces_render_as_text(braces_build) -> None:
    posts, build = braces_build
    page = build.page_for(posts["escaped"])
    text = html.unescape(page.content)
    assert "{{ x }} 与 {% raw %} 与 {# c #}" in text
    assert "半个括号 { 和 } 以及 {{price}}元" in text
    # the body is one raw HTML block for marked: no markdown headings or lists inside
    assert "<h1" not in page.content and "<li" not in page.content
    assert "# 不是标题" in text and "* 不是列表 *" in text


def test_unescaped_variable_silently_vanishes(braces_build) -> None:
    """A complete ``{{ x }}`` does not fail the build: Nunjucks eats it (text is lost)."""
    posts, build = braces_build
    assert "<p>前  后</p>" in build.page_for(posts["variable"]).content


def test_lone_braces_are_harmless(braces_build) -> None:
    posts, build = braces_build
    assert "<p>a } b { c</p>" in build.page_for(posts["lone"]).content


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("tz", ["UTC", "Asia/Shanghai", "America/New_York"])
def test_date_does_not_depend_on_machine_timezone(
    hexo_modules: Path, tmp_path: Path, tz: str
) -> None:
    """The instant is the post's GMT date whatever the machine's zone (``TZ``)..."""
    build = hexosite.build_site(date_posts(tmp_path / "posts"), tmp_path / "site", env={"TZ": tz})
    assert build.ok and build.problems() == [], build.describe()
    for stem, (_, iso) in DATES.items():
        assert build.page_for(stem).date == iso
    # ... but the calendar day of a :year/:month/:day permalink is the machine's (README:
    # build with TZ=Asia/Shanghai for Beijing days)
    day = "2022/01/01" if tz == "Asia/Shanghai" else "2021/12/31"
    assert build.page_for("doc-date-b").path == f"{day}/doc-date-b/"


def test_timezone_setting_would_shift_dates(hexo_modules: Path, tmp_path: Path) -> None:
    """Why _config.yml leaves ``timezone`` empty: a zone shifts every GMT date."""
    build = hexosite.build_site(
        date_posts(tmp_path / "posts"), tmp_path / "site",
        config={"timezone": "Asia/Shanghai"}, env={"TZ": "UTC"},
    )
    assert build.ok, build.describe()
    assert build.page_for("doc-date-a").date == "2021-10-20T04:36:14.000Z"  # 8 hours early


# --------------------------------------------------------------------------- the harness


def test_site_config_leaves_timezone_empty() -> None:
    config = yaml.safe_load(hexosite.site_config())
    assert "timezone" in config and config["timezone"] is None
    overridden = yaml.safe_load(hexosite.site_config({"timezone": "UTC"}))
    assert overridden["timezone"] == "UTC"


def test_second_install_hits_the_cache(hexo_modules: Path) -> None:
    assert hexosite.ensure_node_modules() == hexo_modules
    assert (hexo_modules / "hexo" / "package.json").is_file()
    assert hexo_modules.parent.name == hexosite.lock_key()
