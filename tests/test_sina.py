"""Parsing Sina pages: encodings, ids, dates, titles, and what is not an article."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse

from newscrawl.sina import NotAnArticle, as_text, parse_article, parse_time, url_document_id

T3_HEAD = """<!DOCTYPE html><html><head>
<script>var x = 1;</script>
<meta charset="utf-8">
<meta property="og:url" content="https://finance.sina.com.cn/china/gncj/2021-10-20/doc-iktzscyy0713985.shtml?cre=tianyi&amp;mod=pcpager">
<meta property="og:image" content="//n.sinaimg.cn/default/transform/116/w550h366/x.png">
<meta name="weibo: article:create_at" content="{create_at}">
<meta property="article:published_time" content="2021-10-20T21:50:02+08:00">
<meta name="publishid" content="ktzscyy0713985">
<script src="//news.sina.com.cn/js/top.js" charset="gb2312"></script>
</head>"""

T3_BODY = """<body><h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">2021年10月20日 20:36</span>
<a class="source ent-source" href="http://www.example.com" rel="nofollow">新京报</a></div>
<div class="article" id="artibody">
<p>　　第一段：市场平稳运行。</p>
<p class="article-editor">责任编辑：霍琦 </p>
</div></body></html>"""


def t3_page(title: str = "标题", create_at: str = "2021-10-20 20:36:14") -> str:
    return T3_HEAD.format(create_at=create_at) + T3_BODY.format(title=title)


def response(body: bytes, url: str = "https://finance.sina.com.cn/x.shtml", **headers: str):
    return Response(url, body=body, headers=headers)


def test_t3_fields():
    article = parse_article(response(t3_page().encode()))
    assert article.doc_id == "iktzscyy0713985"
    assert article.url == (
        "https://finance.sina.com.cn/china/gncj/2021-10-20/doc-iktzscyy0713985.shtml"
    )
    assert article.title == "标题"
    assert article.published == datetime(2021, 10, 20, 12, 36, 14, tzinfo=UTC)
    assert article.source == "新京报"
    assert article.editor == "霍琦"
    assert "第一段" in article.body and "main-title" not in article.body
    assert article.og_image.startswith("//n.sinaimg.cn/default/")


def test_visible_date_when_create_at_is_empty():
    article = parse_article(response(t3_page(create_at="").encode()))
    assert article.published == datetime(2021, 10, 20, 12, 36, tzinfo=UTC)


def test_title_whitespace_and_entities():
    page = t3_page(title="  He said &quot;it's&quot;\n  50%: ok #1 &amp; 🚀  ")
    assert parse_article(response(page.encode())).title == "He said \"it's\" 50%: ok #1 & 🚀"


GBK_T1 = (
    "<!--[1,1,20103860] published at 2010-04-19 09:37:19 from #150 by 1473-->\r\n"
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">\r\n'
    '<meta name="publishid" content="1,1,20103860"></head><body>\r\n'
    '<h1 id="artibodyTitle" pid="1" tid="1" did="20103860">乾隆御用私印拍出高价―新闻</h1>\r\n'
    '<div class="artInfo"><span id="pub_date">2010年04月19日09:21</span></div>\r\n'
    '<div class="blkContainerSblkCon" id="artibody"><p>　　正文第一段。</p></div>\r\n'
    "</body></html>"
).encode("gb18030")


@pytest.mark.parametrize(
    "content_type", ["text/html", "text/html; charset=gbk", "text/html; charset=GB2312"]
)
def test_gbk_page_with_or_without_header_charset(content_type):
    article = parse_article(response(GBK_T1, **{"Content-Type": content_type}))
    assert article.title == "乾隆御用私印拍出高价―新闻"
    assert article.doc_id == "1-1-20103860"
    assert article.published == datetime(2010, 4, 19, 1, 21, tzinfo=UTC)


def test_wrong_header_charset_yields_to_the_page():
    # the header claims UTF-8, the bytes are GBK and the page says so
    page = as_text(response(GBK_T1, **{"Content-Type": "text/html; charset=utf-8"}))
    assert page.encoding == "gb18030"


def test_script_charset_is_not_an_encoding_declaration():
    body = (
        '<html><head><script src="a.js" charset="gb2312"></script></head>'
        "<body><h1>中文</h1></body></html>"
    ).encode()
    assert as_text(response(body)).encoding == "utf-8"


def test_meta_charset_beyond_four_kilobytes():
    body = b"<html><head><script>" + b"x" * 6000 + b"</script>"
    body += b'<meta charset="gbk"></head><body>' + "中文".encode("gbk") + b"</body></html>"
    assert as_text(response(body)).text.endswith("中文</body></html>")


@pytest.mark.parametrize(
    ("url", "doc_id"),
    [
        ("https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml", "ihqfskcn2160999"),
        ("https://finance.sina.cn/sa/2005-08-26/detail-ikknscsi2623250.d.html?from=wap",
         "ikknscsi2623250"),
        ("http://t.cj.sina.com.cn/articles/view/6479293414/182322be600100i6z0?cre=x",
         "182322be600100i6z0"),
        ("https://k.sina.com.cn/article_1234567890_abcdef0123400xyz.html", "abcdef0123400xyz"),
        ("https://finance.sina.com.cn/china/", ""),
    ],
)
def test_url_document_ids(url, doc_id):
    assert url_document_id(url) == doc_id


def test_url_encoded_og_url_gives_the_id():
    page = t3_page().replace(
        "https://finance.sina.com.cn/china/gncj/2021-10-20/doc-iktzscyy0713985.shtml",
        "http%3A%2F%2Ft.cj.sina.com.cn%2Farticles%2Fview%2F6479293414%2F182322be600100i6z0",
    )
    article = parse_article(response(page.encode(), url="file:///saved/page.html"))
    assert article.doc_id == "182322be600100i6z0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018年12月28日 19:55", datetime(2018, 12, 28, 11, 55, tzinfo=UTC)),
        ("2016年05月25日10:10 新浪财经", datetime(2016, 5, 25, 2, 10, tzinfo=UTC)),
        ("2010年05月24日\xa016:32", datetime(2010, 5, 24, 8, 32, tzinfo=UTC)),
        ("2005.08.26 05:39", datetime(2005, 8, 25, 21, 39, tzinfo=UTC)),
        ("作者：张三", None),
    ],
)
def test_visible_dates(text, expected):
    assert parse_time(text, visible=True) == expected


def test_meta_dates():
    assert parse_time("2016-05-25T10:10:19+08:00") == datetime(2016, 5, 25, 2, 10, 19, tzinfo=UTC)
    assert parse_time("2005-08-26 05:39:00") == datetime(2005, 8, 25, 21, 39, tzinfo=UTC)
    assert parse_time("not a date") is None
    # a stated zone is honoured even when date and time are separated by a space
    assert parse_time("2016-05-25 10:10:19+00:00") == datetime(2016, 5, 25, 10, 10, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"<html><body><ul><li><a href='/x'>home</a></li></ul></body></html>", "no-title"),
        (b"<html><body><h1 class='main-title'>t</h1></body></html>", "no-body"),
        (b"<html><body><h1 class='main-title'>t</h1><div id='artibody'> </div></body></html>",
         "empty-body"),
    ],
)
def test_not_an_article(body, reason):
    with pytest.raises(NotAnArticle) as caught:
        parse_article(response(body))
    assert caught.value.reason == reason


def test_text_response_types_are_accepted():
    for cls in (TextResponse, HtmlResponse):
        page = cls("https://finance.sina.com.cn/x", body=t3_page().encode(), encoding="utf-8")
        assert parse_article(page).doc_id == "iktzscyy0713985"


def test_header_date_wins_over_dates_in_related_lists():
    page = GBK_T1.decode("gb18030").replace(
        "<body>", '<body><ul class="list"><li><span class="date">2009年01月01日 10:00</span></li></ul>'
    )
    article = parse_article(response(page.encode("gb18030")))
    assert article.published == datetime(2010, 4, 19, 1, 21, tzinfo=UTC)
