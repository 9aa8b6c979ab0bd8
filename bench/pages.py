# ruff: noqa: E501  (HTML templates)
"""The benchmark's site: a few real-sized article page templates and the roll-API
universe built on them (N articles spread over the configured channels).

Templates come from one of two places:

- `corpus`: the saved Sina pages of ../shared/corpus (read-only, used where they are,
  never copied into the repository) of 100-420 KB whose document id can be rewritten:
  every occurrence of the page's id is replaced by the benchmark's own id, and the page is
  kept only if it then parses, cleans and validates as that id;
- `synthetic`: T3 pages (2017-now template) built here from invented text and padded
  with realistic chrome (navigation, inline CSS and scripts, ranking lists) to 100-400 KB.

`auto` uses the corpus when it is there and yields at least two templates, else synthetic.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT.parent / "shared" / "corpus"
MIN_SIZE, MAX_SIZE = 100 * 1024, 420 * 1024
ID_PREFIX = "ibench"  # doc id of article k: ibench000000042 ("i" + 14 characters)
PLACEHOLDER = "bench000000000"
EPOCH = datetime(2024, 3, 1, tzinfo=UTC)  # listing time of article 0; one minute apart
_ARTICLE_PATH = re.compile(r"/doc-ibench(\d{9})\.shtml$")


@dataclass
class Site:
    workdir: Path
    n: int
    lids: list[int]
    templates: list[dict] = field(default_factory=list)  # file, id, encoding, size, source
    _listed: dict[int, list[int]] = field(default_factory=dict, repr=False)

    # --- the universe ------------------------------------------------------------------

    @staticmethod
    def doc_id(k: int) -> str:
        return f"{ID_PREFIX}{k:09d}"

    def path(self, k: int) -> str:
        day = (EPOCH + timedelta(minutes=k)).strftime("%Y-%m-%d")
        return f"/china/{day}/doc-{self.doc_id(k)}.shtml"

    def article_number(self, path: str) -> int | None:
        match = _ARTICLE_PATH.search(path)
        k = int(match.group(1)) if match else -1
        return k if 0 <= k < self.n else None

    def listed(self, lid: int) -> list[int]:
        """Article numbers the channel `lid` lists, newest (highest) first."""
        if lid not in self._listed:
            if lid not in self.lids:
                self._listed[lid] = []
            else:
                i, m = self.lids.index(lid), len(self.lids)
                self._listed[lid] = [k for k in range(self.n - 1, -1, -1) if k % m == i]
        return self._listed[lid]

    def roll_entry(self, k: int, base: str) -> dict:
        ctime = int((EPOCH + timedelta(minutes=k)).timestamp())
        doc_id = self.doc_id(k)
        return {
            "docid": f"comos:{doc_id[1:]}",
            "url": base + self.path(k),
            "title": f"基准文章 {k}",
            "ctime": str(ctime),
            "intime": str(ctime),
            "mtime": str(ctime),
            "media_name": "新浪财经",
        }

    def urls(self, base: str) -> list[str]:
        return [base + self.path(k) for k in range(self.n)]

    def template_paths(self) -> list[Path]:
        return [self.workdir / t["file"] for t in self.templates]

    # --- persistence (the server is another process) -------------------------------------

    def save(self, path: Path) -> Path:
        data = {
            "workdir": str(self.workdir),
            "n": self.n,
            "lids": self.lids,
            "templates": self.templates,
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> Site:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(Path(data["workdir"]), data["n"], data["lids"], data["templates"])

    def with_n(self, n: int) -> Site:
        return Site(self.workdir, n, self.lids, self.templates)


def build_templates(workdir: Path, kind: str = "auto", count: int = 8) -> tuple[list[dict], str]:
    """Write the templates into `workdir`; returns their descriptions and the kind used."""
    workdir.mkdir(parents=True, exist_ok=True)
    if kind in ("auto", "corpus"):
        found = corpus_templates(workdir)
        if len(found) >= 2 or kind == "corpus":
            if not found:
                raise SystemExit(f"bench: no usable corpus page under {CORPUS}")
            return found, "corpus"
    return synthetic_templates(workdir, count), "synthetic"


def corpus_pages() -> list[Path]:
    pages = sorted((CORPUS / "pages").glob("*")) + sorted((CORPUS / "cases").glob("*/page.html"))
    return [p for p in pages if p.is_file() and MIN_SIZE <= p.stat().st_size <= MAX_SIZE]


def corpus_templates(workdir: Path) -> list[dict]:
    templates = []
    for i, page in enumerate(corpus_pages()):
        data = page.read_bytes()
        checked = check_page(data, "http://127.0.0.1/china/2024-03-01/doc-iplaceholder00.shtml")
        if not checked:
            continue
        doc_id, encoding = checked
        original = doc_id[1:]
        if len(original) != 14 or original.encode() not in data:
            continue
        rewritten = data.replace(original.encode(), PLACEHOLDER.encode())
        url = f"http://127.0.0.1/china/2024-03-01/doc-i{PLACEHOLDER}.shtml"
        again = check_page(rewritten, url)
        if not again or again[0] != "i" + PLACEHOLDER:
            continue
        name = f"corpus{i:02d}.html"
        (workdir / name).write_bytes(rewritten)
        templates.append(
            {
                "file": name,
                "id": PLACEHOLDER,
                "encoding": encoding,
                "size": len(data),
                "source": str(page.relative_to(CORPUS)),
            }
        )
    return templates


def check_page(data: bytes, url: str) -> tuple[str, str] | None:
    """(doc id, encoding) when the page goes through parse, clean and validation, else None."""
    from scrapy.http import Response

    from newscrawl.exporters import front_matter, render_post
    from newscrawl.pipelines import header_image
    from newscrawl.sina import NotAnArticle, as_text, parse_article

    response = Response(url, body=data)
    try:
        article = parse_article(response, "新浪财经－国內")
        encoding = as_text(response).encoding
    except NotAnArticle:
        return None
    if not re.sub(r"<[^>]*>|\s", "", article.body):
        return None
    article.headimg = header_image(article.body, article.og_image)
    if front_matter(render_post(article)).get("title") != article.title:
        return None
    return article.doc_id, encoding


# --- synthetic T3 pages -----------------------------------------------------------------

_HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小"
    "物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形"
    "相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
    "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
    "求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战"
    "先回则任取据处理市场银行股票基金债券投资经济金融企业利润增长政策监管价格指数交易"
)
_WORDS = ("财经", "要闻", "股市", "基金", "期货", "外汇", "港股", "美股", "理财", "银行", "保险")


def _text(rng: random.Random, lo: int, hi: int) -> str:
    size = rng.randint(lo, hi)
    chars = [rng.choice(_HANZI) for _ in range(size)]
    for at in range(rng.randint(8, 20), size, rng.randint(12, 30)):
        chars[at] = rng.choice("，，，。、；")
    return "".join(chars) + "。"


def synthetic_page(k: int, size: int) -> bytes:
    """A T3 article page of about `size` bytes (UTF-8) with id PLACEHOLDER."""
    rng = random.Random(k)
    pid = PLACEHOLDER
    title = _text(rng, 12, 26)[:-1]
    created = datetime(2024, 2, 1, 8, 0) + timedelta(hours=7 * k, minutes=13 * k)
    url = f"https://finance.sina.com.cn/china/gncj/{created:%Y-%m-%d}/doc-i{pid}.shtml"
    paragraphs = [f"<p>\u3000\u3000{_text(rng, 60, 180)}</p>" for _ in range(rng.randint(10, 28))]
    for at in sorted(rng.sample(range(2, len(paragraphs)), 2), reverse=True):
        img = f"//n.sinaimg.cn/finance/crawl/{k}/w640h{rng.randint(300, 480)}/{at}.jpg"
        paragraphs.insert(
            at,
            f'<div class="img_wrapper"><img data-src="{img}" alt="">'
            f'<span class="img_descr">{_text(rng, 8, 20)}</span></div>',
        )
    paragraphs.insert(
        len(paragraphs) // 2,
        '<ins class="sinaads" data-ad-pdps="PDPS000000062473">'
        "</ins><script>(sinaads = window.sinaads || []).push({});</script>",
    )
    head = f"""<!DOCTYPE html>
<!-- [ published at {created:%Y-%m-%d %H:%M:%S} ] -->
<html><head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{title}_新浪财经_新浪网</title>
<meta name="keywords" content="{",".join(rng.sample(_WORDS, 3))}">
<meta name="description" content="{_text(rng, 40, 80)}">
<meta property="og:type" content="news">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="https://n.sinaimg.cn/default/2fb77759/20150519/320X320.png">
<meta name="weibo: article:create_at" content="{created:%Y-%m-%d %H:%M:%S}">
<meta name="publishid" content="{pid}">
<meta name="comment" content="cj:comos-{pid}">
<meta name="sudameta" content="comment_channel:cj;comment_id:comos-{pid}">
<meta property="article:published_time" content="{created:%Y-%m-%dT%H:%M:%S}+08:00">
<meta property="article:author" content="新浪财经">
"""
    chrome_head = (
        "".join(
            f'<link rel="stylesheet" href="//n.sinaimg.cn/finance/css/{n}.css">\n' for n in range(6)
        )
        + "<style>\n"
        + "".join(
            f".blk-{n} .item-{m}{{margin:{m}px {n}px;color:#{rng.randrange(0x1000000):06x};"
            f"font:{12 + m % 4}px/1.6 'Microsoft YaHei';}}\n"
            for n in range(20)
            for m in range(8)
        )
        + "</style>\n"
        + _script(rng, 40)
        + "</head>\n"
    )
    nav = (
        '<div class="top-nav" id="SI_Top_Nav"><ul>'
        + "".join(
            f'<li><a href="https://finance.sina.com.cn/{w}/{n}/" target="_blank">{w}{_text(rng, 2, 4)[:-1]}</a></li>'
            for n in range(12)
            for w in _WORDS
        )
        + "</ul></div>\n"
    )
    article = f"""<div class="main-content w1240">
<div class="top-banner"><ins class="sinaads" data-ad-pdps="PDPS000000056985"></ins></div>
<div class="path-search"><div class="channel-path"><a href="https://finance.sina.com.cn/china/">国内财经</a> &gt; 正文</div></div>
<h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">{created:%Y年%m月%d日 %H:%M}</span>
<a class="source ent-source" href="https://finance.sina.com.cn/">新浪财经</a></div>
<div class="article-content clearfix" id="article_content"><div class="article-content-left">
<!-- 正文 start -->
<div class="article" id="artibody" data-sudaclick="blk_content">
{chr(10).join(paragraphs)}
<!-- 文末二维码 start -->
<div class="appendQr_wrap"><div class="appendQr_normal"><img src="https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"></div>
<div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div></div>
<!-- 文末二维码 end -->
<p class="article-editor">责任编辑：{_text(rng, 2, 3)[:-1]} SF00{k % 10}</p>
</div>
<!-- 正文 end -->
<div class="keywords" id="keywords">{"".join(f'<a href="https://tags.finance.sina.com.cn/{w}">{w}</a>' for w in rng.sample(_WORDS, 4))}</div>
<div class="article-bottom clearfix" id="article-bottom"><div class="comment-box">我要评论</div></div>
</div>
<div class="article-content-right" id="sidebar">
"""
    page = head + chrome_head + "<body>\n" + nav + article
    blocks = []
    n = 0
    while len((page + "".join(blocks)).encode()) < size:
        items = "".join(
            f'<li><a href="https://finance.sina.com.cn/roll/2024-0{1 + m % 9}-1{m % 10}/doc-i{rng.randrange(36**13):013x}k.shtml" '
            f'target="_blank" data-sudaclick="rank_{n}_{m}">{_text(rng, 10, 24)[:-1]}</a><span class="num">{rng.randint(100, 99999)}</span></li>\n'
            for m in range(10)
        )
        blocks.append(
            f'<div class="blk-{n % 20} side-rank" data-sudaclick="blk_rank_{n}">'
            f'<h2 class="side-title">{rng.choice(_WORDS)}排行</h2><ul>\n{items}</ul></div>\n'
        )
        if n % 4 == 3:
            blocks.append(_script(rng, 8))
        n += 1
    tail = (
        '</div></div></div>\n<div class="footer" id="footer">新浪简介 | About Sina | 广告服务 | '
        "联系我们 | 招聘信息 | 网站律师 | SINA English | 通行证注册 | 产品答疑</div>\n"
        + _script(rng, 6)
        + "</body></html>\n"
    )
    return (page + "".join(blocks) + tail).encode("utf-8")


def _script(rng: random.Random, lines: int) -> str:
    body = "".join(
        f"  var v{n}_{rng.randrange(10**6)} = {{id: '{rng.randrange(16**8):08x}', "
        f"url: '//i.sinaimg.cn/dy/js/m{n}.js', w: {rng.randint(100, 999)}}}; "
        f"if (window.SINA_{n}) {{ window.SINA_{n}.push(v{n}_{n}); }}\n"
        for n in range(lines)
    )
    return f'<script type="text/javascript">\n(function(){{\n{body}}})();\n</script>\n'


def synthetic_templates(workdir: Path, count: int) -> list[dict]:
    templates = []
    for k in range(count):
        size = 100 * 1024 + (300 * 1024 * k) // max(count - 1, 1)
        data = synthetic_page(k, size)
        name = f"synthetic{k:02d}.html"
        (workdir / name).write_bytes(data)
        templates.append(
            {
                "file": name,
                "id": PLACEHOLDER,
                "encoding": "utf-8",
                "size": len(data),
                "source": f"synthetic T3, {len(data) // 1024} KB",
            }
        )
    return templates
