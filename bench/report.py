"""Benchmark the dashboard: `fragility report` wall time (cold process) and render time (warm), target <= 10 s.

    uv run python bench/report.py                   # builds a sample home first (about a minute), then measures
    uv run python bench/report.py --home DIR        # measures an existing home (needs DIR/fragility.duckdb)

Cold: the real CLI in a fresh subprocess (imports of matplotlib and duckdb included), ``--repeat`` times.
Warm: ``render_report`` in this process after one warm-up. Results are appended to bench/results/report.jsonl.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
TARGET_S = 10.0


def build_home(home: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "orchestration", "run", "--home", str(home)], cwd=REPO,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"fragility run failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")


def cold(home: Path, out_dir: Path) -> float:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "orchestration", "report", "--home", str(home), "--out", str(out_dir)],
                         cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"fragility report failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, help="an existing home with a published warehouse")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        home = args.home.resolve() if args.home else Path(tmp) / "home"
        if not args.home:
            print(f"building a sample home in {home} ...", flush=True)
            build_home(home)
        out_dir = Path(tmp) / "reports"
        colds = [cold(home, out_dir) for _ in range(args.repeat)]
        sys.path.insert(0, str(REPO))
        from orchestration.report import render_report

        render_report(home / "fragility.duckdb", out_dir)  # warm-up: imports, font cache
        warms = []
        for _ in range(args.repeat):
            report = render_report(home / "fragility.duckdb", out_dir)
            warms.append(report.seconds)
        html_bytes = report.html_path.stat().st_size
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cold_cli_s": [round(x, 2) for x in colds], "cold_cli_median_s": round(statistics.median(colds), 2),
        "warm_render_s": [round(x, 2) for x in warms], "warm_render_median_s": round(statistics.median(warms), 2),
        "charts": len(report.pngs), "panels_not_available": sorted(report.unavailable), "html_bytes": html_bytes,
        "target_s": TARGET_S, "within_target": max(colds) <= TARGET_S,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "report.jsonl", "a") as fh:
        fh.write(json.dumps(result) + "\n")
    print(f"fragility report: cold CLI median {result['cold_cli_median_s']}s (max {max(colds):.2f}s), warm render "
          f"median {result['warm_render_median_s']}s; {result['charts']} charts, {html_bytes / 1e6:.1f} MB HTML; "
          f"target <= {TARGET_S:.0f}s: {'met' if result['within_target'] else 'MISSED'}")


if __name__ == "__main__":
    main()
