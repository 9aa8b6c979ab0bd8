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


# --------------------------------------------------------------------------- T0 (2004-2005)

T0_HOUSE_ID = "62-3-70123"
T0_HOUSE_TITLE = "两万元起步的小额投资 年轻夫妇试水商铺(图)"
T0_HOUSE_CAPTION = "年轻夫妇在展会上咨询商铺项目 记者/摄"
T0_HOUSE_PARAS = [
    "王先生夫妇结婚三年，攒下了一笔积蓄，一直在琢磨怎么让钱生钱。",
    "展会上一个商铺项目的首付只要两万元，年回报率据称可达百分之八。",
    "业内人士提醒，投资商铺前要看清产权年限和经营方的资质。",
    "王先生说，他们准备再多看几个项目，不会急于出手。",
]
T0_HOUSE_AD_IMAGE = "http://image2.sina.com.cn/hs/ad/U100P62T3D70123F1DT20050330.jpg"


def t0_house_page() -> bytes:
    """A 2005 page in the T0 table layout (GB2312): the CMS stamp first, `th.f24` headline,
    dateline row, `td.l17 > font#zoom` (which libxml2 closes at the `<center>` photo: the
    text follows it in the cell), a 画中画 slot (paired comments around an ad table with
    Flash and nested slot comments) in the middle of a number, and a second `font#zoom`
    holding the "点击此处查询" search row."""
    p1, p2, p3, p4 = (f"<p>{IDENT}{text}</p>" for text in T0_HOUSE_PARAS)
    split = T0_HOUSE_PARAS[1].index("两万元") + 1  # the slot splits 两|万元
    second = T0_HOUSE_PARAS[1]
    slot = f"""<!--NEWSZW_HZH_BEGIN--><table border=0 cellspacing=0 cellpadding=0 align=left>
<tr><td>
<!--画中画广告开始-->
<table border=0 cellspacing=0 cellpadding=0 align=left><tr><td>
<!--房产新闻内页画中画开始-->
<OBJECT classid="clsid:D27CDB6E-AE6D-11cf-96B8-444553540000" WIDTH="360" HEIGHT="300">
 <PARAM NAME=movie VALUE="http://ad4.sina.com.cn/200503/30/1_hzh.swf"> <PARAM NAME=quality VALUE=high>
 <EMBED src="http://ad4.sina.com.cn/200503/30/1_hzh.swf" quality=high WIDTH="360" HEIGHT="300" TYPE="application/x-shockwave-flash"></EMBED>
</OBJECT>
<!--房产新闻内页画中画结束-->
</td></tr></table>
<!--画中画广告结束-->
</td></tr>
<tr><td>
<!-- 画中画下文字链广告（文字需加class=a01）-->
<table width=360 border=0><tr><td><a href="http://ggmm.sina.com.cn/" class=a01><img src="{T0_HOUSE_AD_IMAGE}">新浪分类 无限商机</a></td></tr></table>
</td></tr>
</table><!--NEWSZW_HZH_END-->"""
    p2 = f"<p>{IDENT}{second[:split]}{slot}{second[split:]}</p>"
    page = f"""<!--[62,3,70123] published at 2005-03-30 12:40:05 from #008 by 1184-->
<html>
<head>
<meta http-equiv="content-type" content="text/html; charset=gb2312">
<title>{T0_HOUSE_TITLE}_新浪房产_新浪网</title>
<meta name="keywords" content="{T0_HOUSE_TITLE}">
<style type="text/css">
.f24 {{font-size:24px;}}
.l17 {{line-height:170%;}}
</style>
</head>
<body>
<table width=750 border=0 cellspacing=0 cellpadding=0>
<tr><td><a href=http://house.sina.com.cn/ class=a02>新浪房产</a> &gt; 投资 &gt; 正文</td></tr>
</table>
<div id="outer" style="position:relative;width:750px;">
<table width=750 border=0 cellspacing=0 cellpadding=0>
<tr><td width=620 align=center rowspan=2 valign=top bgcolor=#EDF0F5>
        <div id=article>
        <br>
    <table width=560 border=0 cellspacing=0 cellpadding=0>
    <tr><th class=f24><font color=#05006C>{T0_HOUSE_TITLE}</font></th></tr>
    <tr><td height=><hr size=1 bgcolor=#d9d9d9></td></tr>
    <tr><td height=20 align=center>http://house.sina.com.cn
      2005年03月30日07:25 <font color=#A20010>晨报 </font></td></tr>
    <tr><td height=15></td></tr>
    <tr><td class=l17>
    <font id="zoom" class=f14>

    <center><IMG SRC="http://image2.sina.com.cn/hs/p/2005-03-30/U800P62T3D70123F72DT20050330104105.jpg" BORDER=1 alt={T0_HOUSE_TITLE}></center><br><center><font style='font-size:12px'>{T0_HOUSE_CAPTION}</font></center>
{p1}
{p2}
{p3}
{p4}

    </font>
    </td></tr>
    </table></div>
    <table width=560 border=0 cellspacing=0 cellpadding=0>
    <tr><td class=l17>
    <font id="zoom" class=f14>
    <p><small></small></p>
         <br><table width=565 border=0 cellspacing=0 cellpadding=0>
              <tr><td class=f14 height=30 valign=top>　　　点击此处查询<a href=http://chanews.sina.com.cn/s.cgi?k=商铺 target=_blank>全部<font color=red>商铺</font>新闻</a> </td></tr></table>
    </font></td></tr></table>
</td>
<td width=130 valign=top>
<table><tr><td class=f24>房产热点</td></tr></table>
</td></tr>
</table>
</div>
</body>
</html>
"""
    return page.encode("gb2312")


T0_BOOK_ID = "112-3-120456"
T0_BOOK_TITLE = "初到边城(2)"
T0_BOOK_PARAS = [
    "车子在山路上颠簸了整整一天，傍晚时分才望见边城的灯火。",
    "他在客栈里住下，第二天一早便去拜访那位老校长，老校长正在院子里修剪一棵石榴树。",
    "两人一直谈到中午，老校长留他吃了一碗酸汤面。",
]


def t0_book_page() -> bytes:
    """A 2004 T0 serial-book page (GB2312): `td.title14` headline with no dateline (the
    CMS stamp is its only time), a related-links box with the same class, and in the
    middle of a paragraph an iframe ad slot between two `正文页画中画 begin` comments
    (the template never writes `end`) with an Adforward slot inside."""
    p1, p2, p3 = T0_BOOK_PARAS
    split = p2.index("，") + 1
    slot = """<!-- 正文页画中画 begin -->

<table border=0 cellspacing=0 cellpadding=0><tr><td>
<!--读书新闻内页画中画开始-->
<span><IFRAME MARGINHEIGHT=0 MARGINWIDTH=0 FRAMEBORDER=0 WIDTH=360 HEIGHT=300 SCROLLING=NO SRC="http://212.adsina.allyes.com/main/adfshow?user=book|PIP&db=sina"></IFRAME></span>
<!--读书新闻内页画中画结束-->
</td></tr></table>
<!--Adforward Begin:测试勿删-->
<IFRAME MARGINHEIGHT=0 MARGINWIDTH=0 FRAMEBORDER=0 WIDTH=1 HEIGHT=1 SCROLLING=NO SRC="http://157.adsina.allyes.com/main/adfshow?user=Book|PIP&db=sina"></IFRAME>
<!--Adforward End-->
<!-- 正文页画中画 begin -->"""
    body = (
        f"<p>{IDENT}{p1}</p><p>{IDENT}{p2[:split]}{slot}{p2[split:]}</p><p>{IDENT}{p3}</p>"
    )
    page = f"""<!--[112,3,120456] published at 2004-10-13 14:01:37 from #009 by system-->
<HTML>
<HEAD>
<TITLE>{T0_BOOK_TITLE}_读书频道_新浪网</TITLE>
<META http-equiv=Content-type content="text/html; charset=gb2312">
</HEAD>
<BODY>
<CENTER>
<table width=750 border=0 cellpadding=0 cellspacing=0>
<tr><td vAlign=top align=middle width=594>
<div id=article>
        <table cellSpacing=0 cellPadding=0 width=545 border=0>
        <tr><td height=20></td></tr>
        <tr><td class=title14 align=center><font color=red><B>{T0_BOOK_TITLE}</B></font></td></tr>
<tr><td height=10></td></tr>
        <tr><td class=l15 align=center>某作者 </td></tr>
        <tr><td class=l17 valign=top>&nbsp;<font class=f14><p>{IDENT}<a href=http://tech.sina.com.cn/i/w/2004-09-06/1102400001.shtml target=_blank><font color=red>立刻注册新浪免费邮箱</font></a>
    </p></font><BR>
<font id="zoom" class=f14>{body}
</font>
                </td>
            </tr>
      </table>
</div>
<table width=565 border=0 cellspacing=1 cellpadding=3>
<tr><td class=title14>　相关链接</td></tr>
<tr><td class=title14><a href=/longbook/x/1.shtml target=_blank>初到边城(1)</a><br></td></tr>
</table>
</td></tr></table>
</CENTER>
</BODY>
</HTML>
"""
    return page.encode("gb2312")


def t0_sidebar_heading_page() -> bytes:
    """A table-layout page without a headline: its only `.f24` cell is a sidebar heading
    that is not the page's `<title>`."""
    return """<!--[62,3,70999] published at 2005-03-30 12:40:05 from #008 by 1184-->
<html><head>
<meta http-equiv="content-type" content="text/html; charset=gb2312">
<title>房产频道导航_新浪房产_新浪网</title>
</head><body>
<div id=article><table><tr><td class=f24>热门楼盘</td></tr>
<tr><td class=l17><font id="zoom" class=f14><p>　　楼盘列表</p></font></td></tr></table></div>
</body></html>
""".encode("gb2312")


# --------------------------------------------------------------------------- T2 editor line

T2_EDITOR_URL = "https://finance.sina.com.cn/money/forex/forexroll/2016-06-02/doc-ifxqwert7654321.shtml"
T2_EDITOR_LINE = "责任编辑：李四 SF012"


def t2_editor_outside_page() -> bytes:
    """A 2016 finance page (article_16): the 股吧 promotion ends the body container, and
    the editor line follows it, between the `编辑真实姓名及工作代码` comments, before the
    weixin box."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"/>
<title>人民币中间价小幅上调_新浪财经_新浪网</title>
<meta property="og:url" content="{T2_EDITOR_URL}">
<meta name="weibo: article:create_at" content="2016-06-02 09:30:05">
</head><body>
<div class="page-header"><h1 id="artibodyTitle">人民币中间价小幅上调</h1></div>
<div class="page-content clearfix"><div class="article-a__content">
<div class="article article_16" id="artibody">
<p>{IDENT}今日人民币兑美元中间价小幅上调。</p>
<p>{IDENT}交易员预计短期内汇率将维持双向波动。</p>
        <!--调查代码-->
        <!--股吧推广-->
         <div data-sudaclick="suda_1028_guba"><p>进入<a href='http://guba.sina.com.cn' target='_blank'>【新浪财经股吧】</a>讨论</p></div>
</div>
                <!--正文部分end-->
                <!--编辑真实姓名及工作代码begain-->
<p class="article-editor">{T2_EDITOR_LINE}</p>
                <!--编辑真实姓名及工作代码end-->
                <!--正文下部-->
    <div class="fin_art_weixin clearfix"><div class="img_wrapper"><img src="http://www.sinaimg.cn/cj/pc/weixin.jpg"></div></div>
</div></div>
<div class="blk-related"><div class="article"><p class="article-editor">责任编辑：别人</p></div></div>
</body></html>
""".encode()
