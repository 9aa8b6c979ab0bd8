"""Build posts with a real, pinned Hexo and read back what it rendered.

This is a test harness, not part of the crawler. It makes a throw-away Hexo site in a
work directory:

- ``package.json`` / ``package-lock.json`` from this folder (exact Hexo version pinned),
- ``_config.yml`` written here, with ``timezone:`` left empty (as FORMAT.md requires),
- the tiny theme in ``theme/``, whose post layout prints each post's title, ISO-8601 UTC
  date and category path as JSON in ``<script type="application/json" id="newscrawl-post">``,
- the posts, copied into ``source/_posts/<stem>.md``,

then runs ``node_modules/.bin/hexo generate`` and parses every generated post page.

``npm ci`` runs once per lock file: the packages are installed into a cache directory
(``$NEWSCRAWL_HEXO_CACHE``, else ``$XDG_CACHE_HOME/newscrawl-hexo``, else
``~/.cache/newscrawl-hexo``) under a key made from the hash of ``package.json`` and
``package-lock.json``, and each site gets a symlink to that ``node_modules``.

Usage (tests import it as ``hexosite``; ``require_hexo()`` installs the packages or skips
the test without npm, failing instead under CI)::

    build = build_site([Path("out/abc.txt")], tmp_path / "site")
    assert build.ok and not build.problems(), build.describe()
    page = build.page_for("out/abc.txt")      # or build.page_for("abc")
    page.title, page.date, page.categories    # '...', '2021-10-20T12:36:14.000Z', [...]

Post files are copied as ``<stem>.md`` (Hexo picks the renderer by extension), so stems
must be unique. Hexo 7's core generates the post pages itself; no hexo-generator-* package
is needed, and none of index/archive/category pages are built.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "hexo"
PACKAGE_JSON = HERE / "package.json"
PACKAGE_LOCK = HERE / "package-lock.json"
THEME_DIR = HERE / "theme"
THEME_NAME = "newscrawl-check"
CACHE_ENV = "NEWSCRAWL_HEXO_CACHE"

DEFAULT_GENERATE_TIMEOUT = 300.0
NPM_CI_TIMEOUT = 900.0

#: Words that mark a problem in Hexo's log (it logs ``INFO``/``WARN``/``ERROR``/``FATAL``).
PROBLEM_WORDS = ("ERROR", "WARN", "FATAL")

_POST_JSON_RE = re.compile(
    r'<script type="application/json" id="newscrawl-post">(.*?)</script>', re.DOTALL
)
_CONTENT_RE = re.compile(
    r"<!--newscrawl-content-start-->(.*?)<!--newscrawl-content-end-->", re.DOTALL
)

# _config.yml of the throw-away site. ``timezone`` is deliberately EMPTY: with a zone set,
# Hexo shifts every post date by that zone's offset (see FORMAT.md, "Dates in Hexo").
SITE_CONFIG = """\
title: newscrawl hexo check
language: zh-CN
timezone:
url: http://example.com
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


class HexoInstallError(RuntimeError):
    """``npm ci`` of the pinned packages failed."""


@dataclass(frozen=True)
class HexoPage:
    """One post page as our theme rendered it."""

    source: str  # Hexo's source path, e.g. "_posts/000_63949f84bc29507f.md"
    path: str  # URL path relative to root, e.g. "2021/10/20/000_63949f84bc29507f/"
    html_file: Path
    title: str
    date: str | None  # ISO-8601 UTC instant, e.g. "2021-10-20T12:36:14.000Z"
    categories: list[str]  # root-to-leaf category path, e.g. ["金融", "新浪财经", label]
    data: dict[str, Any]  # everything the theme printed (author, headimg, ...)
    content: str  # rendered post body (HTML)
    html: str  # the whole page

    @property
    def stem(self) -> str:
        return Path(self.source).stem


@dataclass(frozen=True)
class HexoBuild:
    """Result of one ``hexo generate``."""

    returncode: int
    stdout: list[str]
    stderr: list[str]
    pages: list[HexoPage]
    workdir: Path
    timed_out: bool = False
    sources: dict[str, Path] = field(default_factory=dict)  # site stem -> original post

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def output(self) -> list[str]:
        return self.stdout + self.stderr

    def problems(self, words: Iterable[str] = PROBLEM_WORDS) -> list[str]:
        """Output lines that contain any of ``words`` (case-sensitive, like Hexo's levels)."""
        words = tuple(words)
        return [line for line in self.output if any(w in line for w in words)]

    def page_for(self, post: Path | str) -> HexoPage:
        """The page built from ``post`` (an input path, or just its stem)."""
        stem = Path(post).stem
        found = [p for p in self.pages if p.stem == stem]
        if len(found) != 1:
            raise KeyError(f"{len(found)} pages for post {stem!r}; pages: {self.page_stems()}")
        return found[0]

    def page_stems(self) -> list[str]:
        return sorted(p.stem for p in self.pages)

    def describe(self) -> str:
        """Exit code and log, for assertion messages."""
        head = f"hexo generate exited {self.returncode}" + (
            " (timed out)" if self.timed_out else ""
        )
        return "\n".join([head, "--- stdout", *self.stdout, "--- stderr", *self.stderr])


def npm_available() -> bool:
    """True when both ``node`` and ``npm`` are on PATH."""
    return shutil.which("npm") is not None and shutil.which("node") is not None


def require_hexo() -> Path:
    """For tests: the pinned packages' ``node_modules``, installed once. Without npm the
    calling test skips ("npm not installed"), except under CI (env CI set), where it fails."""
    import pytest  # noqa: PLC0415 (only the tests need it)

    if not npm_available():
        if os.environ.get("CI"):
            pytest.fail(
                "npm not installed: the Hexo build check needs Node.js and npm on PATH "
                "(CI is set, so this is a failure, not a skip)",
                pytrace=False,
            )
        pytest.skip("npm not installed")
    return ensure_node_modules()


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


def _subprocess_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)  # picocolors turns colour ON when FORCE_COLOR is set at all
    env["NO_COLOR"] = "1"
    env.setdefault("npm_config_update_notifier", "false")
    if extra:
        env.update(extra)
    return env


def ensure_node_modules(root: Path | None = None) -> Path:
    """Install the pinned packages once (``npm ci``) and return their ``node_modules``."""
    if not npm_available():
        raise HexoInstallError("npm not installed")
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
        try:
            proc = subprocess.run(
                cmd,
                cwd=staging,
                env=_subprocess_env(),
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise HexoInstallError(f"{' '.join(cmd)} timed out after {exc.timeout}s") from exc
        if proc.returncode != 0:
            raise HexoInstallError(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
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


def _link_node_modules(modules: Path, site: Path) -> None:
    dest = site / "node_modules"
    try:
        dest.symlink_to(modules, target_is_directory=True)
    except OSError:
        shutil.copytree(modules, dest, symlinks=True)


def site_config(overrides: Mapping[str, str] | None = None) -> str:
    """The site's ``_config.yml``; ``overrides`` maps a key to its raw YAML value text.

    An override replaces the key's line (YAML forbids duplicate keys) or is appended.
    """
    lines = SITE_CONFIG.format(theme=THEME_NAME).splitlines()
    for key, value in (overrides or {}).items():
        line = f"{key}: {value}".rstrip()
        for i, old in enumerate(lines):
            if old.split(":", 1)[0] == key:
                lines[i] = line
                break
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def prepare_site(
    posts: Sequence[Path],
    workdir: Path,
    *,
    config: Mapping[str, str] | None = None,
    modules: Path | None = None,
    assets: Mapping[str, Path] | None = None,
) -> dict[str, Path]:
    """Lay out the Hexo site in ``workdir``; returns site stem -> original post path.

    ``assets`` maps a path under ``source/`` (e.g. ``"images"``) to a file or folder copied
    there, as a site copies the crawl's image folder into ``source/images/``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        raise FileExistsError(f"Hexo work directory is not empty: {workdir}")
    shutil.copy2(PACKAGE_JSON, workdir / "package.json")
    shutil.copy2(PACKAGE_LOCK, workdir / "package-lock.json")
    (workdir / "_config.yml").write_text(site_config(config), encoding="utf-8")
    shutil.copytree(THEME_DIR, workdir / "themes" / THEME_NAME)
    posts_dir = workdir / "source" / "_posts"
    posts_dir.mkdir(parents=True)
    sources: dict[str, Path] = {}
    for post in posts:
        post = Path(post)
        stem = post.stem
        if stem in sources:
            raise ValueError(f"two posts share the name {stem!r}: {sources[stem]} and {post}")
        sources[stem] = post
        # Hexo renders a post by its extension: archive files are .txt, so build them as .md.
        shutil.copyfile(post, posts_dir / f"{stem}.md")
    for target, origin in (assets or {}).items():
        dest = workdir / "source" / target
        if Path(origin).is_dir():
            shutil.copytree(origin, dest)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, dest)
    _link_node_modules(modules or ensure_node_modules(), workdir)
    return sources


def _lines(text: str | bytes | None) -> list[str]:
    if text is None:
        return []
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text.splitlines()


def parse_page(html_file: Path) -> HexoPage | None:
    """Read one generated page; None when it is not a post page of our theme."""
    text = html_file.read_text(encoding="utf-8")
    m = _POST_JSON_RE.search(text)
    if not m:
        return None
    data = json.loads(m.group(1))
    c = _CONTENT_RE.search(text)
    return HexoPage(
        source=data["source"],
        path=data["path"],
        html_file=html_file,
        title=data["title"],
        date=data["date"],
        categories=list(data["categories"]),
        data=data,
        content=c.group(1) if c else "",
        html=text,
    )


def collect_pages(public: Path) -> list[HexoPage]:
    pages = []
    if public.is_dir():
        for f in sorted(public.rglob("*.html")):
            page = parse_page(f)
            if page is not None:
                pages.append(page)
    return pages


def build_site(
    posts: Sequence[Path],
    workdir: Path,
    *,
    timeout: float = DEFAULT_GENERATE_TIMEOUT,
    config: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    assets: Mapping[str, Path] | None = None,
) -> HexoBuild:
    """Make a Hexo site in ``workdir`` (must be empty or missing) from ``posts`` and build it.

    ``config`` overrides keys of the site's ``_config.yml`` (see :func:`site_config`); the
    default leaves ``timezone`` empty. ``env`` adds environment variables for
    ``hexo generate`` (e.g. ``TZ``); ``assets`` are copied under ``source/`` (see
    :func:`prepare_site`). Raises :class:`HexoInstallError` when the pinned
    packages cannot be installed; a failing ``hexo generate`` is reported, not raised.
    """
    workdir = Path(workdir).resolve()
    sources = prepare_site(posts, workdir, config=config, assets=assets)
    hexo = workdir / "node_modules" / ".bin" / "hexo"
    cmd = [str(hexo), "generate"]
    try:
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            env=_subprocess_env(env),
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        returncode, out, err, timed_out = proc.returncode, proc.stdout, proc.stderr, False
    except subprocess.TimeoutExpired as exc:
        returncode, out, err, timed_out = -1, exc.stdout, exc.stderr, True
    return HexoBuild(
        returncode=returncode,
        stdout=_lines(out),
        stderr=_lines(err),
        pages=collect_pages(workdir / "public"),
        workdir=workdir,
        timed_out=timed_out,
        sources=sources,
    )
