"""Tests of the Hexo build check in tests/hexo/ (the harness itself).

The posts are written here, in the FORMAT.md layout byte for byte, and built with the pinned
Hexo. Needs Node.js and npm: without them these tests skip ("npm not installed"), except
under CI (env CI set), where they fail.
"""

from __future__ import annotations

import html
import importlib.util
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import yaml

HERE = Path(__file__).resolve().parent
SEED = HERE.parent.parent / "shared" / "seed" / "000_63949f84bc29507f.txt"


import hexosite as hexo_site  # noqa: E402

NATIONAL = "新浪财经－国內"  # full-width hyphen U+FF0D, 內 U+5167
IMG = "https://n.sinaimg.cn/finance/crawl/117/w550h367/20211020/9f1b-ktzscyy0713985.jpg"


# --------------------------------------------------------------------------- post writer


def yaml_single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def yaml_category(label: str) -> str:
    """Plain when YAML reads it back unchanged, else single-quoted (FORMAT.md)."""
    try:
        plain_ok = yaml.safe_load(f"x: {label}\n") == {"x": label}
    except yaml.YAMLError:
        plain_ok = False
    return label if plain_ok else yaml_single_quoted(label)


def format_post(
    title: str,
    label: str,
    date: str,
    body_lines: Sequence[str],
    image: str = IMG,
) -> str:
    """One post in the exact FORMAT.md layout (what the project's writer must produce)."""
    head = (
        "\n"
        "---\n"
        f"title: {yaml_single_quoted(title)}\n"
        "categories: \n"
        " - 金融\n"
        " - 新浪财经\n"
        f" - {yaml_category(label)}\n"
        f"headimg: {yaml_single_quoted(image)}\n"
        "author: 新浪财经\n"
        "comments: false\n"
        f"date: {date}\n"
        f"thumbnail: {yaml_single_quoted(image)}\n"
        "---\n"
        "\n"
    )
    body = "<div>   \n" + "".join(line + "\n" for line in body_lines) + "  \n</div>\n" + " " * 12
    return head + body


def front_matter(text: str) -> dict:
    assert text.startswith("\n---\n")
    return yaml.safe_load(text[len("\n---\n") :].split("\n---\n", 1)[0])


@dataclass(frozen=True)
class PostCase:
    stem: str
    title: str
    label: str
    date: str  # RFC 1123 GMT, as in the file
    iso: str  # the instant Hexo must render
    body: tuple[str, ...] = ()


BODY = (
    '<p cms-style="font-L">\u3000\u3000正文第一段，带全角缩进。</p>',
    '<div class="img_wrapper"><img src="' + IMG + '" referrerpolicy="no-referrer" alt="">'
    '<span class="img_descr">图片说明</span></div>',
    "<p>模板语法已转义：&#123;&#123; x &#125;&#125; 与 &#123;% raw %&#125;"
    " 与 &#123;# c #&#125;</p>",
    "<p>半个括号 &#123; 和 &#125; 以及 &#123;&#123;price&#125;&#125;元</p>",
    "<p># 不是标题</p>",
    "<p>* 不是列表 *</p>",
    "<table><tr><td>代码</td><td>涨幅</td></tr><tr><td>600000</td><td>+1.5%</td></tr></table>",
    "<blockquote><p>引用 &amp; 强调 <strong>重点</strong></p></blockquote>",
    '<p class="article-editor">责任编辑：王翔</p>',
)

NASTY_CASES: tuple[PostCase, ...] = (
    PostCase(
        "doc-quotes",
        '他说"不"，她说\'是\'：It\'s a "test"',
        NATIONAL,
        "Wed, 20 Oct 2021 12:36:14 GMT",
        "2021-10-20T12:36:14.000Z",
    ),
    PostCase(
        "doc-colon-hash",
        "美联储: 加息25个基点 #市场 反应: 强烈 #1",
        "新浪财经－美股",
        "Fri, 31 Dec 2021 16:00:00 GMT",
        "2021-12-31T16:00:00.000Z",
    ),
    PostCase(
        "doc-dash",
        "- 开头是破折号的标题 --- 中间也有",
        "新浪财经－港股",
        "Thu, 29 Feb 2024 23:59:59 GMT",
        "2024-02-29T23:59:59.000Z",
    ),
    PostCase(
        "doc-star-amp",
        "*星号* & 与号 &amp; <b>尖括号</b> [方括号] ? / “中文引号”",
        NATIONAL,
        "Sun, 01 Jan 2006 00:00:00 GMT",
        "2006-01-01T00:00:00.000Z",
    ),
    PostCase(
        "doc-emoji",
        "🚀 A股大涨 📈 比特币₿ 𠮷野家",
        NATIONAL,
        "Mon, 07 Mar 2022 01:02:03 GMT",
        "2022-03-07T01:02:03.000Z",
    ),
    PostCase(
        "doc-apostrophes",
        "''双撇号'' 和 it''s 和 '",
        "新浪财经: 观点 #专栏",  # a label that must be quoted
        "Tue, 05 Jul 2022 08:00:00 GMT",
        "2022-07-05T08:00:00.000Z",
    ),
    PostCase(
        "doc-yaml-lookalikes",
        "2021-10-20",
        NATIONAL,
        "Sat, 02 Apr 2022 10:20:30 GMT",
        "2022-04-02T10:20:30.000Z",
    ),
    PostCase(
        "doc-more-lookalikes",
        "true",
        NATIONAL,
        "Sat, 02 Apr 2022 10:20:31 GMT",
        "2022-04-02T10:20:31.000Z",
    ),
    PostCase(
        "doc-backslash-percent",
        r"100% 涨停 C:\path\n {{ 标题里的花括号 }} {% raw %} @提及 `反引号` !感叹 |竖线 >大于",
        NATIONAL,
        "Wed, 20 Oct 2021 12:36:14 GMT",
        "2021-10-20T12:36:14.000Z",
    ),
)


def write_posts(directory: Path, cases: Sequence[PostCase]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases:
        path = directory / f"{case.stem}.txt"
        text = format_post(case.title, case.label, case.date, case.body or BODY)
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


def one_post(directory: Path, stem: str, body_lines: Sequence[str]) -> Path:
    case = PostCase(
        stem, "花括号测试", NATIONAL, "Wed, 20 Oct 2021 12:36:14 GMT", "", tuple(body_lines)
    )
    return write_posts(directory, [case])[0]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def hexo_modules() -> Path:
    """The pinned packages, installed once (``npm ci`` into the cache)."""
    if not hexo_site.npm_available():
        if os.environ.get("CI"):
            pytest.fail(
                "npm not installed: the Hexo build check needs Node.js and npm on PATH "
                "(CI is set, so this is a failure, not a skip)",
                pytrace=False,
            )
        pytest.skip("npm not installed")
    return hexo_site.ensure_node_modules()


@pytest.fixture(scope="session")
def seed() -> Path:
    """The example post in shared/ (beside the repo, also in CI)."""
    if not SEED.is_file():
        message = f"seed post not found: {SEED}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return SEED


@pytest.fixture(scope="module")
def nasty_build(hexo_modules: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("hexo-nasty")
    posts = write_posts(base / "posts", NASTY_CASES)
    return posts, hexo_site.build_site(posts, base / "site")


# --------------------------------------------------------------------------- writer (no npm)


def test_writer_reproduces_seed_layout_byte_for_byte(seed: Path) -> None:
    text = seed.read_bytes().decode("utf-8")
    data = front_matter(text)
    start = text.index("<div>   \n") + len("<div>   \n")
    end = text.rindex("  \n</div>\n")
    body_lines = text[start:end].split("\n")[:-1]
    rebuilt = format_post(
        data["title"],
        data["categories"][2],
        data["date"],
        body_lines,
        image=data["headimg"],
    )
    assert rebuilt == text


@pytest.mark.parametrize("case", NASTY_CASES, ids=lambda c: c.stem)
def test_nasty_front_matter_loads_back_with_pyyaml(case: PostCase) -> None:
    data = front_matter(format_post(case.title, case.label, case.date, BODY))
    assert data["title"] == case.title
    assert data["categories"] == ["金融", "新浪财经", case.label]
    assert data["date"] == case.date
    assert list(data) == [
        "title",
        "categories",
        "headimg",
        "author",
        "comments",
        "date",
        "thumbnail",
    ]


# --------------------------------------------------------------------------- real Hexo


def test_seed_post_builds(hexo_modules: Path, seed: Path, tmp_path: Path) -> None:
    build = hexo_site.build_site([seed], tmp_path / "site")
    assert build.ok, build.describe()
    assert build.problems() == [], build.describe()
    page = build.page_for(seed)
    assert page.title == "长三角城市9大合作签约，涉城区合作、自贸试验区等领域"
    assert page.date == "2021-10-20T12:36:14.000Z"
    assert page.categories == ["金融", "新浪财经", NATIONAL]
    assert page.data["author"] == "新浪财经"
    assert page.data["comments"] is False
    assert page.data["headimg"] == page.data["thumbnail"]
    assert "原标题：长三角城市9大合作签约" in page.content


def test_nasty_posts_build_cleanly(nasty_build) -> None:
    posts, build = nasty_build
    assert build.returncode == 0, build.describe()
    assert not build.timed_out
    assert build.problems() == [], build.describe()
    assert not any("ERROR" in line or "WARN" in line for line in build.output)


def test_one_page_per_post(nasty_build) -> None:
    posts, build = nasty_build
    assert build.page_stems() == sorted(p.stem for p in posts), build.describe()
    assert len(build.pages) == len(posts)


@pytest.mark.parametrize("case", NASTY_CASES, ids=lambda c: c.stem)
def test_rendered_title_date_categories(nasty_build, case: PostCase) -> None:
    posts, build = nasty_build
    post = next(p for p in posts if p.stem == case.stem)
    data = front_matter(post.read_text(encoding="utf-8"))
    page = build.page_for(post)
    assert page.title == data["title"] == case.title
    assert page.date == case.iso
    assert page.categories == ["金融", "新浪财经", case.label]
    # the <title> element carries it HTML-escaped; it must read back the same
    title_el = page.html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert html.unescape(title_el) == case.title


def test_escaped_braces_render_as_text(nasty_build) -> None:
    posts, build = nasty_build
    page = build.page_for(posts[0])
    text = html.unescape(page.content)
    assert "{{ x }} 与 {% raw %} 与 {# c #}" in text
    assert "半个括号 { 和 } 以及 {{price}}元" in text
    # the body is one raw HTML block for marked: no markdown headings or lists inside
    assert "<h1" not in page.content and "<li" not in page.content
    assert "# 不是标题" in text and "* 不是列表 *" in text
    assert 'referrerpolicy="no-referrer"' in page.content
    assert "责任编辑：王翔" in text


@pytest.mark.parametrize("tz", ["UTC", "Asia/Shanghai", "America/New_York"])
def test_date_does_not_depend_on_machine_timezone(
    hexo_modules: Path, seed: Path, tmp_path: Path, tz: str
) -> None:
    build = hexo_site.build_site([seed], tmp_path / "site", env={"TZ": tz})
    assert build.ok and build.problems() == [], build.describe()
    assert build.page_for(seed).date == "2021-10-20T12:36:14.000Z"


def test_timezone_setting_would_shift_dates(hexo_modules: Path, seed: Path, tmp_path: Path) -> None:
    """Why _config.yml leaves ``timezone`` empty: a zone shifts every GMT date."""
    build = hexo_site.build_site(
        [seed], tmp_path / "site", config={"timezone": "Asia/Shanghai"}, env={"TZ": "UTC"}
    )
    assert build.ok, build.describe()
    assert build.page_for(seed).date == "2021-10-20T04:36:14.000Z"  # 8 hours early


@pytest.mark.parametrize(
    "fragment",
    ["{{ 未闭合", "{% 不是标签 %}", "{%", "{# 未闭合注释"],
    ids=["open-var", "unknown-tag", "bare-block", "open-comment"],
)
def test_unescaped_braces_break_generate(hexo_modules: Path, tmp_path: Path, fragment) -> None:
    """One stray ``{{``/``{%``/``{#`` stops ``hexo generate`` for the whole site."""
    good = write_posts(tmp_path / "posts", NASTY_CASES[:2])
    bad = one_post(tmp_path / "posts", "doc-bad", [f"<p>价格 {fragment} 元</p>"])
    build = hexo_site.build_site([*good, bad], tmp_path / "site")
    assert build.returncode != 0, build.describe()
    assert any("FATAL" in line for line in build.output), build.describe()
    assert any(
        "Nunjucks Error" in line or "Template render error" in line for line in build.output
    ), build.describe()
    assert build.pages == []  # nothing at all is generated, not even the good posts


def test_unescaped_variable_silently_vanishes(hexo_modules: Path, tmp_path: Path) -> None:
    """A complete ``{{ x }}`` does not fail the build: Nunjucks eats it (text is lost)."""
    post = one_post(tmp_path / "posts", "doc-var", ["<p>前 {{ x }} 后</p>"])
    build = hexo_site.build_site([post], tmp_path / "site")
    assert build.ok and build.problems() == [], build.describe()
    content = build.page_for(post).content
    assert "<p>前  后</p>" in content
    assert "x" not in html.unescape(content).split("前", 1)[1].split("后", 1)[0]


def test_lone_braces_are_harmless(hexo_modules: Path, tmp_path: Path) -> None:
    post = one_post(tmp_path / "posts", "doc-lone", ["<p>a } b { c</p>"])
    build = hexo_site.build_site([post], tmp_path / "site")
    assert build.ok and build.problems() == [], build.describe()
    assert "<p>a } b { c</p>" in build.page_for(post).content


def test_site_config_leaves_timezone_empty() -> None:
    config = yaml.safe_load(hexo_site.site_config())
    assert "timezone" in config and config["timezone"] is None
    overridden = yaml.safe_load(hexo_site.site_config({"timezone": "UTC"}))
    assert overridden["timezone"] == "UTC"


def test_second_install_hits_the_cache(hexo_modules: Path) -> None:
    assert hexo_site.ensure_node_modules() == hexo_modules
    assert (hexo_modules / "hexo" / "package.json").is_file()
    assert hexo_modules.parent.name == hexo_site.lock_key()
