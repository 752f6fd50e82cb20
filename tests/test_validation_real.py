"""The readings on real history (../shared/data/real, a file drop nobody here made), checked against the
published stress indices, which are compared and never used.

One whole pipeline run on the drop serves every test in the module. Targets (issue #14), over all days,
as known: the stress reading reaches Spearman >= 0.7 with the NFCI and with the OFR FSI; the composite
>= 0.6 with each; the composite sits at >= 99 or <= 1 on under 2% of days; each benchmark's top-decile
weeks lift the composite at least 15 points over its calm median. The as-known history starts before 2001
(pseudo-real-time: each period known from its first release), and the latest headline carries its
coverage. Skipped, with the reason, where the drop is absent.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration import validation
from tests.conftest import SHARED_REAL, settings_for

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def real(tmp_path_factory, dbt_manifest):
    if not SHARED_REAL.exists():
        pytest.skip(f"real data folder {SHARED_REAL} is absent (it sits beside the repo in CI)")
    from orchestration.execution import run_pipeline

    settings = settings_for(tmp_path_factory.mktemp("real") / "home", source="files", files_dir=str(SHARED_REAL))
    lines: list[str] = []
    outcome = run_pipeline(settings, echo=lines.append)
    assert outcome.success, outcome.summary + lines
    con = duckdb.connect(str(settings.published_db), read_only=True)
    yield con, outcome
    con.close()


def q(con, sql):
    return con.execute(sql).fetchall()


@pytest.mark.slow
def test_real_drop_loads_every_file_through_the_file_drop_source(real):
    con, _ = real
    assert q(con, "SELECT count(*), count(DISTINCT series_id) FROM raw.fred__observations WHERE source = 'files'"
             ) == [(249940, 40)]
    assert q(con, "SELECT count(*) FROM raw.fred__observations WHERE source <> 'files'") == [(0,)]
    for table in ("raw.nyfed__reference_rates", "raw.holdings__index_weights", "raw.sec__companyfacts"):
        assert q(con, f"SELECT count(*) FROM {table}") == [(0,)]  # only the file drop ran
    assert q(con, "SELECT value, realtime_start FROM staging.stg_fred__observations WHERE series_id = 'SOFR' "
             "AND obs_date = '2025-11-20' ORDER BY realtime_start") == [(3.91, D("2025-11-23"))]
    assert q(con, "SELECT count(*) FROM staging.stg_files__ofr_fsi") == [(6292,)]
    assert q(con, "SELECT count(*) FROM staging.stg_gold__prices WHERE source_system = 'files'") == [(2322,)]
    weights = q(con, "SELECT as_of_date, round(sum(weight), 9), count(*) FILTER (WHERE company_key = 'GOOGL') "
                "FROM staging.stg_files__sp500_constituents WHERE as_of_date = '2026-08-22' GROUP BY 1")
    assert weights == [(D("2026-08-22"), 1.0, 2)]


@pytest.mark.slow
def test_history_before_the_first_folder_is_known_from_each_periods_first_release(real):
    con, _ = real
    # SOFR for 2018-04-03, in the 2025-11-23 folder only, counts as known the next business day
    assert q(con, "SELECT known_from, is_pseudo_real_time FROM intermediate.int_observation_vintages "
             "WHERE series_id = 'SOFR' AND obs_date = '2018-04-03'") == [(D("2018-04-04"), True)]
    # March 1990 unemployment (first folder 2026-01-02): period end + 7 days, a Monday
    assert q(con, "SELECT known_from FROM intermediate.int_observation_vintages WHERE series_id = 'UNRATE' "
             "AND obs_date = '1990-03-01' AND vintage_number = 1") == [(D("1990-04-09"),)]
    # a revision in a later folder is known only from that folder
    assert q(con, "SELECT count(*) FROM intermediate.int_observation_vintages WHERE vintage_number > 1 "
             "AND (is_pseudo_real_time OR known_from <> realtime_start)") == [(0,)]
    first = q(con, "SELECT min(as_of_date) FROM marts.fct_fragility_daily WHERE composite_score IS NOT NULL")[0][0]
    assert first < D("2001-01-01")


@pytest.mark.slow
def test_the_readings_track_the_published_stress_indices(real):
    con, _ = real
    rows = validation.rows(con)
    assert validation.failures(rows) == []
    found = {(r.reading, r.benchmark): r for r in rows if r.view_name == "as_known" and r.window_name == "all days"}
    assert {"NFCI", "ANFCI", "STLFSI4", "OFR_FSI"} <= {b for _, b in found}
    assert found[("stress", "NFCI")].weeks > 1000 and found[("stress", "OFR_FSI")].weeks > 1000
    # and decade by decade, not only thanks to 2008: the 2010s and 2020s hold too
    for decade in ("2000s", "2010s", "2020s"):
        rho = {r.benchmark: r.spearman_rho for r in rows if r.view_name == "as_known" and r.reading == "stress"
               and r.window_name == decade}
        assert rho["OFR_FSI"] > 0.5 and rho["NFCI"] > 0.5, (decade, rho)


@pytest.mark.slow
def test_no_reading_is_pegged_or_empty_for_decades(real):
    con, _ = real
    share, days = q(con, "SELECT avg(CASE WHEN composite_score >= 99 OR composite_score <= 1 THEN 1.0 ELSE 0.0 END), "
                    "count(composite_score) FROM marts.fct_fragility_daily")[0]
    assert days > 8000 and share < 0.02
    by_year = dict(q(con, "SELECT year(as_of_date), count(composite_score) FROM marts.fct_fragility_daily "
                     "GROUP BY 1"))
    assert all(by_year[y] > 300 for y in range(1999, 2026)), by_year
    # the repo radar compares SOFR with the reserve rate of its own date: no false +45 bp on 2024-09-19
    spread = q(con, "SELECT spread_bp, threshold_series FROM marts.fct_repo_radar WHERE as_of_date = '2024-09-19' "
               "AND rate_type = 'SOFR'")[0]
    assert spread[1] == "IORB" and abs(spread[0]) < 10


@pytest.mark.slow
def test_the_latest_headline_carries_its_coverage(real):
    con, outcome = real
    row = q(con, "SELECT as_of_date, composite_score, composite_status, composite_reason, loops_covered, "
            "covered_loops, confidence FROM marts.fct_fragility_daily ORDER BY as_of_date DESC LIMIT 1")[0]
    day, score, status, reason, covered, names, confidence = row
    assert day == D("2026-08-21") and covered is not None and confidence is not None
    if score is None:  # most of the drop's series end months before its last folder
        assert status == "insufficient data" and reason.startswith("insufficient data: ")
        assert any(line.startswith(f"as of {day}: composite fragility: insufficient data") for line in outcome.summary)
    else:
        assert status == "published" and covered >= 3 and names
    # a six-year gap between S&P snapshots (2018-02 .. 2024-10) shows as fog, not as a current reading
    gap = q(con, "SELECT confidence_concentration, loop_concentration FROM marts.fct_fragility_daily "
            "WHERE as_of_date = '2021-06-30'")[0]
    assert gap == (0.0, None)
