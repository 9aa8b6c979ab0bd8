"""Titles as posts write them: whitespace collapsed and trimmed once what YAML cannot hold is
gone, never empty, and loadable by any YAML reader, whatever characters the page's headline
holds."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from localserver import LocalServer, scrapy_crawl, settings_args
from minipage import t3_page
from scrapy.http import Response

from newscrawl.exporters import front_matter, render_post
from newscrawl.sina import NotAnArticle, parse_article

DOC_ID = "ititle000000001"
URL = "https://finance.sina.com.cn/china/gncj/2021-10-20/doc-ititle000000001.shtml"

# What headlines are made of, and what breaks them: Chinese and ASCII text, YAML's
# indicators, every kind of white space and line break, C0 and C1 control characters,
# noncharacters, emoji. (No NUL: a NUL in a page's first 4 KiB makes it binary.)
PIECES = st.sampled_from(list(
    "诊断央行貸款 abcXYZ019"
    "#|:-?*&!%@`'\"[]{}>,"
    " \t\n\r\x0b\x0c\xa0\u3000\u2028\u2029\x85\u200b\u2003"
    "\x01\x08\x0f\x13\x1b\x1c\x1f\x7f\x80\x9f\ufffe\uffff"
    "🚀"
))
ANY = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TITLES = st.lists(PIECES | ANY, max_size=24).map("".join)


def written_title(title: str) -> str:
    """The title of the post of a page whose h1 and og:title are `title`, as a YAML reader
    reads it back from the post; NotAnArticle when the page has none."""
    page = t3_page(DOC_ID, title, "<p>　　正文第一段。</p>")
    article = parse_article(Response(URL, body=page))
    article.headimg = ""
    post = render_post(article)
    loaded = front_matter(post)["title"]
    assert yaml.safe_load(post.split("\n---\n", 2)[1])["title"] == loaded  # PyYAML, pure
    return loaded


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(TITLES)
@example("诊\x13 #|\xa0  \x0f")  # was written '诊 #| ': a space where the controls were
@example("\x13\x0f\x1b")
@example("第一行\n  第二行\r\n")
def test_written_titles_are_collapsed_trimmed_loadable_and_never_empty(title):
    try:
        written = written_title(title)
    except NotAnArticle as exc:
        assert exc.reason == "no-title"
        assert not re.sub(r"[\s\x00-\x1f\x7f-\x9f\ufffe\uffff]", "", title), title
        return
    assert written, title
    assert written == " ".join(written.split()), title  # collapsed and trimmed
    # nothing made up, no letter lost
    assert [c for c in title if c.isalnum()] == [c for c in written if c.isalnum()], title
    assert "\ufffd" not in written or "\ufffd" in title


def crawl(tmp_path, urls):
    return scrapy_crawl("article", "-a", "url=" + ",".join(urls), *settings_args(
        OUTPUT_DIR=tmp_path / "out", ARTICLE_HOSTS="127.0.0.1", AUTOTHROTTLE_ENABLED="False",
    ))


@pytest.mark.parametrize(
    ("title", "expected"),
    [("诊\x13 #|\xa0  \x0f", "诊 #|"), ("\x13\x0f\x1b", None), ("\u3000\x7f\x85 ", None)],
)
def test_headlines_of_control_characters(tmp_path, title, expected):
    body = t3_page(DOC_ID, title, "<p>　　正文第一段。</p>")
    with LocalServer() as server:
        url = server.page("/t.shtml", body, "text/html; charset=utf-8")
        result = crawl(tmp_path, [url])
    posts = list((tmp_path / "out").glob("*.md"))
    # a page given that becomes no post: exit status 1
    assert result.returncode == (1 if expected is None else 0), result.stderr[-3000:]
    if expected is None:  # h1 and og:title empty once cleaned: no title at all
        assert not posts
        assert f"Not an article: {url}: no headline (h1) on the page (no-title)" in result.stderr
    else:
        [post] = posts
        assert f"title: '{expected}'\n" in post.read_text(encoding="utf-8")
        assert front_matter(post.read_text(encoding="utf-8"))["title"] == expected


def test_the_next_title_source_is_tried_when_the_h1_is_only_control_characters():
    page = t3_page(DOC_ID, "\x13\x0f", "<p>　　正文第一段。</p>")
    page = page.replace(b'<meta property="og:title" content="\x13\x0f">',
                        '<meta property="og:title" content="央行\n  发布 ">'.encode())
    assert parse_article(Response(URL, body=page)).title == "央行 发布"
