"""Build posts with the project's pinned Hexo (newscrawl.hexo) and read back what it rendered.

Test harness on top of `newscrawl.hexo`, which pins Hexo 7.3.0, installs it once per lock
file (`npm ci` into a cache) and lays out a site: `_config.yml` with `timezone:` left empty,
the archive theme, the posts in `source/_posts/<stem>.md`. The theme prints each post's
title, ISO-8601 UTC date and category path as JSON in
`<script type="application/json" id="newscrawl-post">`; `build_site` runs
`hexo generate` and parses every generated post page.

Usage (`require_hexo()` installs the packages or skips the test without npm, failing
instead under CI)::

    build = build_site([Path("out/abc.txt")], tmp_path / "site")
    assert build.ok and not build.problems(), build.describe()
    page = build.page_for("out/abc.txt")      # or build.page_for("abc")
    page.title, page.date, page.categories    # '...', '2021-10-20T12:36:14.000Z', [...]

Post files are copied as `<stem>.md` (Hexo picks the renderer by extension), so stems
must be unique.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newscrawl.hexo import (  # noqa: F401 (re-exported for the tests)
    HexoError,
    cache_root,
    ensure_node_modules,
    generate_command,
    lock_key,
    node_env,
    npm_available,
    prepare_site,
    site_config,
)

DEFAULT_GENERATE_TIMEOUT = 300.0

#: Words that mark a problem in Hexo's log (it logs ``INFO``/``WARN``/``ERROR``/``FATAL``).
PROBLEM_WORDS = ("ERROR", "WARN", "FATAL")

_POST_JSON_RE = re.compile(
    r'<script type="application/json" id="newscrawl-post">(.*?)</script>', re.DOTALL
)
_CONTENT_RE = re.compile(
    r"<!--newscrawl-content-start-->(.*?)<!--newscrawl-content-end-->", re.DOTALL
)


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
    :func:`prepare_site`). Raises :class:`HexoError` when the pinned
    packages cannot be installed; a failing ``hexo generate`` is reported, not raised.
    """
    workdir = Path(workdir).resolve()
    sources = prepare_site([Path(p) for p in posts], workdir, config=config,
                           assets={k: Path(v) for k, v in (assets or {}).items()})
    cmd = generate_command(workdir)
    try:
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            env=node_env(env),
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
