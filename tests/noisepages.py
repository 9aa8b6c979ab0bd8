"""Hand-made Sina pages around the noise classes of issue 10, for end-to-end crawls.

`t1_page` is the 2008-2013 GBK template (`div#artibody.blkContainerSblkCon` between
`publish_helper` comments, as corpus/pages/2010_*); `kandian_page` a 看点 page
(`k.sina.com.cn/article_<uid>_<id>.html`, the main-title template with its own statement
and product slot at the end of `#artibody`). The noise blocks below copy the markup of real
pages (class names, nesting, attributes, where they sit); every text is invented.
"""

from __future__ import annotations

import html

# A legacy Flash player in the middle of a paragraph (news pages 2009-2011): marker
# comments, an inline style, `span.contentPlayer` holding the player (an unclosed `<EMBED>`),
# its title link and its "来源：" caption, then the scripts that start it.
CONTENT_PLAYER = """<!-- 播放器 begin -->
<!-- flash player begin -->
				<STYLE type="text/css">
				.contentPlayer{float:left;width:336px;height:322px;margin:0 20px 10px 0;}
				.cp_player{padding:14px 0 0;text-align:center;height:249px;display:block;}
				</STYLE>
				<SPAN class="contentPlayer">
					<SPAN class="cp_player" id="p_player"><EMBED pluginspage="http://www.macromedia.com/go/getflashplayer" type="application/x-shockwave-flash" src="http://p.you.video.sina.com.cn/swf/BokerPlayerV3_1_1_100401.swf" width="298" height="250" id="myMovie" name="myMovie" quality="high" allowfullscreen="true" flashvars="container=p_player&amp;vid=41230987&amp;autoPlay=0"></SPAN>
					<SPAN class="cp_tit"><A target="_blank" href="http://video.sina.com.cn/news/c/v/2011-03-08/201761234.shtml">视频：河道清淤工程提前完工</A></SPAN>
					<SPAN class="cp_from" style="font-weight:normal;">来源：东方卫视转《新闻联播》</SPAN>
				</SPAN>
<SCRIPT type="text/javascript">
var sinaBokePlayerConfig_o = {container: "p_player", playerWidth: 298, autoPlay: 0};
</SCRIPT>
<SCRIPT src="http://news.sina.com.cn/js/playflash.js" type="text/javascript"></SCRIPT>
<!-- flash player end -->
<!-- 播放器 end -->

"""

# The "watch the video" box after the last paragraph: a thumbnail, the title, the "来源："
# caption and a "播放视频" link in `div.blk-video`, after a `<BR>` and before a clearing div.
BLK_VIDEO = """<BR>
<DIV class="blk-video">
	<DIV class="blk-video-l">
		<A href="http://video.sina.com.cn/news/c/v/2011-03-08/201761234.shtml"><IMG alt="河道清淤" src="http://i1.sinaimg.cn/dy/news/c/v/2011-03-08/U4708P1T334D61234F9098DT20110308201838.jpg" width="94" height="71"></A>
	</DIV>
	<DIV class="blk-video-r">
		<DIV class="blk-v-tit"><A href="http://video.sina.com.cn/news/c/v/2011-03-08/201761234.shtml">河道清淤工程提前完工
</A></DIV>
		<DIV class="blk-v-from">来源：东方卫视转《新闻联播》</DIV>
		<A href="http://video.sina.com.cn/news/c/v/2011-03-08/201761234.shtml" class="blk-v-play">播放视频</A>
	</DIV>
</DIV>
<DIV class="clearcl"></DIV>
"""

# A centred Flash box written into a paragraph: the `<div>` closes the paragraph in the
# parser, the rest of the sentence is left outside it.
CENTRED_FLASH = (
    '<div align="center"><object classid="clsid:d27cdb6e-ae6d-11cf-96b8-444553540000"'
    ' width="480" height="370"><param name="movie"'
    ' value="http://vhead.blog.sina.com.cn/player/outer_player.swf?vid=41230988">'
    '<param name="allowFullScreen" value="true"><embed'
    ' src="http://vhead.blog.sina.com.cn/player/outer_player.swf?vid=41230988"'
    ' type="application/x-shockwave-flash" width="480" height="370"></embed></object></div>'
)

# 看点's end of body: a float-clearing div, Sina's statement and the product card slot.
KANDIAN_NOTICE = (
    '<div style="font-size: 0px; height: 0px; clear: both;"></div>'
    '<p class="article-notice" style="border: 1px solid #FF6861;border-radius: 4px;'
    'padding: 20px;color: #FF6861;line-height: 24px;margin-top: 30px;">特别声明：以上文章'
    "内容仅代表作者本人观点，不代表新浪网观点或立场。如有关于作品内容、版权或其它问题请于"
    "作品发表后的30日内与新浪网联系。</p>\n"
    '<div class="goods-card" data-goods="" style="display:none;"></div>\n'
)


def t1_page(did: str, title: str, body_html: str, when: str = "2011-03-08 10:21") -> bytes:
    """A T1 news page (GB2312 bytes) whose `#artibody` holds `body_html`; its document id is
    `1-1-<did>`."""
    e = html.escape
    day, hour = when.split()
    y, m, d = day.split("-")
    page = f"""<!--[1,1,{did}] published at {when}:19 from #150 by 1473-->
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{e(title)}_新闻中心_新浪网</title>
<meta name="publishid" content="1,1,{did}">
<script type="text/javascript" src="http://news.sina.com.cn/js/sinaflash.js"></script>
</head>
<body>
<div class="blkContainer"><div class="blkContainerPblk">
<h1 id="artibodyTitle" pid="1" tid="1" did="{did}" fid="1666">{e(title)}</h1>
<div class="artInfo"><span id="pub_date">{y}年{m}月{d}日{hour}</span>&nbsp;&nbsp;<span id="media_name"><a href="http://www.xinhuanet.com/">新华网</a></span></div>
<!-- 正文内容 begin -->
<div class="blkContainerSblkCon" id="artibody">
<!-- publish_helper name='原始正文' p_id='1' t_id='1' d_id='{did}' f_id='3' -->
{body_html}
<!-- publish_helper_end -->
<div class="blkComment otherContent_01"><p><a href="http://comment4.news.sina.com.cn/comment/comment4.html?channel=gn&amp;newsid=1-1-{did}">我要评论</a></p></div>
</div>
<!-- 正文内容 end -->
</div></div>
</body>
</html>
"""
    return page.encode("gb18030")


def kandian_page(uid: str, doc: str, title: str, body_html: str) -> bytes:
    """A 看点 page (UTF-8) whose `#artibody` holds `body_html`, then the statement and the
    product slot Sina puts at the end of every such body."""
    e = html.escape
    url = f"https://k.sina.com.cn/article_{uid}_{doc}.html"
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{e(title)}_新浪网</title>
<meta property="og:type" content="news">
<meta property="og:title" content="{e(title)}">
<meta property="og:url" content="{url}">
<meta name="weibo: article:create_at" content="2021-06-01 08:15:02">
</head>
<body>
<div class="main-content w1240">
<h1 class="main-title">{e(title)}</h1>
<div class="date-source"><span class="date">2021年06月01日 08:15</span>
<span class="source ent-source">某某自媒体</span></div>
<div class="article" id="artibody" data-sudaclick="blk_content">
			<!-- 正文 start -->
{body_html}
{KANDIAN_NOTICE}</div>
</div>
</body>
</html>
"""
    return page.encode("utf-8")
