"""The archive as a website on this machine (`scrapy site`): the posts of OUTPUT_DIR and
their downloaded images built into a static site with the pinned Hexo (newscrawl.hexo),
and served on 127.0.0.1 on request.

The site folder is derived data: it is laid out anew on every build (posts copied into
`source/_posts/`, the image folder into `source/images/`, `_config.yml` with `timezone`
empty, the archive theme) and `hexo generate` writes `public/`. Hexo runs with
`TZ=Asia/Shanghai`, so permalink days and the times the pages show are Beijing's, as
Sina's own pages show them; the instants are the posts' GMT dates either way.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newscrawl import hexo

logger = logging.getLogger(__name__)

SITE_TZ = "Asia/Shanghai"


class SiteError(Exception):
    """The site could not be built or served; the message says what, why and what to do."""


@dataclass(frozen=True)
class Built:
    posts: int
    images: int
    public: Path


def images_folder(output_dir: Path, files_store: str) -> Path | None:
    """Where the crawl put downloaded images (FILES_STORE, default OUTPUT_DIR/images);
    None when FILES_STORE is not a local folder (s3://..., say)."""
    if not files_store:
        return output_dir / "images"
    parts = urlsplit(files_store)
    if parts.scheme == "file":
        return Path(parts.path)
    return None if parts.scheme else Path(files_store)


def build(
    output_dir: Path, site_dir: Path, *, images: Path | None, images_url: str = "/images/"
) -> Built:
    """Lay out the site in `site_dir` from the posts of `output_dir` and generate it."""
    site_dir = site_dir.absolute()  # Hexo runs in it
    if not output_dir.is_dir():
        raise SiteError(
            f"no posts: {output_dir} is not a folder (run `scrapy crawl finance` first, or "
            "give the folder of the posts: scrapy site DIR)"
        )
    posts = sorted(output_dir.glob("*.md"))
    if not posts:
        raise SiteError(
            f"no posts in {output_dir} (run `scrapy crawl finance` first, or give the folder "
            "of the posts: scrapy site DIR)"
        )
    if site_dir.exists():
        ours = (site_dir / hexo.SITE_MARKER).is_file()
        if not ours and (not site_dir.is_dir() or any(site_dir.iterdir())):
            raise SiteError(
                f"{site_dir} exists and was not made by `scrapy site`: it is left alone "
                "(choose another folder with --site DIR)"
            )
        shutil.rmtree(site_dir)
    assets: dict[str, Path] = {}
    image_count = 0
    if images is not None and images.is_dir():
        assets[urlsplit(images_url).path.strip("/") or "images"] = images
        image_count = sum(1 for f in images.rglob("*") if f.is_file())
    try:
        hexo.prepare_site(posts, site_dir, assets=assets)
    except hexo.HexoError as exc:
        raise SiteError(f"cannot install the pinned Hexo: {exc}") from exc
    except OSError as exc:
        raise SiteError(f"cannot lay out the site in {site_dir}: {exc}") from exc
    proc = subprocess.run(
        hexo.generate_command(site_dir), cwd=site_dir, env=hexo.node_env({"TZ": SITE_TZ}),
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    output = proc.stdout + proc.stderr
    (site_dir / "hexo.log").write_text(output, encoding="utf-8")
    problems = [line for line in output.splitlines() if "WARN" in line or "ERROR" in line
                or "FATAL" in line]
    if proc.returncode != 0:
        raise SiteError(
            f"hexo generate failed in {site_dir}: {hexo_failure(output, proc.returncode)} "
            f"(all of Hexo's output is in {site_dir / 'hexo.log'})"
        )
    for line in problems:
        logger.warning("hexo generate: %s", line.strip())
    return Built(posts=len(posts), images=image_count, public=site_dir / "public")


def hexo_failure(output: str, returncode: int) -> str:
    """What went wrong, from Hexo's log: the line after its generic FATAL line (for a post
    it cannot render, "Nunjucks Error: _posts/<doc id>.md [Line 2, ...] ...")."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if line.startswith("FATAL"):
            return lines[i + 1] if i + 1 < len(lines) else line
    errors = [line for line in lines if "ERROR" in line]
    return errors[0] if errors else f"exit status {returncode}"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's)
        logger.debug("%s " + format, self.address_string(), *args)


def server(public: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server for `public` on 127.0.0.1:`port` (0: any free port); not started."""
    try:
        return ThreadingHTTPServer(
            ("127.0.0.1", port), partial(_QuietHandler, directory=str(public))
        )
    except OSError as exc:
        raise SiteError(
            f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc} (choose another port "
            "with --port N)"
        ) from exc
