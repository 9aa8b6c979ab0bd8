"""Pages whose bytes are not what they say: an encoding declaration that lies (HTTP header,
`<meta>`, BOM), pages cut in the middle of a character, bytes of another encoding mixed in,
and pages nested deeper than the HTML parser reads. End to end: the real
`scrapy crawl article` against pages served on 127.0.0.1."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from pathlib import Path

import yaml
from localserver import LocalServer, scrapy_crawl, settings_args
from pagegen import PageSpec, article_page

TITLE = "央行：前三季度人民币贷款增加18.75万亿元"
PARAGRAPHS = [
    "新华社北京10月13日电 中国人民银行13日发布的数据显示，前三季度人民币贷款增加18.75万亿元。",
    "分部门看，住户贷款增加4.51万亿元，企（事）业单位贷款增加14.25万亿元。",
    "（来源：新华社）",
]
CREATED = datetime(2023, 10, 13, 8, 0, tzinfo=UTC)
UTF8_META = '<meta charset="utf-8">'
GBK_META = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'  # T1's
BOM = codecs.BOM_UTF8


def doc_id(n: int) -> str:
    return f"icharset{n:07d}"


def page(n: int, meta: str = UTF8_META, title: str = TITLE,
         paragraphs: list[str] = PARAGRAPHS) -> str:
    """A T3 article page (tests/pagegen.py) declaring its encoding with `meta` (or not,
    when empty)."""
    html = article_page(PageSpec(doc_id(n), title, paragraphs, CREATED)).decode("utf-8")
    return html.replace(UTF8_META, meta, 1)


def crawl(tmp_path: Path, urls: list[str]):
    return scrapy_crawl("article", "-a", "url=" + ",".join(urls), *settings_args(
        OUTPUT_DIR=tmp_path / "out", ARTICLE_HOSTS="127.0.0.1", AUTOTHROTTLE_ENABLED="False",
    ))


def written(tmp_path: Path, n: int) -> str:
    return (tmp_path / "out" / f"{doc_id(n)}.md").read_text(encoding="utf-8")


def check_post(text: str, case: str, title: str = TITLE, paragraphs: list[str] = PARAGRAPHS):
    """The post holds the page's own title and paragraphs, and no character that decoding
    made up (U+FFFD, or the reader's mark for undecodable bytes)."""
    front = yaml.safe_load(text.split("\n---\n", 2)[1])
    assert front["title"] == title, case
    body = text.split("<div>   \n", 1)[1]
    for paragraph in paragraphs:
        assert paragraph in body, f"{case}: missing {paragraph[:20]}"
    assert "\ufffd" not in text.replace(title, ""), case
    assert "\ufdd0" not in text, case


def dropped(result, url: str, reason: str) -> bool:
    return any(url in line and f"({reason})" in line and "WARNING" in line
               for line in result.stderr.splitlines())


def test_a_declared_encoding_that_lies_yields_to_the_true_one(tmp_path):
    gbk = {  # GBK bytes said to be UTF-8, by every path a page can say it
        "meta": (page(1).encode("gbk"), "text/html"),
        "header": (page(2, meta="").encode("gbk"), "text/html; charset=utf-8"),
        "header and meta": (page(3).encode("gbk"), "text/html; charset=UTF-8"),
        "BOM": (BOM + page(4, meta="").encode("gbk"), "text/html"),
        "BOM, header and meta": (BOM + page(5).encode("gbk"), "text/html; charset=utf-8"),
        # libxml2 reports 100 errors a document, then nothing: stray end tags (left by
        # server-side includes) used them up before the first GBK byte, in the <title>
        "meta, after 150 parse errors": (
            page(6).replace("<head>", "<head>" + "</div>" * 150, 1).encode("gbk"), "text/html"),
    }
    utf8 = {  # UTF-8 bytes said to be GBK (they would decode as GB18030, into mojibake)
        "meta": (page(11, meta=GBK_META).encode(), "text/html"),
        "header": (page(12, meta="").encode(), "text/html; charset=gbk"),
        "header and meta": (page(13, meta=GBK_META).encode(), "text/html; charset=GB2312"),
        "BOM, header gbk": (BOM + page(14, meta="").encode(), "text/html; charset=gbk"),
    }
    fffd_title = "标题里的\ufffd是页面自己的字符"
    with LocalServer() as server:
        urls = {}
        for kind, cases in (("gbk", gbk), ("utf8", utf8)):
            for i, (case, (body, content_type)) in enumerate(cases.items()):
                urls[f"{kind} {case}"] = server.page(f"/{kind}/{i}.shtml", body, content_type)
        real = server.page("/fffd.shtml", page(20, title=fffd_title).encode(), "text/html")
        result = crawl(tmp_path, [*urls.values(), real])
    assert result.returncode == 0, result.stderr[-3000:]
    numbers = [1, 2, 3, 4, 5, 6, 11, 12, 13, 14]
    for n, case in zip(numbers, urls, strict=True):
        check_post(written(tmp_path, n), case)
    # a U+FFFD the bytes do encode (EF BF BD) is the page's own: kept
    check_post(written(tmp_path, 20), "real U+FFFD", title=fffd_title)
    assert f"= written {len(numbers) + 1} + changed 0 + unchanged 0 + dropped 0;" in result.stderr


def test_undecodable_bytes_never_reach_a_post(tmp_path):
    utf8 = page(1).encode()
    gbk = page(2, meta=GBK_META).encode("gbk")
    feedback = "我要反馈"  # a link below the article, near the end of the page
    # cut in the middle of a character, after the article: the post is whole
    cut_utf8 = utf8[: utf8.index(feedback.encode()) + 1]
    cut_gbk = gbk[: gbk.index(feedback.encode("gbk")) + 1]
    # GBK bytes in a UTF-8 page, outside the article (an old ad script)
    ad = b"<script>var ad = '" + "广告位招租".encode("gbk") + b"';</script></head>"
    script = page(3).encode().replace(b"</head>", ad, 1)
    # a legacy GBK include after the article (a block of related headlines): more
    # undecodable bytes as UTF-8 than the UTF-8 page has as GB18030, yet the page is UTF-8
    headlines = "".join(f"<li>相关新闻第{i}条：市场观察与政策解读</li>" for i in range(150))
    include = ('<ul class="related">' + headlines + "</ul>").encode("gbk")
    legacy = page(6).encode().replace(b'<div class="article-bottom', include
                                      + b'<div class="article-bottom', 1)
    # cut in the middle of the article's text; GBK bytes inside the article's text
    second = PARAGRAPHS[1].encode()
    cut_body = page(4).encode()
    cut_body = cut_body[: cut_body.index(second) + 4]
    mixed = page(5).encode().replace(second, "分部门看".encode("gbk") + second[12:], 1)
    with LocalServer() as server:
        kept = {
            1: server.page("/cut-utf8.shtml", cut_utf8, "text/html; charset=utf-8"),
            2: server.page("/cut-gbk.shtml", cut_gbk, "text/html"),
            3: server.page("/script.shtml", script, "text/html; charset=utf-8"),
            6: server.page("/legacy.shtml", legacy, "text/html"),
        }
        refused = [
            server.page("/cut-body.shtml", cut_body, "text/html; charset=utf-8"),
            server.page("/mixed.shtml", mixed, "text/html"),
        ]
        result = crawl(tmp_path, [*kept.values(), *refused])
    assert result.returncode == 1, result.stderr[-3000:]  # pages given became no post
    assert "finished: pages-dropped" in result.stderr
    for n, url in kept.items():
        check_post(written(tmp_path, n), url)
    for url in refused:
        assert dropped(result, url, "undecodable"), url
    assert not (tmp_path / "out" / f"{doc_id(4)}.md").exists()
    assert not (tmp_path / "out" / f"{doc_id(5)}.md").exists()
    assert "'newscrawl/dropped/undecodable': 2" in result.stderr


def nested(n: int, depth: int) -> bytes:
    """An article whose last paragraph sits `depth` `div`s deep inside the body."""
    html = page(n, paragraphs=PARAGRAPHS[:2])
    deep = "<div>" * depth + f"<p>{PARAGRAPHS[2]}</p>" + "</div>" * depth
    return html.replace("<!-- news_keyword_pub", deep + "<!-- news_keyword_pub", 1).encode()


def test_text_nested_deeper_than_the_parser_reads_is_never_silently_lost(tmp_path):
    with LocalServer() as server:
        deep = server.page("/deep.shtml", nested(1, 100_000), "text/html; charset=utf-8")
        gbk = nested(2, 100_000).decode().replace(UTF8_META, GBK_META).encode("gbk")
        deep_gbk = server.page("/deep-gbk.shtml", gbk, "text/html")
        fine = server.page("/fine.shtml", nested(3, 1000), "text/html; charset=utf-8")
        result = crawl(tmp_path, [deep, deep_gbk, fine])
    assert result.returncode == 1, result.stderr[-3000:]  # pages given became no post
    assert dropped(result, deep, "too-deep") and dropped(result, deep_gbk, "too-deep")
    assert "'newscrawl/dropped/too-deep': 2" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == [f"{doc_id(3)}.md"]
    check_post(written(tmp_path, 3), "1000 deep")  # its deepest paragraph included
    assert re.search("Summary: .* written 1 \\+ .* dropped 2 \\(too-deep 2\\)", result.stderr)
