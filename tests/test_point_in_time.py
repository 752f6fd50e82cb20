"""As known on D equals the same computation run on inputs truncated to what was published by D.

The sample warehouse is built once (``built_home``). For each chosen day D, every raw table is cut to the
rows published by D (FRED vintages that started by D, closed no later than D's knowledge allows; NY Fed
versions published by D; SEC facts and BDC filings filed by D; holdings and gold published by D; OFR
observations published by D) and the whole dbt project runs on that cut. The as-known rows for D of every
scoring model must then equal the full build's rows for D: nothing published after D may move what was
known on D. The days sit on a policy-rate change (IORB cut on 2024-09-19), a CPI release with revisions
of earlier months, the shutdown's cancellation announcement and an ordinary Monday.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

# raw table -> the filter that keeps what was published by D ({d} is the day)
CUT = {
    "fred__observations": "realtime_start <= {d}",
    "nyfed__reference_rates": "published_on <= {d}",
    "sec__companyfacts": "filed <= {d}",
    "sec__bdc_holdings": "filed <= {d}",
    "sec__bdc_submissions": "filed <= {d}",
    "holdings__index_weights": "published_on <= {d}",
    "gold__prices": "realtime_start <= {d}",
    "ofr__stfm_observations": "published_on <= {d}",
    "files__sp500_constituents": "as_of_date <= {d}",
    "files__ofr_fsi": "date <= {d}",
}
DAYS = ("2024-09-19", "2025-03-12", "2025-11-19", "2025-06-02")

# model -> its key columns besides the day (as-known rows of day D are compared)
COMPARED = {
    "intermediate.int_series_daily": ("series_id",),
    "intermediate.int_repo_radar_indicators": ("rate_type",),
    "intermediate.int_indicator_scores": ("indicator",),
    "intermediate.int_loop_scores": ("loop_name",),
    "intermediate.int_readings_daily": (),
    "marts.fct_fragility_daily": (),
    "marts.fct_data_fog": (),
}


def cut_warehouse(full: Path, target: Path, day: str) -> None:
    """A copy of ``full``'s raw schema holding only what was published by ``day``."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"ATTACH '{full}' AS full_build (READ_ONLY)")
        con.execute("CREATE SCHEMA raw")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'full_build' AND schema_name = 'raw'"
        ).fetchall()]
        d = f"DATE '{day}'"
        for t in tables:
            where = CUT.get(t, "true").format(d=d)
            con.execute(f"CREATE TABLE raw.{t} AS SELECT * FROM full_build.raw.{t} WHERE {where}")
        # a vintage still in force on D has no successor yet in the cut world
        con.execute(f"UPDATE raw.fred__observations SET realtime_end = DATE '9999-12-31' WHERE realtime_end >= {d}")
        con.execute("DETACH full_build")
    finally:
        con.close()


def dbt_run(db: Path, work: Path) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    out = subprocess.run(
        [str(dbt), "build", "--resource-type", "seed", "--resource-type", "model", "--profiles-dir", ".",
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=900,
        env={**os.environ, "FRAGILITY_BUILD_DB": str(db), "FRAGILITY_RECOMPUTE_FROM": ""},
    )
    assert out.returncode == 0, out.stdout[-3000:]


def rows_of(db: Path, table: str, keys: tuple[str, ...], day: str) -> dict[tuple, dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
            table.split(".")).fetchall()]
        view = " AND view_name = 'as_known'" if "view_name" in cols else ""
        got = con.execute(f"SELECT * FROM {table} WHERE as_of_date = DATE '{day}'{view}").fetchall()
    finally:
        con.close()
    out = {}
    for r in got:
        rec = dict(zip(cols, r, strict=True))
        out[tuple(rec[k] for k in keys)] = rec
    return out


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@pytest.fixture(scope="module")
def full_build(built_home, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("pit_full") / "fragility.duckdb"
    shutil.copyfile(built_home / "build" / "fragility.duckdb", copy)
    return copy


@pytest.mark.slow
@pytest.mark.parametrize("day", DAYS)
def test_as_known_on_d_equals_the_computation_on_inputs_truncated_to_d(full_build, tmp_path, day):
    cut = tmp_path / "cut.duckdb"
    cut_warehouse(full_build, cut, day)
    dbt_run(cut, tmp_path)
    compared = 0
    for table, keys in COMPARED.items():
        want = rows_of(full_build, table, keys, day)
        got = rows_of(cut, table, keys, day)
        assert want, f"{table} has no as-known row for {day} in the full build"
        assert got.keys() == want.keys(), f"{table} on {day}: keys differ {set(got) ^ set(want)}"
        for k, w in want.items():
            diff = {c: (w[c], got[k][c]) for c in w if not same(w[c], got[k][c])}
            assert not diff, f"{table} {k} on {day}: as known differs from the truncated computation: {diff}"
            compared += 1
    assert compared > 40


def test_the_chosen_days_sit_on_rate_changes_and_revisions(full_build):
    """The invariant days are not arbitrary: an IORB change and a CPI revision fall on them."""
    con = duckdb.connect(str(full_build), read_only=True)
    try:
        iorb = dict(con.execute("SELECT obs_date, value FROM raw.fred__observations WHERE series_id = 'IORB' "
                                "AND obs_date IN ('2024-09-18', '2024-09-19')").fetchall())
        revised = con.execute(
            "SELECT count(*) FROM raw.fred__observations o WHERE series_id = 'CPIAUCSL' AND realtime_start = "
            "DATE '2025-03-12' AND EXISTS (SELECT 1 FROM raw.fred__observations p WHERE p.series_id = o.series_id "
            "AND p.obs_date = o.obs_date AND p.realtime_start < o.realtime_start)").fetchone()[0]
    finally:
        con.close()
    assert iorb[dt.date(2024, 9, 19)] < iorb[dt.date(2024, 9, 18)]
    assert revised >= 1
