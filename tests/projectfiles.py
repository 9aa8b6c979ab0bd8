"""The project as a user has it (a clone), and the files its package must ship: for the
tests that build a wheel or a Scrapyd egg from a copy of the project (builds write
`build/`, `*.egg-info` and, for scrapyd-deploy, `setup.py` into the folder they run in)."""

from __future__ import annotations

import shutil
from pathlib import Path

from localserver import PROJECT

PACKAGES = ("newscrawl", "spiders")

# What a clone does not have: git's own folder and what runs leave behind (.gitignore).
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", "build", "dist",
    "*.egg-info", "node_modules", "artifacts", "setup.py", "output", "site", "warc",
)


def copy_project(dest: Path) -> Path:
    """A copy of the project's working tree, without what a clone would not have."""
    shutil.copytree(PROJECT, dest, ignore=NOT_IN_A_CLONE)
    (dest / "output").mkdir(exist_ok=True)
    return dest


def package_files() -> set[str]:
    """Every file of the packages' source trees, as a path relative to the project (the
    same spelling as in a wheel or an egg)."""
    found = set()
    for package in PACKAGES:
        for path in (PROJECT / package).rglob("*"):
            relative = path.relative_to(PROJECT)
            if path.is_file() and "__pycache__" not in relative.parts:
                found.add(relative.as_posix())
    return found
