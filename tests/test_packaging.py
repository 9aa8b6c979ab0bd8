"""The package is whole: a wheel built as pip builds it holds every module and data file of
the source tree, the Scrapy settings entry point, and requirements.txt as its
dependencies (tests/test_scrapyd.py does the same for the Scrapyd egg)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from localserver import PROJECT
from packaging.requirements import Requirement
from projectfiles import copy_project, package_files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    tmp = tmp_path_factory.mktemp("wheel")
    project = copy_project(tmp / "project")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
         str(project)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [built] = (tmp / "dist").glob("newscrawl-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_wheel_holds_every_module_and_data_file(wheel: zipfile.ZipFile) -> None:
    shipped = {name for name in wheel.namelist() if ".dist-info/" not in name}
    expected = package_files()
    assert "newscrawl/commands/crawl.py" in expected and "newscrawl/channels.yaml" in expected
    assert "newscrawl/hexo/package-lock.json" in expected
    assert sorted(expected - shipped) == []  # nothing left out
    assert sorted(shipped - expected) == []  # nothing else (tests, bench)


def test_wheel_metadata(wheel: zipfile.ZipFile) -> None:
    """Scrapy (and Scrapyd) find the settings by the entry point; the dependencies are
    requirements.txt's, which a Scrapyd host installs alone."""
    [entry_points] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert wheel.read(entry_points).decode().split() == [
        "[scrapy]", "settings", "=", "newscrawl.settings"]
    [metadata] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    requires = {Requirement(line.split(": ", 1)[1])
                for line in wheel.read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist: ") and "extra ==" not in line}
    wanted = {Requirement(line)
              for line in (PROJECT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert Requirement("scrapy==2.19.0") in wanted
    assert requires == wanted
