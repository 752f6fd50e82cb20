"""Benchmark the Great Expectations checks: every suite on the scale-1 sample, GX import included.

    uv run python bench/checks.py               # builds a scale-1 sample home in a temp dir first
    uv run python bench/checks.py --home DIR    # reuse a built home (its working copy is copied, not touched)

The suites run in a fresh interpreter, so the time includes importing great_expectations and
creating its context (the target is <= 15 s in all). Prints per-suite seconds, the rows DuckDB
scanned for the suite's slice and the rows handed to GX; appends a line to bench/results/checks.jsonl.
Nothing here is asserted; these are measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
TARGET_S = 15.0


def measure(db: str) -> dict:
    """Run in the child: import, context, every suite. Returns timings as a dict."""
    t0 = time.perf_counter()
    import duckdb

    from expectations.runner import _context, run_suite
    from expectations.suites import SUITES

    t_import = time.perf_counter()
    _context()  # imports great_expectations
    t_gx = time.perf_counter()
    con = duckdb.connect(db)
    suites = []
    for suite in SUITES:
        r = run_suite(con, suite, "bench", reuse=False)  # time the validation, not a reused pass
        suites.append({"suite": suite.name, "table": suite.table, "blocking": suite.blocking,
                       "seconds": round(r.seconds, 3), "rows_scanned": r.rows_scanned,
                       "rows_to_gx": r.rows_checked, "passed": r.success, "skipped": r.skipped})
    con.close()
    t_end = time.perf_counter()
    return {"import_s": round(t_import - t0, 2), "gx_import_s": round(t_gx - t_import, 2),
            "suites_s": round(t_end - t_gx, 2), "total_s": round(t_end - t0, 2), "suites": suites}


def build_home(home: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "orchestration", "run", "--home", str(home)],
                         capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        raise SystemExit(f"building the sample failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, help="a built home (default: build a scale-1 sample in a temp dir)")
    ap.add_argument("--measure", help=argparse.SUPPRESS)  # child mode: the database to check
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as tmp:
        home = args.home
        if home is None:
            home = Path(tmp) / "home"
            print(f"building the scale-1 sample in {home} ...", flush=True)
            build_home(home)
        db = Path(tmp) / "copy" / "fragility.duckdb"  # dbt names the catalog after the file: keep the name
        db.parent.mkdir()
        shutil.copyfile(home / "build" / "fragility.duckdb", db)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--measure", str(db)], capture_output=True, text=True,
                             cwd=REPO, env={**os.environ, "GX_ANALYTICS_ENABLED": "false"})
        wall = time.perf_counter() - t0
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall_s"] = round(wall, 2)
    print(f"{'suite':<38} {'kind':<8} {'seconds':>8} {'rows scanned':>13} {'rows to GX':>11}  result")
    for s in res["suites"]:
        verdict = f"skipped ({s['skipped']})" if s["skipped"] else ("passed" if s["passed"] else "FAILED")
        print(f"{s['suite']:<38} {'blocking' if s['blocking'] else 'warning':<8} {s['seconds']:>8.2f} "
              f"{s['rows_scanned']:>13,} {s['rows_to_gx']:>11,}  {verdict}")
    print(f"imports {res['import_s']:.2f}s + great_expectations {res['gx_import_s']:.2f}s + suites "
          f"{res['suites_s']:.2f}s = {res['total_s']:.2f}s in the checking process; {res['wall_s']:.2f}s wall "
          f"with interpreter start (target <= {TARGET_S:.0f}s: {'met' if res['wall_s'] <= TARGET_S else 'MISSED'})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "checks.jsonl", "a") as fh:
        fh.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **res}) + "\n")


if __name__ == "__main__":
    main()
