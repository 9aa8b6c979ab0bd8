"""The benchmark (`python -m bench`, bench/run.py) runs end to end with tiny sizes and
reports every figure. No timing is asserted: this only keeps the benchmark working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

FIGURES = {
    "throughput": "1. ",
    "per_page_real": "2. ",
    "per_page_fixtures": "2b. ",
    "per_page_trafilatura": "2c. ",  # no baseline when trafilatura is not installed
    "no_change": "3. ",
    "memory": "4. ",
    "state_known": "5a. ",
    "state_record": "5b. ",
    "state_run": "5c. ",
}


def test_benchmark_runs_and_reports_every_figure(tmp_path):
    report = tmp_path / "bench.json"
    command = [
        sys.executable,
        "-m",
        "bench",
        "--n",
        "20",
        "--mem-n",
        "40",
        "--repeat",
        "1",
        "--ids",
        "1000",
        "--small-ids",
        "100",
        "--loops",
        "1",
        "--json",
        str(report),
        "--workdir",
        str(tmp_path / "work"),
    ]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in data["figures"]}
    assert set(figures) == set(FIGURES)
    final = result.stdout[result.stdout.rindex("\nfigure ") + 1 :]  # the last table
    table = final.split("\n\n", 1)[0]
    for key, prefix in FIGURES.items():
        figure = figures[key]
        optional = key == "per_page_trafilatura"
        for_scale = key in ("per_page_trafilatura", "per_page_fixtures")  # no target
        for field in ("ours", "baseline", "ratio"):
            if optional and field != "ours" and figure[field] is None:
                assert "not installed" in figure["note"]
                continue
            assert isinstance(figure[field], (int, float)), (key, field, figure)
        assert figure["pass"] in ((None,) if for_scale else (True, False)), key
        assert figure["target"] and figure["unit"], key
        assert any(line.startswith(prefix) for line in table.splitlines()), (prefix, table)
    assert data["machine"]["cores"] >= 1
    assert data["command"].startswith("python -m bench")
    # the no-change run asked the API for its listings and fetched no article
    requests = figures["no_change"]["details"]["requests_by_kind"]
    assert requests and all(r.get("article", 0) == 0 for r in requests)
    assert all(
        0 < r.get("listing", 0) <= figures["no_change"]["details"]["channels"] for r in requests
    )
