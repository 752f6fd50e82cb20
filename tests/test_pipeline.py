"""End to end on the sample data: real values in the warehouse, publish semantics, the analysts' CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import settings_for


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def duckdb_cli() -> str:
    exe = Path(sys.executable).parent / "duckdb"
    found = str(exe) if exe.exists() else shutil.which("duckdb")
    assert found, "the duckdb-cli package (dev dependency) provides the `duckdb` binary"
    return found


@pytest.fixture
def published(built_home):
    con = duckdb.connect(str(built_home / "fragility.duckdb"), read_only=True)
    yield con
    con.close()


def test_row_counts(published):
    n_days = published.execute("SELECT count(*), min(as_of_date), max(as_of_date) FROM marts.fct_fragility_daily"
                               ).fetchone()
    assert n_days == (3978, dt.date(2015, 1, 1), dt.date(2025, 11, 21))
    from ingestion.catalog import fred_series
    from ingestion.fred.sample import has_sample_path

    raw = published.execute("SELECT count(DISTINCT series_id) FROM raw.fred__observations").fetchone()[0]
    assert raw == sum(map(has_sample_path, fred_series().values())) >= 38
    scored = published.execute(
        "SELECT count(*) FROM marts.fct_fragility_daily WHERE composite_score BETWEEN 0 AND 100").fetchone()[0]
    assert scored > 3500


def test_sept_2019_repo_spike_is_in_staging(published):
    sofr, p99 = published.execute(
        "SELECT max(value) FILTER (WHERE series_id = 'SOFR'), max(value) FILTER (WHERE series_id = 'SOFR99') "
        "FROM staging.stg_fred__observations WHERE obs_date = DATE '2019-09-17'").fetchone()
    ioer = published.execute("SELECT value FROM staging.stg_fred__observations WHERE series_id = 'IOER' "
                             "AND obs_date = DATE '2019-09-17'").fetchone()[0]
    assert ioer == pytest.approx(2.10)
    assert sofr > 5.0 and p99 >= 9.0  # far above IOER
    calm = published.execute("SELECT max(value) FROM staging.stg_fred__observations WHERE series_id = 'SOFR99' "
                             "AND obs_date BETWEEN DATE '2019-08-01' AND DATE '2019-08-28'").fetchone()[0]
    assert calm < 2.6


def test_october_2025_cpi_is_missing_with_a_reason_not_zero(published):
    rows = published.execute(
        "SELECT value, value_status, status_reason FROM staging.stg_fred__observations "
        "WHERE series_id = 'CPIAUCSL' AND obs_date = DATE '2025-10-01'").fetchall()
    assert len(rows) == 1
    value, status, reason = rows[0]
    assert value is None and status == "cancelled"
    assert "October 2025 CPI will not be published" in reason
    # September came late (shutdown): first published 2025-10-24 instead of mid-October.
    first = published.execute("SELECT min(realtime_start) FROM staging.stg_fred__observations "
                              "WHERE series_id = 'CPIAUCSL' AND obs_date = DATE '2025-09-01'").fetchone()[0]
    assert first == dt.date(2025, 10, 24)


def test_point_in_time_cpi_uses_only_published_vintages(published):
    # On 2025-10-20 the September CPI was not out yet (shutdown): the as-known view still shows August, and so
    # does the revised view (hindsight values, but each period waits for its first release).
    known, revised, first_sept = published.execute(
        "SELECT max(obs_date) FILTER (WHERE view_name = 'as_known'), "
        "max(obs_date) FILTER (WHERE view_name = 'revised'), "
        "(SELECT min(realtime_start) FROM raw.fred__observations WHERE series_id = 'CPIAUCSL' "
        " AND obs_date = DATE '2025-09-01' AND value IS NOT NULL) "
        "FROM intermediate.int_series_daily WHERE series_id = 'CPIAUCSL' AND as_of_date = DATE '2025-10-20'"
    ).fetchone()
    assert first_sept > dt.date(2025, 10, 20)
    assert known == revised == dt.date(2025, 8, 1)


def test_the_build_ran_in_a_dbt_process_of_the_warm_dbt(built_home):
    """The build's dbt was forked from the warm dbt (orchestration/warm_dbt.py), not a cold dbt: the record
    is written only by such a process, after dbt returned, into the invocation's own target folder."""
    import json

    record = json.loads((built_home / "build" / "dbt" / "warm_dbt.json").read_text())
    assert record["exit_code"] == 0 and record["args"][0] == "build"
    assert "--exclude-resource-type" in record["args"] and record["pid"] != record["warm_dbt"]


def test_published_file_opens_in_the_analysts_duckdb_cli(built_home):
    out = subprocess.run(
        [duckdb_cli(), "-readonly", "-csv", "-noheader", str(built_home / "fragility.duckdb"), "-c",
         "SELECT count(*) FROM marts.fct_fragility_daily"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert out.stdout.strip() == "3978"


def test_column_comments_are_persisted(published):
    comment = published.execute(
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = 'fct_fragility_daily' "
        "AND column_name = 'composite_score'").fetchone()[0]
    assert comment and "0" in comment and "100" in comment


def test_every_model_and_described_column_carries_its_description_as_a_comment(published, dbt_manifest):
    """The on-run-end hook (macros/persist_comments.sql) against the manifest: every model's description, and
    every described column that exists, is the warehouse's comment, word for word."""
    import json

    nodes = [n for n in json.loads(dbt_manifest.read_text())["nodes"].values() if n["resource_type"] == "model"]
    relations = {(r[0], r[1]): r[2] for r in published.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() UNION ALL "
        "SELECT schema_name, view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall()}
    columns = {(r[0], r[1], r[2]): r[3] for r in published.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()").fetchall()}
    want_rel = {(n["schema"], n["alias"]): n["description"] for n in nodes if n["description"]}
    want_col = {(n["schema"], n["alias"], c): v["description"] for n in nodes for c, v in n["columns"].items()
                if v["description"] and (n["schema"], n["alias"], c) in columns}
    assert len(want_rel) == len(nodes) and len(want_col) > 900
    assert {k: relations.get(k) for k in want_rel} == want_rel
    assert {k: columns[k] for k in want_col} == want_col


def test_failing_blocking_check_leaves_published_copy_unchanged(scratch_home):
    from orchestration.execution import run_pipeline

    published = scratch_home / "fragility.duckdb"
    before = sha256(published)
    con = duckdb.connect(str(scratch_home / "build" / "fragility.duckdb"))
    # A duplicate vintage key slipped into raw: the blocking GX uniqueness check must stop everything.
    con.execute("INSERT INTO raw.fred__observations SELECT * FROM raw.fred__observations "
                "WHERE series_id = 'EFFR' ORDER BY obs_date DESC LIMIT 1")
    con.close()
    lines: list[str] = []
    outcome = run_pipeline(settings_for(scratch_home), echo=lines.append)
    assert not outcome.success
    assert any("gx_raw_fred_observations" in c and "expect_compound_columns_to_be_unique" in c
               for c in outcome.failed_checks), outcome.failed_checks
    assert any("publish" in line and "skip" in line for line in lines) or not any(
        "[ok  ] publish" in line for line in lines)
    assert sha256(published) == before
    assert "FAILED: the published warehouse was left unchanged." in outcome.summary


def test_open_analyst_session_does_not_block_the_next_run(scratch_home):
    from orchestration.execution import run_pipeline

    published = scratch_home / "fragility.duckdb"
    old_inode = published.stat().st_ino
    # The analyst opens the published file read-write (the CLI's default) and keeps the session open.
    analyst = subprocess.Popen([duckdb_cli(), str(published)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        analyst.stdin.write("SELECT count(*) FROM marts.fct_fragility_daily;\n")
        analyst.stdin.flush()
        outcome = run_pipeline(settings_for(scratch_home), echo=lambda _l: None, rebuild=True)
        assert outcome.success, outcome.summary
        assert not outcome.skipped_build
        assert published.stat().st_ino != old_inode  # a new file was swapped in
        assert analyst.poll() is None  # the analyst's session is still alive
    finally:
        analyst.stdin.close()
        analyst.wait(timeout=30)
    out = analyst.stdout.read()
    assert "3978" in out


def test_a_rerun_with_nothing_new_stops_after_ingest_and_keeps_the_published_file(scratch_home):
    from orchestration.execution import run_pipeline

    published = scratch_home / "fragility.duckdb"
    before, inode = sha256(published), published.stat().st_ino
    lines: list[str] = []
    outcome = run_pipeline(settings_for(scratch_home), echo=lines.append)
    assert outcome.success and outcome.skipped_build, outcome.summary
    assert any(line.startswith("  [skip] dbt build, checks, publish: no new data") for line in lines)
    assert not any("[ok  ] dbt build" in line or "[ok  ] publish" in line for line in lines)
    assert published.stat().st_ino == inode and sha256(published) == before
    assert outcome.summary[-1].endswith("(unchanged: nothing new since the last publish)")
    assert outcome.summary[1].startswith("runs: ingest ") and "build_and_publish" not in outcome.summary[1]
    assert outcome.summary[2].startswith("as of 2025-11-21: composite fragility ")
