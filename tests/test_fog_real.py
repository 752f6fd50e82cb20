"""The release registry on real FRED downloads (../shared/data/real): October 2025 is cancelled, not missing.

The 2026-01-02 snapshot has CPIAUCSL and UNRATE for 2025-10 empty. The FRED downloads are loaded by the
file-drop source (``--source files``) when it is there; otherwise the two CSVs go through the FRED
parser as ALFRED rows (the same code a live payload goes through: an empty value becomes a NULL with a
status from the maintained cancelled list). Then dbt builds the registry from that raw schema.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, SHARED_REAL

SNAPSHOT = "2026-01-02"
SERIES = ("CPIAUCSL", "UNRATE")


def wire_format(path: Path, as_of: str) -> bytes:
    """A FRED graph download as the ALFRED observations JSON the parser reads (one vintage: the snapshot)."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    obs = [{"realtime_start": as_of, "realtime_end": "9999-12-31", "date": d, "value": v.strip() or "."}
           for d, v in rows]
    return json.dumps({"units": "lin", "observations": obs}).encode()


def load_with_file_drop(con: duckdb.DuckDBPyConnection, home: Path) -> bool:
    """Every FRED download of the real folder through the file-drop source; False if it is not there."""
    try:
        import ingestion.files  # noqa: F401
    except ImportError:
        return False
    from ingestion.fred import FRED
    from ingestion.ingest import AcquireContext, run_source
    from ingestion.landing import Landing

    run_source(con, FRED, AcquireContext("files", Landing(home / "landing"), 1, SHARED_REAL))
    return True


@pytest.fixture(scope="module")
def registry(tmp_path_factory, dbt_manifest) -> duckdb.DuckDBPyConnection:
    from ingestion.catalog import catalog_tables
    from ingestion.fred import TABLES, _cancelled_for, lookup, parser
    from ingestion.loader import ensure_raw_schema, load, replace_tables, transaction

    if not SHARED_REAL.exists():
        pytest.skip(f"real data folder {SHARED_REAL} is absent (it sits beside the repo in CI)")
    folder = SHARED_REAL / "fred" / SNAPSHOT
    missing = [s for s in SERIES if not (folder / f"{s}.csv").exists()]
    if missing:
        pytest.skip(f"{folder} lacks {missing}")
    home = tmp_path_factory.mktemp("real")
    db = home / "fragility.duckdb"
    con = duckdb.connect(str(db))
    ensure_raw_schema(con, TABLES)
    replace_tables(con, catalog_tables(1))
    if not load_with_file_drop(con, home):
        with transaction(con):
            for sid in SERIES:
                content = wire_format(folder / f"{sid}.csv", SNAPSHOT)
                digest = hashlib.sha256(content).hexdigest()
                rows = parser.parse_observations(content, series=lookup(sid), payload_hash=digest,
                                                 fetched_on=dt.date.fromisoformat(SNAPSHOT),
                                                 cancelled=_cancelled_for(sid))
                load(con, TABLES[0], rows, digest, "fred")
    con.close()
    dbt = Path(sys.executable).parent / "dbt"
    out = subprocess.run(
        [str(dbt), "run", "--select", "+fct_series_release_status", "+dim_series", "--profiles-dir", ".",
         "--target-path", str(home / "target"), "--log-path", str(home / "logs")],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=600,
        env={**os.environ, "FRAGILITY_BUILD_DB": str(db)},
    )
    assert out.returncode == 0, out.stdout[-3000:]
    con = duckdb.connect(str(db))
    yield con
    con.close()


def test_parser_marks_the_empty_october_values_cancelled(registry):
    rows = registry.execute(
        "SELECT DISTINCT series_id, value, value_status FROM raw.fred__observations WHERE obs_date = DATE '2025-10-01' "
        "AND series_id IN ('CPIAUCSL', 'UNRATE') AND realtime_start = DATE '2026-01-02' ORDER BY series_id").fetchall()
    assert rows == [("CPIAUCSL", None, "cancelled"), ("UNRATE", None, "cancelled")]


def test_registry_marks_october_2025_cpi_and_unrate_cancelled_not_missing(registry):
    rows = registry.execute("""
        SELECT series_id, status, cancelled_statement FROM marts.fct_series_release_status
        WHERE period = DATE '2025-10-01' AND is_current AND series_id IN ('CPIAUCSL', 'UNRATE')
        ORDER BY series_id""").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("CPIAUCSL", "cancelled"), ("UNRATE", "cancelled")]
    assert all(r[2].startswith("BLS:") for r in rows)
    missing = registry.execute(
        "SELECT count(*) FROM marts.fct_series_release_status WHERE status = 'missing' "
        "AND series_id IN ('CPIAUCSL', 'UNRATE') AND period >= DATE '2025-01-01'").fetchone()[0]
    assert missing == 0
    # November 2025 arrived; a file drop does not say when, so its first print is dated by the release rule
    # (period end + the catalog's lag, next weekday: CPI 14 days, the jobs report 7), not by the folder date
    nov = registry.execute("SELECT series_id, status, known_from FROM marts.fct_series_release_status "
                           "WHERE period = DATE '2025-11-01' AND series_id IN ('CPIAUCSL', 'UNRATE') "
                           "AND vintage_number = 1 ORDER BY 1").fetchall()
    assert nov == [("CPIAUCSL", "estimated", dt.date(2025, 12, 15)), ("UNRATE", "estimated", dt.date(2025, 12, 8))]


def test_the_null_rule_accepts_the_listed_cancellations(registry):
    from expectations.runner import evaluate
    from expectations.suites import SUITES

    suite = next(s for s in SUITES if s.name == "raw_fred_observations")
    result = evaluate(registry, suite)
    assert result.success, result.description()
