"""The FORMAT.md layout, byte for byte, and YAML that reads back to the same values."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import yaml

from newscrawl.exporters import (
    FrontMatterItemExporter,
    front_matter,
    plain_or_quoted,
    read_yaml,
    render_front_matter,
    render_post,
)
from newscrawl.items import Article


def article(**changes) -> Article:
    fields = dict(
        doc_id="iktzscyy0713985",
        url="https://finance.sina.com.cn/china/gncj/2021-10-20/doc-iktzscyy0713985.shtml",
        title="长三角城市经济协调会",
        published=datetime(2021, 10, 20, 12, 36, 14, tzinfo=UTC),
        label="新浪财经－国內",
        body='<p>　　正文。</p>\n<p class="article-editor">责任编辑：王翔 </p>',
        headimg="https://n.sinaimg.cn/a.jpg",
    )
    fields.update(changes)
    return Article(**fields)


EXPECTED = (
    "\n---\n"
    "title: '长三角城市经济协调会'\n"
    "categories: \n"
    " - 金融\n"
    " - 新浪财经\n"
    " - 新浪财经－国內\n"
    "headimg: 'https://n.sinaimg.cn/a.jpg'\n"
    "author: 新浪财经\n"
    "comments: false\n"
    "date: Wed, 20 Oct 2021 12:36:14 GMT\n"
    "thumbnail: 'https://n.sinaimg.cn/a.jpg'\n"
    "---\n"
    "\n"
    "<div>   \n"
    "<p>　　正文。</p>\n"
    '<p class="article-editor">责任编辑：王翔 </p>\n'
    "  \n"
    "</div>\n"
    "            "
)


def test_layout_byte_for_byte():
    assert render_post(article()) == EXPECTED


def test_label_is_exactly_the_archive_spelling():
    assert "新浪财经\uff0d国\u5167" in render_post(article())


def test_date_is_gmt_whatever_the_zone_of_the_datetime():
    from dateutil.tz import tzoffset

    beijing = datetime(2021, 10, 20, 20, 36, 14, tzinfo=tzoffset("CST", 8 * 3600))
    assert "date: Wed, 20 Oct 2021 12:36:14 GMT\n" in render_post(article(published=beijing))


NASTY_TITLES = [
    "He said \"it's\" fine",
    "央行: 降准 0.5 个百分点",
    "标题 #话题",
    "- 开头是横线",
    "* 星号开头",
    "& 锚点开头",
    "{{ 大括号 }} 与 {% 标签 %}",
    "表情 🚀📈 上涨",
    "'单引号'开头与结尾'",
    "yes",
    "2021-10-20",
    "null",
    "反斜杠 \\n 不是换行",
]


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_nasty_titles_read_back_unchanged(title):
    meta = front_matter(render_post(article(title=title)))
    assert meta["title"] == title
    assert meta["categories"] == ["金融", "新浪财经", "新浪财经－国內"]
    assert meta["headimg"] == meta["thumbnail"] == "https://n.sinaimg.cn/a.jpg"
    assert meta["author"] == "新浪财经" and meta["comments"] is False


def test_characters_yaml_forbids_are_left_out():
    meta = front_matter(render_post(article(title="控制\x07字符\x1b")))
    assert meta["title"] == "控制字符"


@pytest.mark.parametrize("line_break", ["\r", "\r\n", "\x85", "\u2028", "\u2029"])
def test_line_breaks_in_a_title_become_spaces_and_the_post_validates(line_break):
    # YAML folds a line break inside a quoted scalar: left in, the title would not read
    # back the same and ValidatePipeline would drop the article.
    post = article(title=f"上半句{line_break}下半句")
    assert read_yaml(render_front_matter(post))["title"] == "上半句 下半句"
    assert front_matter(render_post(post))["title"] == "上半句 下半句"


@pytest.mark.parametrize("label", ["新浪财经－国內", "a: b", "- x", "#x", "'q'", "yes"])
def test_labels_plain_only_when_safe(label):
    written = plain_or_quoted(label)
    assert yaml.safe_load(f"- {written}") == [label]
    assert (written == label) == (label == "新浪财经－国內")


def test_empty_header_image():
    text = render_post(article(headimg=""))
    assert "headimg: ''\n" in text and "thumbnail: ''\n" in text


def test_exporter_writes_posts_to_a_stream():
    stream = io.BytesIO()
    exporter = FrontMatterItemExporter(stream, author="财经")
    exporter.start_exporting()
    exporter.export_item(article())
    exporter.finish_exporting()
    assert stream.getvalue().decode() == EXPECTED.replace("author: 新浪财经", "author: 财经")

