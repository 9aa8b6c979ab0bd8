"""The benchmark (`python -m bench`, bench/run.py) runs end to end with tiny sizes and
reports every figure, every contender included (the peer needs trafilatura, which the
`test` extra installs). No timing is asserted: this only keeps the benchmark working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

FIGURES = {
    "throughput": "1. ",
    "throughput_floor": "1a. ",
    "throughput_peer": "1b. ",
    "per_page_real": "2. ",
    "per_page_fixtures": "2b. ",
    "per_page_trafilatura": "2c. ",  # no baseline when trafilatura is not installed
    "no_change": "3. ",
    "memory": "4. ",
    "memory_all_processes": "4b. ",
    "state_known": "5a. ",
    "state_record": "5b. ",
    "state_run": "5c. ",
    "ladder": "6. ",
    "components": "6b. ",
}
NO_TARGET = ("throughput", "per_page_trafilatura", "per_page_fixtures", "ladder", "components")


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
        "--peer-n",
        "3",
        "--figures",
        "1,2,3,4,5,6",
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
        for field in ("ours", "baseline", "ratio"):
            assert isinstance(figure[field], (int, float)), (key, field, figure)
        assert figure["pass"] in ((None,) if key in NO_TARGET else (True, False)), key
        assert figure["target"] and figure["unit"], key
        assert any(line.startswith(prefix) for line in table.splitlines()), (prefix, table)
    # every contender crawled its articles, the peer its own few
    crawled = figures["throughput"]["details"]
    assert crawled["peer"]["articles"] == 3 and crawled["ours"]["articles"] == 20
    assert all(len(crawled[c]["articles_per_s"]) == 1 for c in ("ours", "bare", "floor", "peer"))
    assert data["parameters"]["tls"] is True  # https, as Sina serves
    # figure 6: one rung per step, from bare to ours
    rungs = [r["rung"] for r in figures["ladder"]["details"]["rungs"]]
    assert rungs[:2] == ["bare", "floor"] and rungs[-2:] == ["article", "ours"]
    assert all(r.startswith("step:") for r in rungs[2:-2]) and len(rungs) == 10
    # figure 6b: every component of ours timed, the peer's too
    components = figures["components"]["details"]["components"]
    assert {"our_parse", "clean", "fsync", "record", "listing", "peer"} <= set(components)
    assert all(isinstance(c["cpu_ms"], float) for c in components.values())
    assert data["machine"]["cores"] >= 1
    assert data["command"].startswith("python -m bench")
    # the no-change run asked the API for its listings and fetched no article
    requests = figures["no_change"]["details"]["requests_by_kind"]
    assert requests and all(r.get("article", 0) == 0 for r in requests)
    assert all(
        0 < r.get("listing", 0) <= figures["no_change"]["details"]["channels"] for r in requests
    )
