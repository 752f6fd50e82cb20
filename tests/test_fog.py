"""The release registry and the data fog on the sample world: the 2025 shutdown, point in time."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def wh(built_home):
    con = duckdb.connect(str(built_home / "fragility.duckdb"), read_only=True)
    yield con
    con.close()


def status_as_of(con, series_id: str, period: str, day: str):
    return con.execute(
        "SELECT status, days_late, value, cancelled_statement FROM marts.fct_series_release_status "
        "WHERE series_id = ? AND period = ? AND known_from <= ? AND (known_to > ? OR known_to IS NULL)",
        [series_id, D(period), D(day), D(day)]).fetchall()


def test_scheduled_dates_follow_the_release_calendar(wh):
    # Outside the shutdown every first print arrives on its scheduled date (the sample emits on schedule).
    late = wh.execute("""
        SELECT series_id, period, scheduled_date, first_arrival FROM marts.fct_series_release_status
        WHERE is_current AND first_arrival IS NOT NULL AND first_arrival <> scheduled_date
          AND first_arrival < DATE '2025-10-01' AND series_id <> 'NROU'""").fetchall()
    assert late == []
    cpi = wh.execute("SELECT scheduled_date FROM marts.fct_series_release_status WHERE series_id = 'CPIAUCSL' "
                     "AND period = DATE '2025-09-01' AND is_current").fetchone()[0]
    assert cpi == D("2025-10-13")  # the 12th was a Sunday
    effr = wh.execute("SELECT scheduled_date FROM marts.fct_series_release_status WHERE series_id = 'EFFR' "
                      "AND period = DATE '2025-11-14' AND is_current").fetchone()[0]
    assert effr == D("2025-11-17")  # Friday's rate, published the next business day
    iorb = wh.execute("SELECT scheduled_date FROM marts.fct_series_release_status WHERE series_id = 'IORB' "
                      "AND period = DATE '2025-11-14' AND is_current").fetchone()[0]
    assert iorb == D("2025-11-14")  # same-day release


def test_shutdown_delays_are_late_with_days(wh):
    (status, days, value, _), = status_as_of(wh, "CPIAUCSL", "2025-09-01", "2025-11-21")
    assert (status, days) == ("late", 11) and value is not None
    (status, days, value, _), = status_as_of(wh, "PAYEMS", "2025-09-01", "2025-11-21")
    assert (status, days) == ("late", 48)
    # still outstanding on a day inside the delay: late, no value, days counted to that day's interval end
    (status, _, value, _), = status_as_of(wh, "PAYEMS", "2025-09-01", "2025-10-20")
    assert status == "late" and value is None
    # October payrolls were still outstanding at the end of the sample: late, not missing, not cancelled
    (status, days, value, _), = status_as_of(wh, "PAYEMS", "2025-10-01", "2025-11-21")
    assert (status, days, value) == ("late", 14, None)


def test_october_cpi_and_unemployment_are_cancelled_from_the_announcement(wh):
    for sid in ("CPIAUCSL", "UNRATE"):
        assert status_as_of(wh, sid, "2025-10-01", "2025-11-01") == []  # not due yet
        (before, *_), = status_as_of(wh, sid, "2025-10-01", "2025-11-15")
        assert before == "late"  # due, not announced as cancelled yet
        (after, days, value, statement), = status_as_of(wh, sid, "2025-10-01", "2025-11-21")
        assert after == "cancelled" and value is None
        assert statement.startswith("BLS:")
    missing = wh.execute("SELECT count(*) FROM marts.fct_series_release_status WHERE status = 'missing'").fetchone()
    assert missing == (0,)


def test_revisions_carry_their_size_against_the_first_print(wh):
    rows = wh.execute("""
        SELECT value, first_value, revision_abs, revision_rel, vintage_number FROM marts.fct_series_release_status
        WHERE status = 'revised' AND series_id = 'GDP' ORDER BY known_from DESC LIMIT 20""").fetchall()
    assert rows
    for value, first, rev_abs, rev_rel, vintage in rows:
        assert rev_abs == pytest.approx(value - first)
        assert rev_rel == pytest.approx((value - first) / abs(first))
        assert vintage >= 2


def test_registry_intervals_do_not_overlap(wh):
    bad = wh.execute("""
        SELECT count(*) FROM (
            SELECT known_to, lead(known_from) OVER (PARTITION BY series_id, period ORDER BY known_from) AS nxt
            FROM marts.fct_series_release_status)
        WHERE nxt IS NOT NULL AND nxt <> known_to""").fetchone()[0]
    assert bad == 0
    current = wh.execute("SELECT count(*), count(DISTINCT (series_id, period)) FROM marts.fct_series_release_status "
                         "WHERE is_current").fetchone()
    assert current[0] == current[1]


def test_dim_series_describes_every_catalog_series(wh):
    rows = {r[0]: r[1:] for r in wh.execute(
        "SELECT series_id, loop_name, unit, frequency, release_name, latest_status, releases_overdue "
        "FROM marts.dim_series").fetchall()}
    catalog = wh.execute("SELECT count(*) FROM raw.catalog__series WHERE loop_name <> 'scale_replica'").fetchone()[0]
    assert len(rows) == catalog
    assert rows["WTREGEN"][1] == "Millions of U.S. Dollars"
    assert rows["CPIAUCSL"][4] == "cancelled"
    assert rows["PAYEMS"][4] == "late"
    assert rows["SOFR"][4] == "on_time" and rows["SOFR"][5] == 0
    assert rows["IOER"][4] == "discontinued"


def test_the_shutdown_lowers_confidence_while_fed_inputs_stay_on_time(wh):
    def day(d):
        return wh.execute("SELECT confidence, confidence_label, confidence_policy_error, confidence_k_shape, "
                          "confidence_funding, fog_note FROM marts.fct_data_fog WHERE as_of_date = ?",
                          [D(d)]).fetchone()

    before = day("2025-09-25")
    assert before[0] >= 0.95 and before[1] == "high" and before[2] == 1.0
    during = day("2025-10-20")  # jobs report and CPI late
    assert during[0] < before[0] and during[2] < 0.7 and during[3] < 1.0
    end = day("2025-11-21")
    assert end[0] < during[0] + 1e-9 and end[2] < 0.7
    assert end[5].startswith("confidence: ")
    assert "CPIAUCSL 2025-10 cancelled" in end[5] and "UNRATE 2025-10 cancelled" in end[5]
    assert "late: " in end[5] and "PAYEMS" in end[5]
    # the Fed and the NY Fed kept publishing: the repo radar's own indicators stayed fresh throughout
    worst_repo = wh.execute("SELECT min(freshness) FROM intermediate.int_indicator_scores WHERE view_name = 'as_known' "
                            "AND indicator IN ('repo_share_at_or_above_iorb', 'repo_spread_bp', 'tgcr_spread_bp') "
                            "AND as_of_date BETWEEN DATE '2025-10-01' AND DATE '2025-11-21'").fetchone()[0]
    assert worst_repo == 1.0
    fed = wh.execute("""
        SELECT DISTINCT input_status FROM intermediate.int_input_status_daily
        WHERE series_id IN ('DFEDTARU', 'EFFR', 'IORB', 'SOFR', 'WALCL', 'WRESBAL', 'RRPONTSYD')
          AND as_of_date BETWEEN DATE '2025-10-01' AND DATE '2025-11-21'""").fetchall()
    assert fed == [("ok",)]


def test_fog_keeps_the_columns_the_composite_reads(wh):
    cols = {r[0] for r in wh.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = 'fct_data_fog'"
    ).fetchall()}
    loops = ("credit", "volatility", "funding", "policy_error", "ai_leverage", "private_credit", "k_shape",
             "concentration")
    assert {"confidence", "fog_note", "fog_index", *(f"confidence_{x}" for x in loops)} <= cols
    n, days, bad = wh.execute("""
        SELECT count(*), count(DISTINCT d.as_of_date), count(*) FILTER (WHERE abs(d.confidence - f.confidence) > 1e-12)
        FROM marts.fct_data_fog AS d JOIN marts.fct_fragility_daily AS f USING (as_of_date)""").fetchone()
    assert n == days and bad == 0  # the fog mart shows the composite's own confidence
    # quiet years are clear: the fog does not cry wolf
    calm = wh.execute("SELECT avg(confidence), count(*) FILTER (WHERE confidence_label <> 'high') "
                      "FROM marts.fct_data_fog WHERE as_of_date BETWEEN DATE '2017-01-01' AND DATE '2024-12-31'"
                      ).fetchone()
    assert calm[0] > 0.98 and calm[1] == 0
