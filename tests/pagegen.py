"""Realistic T3 Sina Finance article pages for tests (the "main-title / date-source"
template of 2017 onwards, see SINA_PAGES.md §2), built from a doc id, a title, paragraphs
and a creation time. The structure mirrors the saved pages of corpus/cases: metas, the
sticky bar's duplicate title, `div.date-source`, `div#artibody.article` with its boundary
comments, the QR block with its inline style, and the editor line."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
QR_IMAGE = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
IDENT = "\u3000\u3000"  # two full-width spaces, as Sina indents paragraphs


@dataclass
class PageSpec:
    doc_id: str  # "i" + 14 characters, e.g. "iabcdefg1234567"
    title: str
    paragraphs: list[str]
    create_at: datetime  # timezone-aware
    url: str = ""  # og:url; default a finance.sina.com.cn /china/gncj/ URL
    source: str = "新浪财经"
    editor: str = "张三 SF001"
    keywords: list[str] = field(default_factory=list)
    dated: bool = True  # False: empty time metas and no span.date, as on 财经头条 pages

    @property
    def beijing(self) -> datetime:
        return self.create_at.astimezone(BEIJING)

    def default_url(self) -> str:
        day = f"{self.beijing:%Y-%m-%d}"
        return f"https://finance.sina.com.cn/china/gncj/{day}/doc-{self.doc_id}.shtml"


def article_page(spec: PageSpec) -> bytes:
    """The page as Sina serves it, UTF-8 encoded."""
    e = html.escape
    url = spec.url or spec.default_url()
    pid = spec.doc_id[1:]
    created = f"{spec.beijing:%Y-%m-%d %H:%M:%S}" if spec.dated else ""
    published = f"{spec.beijing:%Y-%m-%dT%H:%M:%S}+08:00" if spec.dated else ""
    shown = f'<span class="date">{spec.beijing:%Y年%m月%d日 %H:%M}</span>' if spec.dated else ""
    stamp = f"<!-- [ published at {created} ] -->\n" if spec.dated else ""
    keywords = ",".join(spec.keywords) or spec.title
    paragraphs = "\n".join(f"<p>{IDENT}{e(text)}</p>" for text in spec.paragraphs)
    mobile = url.replace("finance.sina.com.cn", "finance.sina.cn").replace("doc-", "detail-")
    page = f"""<!DOCTYPE html>
{stamp}<html>
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta content="always" name="referrer">
<title>{e(spec.title)}_新浪财经_新浪网</title>
<meta name="sudameta" content="urlpath:china/gncj/; allCIDs:57045,257,51894,56416">
<meta name="keywords" content="{e(keywords)}">
<meta name="tags" content="">
<meta name="description" content="{e(spec.paragraphs[0] if spec.paragraphs else '')}">
<meta property="og:type" content="news">
<meta property="og:title" content="{e(spec.title)}">
<meta property="og:url" content="{e(url)}">
<meta property="og:image" content="">
<meta name="weibo: article:create_at" content="{created}">
<meta name="stencil" content="PGLS000526">
<meta name="publishid" content="{pid}">
<meta name="comment" content="cj:comos-{pid}">
<meta name="sudameta" content="comment_channel:cj;comment_id:comos-{pid}">
<meta name="mediaid" content="{e(spec.source)}">
<meta name="mobile-agent" content="format=html5; url={e(mobile.replace('.shtml', '.d.html'))}">
<meta property="article:published_time" content="{published}">
<meta property="article:author" content="{e(spec.source)}">
<meta name="sudameta" content="dataid:comos:{pid}">
<script type="text/javascript" src="//i.sso.sina.com.cn/js/ssologin.js" charset="gb2312"></script>
</head>
<body>
<div class="main-content w1240">
    <div class="top-banner clearfix">
        <ins class="sinaads" data-ad-pdps="PDPS000000056985"></ins>
        <script>(sinaads = window.sinaads || []).push({{}})</script>
    </div>
    <div class="path-search"><div class="path">
        <a class="channel-logo" href="http://finance.sina.com.cn/"></a>
        <div class="channel-path"><a href="http://finance.sina.com.cn/china/">国内财经</a>
        <span class="spliter">&gt;</span><span>正文</span></div>
    </div></div>
    <h1 class="main-title">{e(spec.title)}</h1>
    <div class="top-bar-wrap" id="top_bar_wrap"><div class="top-bar ani" id="top_bar">
        <div class="top-bar-inner clearfix">
<div class="second-title">{e(spec.title)}</div>
<div class="date-source" data-sudaclick="content_media_p">
    {shown}
    <span class="source ent-source">{e(spec.source)}</span></div>
        </div>
    </div></div>
    <div class="article-content clearfix article-18" id="article_content">
        <div class="article-content-left">
            <div class="new_style_article" data-sudaclick="ad_content_top">
                <p><strong>安装新浪财经客户端第一时间接收最全面的市场资讯→【<a href="https://finance.sina.com.cn/mobile/comfinanceweb.shtml?source=caishou02" target="_blank">下载地址</a>】</strong></p>
            </div>
            <!-- 正文 start -->
				<!-- 原始正文begin -->
				<div class="article" id="artibody" data-sudaclick="blk_content">
{paragraphs}<!-- news_keyword_pub,stock, -->

<!-- 正文下iframe -->
<!-- 总声明-->
<!-- 文末二维码 start -->
            <style>
            .appendQr_wrap{{border:1px solid #E6E6E6;padding:8px;}}
            .appendQr_normal{{float:left;}}
            </style>
            <div class="clearfix appendQr_wrap">
                <div class="appendQr_normal"><img src="{QR_IMAGE}"></div>
                <div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div>
            </div>
<!-- 文末二维码 end -->
<!-- 编辑姓名及工作代码 -->
<p class="article-editor">责任编辑：{e(spec.editor)} </p>
<!-- 编辑姓名及工作代码-->
</div>
				<!-- 原始正文end -->
		<div class="article-bottom clearfix" id="article-bottom">
			<div class="btns"><a href="http://news.sina.com.cn/feedback/post.html" class="btn-icon btn-feedback">我要反馈</a></div>
		</div>
        </div>
    </div>
</div>
</body>
</html>
"""
    return page.encode("utf-8")


def redesigned_page(spec: PageSpec, keep_title: bool = False) -> bytes:
    """The same article after an imagined redesign of Sina's pages, as the layout alarm
    must notice one: new class names for the headline (no `h1`, no `og:title`), the body
    (`article.news-body`) and the date. With `keep_title`, the old `h1.main-title` stays
    and only the body moved, so the page fails for its body rather than its title."""
    e = html.escape
    title = (f'<h1 class="main-title">{e(spec.title)}</h1>' if keep_title
             else f'<div class="news-title">{e(spec.title)}</div>')
    paragraphs = "\n".join(f"<p>{IDENT}{e(text)}</p>" for text in spec.paragraphs)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{e(spec.title)}_新浪财经_新浪网</title>
<meta property="og:url" content="{e(spec.url or spec.default_url())}">
</head>
<body>
<div class="page-wrap">
<header class="news-hd">{title}
<div class="news-meta"><em class="pub-time">{spec.beijing:%Y-%m-%d %H:%M}</em>
<em class="pub-source">{e(spec.source)}</em></div></header>
<article class="news-body">
{paragraphs}
</article>
</div>
</body>
</html>
"""
    return page.encode("utf-8")
