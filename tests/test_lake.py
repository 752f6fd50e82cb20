"""The warehouse on DuckLake, with its catalog in a real PostgreSQL server (no mocks).

A throwaway cluster per module (initdb + pg_ctl, a unix socket in a private folder, no TCP listener), stopped
by its pid. Skips with the reason when the machine has no PostgreSQL server binaries; `.ci/run` installs
Debian's `postgresql` where they are missing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import lake, pgserver
from tests.conftest import REPO, settings_for
from tests.tablecompare import content, same_content

pytestmark = pytest.mark.e2e

SKIP = {("main", "dq_results"), ("main", "dq_validated"), ("main", "dbt_build_plan"), ("raw", "_loads"),
        ("main", "publications")}  # run ids and load times; the rest compares table by table


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    try:
        pgserver.bindir()
    except pgserver.ServerError as exc:
        pytest.skip(str(exc))
    folder = tmp_path_factory.mktemp("pg")
    running = pgserver.start(folder, databases=("fragility", "dagster", "twowriters", "killed", "stopped"))
    yield running
    pgserver.stop(folder)


def lake_settings(home: Path, server: pgserver.Server, database: str = "fragility", **kw):
    return dataclasses.replace(settings_for(home, **kw), warehouse="ducklake",
                               lake_catalog=server.conninfo(database), lake_data=home / "lake" / "data")


def lake_env(home: Path, server: pgserver.Server, database: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAGILITY_", "DAGSTER_"))}
    return {**env, "FRAGILITY_WAREHOUSE": "ducklake", "FRAGILITY_LAKE_CATALOG": server.conninfo(database),
            "FRAGILITY_LAKE_DATA": str(home / "lake" / "data")}


def opener(settings, published: bool = False):
    from orchestration.resources import WarehouseDuckDB

    warehouse = WarehouseDuckDB.for_settings(settings)

    def open_():
        snapshot = warehouse.published_snapshot() if published else None
        return lake.connect(warehouse.catalog, None, settings.extension_dir, read_only=True, snapshot=snapshot)

    return open_


def fragility_run(home: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    """`fragility run` on the lake, in its own process (a parallel ingest reads the catalog from its environment)."""
    done = subprocess.run([sys.executable, "-m", "orchestration", "run", "--home", str(home), *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def lake_home(server, tmp_path_factory, dbt_manifest):
    home = tmp_path_factory.mktemp("lakehome")
    done = fragility_run(home, lake_env(home, server, "fragility"))
    return home, done.stdout


def test_the_sample_pipeline_on_the_lake_equals_the_file_backend_table_by_table(lake_home, built_home, server):
    home, _ = lake_home
    got = content(opener(lake_settings(home, server), published=True))
    want = content(built_home / "fragility.duckdb")
    assert got.keys() - want.keys() == {("main", "publications")} and want.keys() <= got.keys()
    differ = [k for k in sorted(want) if k not in SKIP and not same_content(got[k], want[k])]
    assert differ == []
    assert sum(1 for s, _ in want if s == "marts") >= 15


def test_a_re_run_with_nothing_new_checks_each_raw_table_once_and_publishes_nothing(lake_home, server):
    """The parallel ingest's run holds no check steps: they run once, together, in the raw checks' run. (An asset
    selection passed to Dagster's execute_job brought every check of the selected assets into the ingest run.)"""
    home, cold = lake_home
    settings = lake_settings(home, server)
    before = opener(settings)
    done = fragility_run(home, lake_env(home, server, "fragility"))
    ran = re.findall(r"\[ok  \] checks\s+(gx_\S+)", done.stdout)
    assert ran == re.findall(r"\[ok  \] checks\s+(gx_raw)\b", cold) == ["gx_raw"]  # one step, once
    assert "[skip] dbt build, checks, publish: no new data" in done.stdout
    con = before()
    try:
        assert len(lake.published_snapshots(con)) == 1
        # every raw suite reported once in each run (the ingest's re-run included), none twice
        per_run = con.execute("SELECT run_id, suite, count(DISTINCT checked_at) FROM main.dq_results "
                              "WHERE suite LIKE 'raw%' GROUP BY ALL").fetchall()
        assert per_run and {n for _, _, n in per_run} == {1}
        runs = {r for r, _, _ in per_run}
        assert len(runs) >= 2 and all(
            {s for r2, s, _ in per_run if r2 == r} == {s for r2, s, _ in per_run if r2 == min(runs)} for r in runs)
    finally:
        con.close()


def test_publish_is_a_snapshot_readers_see_and_earlier_ones_stay_readable(lake_home, server):
    home, _ = lake_home
    settings = lake_settings(home, server)
    con = lake.connect(settings.lake_catalog, None, settings.extension_dir, read_only=True)
    try:
        (first, _), = lake.published_snapshots(con)
    finally:
        con.close()
    fragility_run(home, lake_env(home, server, "fragility"), "--rebuild")
    con = lake.connect(settings.lake_catalog, None, settings.extension_dir, read_only=True)
    try:
        snapshots = lake.published_snapshots(con)
        tagged = con.execute("SELECT commit_extra_info FROM __ducklake_metadata_fragility.ducklake_snapshot_changes "
                             "WHERE commit_extra_info IS NOT NULL").fetchall()
    finally:
        con.close()
    assert [s for s, _ in snapshots][1:] == [first] and snapshots[0][0] > first
    assert {json.loads(t[0])["tag"] for t in tagged} == {"published"} and len(tagged) == 2
    # time travel: the first published snapshot, one ATTACH line
    old = lake.connect(settings.lake_catalog, None, settings.extension_dir, read_only=True, snapshot=first)
    try:
        assert old.execute("SELECT count(*) FROM main.publications").fetchone()[0] == 0  # it predates its record
        assert old.execute("SELECT count(*) FROM marts.fct_fragility_daily").fetchone()[0] > 100
    finally:
        old.close()


def test_the_duckdb_cli_opens_the_published_lake_read_only(lake_home, server):
    home, _ = lake_home
    env = lake_env(home, server, "fragility")
    attach = subprocess.run([sys.executable, "-m", "orchestration", "lake", "attach", "--home", str(home)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert attach.returncode == 0, attach.stderr
    cli = Path(sys.executable).parent / "duckdb"
    query = "SELECT count(*) > 100 FROM marts.fct_fragility_daily;"
    out = subprocess.run([str(cli), "-csv", "-noheader", "-cmd", attach.stdout.strip(), "-c", query],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0 and out.stdout.strip() == "true", out.stderr
    write = subprocess.run([str(cli), "-cmd", attach.stdout.strip(), "-c", "CREATE TABLE marts.x AS SELECT 1"],
                           capture_output=True, text=True, timeout=120, env=env)
    assert write.returncode != 0 and "read-only" in (write.stderr + write.stdout).lower()


def test_dagster_s_instance_lives_in_the_same_postgres(lake_home, server):
    import dagster as dg

    home, _ = lake_home
    assert "postgres" in (home / "dagster" / "dagster.yaml").read_text()
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        jobs = {r.job_name: r.status for r in instance.get_runs()}
    assert jobs["ingest"] == jobs["raw_checks"] == jobs["build_and_publish"] == dg.DagsterRunStatus.SUCCESS


WRITER = """
import sys
from orchestration import lake
from orchestration.resources import WarehouseDuckDB
from orchestration.settings import Settings
from ingestion.ingest import AcquireContext, run_source
from ingestion.landing import Landing
from ingestion.registry import SOURCES

settings = Settings.from_env()
source = next(s for s in SOURCES if s.name == sys.argv[1])
warehouse = WarehouseDuckDB.for_settings(settings)
ctx = AcquireContext("sample", Landing(settings.home), 1, None, None)
with warehouse.get_connection() as con:
    with warehouse.ddl_lock():
        from ingestion.loader import ensure_raw_schema
        ensure_raw_schema(con, source.tables)
    report = run_source(con, source, ctx)
print(sum(report.rows_inserted.values()))
"""

READER = """
import sys, time
from orchestration import lake
from orchestration.settings import Settings

settings = Settings.from_env()
seen = []
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    try:
        con = lake.connect(settings.lake_catalog, None, settings.extension_dir, read_only=True)
    except lake.LakeNotCreated:  # the writers have not created the lake yet
        time.sleep(0.05)
        continue
    try:
        snapshot = lake.current_snapshot(con)
        have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' "
                                          "AND database_name = 'fragility'").fetchall()}
        counts = [con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] if t in have else 0
                  for t in ("holdings__index_weights", "sec__companyfacts")]
    finally:
        con.close()
    seen.append((snapshot, *counts))
    time.sleep(0.05)
print(repr(seen))
"""


def test_two_ingest_processes_write_at_once_and_a_reader_sees_only_whole_commits(server, tmp_path):
    home = tmp_path / "home"
    env = lake_env(home, server, "twowriters")
    env["FRAGILITY_HOME"] = str(home)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, name], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for name in ("holdings", "sec_companyfacts")]
    reader = subprocess.Popen([sys.executable, "-c", READER, "40"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    outs = [w.communicate(timeout=600) for w in writers]
    for w, (_out, err) in zip(writers, outs, strict=True):
        assert w.returncode == 0, err[-2000:]
    said, complaint = reader.communicate(timeout=600)
    assert reader.returncode == 0, complaint[-2000:]
    seen = eval(said)  # noqa: S307 - our own child's repr of a list of tuples
    con = lake.connect(server.conninfo("twowriters"), None, home / "build" / "duckdb_extensions", read_only=True)
    try:
        final = [con.execute(f"SELECT count(*), count(DISTINCT hash(t)) FROM raw.{t} AS t").fetchone()
                 for t in ("holdings__index_weights", "sec__companyfacts")]
        loads = con.execute("SELECT count(*), count(DISTINCT (load_id, table_name)) FROM raw._loads").fetchone()
    finally:
        con.close()
    inserted = [int(out.strip().splitlines()[-1]) for out, _ in outs]
    assert [rows for rows, _ in final] == inserted and all(rows > 0 for rows in inserted)  # nothing lost
    assert all(rows == distinct for rows, distinct in final) and loads[0] == loads[1]  # nothing doubled
    # the reader only ever saw whole commits: each table empty or complete, never part of a load
    for _, holdings, companyfacts in seen:
        assert holdings in (0, inserted[0]) and companyfacts in (0, inserted[1])
    assert len(seen) > 10


def _published_counts(settings) -> tuple[int, dict]:
    """The last published snapshot and the row count of every mart in it."""
    from orchestration.resources import WarehouseDuckDB

    snapshot = WarehouseDuckDB.for_settings(settings).published_snapshot()
    con = opener(settings, published=True)()
    try:
        marts = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                                           "AND database_name = current_database() ORDER BY 1").fetchall()]
        return snapshot, {m: con.execute(f"SELECT count(*) FROM marts.{m}").fetchone()[0] for m in marts}
    finally:
        con.close()


def test_kill_9_during_a_lake_commit_and_during_dbt_leaves_the_published_snapshot(server, tmp_path, built_home):
    from tests.conftest import expect_work
    from tests.test_crash_recovery import Run

    home = tmp_path / "home"
    env = lake_env(home, server, "killed")
    settings = lake_settings(home, server, "killed")
    first = subprocess.run([sys.executable, "-m", "orchestration", "run", "--home", str(home)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    good = _published_counts(settings)
    # 1. during an ingest commit: the holdings load (the largest) is killed while it writes the lake
    con = lake.connect(settings.lake_catalog, None, settings.extension_dir)
    con.execute("DELETE FROM raw.holdings__index_weights")  # a real load to make again
    con.execute("DELETE FROM raw._loads WHERE table_name = 'raw.holdings__index_weights'")
    con.close()
    run = Run([sys.executable, "-m", "orchestration", "run", "--home", str(home)], env=env)
    run.wait_for_line(r"\[ok  \] ingest +gold_raw", "the ingest before holdings")
    time.sleep(0.3)  # holdings is next: its staging and commit take about a second
    run.kill()
    assert _published_counts(settings) == good
    # 2. during dbt, once it builds tables
    log = home / "logs" / "last_run.log"
    expect_work(home)
    run = Run([sys.executable, "-m", "orchestration", "run", "--home", str(home)], env=env)
    run.wait_until(lambda: log.exists() and "OK created sql table model" in log.read_text(errors="replace"),
                   "dbt building a table", poll=0.1)
    run.kill()
    assert _published_counts(settings) == good
    # 3. a re-run is consistent: it publishes a new snapshot equal to the file backend's build
    again = subprocess.run([sys.executable, "-m", "orchestration", "run", "--home", str(home)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=1800)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    snapshot, counts = _published_counts(settings)
    assert snapshot > good[0]
    got = content(opener(settings, published=True))
    want = content(built_home / "fragility.duckdb")
    assert [k for k in sorted(want) if k not in SKIP and not same_content(got[k], want[k])] == []


def test_a_stopped_catalog_is_one_clear_line_and_nothing_is_half_written(server, tmp_path):
    home = tmp_path / "home"
    env = lake_env(home, server, "stopped")
    settings = lake_settings(home, server, "stopped")
    folder = tmp_path / "own-pg"
    own = pgserver.start(folder, databases=("stopped",))
    env["FRAGILITY_LAKE_CATALOG"] = own.conninfo("stopped")
    settings = dataclasses.replace(settings, lake_catalog=own.conninfo("stopped"))
    try:
        done = subprocess.run([sys.executable, "-m", "orchestration", "run", "--home", str(home)], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        before = _published_counts(settings)
    finally:
        pgserver.stop(folder)
    failed = subprocess.run([sys.executable, "-m", "orchestration", "run", "--home", str(home)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert lines[0].startswith("fragility: the lake's catalog (PostgreSQL at host=") and "fragility lake up" in lines[0]
    assert "dbname=stopped" in lines[0]
    pgserver.start(folder, databases=("stopped",))
    try:
        assert _published_counts(settings) == before  # nothing half-written: the same publication, same marts
    finally:
        pgserver.stop(folder)


def test_a_password_in_the_catalog_string_is_never_shown():
    shown = lake.redact("host=db.example.org dbname=lake user=me password=hunter2 sslmode=require")
    assert "hunter2" not in shown and "password=***" in shown
    assert "s3cret" not in lake.redact("postgresql://me:s3cret@db.example.org/lake")
