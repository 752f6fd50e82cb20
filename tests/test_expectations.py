"""Great Expectations suites: injected fog scenarios, each caught by the intended expectation with a
clear one-line message; the clean sample passes every check; failures stop the pipeline."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from expectations.suites import SUITES
from tests.conftest import settings_for

BY_NAME = {s.name: s for s in SUITES}


@pytest.fixture
def db(scratch_home):
    """A writable copy of the built sample warehouse (working copy: raw, staging, marts)."""
    con = duckdb.connect(str(scratch_home / "build" / "fragility.duckdb"))
    yield con
    con.close()


def run(con, name: str):
    from expectations.runner import run_suite

    return run_suite(con, BY_NAME[name], "test")


def failed(result) -> dict[str, str]:
    """{expectation type: its one-line message} for the failed expectations."""
    return {f.expectation: f.line() for f in result.failures}


def test_clean_sample_passes_every_suite(db):
    from expectations.runner import run_all

    results = run_all(db, "clean")
    problems = [line for r in results for line in (r.description() or "").splitlines() if not r.skipped]
    assert problems == []
    ran = {r.suite.name for r in results if not r.skipped}
    assert {"raw_fred_observations", "raw_fred_observations_units", "raw_fred_observations_revisions",
            "fred_series_freshness", "release_registry", "fct_data_fog", "dim_series"} <= ran
    recorded = db.execute("SELECT count(DISTINCT suite), bool_and(success) FROM main.dq_results WHERE run_id = 'clean'"
                          ).fetchone()
    assert recorded == (len(results), True)


def test_duplicate_keys_are_caught(db):
    db.execute("INSERT INTO raw.fred__observations SELECT * FROM raw.fred__observations "
               "WHERE series_id = 'UNRATE' AND obs_date = DATE '2024-05-01' ORDER BY realtime_start LIMIT 1")
    result = run(db, "raw_fred_observations")
    assert not result.success and result.suite.blocking
    line = failed(result)["expect_compound_columns_to_be_unique"]
    assert "raw.fred__observations" in line and "UNRATE 2024-05-01 vintage" in line
    assert "\n" not in line


def test_a_unit_change_x1000_is_caught(db):
    # The Treasury General Account starts arriving in billions instead of millions.
    db.execute("UPDATE raw.fred__observations SET value = value / 1000 "
               "WHERE series_id = 'WTREGEN' AND obs_date >= DATE '2025-10-01'")
    result = run(db, "raw_fred_observations_units")
    assert not result.success and result.suite.blocking
    line = failed(result)["expect_column_values_to_be_between"]
    assert "WTREGEN 2025-10-01" in line and "ratio 0.00" in line
    assert "worst_log10_jump" in line and "raw.fred__observations" in line


def test_a_rate_reported_in_basis_points_is_caught(db):
    db.execute("UPDATE raw.fred__observations SET value = value * 100 "
               "WHERE series_id = 'EFFR' AND obs_date = DATE '2025-11-20'")
    line = failed(run(db, "raw_fred_observations_units"))["expect_column_values_to_be_between"]
    assert "EFFR 2025-11-20" in line and "Percent" in line


def test_a_huge_revision_is_caught(db):
    # A new vintage of Q2 2025 GDP, 40% above the first print.
    db.execute("""
        UPDATE raw.fred__observations SET realtime_end = DATE '2025-11-19'
        WHERE series_id = 'GDP' AND obs_date = DATE '2025-04-01' AND realtime_end = DATE '9999-12-31'""")
    db.execute("""
        INSERT INTO raw.fred__observations
        SELECT source, series_id, obs_date, value * 1.4, value_status, status_reason, DATE '2025-11-20',
               DATE '9999-12-31', payload_hash
        FROM raw.fred__observations WHERE series_id = 'GDP' AND obs_date = DATE '2025-04-01'
        ORDER BY realtime_start DESC LIMIT 1""")
    assert run(db, "raw_fred_observations").success  # vintages still well ordered
    result = run(db, "raw_fred_observations_revisions")
    assert not result.success and result.suite.blocking
    line = failed(result)["expect_column_values_to_be_between"]
    assert "GDP 2025-04-01: first print" in line and "vintage 2025-11-20" in line


def test_nulls_only_where_the_registry_explains_them(db):
    db.execute("UPDATE raw.fred__observations SET value = NULL WHERE series_id = 'DGS2' "
               "AND obs_date = DATE '2025-06-02'")
    db.execute("UPDATE raw.fred__observations SET value_status = 'cancelled', status_reason = 'said somewhere' "
               "WHERE series_id = 'MICH' AND obs_date = DATE '2025-06-01'")
    db.execute("UPDATE raw.fred__observations SET value = NULL WHERE series_id = 'MICH' "
               "AND obs_date = DATE '2025-06-01'")
    line = failed(run(db, "raw_fred_observations"))["expect_column_values_to_be_null"]
    assert "DGS2 2025-06-02" in line and "no value but status ok" in line
    assert "MICH 2025-06-01" in line and "not on the maintained list" in line


def test_overlapping_vintages_are_caught(db):
    db.execute("""
        UPDATE raw.fred__observations SET realtime_end = DATE '2025-12-31'
        WHERE series_id = 'CPIAUCSL' AND obs_date = DATE '2025-07-01'
          AND realtime_start = (SELECT min(realtime_start) FROM raw.fred__observations
                                WHERE series_id = 'CPIAUCSL' AND obs_date = DATE '2025-07-01')""")
    line = failed(run(db, "raw_fred_observations"))["expect_column_pair_values_a_to_be_greater_than_b"]
    assert "CPIAUCSL 2025-07-01" in line


def _nyfed_sofr(db, column: str = "percent_rate") -> None:
    """The NY Fed's SOFR where the source is not loaded yet: the same numbers as FRED's."""
    if column == "percent_rate" and db.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = 'nyfed__reference_rates'"
    ).fetchone()[0]:
        return
    db.execute(f"""
        CREATE OR REPLACE TABLE raw.nyfed__reference_rates AS
        SELECT 'nyfed' AS source, 'SOFR' AS rate_type, obs_date AS effective_date, value AS {column},
               (obs_date + 1)::TIMESTAMPTZ AS published_at
        FROM raw.fred__observations WHERE series_id = 'SOFR' AND value IS NOT NULL
          AND realtime_end = DATE '9999-12-31'""")


def test_cross_source_sofr_mismatch_is_caught(db):
    _nyfed_sofr(db)
    assert run(db, "sofr_nyfed_vs_fred").success
    db.execute("UPDATE raw.fred__observations SET value = value + 0.25 WHERE series_id = 'SOFR' "
               "AND obs_date BETWEEN DATE '2025-11-03' AND DATE '2025-11-07' AND realtime_end = DATE '9999-12-31'")
    result = run(db, "sofr_nyfed_vs_fred")
    assert not result.success
    line = failed(result)["expect_column_values_to_be_between"]
    assert "SOFR 2025-11-03: NY Fed" in line and "vs FRED" in line and "raw.nyfed__reference_rates" in line


def test_cross_source_reads_the_column_name_it_finds_and_skips_without_the_table(db):
    _nyfed_sofr(db, column="rate_pct")
    assert run(db, "sofr_nyfed_vs_fred").success
    db.execute("DROP TABLE raw.nyfed__reference_rates")
    result = run(db, "sofr_nyfed_vs_fred")
    assert result.success and result.skipped == "raw.nyfed__reference_rates absent"
    assert "skipped" in result.description()


def test_a_broken_suite_reports_one_line_instead_of_crashing(db):
    db.execute("DROP TABLE raw.catalog__series")
    db.execute("CREATE TABLE raw.catalog__series (series_id VARCHAR)")
    result = run(db, "raw_fred_observations_units")
    assert not result.success
    assert "error: " in result.description() and "\n" not in result.description()


def test_every_raw_table_and_every_mart_has_a_suite():
    from ingestion.registry import SOURCES
    from orchestration.checks import DBT_MODELS

    tables = {s.table for s in SUITES}
    raw = {t.name for s in SOURCES for t in s.tables} | {"raw.catalog__series", "raw.catalog__cancelled_releases"}
    marts = {f"marts.{p.stem}" for p in (DBT_MODELS / "marts").rglob("*.sql")}
    assert raw - tables == set()
    assert marts - tables == set()


def test_checks_are_one_per_suite_and_blocking_as_declared(dbt_manifest):
    from orchestration.checks import build_gx_checks, known_asset_keys

    known = known_asset_keys()
    specs = {spec.name: spec for check in build_gx_checks() for spec in check.check_specs}
    for suite in SUITES:
        if suite.asset_key in known and all(d in known for d in suite.deps):
            assert specs[f"gx_{suite.name}"].blocking == suite.blocking
    assert specs["gx_raw_fred_observations"].blocking
    assert not specs["gx_fred_series_freshness"].blocking


def test_suites_and_checks_load_without_great_expectations():
    code = ("import sys, expectations.suites, expectations.runner, expectations.report, orchestration.checks; "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_html_report_names_the_failures(db, tmp_path):
    from expectations.report import write_html
    from expectations.runner import run_all

    db.execute("UPDATE raw.fred__observations SET value = value / 1000 "
               "WHERE series_id = 'WTREGEN' AND obs_date >= DATE '2025-10-01'")
    run_all(db, "report-run")
    page = write_html(db, tmp_path / "reports" / "dq_report.html").read_text()
    assert page.startswith("<!doctype html>") and "report-run" in page
    assert "blocking suite(s) failed" in page and "gx_raw_fred_observations_units" in page
    assert "WTREGEN 2025-10-01" in page
    assert "Release registry today" in page and "CPIAUCSL" in page
    assert "<script" not in page and "http" not in page.split("</style>")[0]  # self-contained


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failing_blocking_check_stops_dbt_and_publish_and_is_named_in_one_line(scratch_home):
    from orchestration.execution import run_pipeline

    published = scratch_home / "fragility.duckdb"
    before = sha256(published)
    con = duckdb.connect(str(scratch_home / "build" / "fragility.duckdb"))
    con.execute("UPDATE raw.fred__observations SET value = value / 1000 "
                "WHERE series_id = 'WTREGEN' AND obs_date >= DATE '2025-10-01'")
    con.close()
    lines: list[str] = []
    outcome = run_pipeline(settings_for(scratch_home), echo=lines.append)
    assert not outcome.success
    hits = [c for c in outcome.failed_checks if "gx_raw_fred_observations_units" in c]
    assert hits, outcome.failed_checks
    assert "raw.fred__observations.worst_log10_jump" in hits[0] and "WTREGEN 2025-10-01" in hits[0]
    assert not any("[ok  ] dbt build" in line or "[ok  ] publish" in line for line in lines)
    assert sha256(published) == before
    assert any("gx_raw_fred_observations_units" in line for line in outcome.summary)


def test_warnings_do_not_block_but_are_reported(scratch_home):
    """A series that stops updating, and a release the source cancelled that is not on the list."""
    from orchestration.execution import run_pipeline

    con = duckdb.connect(str(scratch_home / "build" / "fragility.duckdb"))
    con.execute("DELETE FROM raw.fred__observations WHERE series_id = 'WALCL' AND obs_date >= DATE '2025-09-01'")
    con.execute("""
        INSERT INTO raw.fred__observations
        SELECT source, series_id, DATE '2025-10-01', NULL, 'missing', 'FRED reported ''.'' (no value for this period)',
               DATE '2025-11-21', DATE '9999-12-31', payload_hash
        FROM raw.fred__observations WHERE series_id = 'PAYEMS' LIMIT 1""")
    con.close()
    outcome = run_pipeline(settings_for(scratch_home), echo=lambda _l: None)
    assert outcome.success, outcome.summary
    fresh = [c for c in outcome.failed_checks if "gx_fred_series_freshness" in c]
    assert fresh and "WALCL: newest period 2025-08-27" in fresh[0] and "scheduled release(s)" in fresh[0]
    registry = [c for c in outcome.failed_checks if "gx_release_registry" in c]
    assert registry and "PAYEMS 2025-10-01 missing" in registry[0]
    con = duckdb.connect(str(scratch_home / "fragility.duckdb"), read_only=True)
    try:
        walcl = con.execute("SELECT latest_status, releases_overdue FROM marts.dim_series WHERE series_id = 'WALCL'"
                            ).fetchone()
        note = con.execute("SELECT fog_note FROM marts.fct_data_fog ORDER BY as_of_date DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    assert walcl[1] >= 10
    assert "WALCL" in note


def test_a_clean_slice_validated_at_basic_gives_what_detailed_alone_gives(db):
    """expectations.runner validates at GX's BASIC first and again at DETAILED only when a row is unexpected:
    on clean and on broken tables alike, every suite's outcomes are those of DETAILED alone."""
    from expectations.runner import validate_frame

    # broken: a duplicate vintage and a rate in basis points (failing), on top of the clean rest
    db.execute("INSERT INTO raw.fred__observations SELECT * FROM raw.fred__observations "
               "WHERE series_id = 'UNRATE' AND obs_date = DATE '2024-05-01' ORDER BY realtime_start LIMIT 1")
    db.execute("UPDATE raw.fred__observations SET value = value * 100 "
               "WHERE series_id = 'EFFR' AND obs_date = DATE '2025-11-20'")
    compared = failing = 0
    for suite in SUITES:
        if not all(db.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name = ?",
                              [t]).fetchone()[0] for t in suite.tables):
            continue
        frame = db.execute(suite.query(db)).df()
        quick, detailed = validate_frame(suite, frame), validate_frame(suite, frame, quick_first=False)
        assert quick.outcomes == detailed.outcomes, suite.name
        compared += 1
        failing += not detailed.success
    assert compared >= len(SUITES) - 2 and failing >= 2
