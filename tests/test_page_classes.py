"""Classes of real Sina pages outside the shared corpus: identity of pages saved without
og:url, the 2004-2005 layout, ad slots that split a paragraph, old centred photos,
related-link paragraphs, and the editor line outside the body container."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import classpages as pages
import pytest
from localserver import LocalServer, scrapy_crawl, settings_args
from pagegen import PageSpec, article_page
from scrapy.http import Response

from newscrawl.clean import clean_body
from newscrawl.sina import NotAnArticle, parse_article

BASE = "https://news.sina.com.cn/c/2019-10-23/doc-iicezuev4202091.shtml"


def parse(body: bytes, url: str = "file:///saved/page.html", **headers: str):
    return parse_article(Response(url, body=body, headers=headers))


def paragraphs(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", html, re.S)]


def crawl(out: Path, *args: str):
    return scrapy_crawl(
        "article", *args,
        *settings_args(OUTPUT_DIR=out, ARTICLE_HOSTS="127.0.0.1,sina.com.cn,sina.cn",
                       AUTOTHROTTLE_ENABLED="False"),
    )


def recorded(out: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(out / ".newscrawl" / "state.sqlite3") as db:
        return db.execute("SELECT doc_id, url, path FROM articles").fetchall()


# --------------------------------------------------------------------------- identity


def test_a_saved_kandian_page_is_the_live_article():
    saved = parse(pages.kandian_page())
    live = parse(pages.kandian_page(), url=pages.KANDIAN_URL + "?from=news&subch=onews")
    assert saved.doc_id == live.doc_id == pages.KANDIAN_ID  # not the publishid's
    assert saved.url == live.url == pages.KANDIAN_URL


def test_a_saved_old_page_finds_its_url_among_its_links_not_a_related_one():
    article = parse(pages.t1_saved_page())
    assert article.doc_id == pages.T1_SAVED_ID
    assert article.url == pages.T1_SAVED_URL


def test_a_page_saved_without_any_url_keeps_where_it_was_read():
    page = pages.t1_saved_page().replace(b"230712345678.shtml", b"230712345000.shtml")
    article = parse(page, url="file:///saved/page.html")
    assert article.doc_id == pages.T1_SAVED_ID
    assert article.url == "file:///saved/page.html"


def test_saved_and_live_kandian_page_are_one_file_with_one_url(tmp_path, monkeypatch):
    out = tmp_path / "out"
    saved = tmp_path / "saved.html"
    saved.write_bytes(pages.kandian_page())
    first = crawl(out, "-a", f"url={saved}")
    assert first.returncode == 0, first.stderr
    name = f"{pages.KANDIAN_ID}.md"
    assert f"Wrote new {out / name} ({pages.KANDIAN_URL})" in first.stderr
    assert recorded(out) == [(pages.KANDIAN_ID, pages.KANDIAN_URL, str(out / name))]

    # The live page, fetched through this server as an HTTP proxy for k.sina.com.cn.
    live_url = pages.KANDIAN_URL.replace("https://", "http://") + "?from=news"
    with LocalServer() as server:
        server.page(live_url, pages.kandian_page(), "text/html; charset=utf-8")
        monkeypatch.setenv("http_proxy", server.base)
        second = crawl(out, "-a", f"url={live_url}")
        assert server.requested("http://k.sina.com.cn/article_") == [live_url]
    assert second.returncode == 0, second.stderr
    assert "= written 0 + changed 0 + unchanged 1 +" in second.stderr
    assert [p.name for p in out.glob("*.md")] == [name]
    assert recorded(out) == [(pages.KANDIAN_ID, pages.KANDIAN_URL, str(out / name))]


# --------------------------------------------------------------------------- 2004-2005


def test_a_2005_page_is_read_as_an_article():
    article = parse(pages.t0_house_page())
    assert article.doc_id == pages.T0_HOUSE_ID
    assert article.title == pages.T0_HOUSE_TITLE
    assert article.published == datetime(2005, 3, 29, 23, 25, tzinfo=UTC)  # the dateline
    assert paragraphs(article.body) == [pages.IDENT + p for p in pages.T0_HOUSE_PARAS]
    assert article.body.startswith(
        '<div class="img_wrapper"><img src="https://image2.sina.com.cn/hs/p/2005-03-30/'
    )
    assert f'<span class="img_descr">{pages.T0_HOUSE_CAPTION}</span></div>' in article.body
    for noise in ("ad4.sina.com.cn", "新浪分类", "ggmm", "<table", "点击此处查询", "晨报"):
        assert noise not in article.body


def test_a_2004_book_page_is_read_as_an_article():
    article = parse(pages.t0_book_page())
    assert article.doc_id == pages.T0_BOOK_ID
    assert article.title == pages.T0_BOOK_TITLE
    assert article.published == datetime(2004, 10, 13, 6, 1, 37, tzinfo=UTC)  # the stamp
    assert paragraphs(article.body) == [pages.IDENT + p for p in pages.T0_BOOK_PARAS]
    for noise in ("adsina", "iframe", "立刻注册", "相关链接", "初到边城(1)"):
        assert noise not in article.body


def test_a_sidebar_heading_is_not_a_headline():
    with pytest.raises(NotAnArticle) as error:
        parse(pages.t0_sidebar_heading_page())
    assert error.value.reason == "no-title"


def test_saved_old_pages_become_posts(tmp_path):
    listing = tmp_path / "pages.txt"
    files = []
    for name, page in [("house.html", pages.t0_house_page()),
                       ("book.html", pages.t0_book_page()),
                       ("t1.html", pages.t1_saved_page())]:
        (tmp_path / name).write_bytes(page)
        files.append(str(tmp_path / name))
    listing.write_text("\n".join(files) + "\n", encoding="utf-8")
    result = crawl(tmp_path / "out", "-a", f"urls={listing}")
    assert result.returncode == 0, result.stderr
    assert "= written 3 + changed 0 + unchanged 0 +" in result.stderr
    written = sorted(p.name for p in (tmp_path / "out").glob("*.md"))
    assert written == sorted(f"{i}.md" for i in (pages.T0_HOUSE_ID, pages.T0_BOOK_ID,
                                                  pages.T1_SAVED_ID))
    post = (tmp_path / "out" / f"{pages.T0_HOUSE_ID}.md").read_text(encoding="utf-8")
    assert "title: '两万元起步的小额投资 年轻夫妇试水商铺(图)'" in post
    assert "date: Tue, 29 Mar 2005 23:25:00 GMT" in post


# --------------------------------------------------------------------------- ad slots


def test_an_ad_slot_that_splits_a_number_goes_and_the_paragraph_is_whole():
    html = (
        "<p>　　医生意外地获得了5<!--NEWSZW_HZH_BEGIN--><table align=left><tr><td>"
        '<a href="/focus/x.shtml"><img src="http://image2.sina.com.cn/chye/ad.jpg"></a>'
        "</td></tr></table><!--NEWSZW_HZH_END-->00万元的大奖，<b>成为</b>幸运儿。</p>\n"
        "<p>　　第二段。</p>"
    )
    assert clean_body(html, BASE) == (
        "<p>　　医生意外地获得了500万元的大奖，<b>成为</b>幸运儿。</p>\n<p>　　第二段。</p>"
    )


def test_nested_and_doubled_slot_comments_with_flash_go_the_text_after_stays():
    html = (
        "<p>　　看着<!--NEWSZW_HZH_BEGIN--><!--NEWSZW_HZH_BEGIN--><table><tr><td>\n"
        "<!--画中画广告开始--><table><tr><td><!--房产新闻内页画中画开始-->"
        '<OBJECT WIDTH="360"><PARAM NAME=movie VALUE="http://ad4.sina.com.cn/a.swf">'
        '<EMBED src="http://ad4.sina.com.cn/a.swf"></EMBED></OBJECT>'
        "<!--房产新闻内页画中画结束--></td></tr></table><!--画中画广告结束-->\n"
        "</td></tr><tr><td><!-- 画中画下文字链广告 -->"
        '<a href="http://ggmm.sina.com.cn/">新浪分类</a></td></tr></table>\n'
        "<!--NEWSZW_HZH_END-->\n<!--NEWSZW_HZH_END-->邻居买了房，他们也动了心。</p>"
    )
    assert clean_body(html, BASE) == "<p>　　看着邻居买了房，他们也动了心。</p>"


def test_a_slot_closed_inside_its_ad_table_goes_with_the_table():
    html = (
        "<p>　　记者从展会获悉<!--画中画广告开始--><table><tr><td>"
        '<a href="http://ggmm.sina.com.cn/"><img src="http://ad4.sina.com.cn/x.jpg"></a>'
        "<!--画中画广告结束--></td></tr></table>，首批项目已经签约。</p><p>　　下一段。</p>"
    )
    assert clean_body(html, BASE) == (
        "<p>　　记者从展会获悉，首批项目已经签约。</p><p>　　下一段。</p>"
    )


def test_a_slot_opened_twice_and_never_closed_is_one_slot():
    html = (
        "<p>　　他是这份刊物的元老<!-- 正文页画中画 begin -->\n<table><tr><td>"
        '<span><IFRAME SRC="http://212.adsina.allyes.com/x"></IFRAME></span></td></tr></table>'
        '<!--Adforward Begin:测试勿删--><IFRAME SRC="http://157.adsina.allyes.com/y"></IFRAME>'
        "<!--Adforward End-->\n<!-- 正文页画中画 begin -->，早在香港时就与主编相识。</p>"
        "<p>　　下一段。</p>"
    )
    assert clean_body(html, BASE) == (
        "<p>　　他是这份刊物的元老，早在香港时就与主编相识。</p><p>　　下一段。</p>"
    )


def test_an_unpaired_slot_comment_removes_nothing():
    html = (
        "<p>　　第一段<!-- 正文页画中画 begin -->，接着说。</p><p>　　第二段。</p>"
        "<p>　　第三段<!--画中画广告结束-->。</p>"
    )
    assert clean_body(html, BASE) == (
        "<p>　　第一段，接着说。</p><p>　　第二段。</p><p>　　第三段。</p>"
    )


# --------------------------------------------------------------------------- photos


def test_old_centred_photos_become_image_blocks_with_their_captions():
    html = (
        '<center><img style="border:1px #000 solid;" src=http://i1.sinaimg.cn/ent/y/a.jpg '
        "alt=演出现场><br><img src=http://i0.sinaimg.cn/home/c.gif height=5 width=1><br>"
        "歌手领奖 <!--br><font class=f12><b><a href=http://ent.sina.com.cn/photo/>"
        "点击此处查看全部娱乐图片</a></font></b--><br><br></center>"
        "<center><img src=http://i3.sinaimg.cn/ent/y/b.jpg><br>"
        "<img src=http://i0.sinaimg.cn/home/c.gif height=5 width=1><br>歌手接受采访<br><br>"
        "</center>\n"
        "<center><IMG SRC=\"http://image2.sina.com.cn/hs/c.jpg\" BORDER=1></center><br>"
        "<center><font style='font-size:12px'>开盘当天的售楼处 记者/摄</font></center>\n"
        "<p>　　第一段。</p>\n<center><p>　　一整段居中的文字，不是图片说明。</p></center>\n"
        '<p align="center"><strong>小标题</strong></p>'
    )
    assert clean_body(html, BASE) == "\n".join([
        '<div class="img_wrapper"><img src="https://i1.sinaimg.cn/ent/y/a.jpg" alt="演出现场"'
        ' referrerpolicy="no-referrer"><span class="img_descr">歌手领奖</span></div>'
        '<div class="img_wrapper"><img src="https://i3.sinaimg.cn/ent/y/b.jpg"'
        ' referrerpolicy="no-referrer"><span class="img_descr">歌手接受采访</span></div>',
        '<div class="img_wrapper"><img src="https://image2.sina.com.cn/hs/c.jpg"'
        ' referrerpolicy="no-referrer"><span class="img_descr">开盘当天的售楼处 记者/摄</span>'
        "</div>",
        "<p>　　第一段。</p>",
        "<p>　　一整段居中的文字，不是图片说明。</p>",
        '<p align="center"><strong>小标题</strong></p>',
    ])


def test_a_centred_block_with_two_photos_or_a_long_text_is_left_as_it_is():
    two = '<center><img src="https://a/1.jpg"><img src="https://a/2.jpg"></center>'
    long_text = '<center><img src="https://a/1.jpg"><br>' + "很长的说明文字" * 10 + "</center>"
    for html in (two, long_text):
        assert "img_wrapper" not in clean_body(html, BASE)


# --------------------------------------------------------------------------- related links


def test_related_link_paragraphs_go_article_links_stay():
    html = "\n".join([
        "<p>　　<strong>相关新闻：</strong></p>",
        '<p>　　<strong><a href="http://zhibo.sina.com.cn/tech/x">直播发布会</a></strong></p>',
        '<p>　　<strong><a href="http://tech.sina.com.cn/zt_d/x/">发布会专题</a></strong></p>',
        "<p>　　新浪科技讯 北京时间今天凌晨，发布会开幕。</p>",
        '<p>　　<a href="https://news.sina.com.cn/c/doc-ia.shtml">某地法院宣判一起名誉权案！</a></p>',
        "<p>　　据此前报道，<a href=\"https://news.sina.com.cn/c/doc-ib.shtml\">该案</a>曾引起关注。</p>",
        "<p>　　<strong>[相关新闻]</strong></p>",
        "<p>　　<strong>另一篇报道的小标题</strong></p>",
        "<p>　　另一篇报道的正文，整段文字。</p>",
        "<p>　　此前报道：<a href=\"https://news.sina.com.cn/c/doc-ic.shtml\">当事人出狱前受访</a></p>",
        '<p class="show_author">责任编辑：某某 </p>',
    ])
    assert paragraphs(clean_body(html, BASE)) == [
        "　　新浪科技讯 北京时间今天凌晨，发布会开幕。",
        "　　某地法院宣判一起名誉权案！",
        "　　据此前报道，该案曾引起关注。",
        "　　[相关新闻]",
        "　　另一篇报道的小标题",
        "　　另一篇报道的正文，整段文字。",
    ] and "责任编辑：某某" in clean_body(html, BASE)


# --------------------------------------------------------------------------- editor line


def test_the_editor_line_after_the_body_container_ends_the_body():
    article = parse(pages.t2_editor_outside_page())
    assert article.body.endswith(f'<p class="article-editor">{pages.T2_EDITOR_LINE}</p>')
    assert article.body.count("责任编辑") == 1
    for noise in ("股吧", "weixin", "别人"):
        assert noise not in article.body


def test_an_editor_line_inside_the_body_is_not_taken_twice():
    spec = PageSpec("iabcdefg1234567", "标题", ["第一段。"], datetime(2021, 1, 2, tzinfo=UTC))
    article = parse(article_page(spec))
    assert article.body.count("责任编辑") == 1


def test_an_editor_line_that_does_not_follow_the_body_is_not_taken():
    page = pages.t2_editor_outside_page().replace(
        "<!--正文部分end-->".encode(), b'<div class="article"><p>other</p></div>'
    )
    assert "责任编辑" not in parse(page).body
