"""The pinned Hexo and the site newscrawl builds with it (`scrapy site`, and the tests' Hexo
checks).

- `package.json` / `package-lock.json` in this folder pin Hexo 7.3.0 and its two renderers.
  `npm ci` runs once per lock file: the packages go into a cache directory
  (`$NEWSCRAWL_HEXO_CACHE`, else `$XDG_CACHE_HOME/newscrawl-hexo`, else
  `~/.cache/newscrawl-hexo`) under a key made from the hash of both files, and each site
  gets a symlink to that `node_modules`.
- `site_config()` is the site's `_config.yml`, with `timezone:` left empty: the posts' dates
  are GMT instants, and a zone would shift every one of them by its offset.
- `theme/` shows the archive to a person (an index of every post, newest first, and one
  page per post) and prints each post's data as JSON in
  `<script type="application/json" id="newscrawl-post">` for programs (the tests) to read.
  Its pages run no script at all (`script-src 'none'`) and send no Referer (Sina's image
  hosts refuse foreign referers; `no-referrer` is what the posts' images ask for).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE_JSON = HERE / "package.json"
PACKAGE_LOCK = HERE / "package-lock.json"
THEME_DIR = HERE / "theme"
THEME_NAME = "newscrawl"
CACHE_ENV = "NEWSCRAWL_HEXO_CACHE"
SITE_MARKER = ".newscrawl-site"  # a folder laid out here (safe to lay out anew)

# `timezone` is deliberately EMPTY: with a zone set, Hexo shifts every post date by that
# zone's offset (README, "Hexo").
SITE_CONFIG = """\
title: {title}
language: zh-CN
timezone:
url: http://localhost
root: /
permalink: :year/:month/:day/:title/
source_dir: source
public_dir: public
new_post_name: :title.md
post_asset_folder: false
render_drafts: false
future: true
theme: {theme}
"""


class HexoError(RuntimeError):
    """npm is missing, or `npm ci` of the pinned packages failed."""


def npm_available() -> bool:
    """True when both `node` and `npm` are on PATH."""
    return shutil.which("npm") is not None and shutil.which("node") is not None


def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "newscrawl-hexo"


def lock_key() -> str:
    digest = hashlib.sha256()
    for f in (PACKAGE_JSON, PACKAGE_LOCK):
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def node_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for npm and Hexo: no colours, no update notices."""
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)  # picocolors turns colour ON when FORCE_COLOR is set at all
    env["NO_COLOR"] = "1"
    env.setdefault("npm_config_update_notifier", "false")
    if extra:
        env.update(extra)
    return env


def ensure_node_modules(root: Path | None = None) -> Path:
    """Install the pinned packages once (`npm ci`) and return their `node_modules`."""
    if not npm_available():
        raise HexoError("Node.js and npm are not installed (Debian: apt-get install nodejs npm)")
    root = root or cache_root()
    target = root / lock_key()
    modules = target / "node_modules"
    if (target / ".complete").is_file() and (modules / "hexo" / "package.json").is_file():
        return modules
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    try:
        shutil.copy2(PACKAGE_JSON, staging / "package.json")
        shutil.copy2(PACKAGE_LOCK, staging / "package-lock.json")
        # --ignore-scripts: nothing in the set needs an install script (hexo-util ships
        # its highlight_alias.json), and newer npm versions gate scripts behind approval.
        cmd = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        proc = subprocess.run(
            cmd, cwd=staging, env=node_env(), capture_output=True, text=True,
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            raise HexoError(
                f"{' '.join(cmd)} failed ({proc.returncode}) in {staging}:\n"
                f"{proc.stdout}\n{proc.stderr}"
            )
        (staging / ".complete").write_text("ok\n")
        if target.exists():  # a stale or concurrently finished install
            if (target / ".complete").is_file():
                return modules
            shutil.rmtree(target, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:
            if not (target / ".complete").is_file():
                raise
        return modules
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def site_config(
    overrides: Mapping[str, str] | None = None, *, title: str = "newscrawl archive"
) -> str:
    """The site's `_config.yml`; `overrides` maps a key to its raw YAML value text."""
    text = SITE_CONFIG.format(title=title, theme=THEME_NAME)
    for key, value in (overrides or {}).items():
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.split(":", 1)[0] == key:
                lines[i] = f"{key}: {value}"
                break
        else:
            lines.append(f"{key}: {value}")
        text = "\n".join(lines) + "\n"
    return text


def prepare_site(
    posts: Iterable[Path],
    workdir: Path,
    *,
    config: Mapping[str, str] | None = None,
    assets: Mapping[str, Path] | None = None,
    modules: Path | None = None,
) -> dict[str, Path]:
    """Lay out a Hexo site in `workdir` (empty or missing); returns site stem -> post.

    Each post is copied as `source/_posts/<stem>.md` (Hexo picks the renderer by
    extension), so stems must be unique. `assets` maps a path under `source/` (e.g.
    `"images"`) to a file or folder copied there, as the crawl's image folder goes into
    `source/images/`. `modules` is the pinned `node_modules` (installed when not given).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        raise FileExistsError(f"Hexo work directory is not empty: {workdir}")
    (workdir / SITE_MARKER).write_text("laid out by newscrawl.hexo; rebuilt on every run\n")
    shutil.copy2(PACKAGE_JSON, workdir / "package.json")
    shutil.copy2(PACKAGE_LOCK, workdir / "package-lock.json")
    (workdir / "_config.yml").write_text(site_config(config), encoding="utf-8")
    shutil.copytree(THEME_DIR, workdir / "themes" / THEME_NAME,
                    ignore=shutil.ignore_patterns("__pycache__"))
    posts_dir = workdir / "source" / "_posts"
    posts_dir.mkdir(parents=True)
    sources: dict[str, Path] = {}
    for post in posts:
        stem = post.stem
        if stem in sources:
            raise ValueError(f"two posts share the name {stem!r}: {sources[stem]} and {post}")
        sources[stem] = post
        shutil.copyfile(post, posts_dir / f"{stem}.md")
    for target, origin in (assets or {}).items():
        dest = workdir / "source" / target
        if origin.is_dir():
            shutil.copytree(origin, dest)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, dest)
    _link_node_modules(modules or ensure_node_modules(), workdir)
    return sources


def _link_node_modules(modules: Path, site: Path) -> None:
    dest = site / "node_modules"
    try:
        dest.symlink_to(modules, target_is_directory=True)
    except OSError:
        shutil.copytree(modules, dest, symlinks=True)


def generate_command(workdir: Path) -> list[str]:
    """`hexo generate` with the site's pinned Hexo."""
    return [str(workdir / "node_modules" / ".bin" / "hexo"), "generate"]
