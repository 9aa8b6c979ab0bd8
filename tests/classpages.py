"""Hand-made pages for the classes of Sina pages that the shared corpus does not hold: 看点
pages and old `blkContainer` pages saved without og:url, the 2004-2005 table layout (T0),
and the 2016 finance template whose editor line follows the body container.

Each mirrors the structure of real pages of its class (markup, metas, comments, encoding),
with invented text, ids and URLs.
"""

from __future__ import annotations

IDENT = "\u3000\u3000"  # Sina's paragraph indent

# --------------------------------------------------------------------------- 看点

KANDIAN_UID = "5012345678"
KANDIAN_ID = "m12ab34cd05600xyz"  # the id in the article's URL
KANDIAN_PUBLISHID = "hqzxcvb1234567"  # the CMS id, another one
KANDIAN_URL = f"https://k.sina.com.cn/article_{KANDIAN_UID}_{KANDIAN_ID}.html"
KANDIAN_TITLE = "山村小学的第一台天文望远镜"
KANDIAN_PARAS = [
    "九月开学第一周，山里的孩子们第一次透过望远镜看到了月亮上的环形山。",
    "望远镜是一位退休教师捐赠的，她还带来了自己手绘的星图。",
]


def kandian_page() -> bytes:
    """A 看点 article page (k.sina.com.cn, 2018): `sudameta sinaog:0` and no og:url, no
    canonical link; its own URL only in the three `mobile-agent` metas (on k.sina.cn,
    with a tracking query) and in a script."""
    mobile = f"http://k.sina.cn/article_{KANDIAN_UID}_{KANDIAN_ID}.html?from=news&amp;subch=onews"
    paragraphs = "\n".join(f"<p>{IDENT}{text}</p>" for text in KANDIAN_PARAS)
    return f"""<!DOCTYPE html>
<!-- [ published at 2018-09-28 09:12:40 ] -->
<html>
<head>
<meta charset="utf-8"/>
<title>{KANDIAN_TITLE}_新浪网</title>
<meta name="keywords" content="望远镜,山村小学">
<meta name="sudameta" content="allCIDs:187178,258,171240,257"/>
<meta name="publishid" content="{KANDIAN_PUBLISHID}" />
<meta name="sudameta" content="comment_channel:mp;comment_id:{KANDIAN_UID}-{KANDIAN_ID}" />
<meta name="sudameta" content="sinaog:0" />
<meta name="mobile-agent" content="format=html5; url={mobile}">
<meta name="mobile-agent" content="format=xhtml; url={mobile}">
<meta name="mobile-agent" content="format=wml; url={mobile}">
<script>
var $SCOPE = {{ video: {{ url: 'http://k.sina.com.cn/article_{KANDIAN_UID}_{KANDIAN_ID}.html?from=news' }} }};
</script>
</head>
<body>
<div class="main-content w1240">
  <h1 class="main-title">{KANDIAN_TITLE}</h1>
  <div class="date-source"><span class="date">2018年09月28日 09:12</span>
    <a class="source ent-source" href="http://k.sina.com.cn/mediaview_{KANDIAN_UID}">星空小站</a></div>
  <div class="article-content clearfix">
    <div class="article-content-left">
            <div class="article" id="artibody">
{paragraphs}
<div class="goods-card"></div>
            </div>
    </div>
  </div>
</div>
</body>
</html>
""".encode()


# --------------------------------------------------------------------------- T1, saved

T1_SAVED_ID = "1-1-12345678"
T1_SAVED_URL = "https://news.sina.com.cn/w/2010-05-20/230712345678.shtml"
T1_SAVED_TITLE = "海岛渔港迎来今年首批远洋渔船"
T1_SAVED_PARAS = [
    "新浪新闻讯 今天下午，二十余艘远洋渔船陆续返回海岛渔港，码头上一片忙碌。",
    "渔港管理处表示，今年首批渔船的渔获量较去年同期略有增加。",
]


def t1_saved_page() -> bytes:
    """A 2010 `blkContainer` page (GBK) as a browser saves it: `publishid` `1,1,<d_id>`
    and no og:url, canonical link or moodcounter; its own URL only in its links (share,
    comments), after a related link to another story whose number holds the same
    digits."""
    paragraphs = "\n".join(f"<p>{IDENT}{text}</p>" for text in T1_SAVED_PARAS)
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-type" content="text/html; charset=gb2312" />
<title>{T1_SAVED_TITLE}_新闻中心_新浪网</title>
<meta name="publishid" content="1,1,12345678">
<meta name="stencil" content="PGLS000022" />
</head>
<body>
<div id="page">
<div class="blkBreadcrumb"><a href="http://news.sina.com.cn/">新闻中心</a> &gt; <a href="http://news.sina.com.cn/world/">国际新闻</a> &gt; 正文</div>
<div class="blkRelated"><ul>
<li><a href="http://news.sina.com.cn/w/2010-05-19/1951123456789.shtml">渔业部门发布休渔期安排</a></li>
<li><a href="http://news.sina.com.cn/w/2010-05-18/0812345678.shtml">近海养殖户扩大规模</a></li>
</ul></div>
<h1 id="artibodyTitle">{T1_SAVED_TITLE}</h1>
<div class="artInfo"><span id="media_name">新浪新闻</span> <span id="pub_date">2010年05月20日23:07</span></div>
<div class="blkContainerSblkCon" id="artibody">
{paragraphs}
</div>
<div class="blkComment"><span name="cmnt_count" cmnt_id="gj:1-1-12345678:0"></span>
<a href="http://news.sina.com.cn/w/2010-05-20/230712345678.shtml#comment">发表评论</a></div>
<div class="share"><a href="http://news.sina.com.cn/w/2010-05-20/230712345678.shtml?from=share">分享</a></div>
</div>
</body>
</html>
"""
    return page.encode("gbk")
