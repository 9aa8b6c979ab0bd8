"""End to end: the noise classes of issue 10 in whole pages, through the real
`scrapy crawl article` (legacy video players, 看点's statement and product slot, follow-us
promotions, video-only pages)."""

from __future__ import annotations

from pathlib import Path

from localserver import scrapy_crawl, settings_args
from minipage import t3_page
from noisepages import BLK_VIDEO, CENTRED_FLASH, CONTENT_PLAYER, kandian_page, t1_page

IDENT = "\u3000\u3000"


def crawl(tmp_path: Path, *pages: Path, status: int = 0):
    """`status`: 1 when a page given becomes no post."""
    out = tmp_path / "out"
    result = scrapy_crawl(
        "article", "-a", "url=" + ",".join(str(p) for p in pages), *settings_args(OUTPUT_DIR=out)
    )
    assert result.returncode == status, result.stderr
    return result, {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md"))}


def body_of(post: str) -> str:
    return post.split("<div>   \n", 1)[1].rsplit("\n  \n</div>", 1)[0]


def saved(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_legacy_players_go_and_the_paragraphs_they_split_come_out_whole(tmp_path):
    body = (
        f"<P>{IDENT}新华网北京3月8日电（记者李明）城北河道清淤工程8日通过验收，比原计划提前十天完工。</P>\n\n"
        f"<P>{IDENT}工程指挥部负责人介绍，此次清淤共清理淤泥十二万立方米{CONTENT_PLAYER}"
        "，沿岸新建的两座泵站也已投入试运行。</P>\n\n"
        f"<P>{IDENT}据了解，清淤后的河道将{CENTRED_FLASH}在汛期承担城区北部的排涝任务。</P>\n\n"
        f"<P>{IDENT}下一步，当地还将在河道两岸建设步行道和绿化带。</P> {BLK_VIDEO}"
    )
    page = saved(tmp_path, "player.shtml", t1_page("20561234", "城北河道清淤工程提前完工", body))
    result, posts = crawl(tmp_path, page)
    assert body_of(posts["1-1-20561234.md"]) == "\n".join([
        f"<p>{IDENT}新华网北京3月8日电（记者李明）城北河道清淤工程8日通过验收，比原计划提前十天完工。</p>",
        f"<p>{IDENT}工程指挥部负责人介绍，此次清淤共清理淤泥十二万立方米，沿岸新建的两座泵站也已投入试运行。</p>",
        f"<p>{IDENT}据了解，清淤后的河道将在汛期承担城区北部的排涝任务。</p>",
        f"<p>{IDENT}下一步，当地还将在河道两岸建设步行道和绿化带。</p>",
    ])


def test_kandian_statement_product_slot_and_follow_us_promotion_go(tmp_path):
    body = (
        f"<p>{IDENT}端午将至，不少老字号推出了新口味的粽子。</p>\n"
        '<div class="img_wrapper"><img src="//k.sinaimg.cn/n/sinakd20210601s/200/w600h400/'
        '20210601/1a2b-zongzi.jpg/w700d1q75cms.jpg?by=cms_fixed_width" alt=""></div>\n'
        f"<p>{IDENT}记者走访发现，今年咸蛋黄和鲜肉口味依旧最受欢迎。</p>\n"
        '<p style="text-align: center;"><img src="//k.sinaimg.cn/n/sinakd20210601s/300/w300h300/'
        '20210601/3c4d-qrcode.jpg/w700d1q75cms.jpg?by=cms_fixed_width"></p>\n'
        '<p style="text-align: center;">长按二维码，关注“城市生活观察”微信公众号</p>\n'
    )
    page = kandian_page("6479293414", "182322be60010zz01", "老字号粽子上新", body)
    result, posts = crawl(tmp_path, saved(tmp_path, "kandian.html", page))
    assert body_of(posts["182322be60010zz01.md"]) == "\n".join([
        f"<p>{IDENT}端午将至，不少老字号推出了新口味的粽子。</p>",
        '<div class="img_wrapper"><img src="https://k.sinaimg.cn/n/sinakd20210601s/200/w600h400/'
        '20210601/1a2b-zongzi.jpg/w700d1q75cms.jpg?by=cms_fixed_width" alt=""'
        ' referrerpolicy="no-referrer"></div>',
        f"<p>{IDENT}记者走访发现，今年咸蛋黄和鲜肉口味依旧最受欢迎。</p>",
    ])


def test_video_only_pages_are_dropped_as_empty_bodies(tmp_path):
    t1 = saved(tmp_path, "t1-video.shtml", t1_page("20561299", "视频：河道清淤工程提前完工",
                                                   f"<p>{CONTENT_PLAYER}</p>{BLK_VIDEO}"))
    shell = (
        '<div class="video-2017" id="videoList0"><div class="play-video-area"'
        ' id="videoList0_playArea" data-sudaclick="component_video_player_i"></div>'
        '<div class="video-info" node-type="videoInfo"><h4>视频：港口吞吐量创新高</h4></div></div>\n'
        '<p><span style="font-family: KaiTi_GB2312,KaiTi;">免责声明：本文内容仅代表作者个人观点，'
        "不代表新浪网立场。投资有风险，入市需谨慎。</span></p>"
    )
    t3 = saved(tmp_path, "t3-video.shtml", t3_page("iabcdvid0000001", "港口吞吐量创新高", shell))
    result, posts = crawl(tmp_path, t1, t3, status=1)
    assert posts == {}
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    for page in (t1, t3):
        assert any(page.name in line and "(empty-body)" in line for line in warnings), page
    assert "'newscrawl/dropped/empty-body': 2" in result.stderr
