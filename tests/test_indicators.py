"""The sample scenario's episodes, as the marts show them (issue: the fragility indicators)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest


@pytest.fixture(scope="module")
def wh(built_home):
    con = duckdb.connect(str(built_home / "fragility.duckdb"), read_only=True)
    yield con
    con.close()


def window_share(con, start: str, end: str, rate: str = "SOFR") -> float:
    return con.execute(
        "SELECT avg(share_estimate) FROM marts.fct_repo_radar WHERE rate_type = ? AND as_of_date BETWEEN ? AND ? "
        "AND extract(isodow FROM as_of_date) <= 5", [rate, start, end]).fetchone()[0]


@pytest.mark.parametrize("rate", ["SOFR", "TGCR", "BGCR"])
def test_share_at_or_above_iorb_rises_in_the_repo_episodes(wh, rate):
    q3_2018 = window_share(wh, "2018-07-01", "2018-09-30", rate)
    sept_2019 = window_share(wh, "2019-09-01", "2019-09-30", rate)
    june_2025 = window_share(wh, "2025-06-01", "2025-06-30", rate)
    oct_2025 = window_share(wh, "2025-10-01", "2025-10-31", rate)
    assert sept_2019 > q3_2018 + 0.2
    assert oct_2025 > june_2025 + 0.4


def test_radar_windows_table_matches_the_daily_mart(wh):
    rows = dict(wh.execute("SELECT window_name, share_estimate FROM marts.fct_repo_radar_windows "
                           "WHERE rate_type = 'SOFR'").fetchall())
    assert set(rows) == {"2018Q3", "2019Q1", "Sept 2019", "June 2025", "Oct 2025"}
    assert rows["Sept 2019"] == pytest.approx(window_share(wh, "2019-09-01", "2019-09-30"))
    norm = dict(wh.execute("SELECT window_name, share_estimate_norm FROM marts.fct_repo_radar_windows "
                           "WHERE rate_type = 'SOFR'").fetchall())
    assert norm["Sept 2019"] == 1.0 and norm["June 2025"] == 0.0


def test_share_bracket_contains_the_estimate(wh):
    bad = wh.execute("SELECT count(*) FROM marts.fct_repo_radar WHERE share_estimate < share_low - 1e-9 "
                     "OR share_estimate > share_high + 1e-9").fetchone()[0]
    assert bad == 0


def test_composite_in_march_2020_is_above_its_2017_level(wh):
    march_2020, year_2017 = wh.execute(
        "SELECT avg(composite_score) FILTER (WHERE as_of_date BETWEEN '2020-03-01' AND '2020-03-31'), "
        "avg(composite_score) FILTER (WHERE year(as_of_date) = 2017) FROM marts.fct_fragility_daily").fetchone()
    assert march_2020 > year_2017 + 5


def test_the_shutdown_lowers_confidence_not_the_score(wh):
    rows = dict(wh.execute(
        "SELECT as_of_date, (composite_score, confidence) FROM marts.fct_fragility_daily "
        "WHERE as_of_date IN ('2025-09-26', '2025-11-12')").fetchall())
    (before_score, before_conf), (during_score, during_conf) = rows[dt.date(2025, 9, 26)], rows[dt.date(2025, 11, 12)]
    assert before_conf >= 0.95 and during_conf <= 0.8
    # The score moves no more than it usually does over the same 47 days (median absolute change).
    usual = wh.execute(
        "SELECT median(abs(composite_score - lag_score)) FROM (SELECT composite_score, "
        "lag(composite_score, 47) OVER (ORDER BY as_of_date) AS lag_score FROM marts.fct_fragility_daily "
        "WHERE as_of_date BETWEEN '2021-01-01' AND '2025-09-30')").fetchone()[0]
    assert abs(during_score - before_score) <= usual


def test_fog_note_names_the_cancelled_cpi(wh):
    note = wh.execute("SELECT fog_note FROM marts.fct_data_fog WHERE as_of_date = '2025-11-21'").fetchone()[0]
    assert note.startswith("confidence: ")
    assert "CPIAUCSL 2025-10 cancelled" in note


def test_bitcoin_trades_like_high_beta_risk(wh):
    share_risk = wh.execute(
        "SELECT avg(CASE WHEN btc_regime = 'risk-asset' THEN 1.0 ELSE 0.0 END), avg(btc_beta_120d) "
        "FROM marts.fct_hedge_regime WHERE as_of_date >= '2016-01-01'").fetchone()
    assert share_risk[0] > 0.6 and share_risk[1] > 1.2


def test_policy_error_tightening_in_2023_and_easing_in_2020(wh):
    rate_2023, rate_2020 = wh.execute(
        "SELECT avg(real_policy_rate) FILTER (WHERE year(as_of_date) = 2023 AND month(as_of_date) >= 7), "
        "avg(real_policy_rate) FILTER (WHERE as_of_date BETWEEN '2020-06-01' AND '2020-12-31') "
        "FROM marts.fct_policy_error").fetchone()
    assert rate_2023 > 0.5 > rate_2020
    qt = wh.execute("SELECT avg(fed_assets_13w_pct_change) FROM marts.fct_policy_error "
                    "WHERE year(as_of_date) = 2025").fetchone()[0]
    assert qt < 0


def test_k_shape_youth_gap_widens_into_2025(wh):
    gap_2023, gap_2025 = wh.execute(
        "SELECT avg(youth_prime_gap) FILTER (WHERE year(as_of_date) = 2023), "
        "avg(youth_prime_gap) FILTER (WHERE as_of_date BETWEEN '2025-06-01' AND '2025-11-21') "
        "FROM marts.fct_k_shape").fetchone()
    assert gap_2025 > gap_2023 + 1.0
    age = wh.execute("SELECT first_time_buyer_median_age FROM marts.fct_k_shape WHERE as_of_date = '2025-11-21'"
                     ).fetchone()[0]
    assert age == 40


def test_benchmark_comparison_has_every_window(wh):
    rows = wh.execute("SELECT benchmark, count(DISTINCT window_name) FROM marts.fct_benchmark_comparison "
                      "WHERE measure = 'composite_score' GROUP BY 1 ORDER BY 1").fetchall()
    assert rows == [("NFCI", 5), ("STLFSI4", 5)]


def test_the_divergent_bdc_borrower_is_flagged_in_2025(wh):
    rows = wh.execute(
        "SELECT period_end, min(mark_pct), max(mark_pct), bool_and(is_divergent) FROM marts.fct_private_credit_marks "
        "WHERE issuer_key = 'zenith software' GROUP BY 1 ORDER BY 1").fetchall()
    by_period = {r[0]: r[1:] for r in rows}
    low, high, flagged = by_period[dt.date(2025, 9, 30)]
    assert flagged and low <= 75 and high >= 85  # about 70 at one manager, about 90 at another
    assert not any(f for d, (_lo, _hi, f) in by_period.items() if d.year < 2025)
    dispersion = dict(wh.execute("SELECT period_end, divergent_borrowers FROM marts.fct_private_credit_dispersion"
                                 ).fetchall())
    assert dispersion[dt.date(2025, 9, 30)] >= 1


def test_concentration_rises_to_about_forty_percent(wh):
    start, end = wh.execute(
        "SELECT avg(top10_weight) FILTER (WHERE year(as_of_date) = 2015), "
        "avg(top10_weight) FILTER (WHERE as_of_date >= '2025-06-01') FROM marts.fct_market_concentration "
        "WHERE weights_source = 'etf_holdings'").fetchone()
    assert 0.15 < start < 0.22 and 0.35 < end < 0.45


def test_ai_capex_outgrows_operating_cash_flow(wh):
    early, late = wh.execute(
        "SELECT avg(capex_to_operating_cash_flow) FILTER (WHERE year(as_of_date) = 2019), "
        "avg(capex_to_operating_cash_flow) FILTER (WHERE as_of_date >= '2025-07-01') FROM marts.fct_ai_leverage"
    ).fetchone()
    assert late > early + 0.08


def test_gold_behaves_like_a_crisis_hedge_and_bitcoin_does_not(wh):
    rows = {r[0]: r[1:] for r in wh.execute(
        "SELECT window_name, btc_max_drawdown, gold_max_drawdown, btc_return, gold_return "
        "FROM marts.fct_hedge_stress_windows").fetchall()}
    assert len(rows) == 6
    for name, (btc_dd, gold_dd, _btc_ret, _gold_ret) in rows.items():
        assert gold_dd > btc_dd, name  # gold's worst fall inside every stress window is shallower
    _, _, btc_ret, gold_ret = rows["March 2020"]
    assert btc_ret < -0.2 < gold_ret
    regimes = dict(wh.execute(
        "SELECT 'gold', mode(gold_regime) FROM marts.fct_hedge_regime WHERE as_of_date >= '2016-01-01' "
        "UNION ALL SELECT 'btc', mode(btc_regime) FROM marts.fct_hedge_regime WHERE as_of_date >= '2016-01-01'"
    ).fetchall())
    assert regimes == {"gold": "hedge", "btc": "risk-asset"}
