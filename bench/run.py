"""Benchmark `fragility run`: wall time per stage, peak RSS, and the ratio to raw DuckDB SQL time.

    uv run python bench/run.py                  # scale 1 (cold, then a re-run with no new data) and scale 10
    uv run python bench/run.py --scales 1 100   # any scales
    uv run python bench/run.py --warehouse both --scales 1 10   # the file and DuckLake backends, and their ratio

For each scale it runs the real CLI in a subprocess on a fresh home as of the day before the sample
world's last publication day (cold: dbt parse included), then again on the same home (no new data: it
stops after ingest), then one publication day later (the daily refresh: one new NY Fed partition, only
what it feeds rebuilt, incremental models from that day on), then with --rebuild (same data, everything
recomputed: the full build the refresh is compared with), and reads the per-stage line the CLI prints. The floor is the
same compiled SQL dbt ran (target/run/**.sql, in DAG order) executed directly by DuckDB on a copy of
the raw tables, models and then the data tests (dbt build runs both): pipeline time / floor time is the
orchestration overhead we try to beat. Peak memory is the whole process tree's resident set, sampled
every 0.2 s (dbt runs beside the Dagster process, so the machine needs their sum).
Results are appended to bench/results/runs.jsonl. Nothing here is asserted; these are measurements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from ingestion.scenario import END

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
RESULTS = REPO / "bench" / "results"


def _tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants now (dbt runs beside the Dagster process)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total / 2**20


def run_cli(home: Path, scale: int, extra_env: dict | None = None, extra_args: tuple[str, ...] = ()) -> dict:
    env = {**os.environ, **(extra_env or {})}
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "orchestration", "run", "--home", str(home), "--scale", str(scale), *extra_args]
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, text=True, env=env, cwd=REPO)
        tree_peak = 0.0
        while proc.poll() is None:  # the whole tree's RSS, sampled: the machine's peak, not one process's
            tree_peak = max(tree_peak, _tree_rss_mib(proc.pid))
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        stdout.seek(0), stderr.seek(0)
        out = subprocess.CompletedProcess(cmd, proc.returncode, stdout.read(), stderr.read())
    # ru_maxrss of children: the largest single process so far (KiB on Linux); runs go from small to large
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if out.returncode != 0:
        raise SystemExit(f"fragility run failed at scale {scale}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    stages, runs = {}, {}
    for line in out.stdout.splitlines():
        if line.startswith("stages:"):
            for name, secs in re.findall(r"([a-z ]+?) ([0-9.]+)s", line.removeprefix("stages:")):
                stages[name.strip().lstrip(",; ").strip()] = float(secs)
        if line.startswith("runs:"):  # the wall time of each Dagster run
            runs = {name: float(secs) for name, secs in re.findall(r"([a-z_]+) ([0-9.]+)s", line)}
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(peak_kib / 1024, 1),
            "peak_tree_rss_mib": round(tree_peak, 1), "stages_s": stages, "runs_s": runs}


def compiled_statements(db: Path) -> list[tuple[str, str]]:
    """(model, DDL) for every model, in dependency order, compiled by dbt against `db`."""
    target = Path(tempfile.mkdtemp(prefix="fragility-bench-target-"))
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "compile", "--project-dir", str(DBT_DIR),
                    "--profiles-dir", str(DBT_DIR), "--target-path", str(target), "--quiet"],
                   check=True, cwd=DBT_DIR, env={**os.environ, "FRAGILITY_BUILD_DB": str(db)},
                   capture_output=True)
    manifest = json.loads((target / "manifest.json").read_text())
    shutil.rmtree(target, ignore_errors=True)
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    order: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in nodes:
            return
        seen.add(uid)
        for dep in nodes[uid]["depends_on"]["nodes"]:
            visit(dep)
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    out = []
    for uid in order:
        node = nodes[uid]
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        relation = f'"{node["schema"]}"."{node["alias"]}"'
        out.append((node["name"], f"create or replace {kind} {relation} as ({node['compiled_code']})"))
    # `dbt build` also runs every data test: the count of its failing rows, as dbt itself wraps it
    tests = sorted(uid for uid, v in manifest["nodes"].items() if v["resource_type"] == "test")
    out += [(manifest["nodes"][uid]["name"], f"select count(*) from ({manifest['nodes'][uid]['compiled_code']}) t")
            for uid in tests]
    return out


def raw_sql_seconds(home: Path) -> dict[str, float]:
    """Execute the same compiled SQL (models, then data tests) directly in DuckDB on a copy of the warehouse."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "fragility.duckdb"  # same file name: compiled SQL names the catalog "fragility"
        shutil.copyfile(home / "build" / "fragility.duckdb", db)
        statements = compiled_statements(db)
        con = duckdb.connect(str(db))
        con.execute(f"SET memory_limit = '{os.environ.get('FRAGILITY_DUCKDB_MEMORY_LIMIT', '2GB')}'")  # as dbt's
        took = {"models": 0.0, "tests": 0.0}
        for _name, sql in statements:
            t0 = time.perf_counter()
            con.execute(sql)
            took["tests" if sql.startswith("select count(*)") else "models"] += time.perf_counter() - t0
        con.close()
    return took


def bench_scale(scale: int, warehouse: str = "file") -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"fragility-bench-x{scale}-"))
    server = None
    try:
        manifest = DBT_DIR / "target" / "manifest.json"
        if scale == 1 and manifest.exists():
            manifest.unlink()  # a truly cold run: dbt parse included
        env: dict[str, str] = {}
        if warehouse == "ducklake":  # a local PostgreSQL for the catalog, as `fragility lake up` starts one
            from orchestration import pgserver

            server = home / "pg"
            running = pgserver.start(server)
            env = {"FRAGILITY_WAREHOUSE": "ducklake", "FRAGILITY_LAKE_CATALOG": running.conninfo(),
                   "FRAGILITY_LAKE_DATA": str(home / "lake")}
        day_before = ("--as-of", (END - dt.timedelta(days=1)).isoformat())
        cold = run_cli(home, scale, env, day_before)
        warm = run_cli(home, scale, env, day_before)  # nothing new: stops after ingest
        new_day = run_cli(home, scale, env, ("--as-of", END.isoformat()))  # one more daily partition
        rebuild = run_cli(home, scale, env, ("--rebuild",))  # same data, everything recomputed
        floor_parts = raw_sql_seconds(home) if warehouse == "file" else {"models": 0.0, "tests": 0.0}
        floor = floor_parts["models"] + floor_parts["tests"]
        dbt_s = cold["stages_s"].get("dbt build", 0.0)
        return {"scale": scale, "warehouse": warehouse, "cold": cold, "rerun_no_new_data": warm,
                "new_day": new_day,
                "rebuild_same_data": rebuild,
                "ratio_new_day_to_rebuild": round(new_day["wall_s"] / rebuild["wall_s"], 3),
                "ratio_new_day_to_cold": round(new_day["wall_s"] / cold["wall_s"], 3),
                "raw_sql_floor_s": round(floor, 2),
                "raw_sql_floor_models_s": round(floor_parts["models"], 2),
                "raw_sql_floor_tests_s": round(floor_parts["tests"], 2),
                "peak_tree_rss_mib": max(r["peak_tree_rss_mib"] for r in (cold, warm, new_day, rebuild)),
                "ratio_dbt_stage_to_floor": round(dbt_s / floor, 2) if floor else None,
                "ratio_pipeline_to_floor": round(cold["wall_s"] / floor, 2) if floor else None,
                "warehouse_mib": round(_size(home / ("lake" if warehouse == "ducklake" else "fragility.duckdb"))
                                       / 2**20, 1)}
    finally:
        if server is not None:
            from orchestration import pgserver

            pgserver.stop(server)
        shutil.rmtree(home, ignore_errors=True)


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def code_location_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-m", "orchestration.definitions"],
                   capture_output=True, check=True, cwd=REPO,
                   env={**os.environ, "FRAGILITY_HOME": tempfile.mkdtemp(prefix="fragility-bench-defs-")})
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    ap.add_argument("--warehouse", choices=["file", "ducklake", "both"], default="file")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    backends = ["file", "ducklake"] if args.warehouse == "both" else [args.warehouse]
    for scale in args.scales:
        for backend in backends:
            row = bench_scale(scale, backend)
            rows.append(row)
            print(json.dumps(row))
    loc = code_location_seconds()
    print(json.dumps({"dagster_definitions_validate_s": round(loc, 2)}))
    with open(RESULTS / "runs.jsonl", "a") as fh:
        for row in rows:
            fh.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **row}) + "\n")
    by = {(r["scale"], r["warehouse"]): r for r in rows}
    for scale in args.scales:
        if (scale, "file") in by and (scale, "ducklake") in by:
            f, lk = by[(scale, "file")], by[(scale, "ducklake")]
            print(f"x{scale}: lake/file cold {lk['cold']['wall_s'] / f['cold']['wall_s']:.2f}, new day "
                  f"{lk['new_day']['wall_s'] / f['new_day']['wall_s']:.2f}; ingest run (cold) file "
                  f"{f['cold']['runs_s'].get('ingest', 0):.1f}s sequential, lake "
                  f"{lk['cold']['runs_s'].get('ingest', 0):.1f}s "
                  f"parallel (+ raw checks {lk['cold']['runs_s'].get('raw_checks', 0):.1f}s); lake ingest steps "
                  f"{lk['cold']['stages_s'].get('ingest', 0):.1f}s of work in that wall time")
    print("\nscale  cold_wall  rerun_wall  new_day_wall  rebuild_wall  new_day/rebuild  tree_RSS_MiB  dbt_stage  "
          "raw_sql_floor  dbt/floor  stages(cold)")
    for r in rows:
        print(f"x{r['scale']:<4}{r['warehouse'][0]} {r['cold']['wall_s']:>8.1f}s "
              f"{r['rerun_no_new_data']['wall_s']:>10.1f}s "
              f"{r['new_day']['wall_s']:>12.1f}s {r['rebuild_same_data']['wall_s']:>12.1f}s "
              f"{r['ratio_new_day_to_rebuild']:>16.2f} "
              f"{r['peak_tree_rss_mib']:>12.0f} {r['cold']['stages_s'].get('dbt build', 0):>9.1f}s "
              f"{r['raw_sql_floor_s']:>12.2f}s {str(r['ratio_dbt_stage_to_floor']):>9} {r['cold']['stages_s']}")
    print(f"dagster definitions validate: {loc:.1f}s")


if __name__ == "__main__":
    main()
