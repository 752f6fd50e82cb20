"""Benchmark a new day through the daemon against the same new day through `fragility run`.

    uv run python bench/daemon.py

It runs tests/test_daemon_e2e.py (dagster-webserver and dagster-daemon on 127.0.0.1, the NY Fed schedule
turned on, one new publication day ingested by the daemon and built by the `build_on_new_data` sensor's
run; the CLI runs the same new day on a copy of the same home) and reads the two durations that test
records: the CLI's `fragility run` wall time, and the sum of the daemon's runs (ingest, then
build_and_publish; the daemon's wait between ticks is not counted). Prints the ratio and appends it to
bench/results/runs.jsonl. Nothing is asserted here; the test asserts the two paths give the same tables.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "daemon.xml"
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:warnings",
                               "tests/test_daemon_e2e.py", f"--junitxml={report}"], cwd=REPO)
        if done.returncode != 0:
            print("the daemon end-to-end test failed: no measurement", file=sys.stderr)
            return done.returncode
        props = {p.get("name"): float(p.get("value")) for p in ET.parse(report).iter("property")}
    cli, daemon = props["cli_new_day_seconds"], props["daemon_new_day_run_seconds"]
    row = {"bench": "daemon_vs_cli_new_day", "cli_new_day_s": cli, "daemon_new_day_runs_s": daemon,
           "ratio_daemon_to_cli": round(daemon / cli, 2)}
    print(json.dumps(row))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "runs.jsonl", "a") as fh:
        fh.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **row}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
