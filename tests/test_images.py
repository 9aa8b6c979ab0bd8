"""Images for archives: `-s DOWNLOAD_IMAGES=1`, end to end with the real `scrapy crawl
article` against an HTTPS server on 127.0.0.1 that serves the page and its images."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import hexosite
import pytest
import yaml
from localserver import Answer, LocalServer, scrapy_crawl, settings_args, summary
from minipage import t3_page

DOC_ID = "iktzimgs0000001"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SINA_REFERER = "https://finance.sina.com.cn/"


def crawl(tmp_path: Path, *args: str, **settings: object):
    settings.setdefault("OUTPUT_DIR", tmp_path / "out")
    settings.setdefault("ARTICLE_HOSTS", "127.0.0.1")
    settings.setdefault("AUTOTHROTTLE_ENABLED", "False")
    settings.setdefault("RETRY_TIMES", "0")
    return scrapy_crawl("article", *args, *settings_args(**settings))


def front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("\n---\n", 2)[1])


def sha1(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()  # noqa: S324 (FilesPipeline's file name)


def serve_article(server: LocalServer) -> dict[str, str]:
    """The page, with two images that exist (one lazy, one with a query string and `&`),
    one that is missing (404), and an og:image; returns the image URLs by role."""
    urls = {
        "first": server.route("/img/first.jpg", Answer(200, JPEG, {"Content-Type": "image/jpeg"})),
        "lazy": server.route("/img/lazy.gif", Answer(200, GIF, {"Content-Type": "image/gif"})),
        "query": server.route("/img/chart.png", Answer(200, PNG, {"Content-Type": "image/png"})),
        "missing": server.url("/img/missing.jpg"),
        "refused": "https://127.0.0.1:1/img/refused.jpg",  # nothing listens on port 1
        "og": server.route("/img/og.jpg", Answer(200, JPEG, {"Content-Type": "image/jpeg"})),
    }
    urls["query"] += "?w=550&h=367"
    body = f"""<p>\u3000\u3000第一段。</p>
<div class="img_wrapper"><img src="{urls['first']}" alt="图一"><span class="img_descr">图一说明</span></div>
<p>\u3000\u3000第二段。</p>
<div class="img_wrapper"><img src="//n.sinaimg.cn/default/blank.gif" data-src="{urls['lazy']}" alt=""></div>
<p><img src="{urls['query'].replace('&', '&amp;')}" alt="行情"></p>
<p><img src="{urls['missing']}" alt="丢失"></p>
<p><img src="{urls['refused']}" alt="连不上"></p>
<p>\u3000\u3000第三段。</p>"""
    page = t3_page(DOC_ID, "图片归档测试", body, og_image=urls["og"])
    server.page(f"/doc-{DOC_ID}.shtml", page, "text/html; charset=utf-8")
    return urls


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    """A crawl with DOWNLOAD_IMAGES on, what it wrote and what the server saw; then a
    second crawl of the same page (result and requested paths in `again`)."""
    tmp = tmp_path_factory.mktemp("images")
    with LocalServer(tls=True) as server:
        urls = serve_article(server)
        page = server.url(f"/doc-{DOC_ID}.shtml")
        result = crawl(tmp, "-a", f"url={page}", DOWNLOAD_IMAGES=1)
        seen = {path: server.headers_of(path) for path in
                ("/img/first.jpg", "/img/lazy.gif", "/img/chart.png", "/img/missing.jpg",
                 "/img/og.jpg")}
        post = (tmp / "out" / f"{DOC_ID}.md").read_text(encoding="utf-8")
        before = len(server.requests)
        second = crawl(tmp, "-a", f"url={page}", DOWNLOAD_IMAGES=1)
        again = (second, server.requests[before:])
    return tmp, urls, result, seen, post, again


def test_images_are_saved_under_output_images(run) -> None:
    tmp, urls, result, _, _, _ = run
    assert result.returncode == 0, result.stderr
    images = tmp / "out" / "images"
    assert (images / f"{sha1(urls['first'])}.jpg").read_bytes() == JPEG
    assert (images / f"{sha1(urls['lazy'])}.gif").read_bytes() == GIF
    assert (images / f"{sha1(urls['query'])}.png").read_bytes() == PNG  # original bytes
    assert len(list(images.iterdir())) == 3  # the og:image is not the header image here


def test_body_src_and_header_image_point_at_the_local_copies(run) -> None:
    _, urls, _, _, post, _ = run
    meta = front_matter(post)
    first = f"/images/{sha1(urls['first'])}.jpg"
    assert meta["headimg"] == meta["thumbnail"] == first
    srcs = re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', post)
    assert srcs == [
        first,
        f"/images/{sha1(urls['lazy'])}.gif",
        f"/images/{sha1(urls['query'])}.png",
        urls["missing"],  # failed: the remote URL stays
        urls["refused"],
    ]


def test_every_image_request_carries_sinas_referer(run) -> None:
    _, _, _, seen, _, _ = run
    for path in ("/img/first.jpg", "/img/lazy.gif", "/img/chart.png", "/img/missing.jpg"):
        assert seen[path], f"{path} was not requested"
        assert all(h.get("Referer") == SINA_REFERER for h in seen[path]), (path, seen[path])
    assert seen["/img/og.jpg"] == []


def test_a_failed_image_is_logged_counted_and_the_post_still_written(run) -> None:
    _, urls, result, _, post, _ = run
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    article = f"https://finance.sina.com.cn/china/gncj/2021-10-20/doc-{DOC_ID}.shtml"
    mine = [line for line in warnings if "Image not downloaded" in line]
    assert len(mine) == 2, warnings
    missing = next(line for line in mine if urls["missing"] in line)
    assert article in missing and "HTTP status 404" in missing
    refused = next(line for line in mine if urls["refused"] in line)
    assert article in refused and "refused" in refused.lower()
    # no ERROR with a traceback from the media pipeline (Scrapy's RetryMiddleware still
    # logs its usual "Gave up retrying" for the refused connection)
    assert "[scrapy.pipelines" not in result.stderr and "Traceback" not in result.stderr
    assert "'newscrawl/images/failed': 2" in result.stderr
    assert "'newscrawl/images/saved': 3" in result.stderr
    terms = summary(result.stderr)
    assert (terms["written"], terms["images saved"], terms["images failed"]) == (1, 3, 2)
    assert "第三段" in post


def test_second_run_reuses_the_stored_images(run) -> None:
    _, _, _, _, post, (second, requested) = run
    assert second.returncode == 0, second.stderr
    assert "= written 0 + changed 0 + unchanged 1 +" in second.stderr
    # only the page and the images that failed last time are requested again
    assert sorted(requested) == sorted([f"/doc-{DOC_ID}.shtml", "/img/missing.jpg"])
    assert "'file_status_count/uptodate': 3" in second.stderr


def test_header_image_from_og_image_is_downloaded_too(tmp_path: Path) -> None:
    with LocalServer(tls=True) as server:
        og = server.route("/img/og.jpg", Answer(200, JPEG, {"Content-Type": "image/jpeg"}))
        page = t3_page(DOC_ID, "没有正文图片", "<p>\u3000\u3000只有文字。</p>", og_image=og)
        url = server.page(f"/doc-{DOC_ID}.shtml", page, "text/html; charset=utf-8")
        result = crawl(tmp_path, "-a", f"url={url}", DOWNLOAD_IMAGES=1,
                       FILES_STORE=tmp_path / "store", DOWNLOAD_IMAGES_URL="/archive/img/")
        assert server.headers_of("/img/og.jpg")[0].get("Referer") == SINA_REFERER
    assert result.returncode == 0, result.stderr
    meta = front_matter((tmp_path / "out" / f"{DOC_ID}.md").read_text(encoding="utf-8"))
    assert meta["headimg"] == meta["thumbnail"] == f"/archive/img/{sha1(og)}.jpg"
    assert (tmp_path / "store" / f"{sha1(og)}.jpg").read_bytes() == JPEG
    assert not (tmp_path / "out" / "images").exists()


def test_off_by_default(tmp_path: Path) -> None:
    with LocalServer(tls=True) as server:
        urls = serve_article(server)
        result = crawl(tmp_path, "-a", f"url={server.url(f'/doc-{DOC_ID}.shtml')}")
        assert server.requested("/img/") == []
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out" / "images").exists()
    meta = front_matter((tmp_path / "out" / f"{DOC_ID}.md").read_text(encoding="utf-8"))
    assert meta["headimg"] == urls["first"]
    assert "ArticleImagesPipeline" not in result.stderr.split("Enabled item pipelines", 1)[1][:400]


def test_local_image_paths_work_in_hexo(run, tmp_path: Path) -> None:
    """The documented set-up: posts into source/_posts/, OUTPUT_DIR/images/ into
    source/images/; the page's images then resolve to files of the generated site."""
    hexosite.require_hexo()
    out = run[0] / "out"
    build = hexosite.build_site(
        [out / f"{DOC_ID}.md"], tmp_path / "site", assets={"images": out / "images"}
    )
    assert build.ok and build.problems() == [], build.describe()
    page = build.page_for(DOC_ID)
    local = [src for src in re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', page.content)
             if src.startswith("/")]
    assert len(local) == 3 and page.data["headimg"] == local[0]
    for src in local:
        assert (build.workdir / "public" / src.lstrip("/")).is_file(), src
