"""The loop marts on the sample warehouse: rules each mart must obey, whatever the data.

These replace assertions that re-stated the sample generator's planted episodes (a 70-versus-90 mark, a
40% top-10 weight): a rule below fails when the model is wrong, not when the sample world changes.
"""

from __future__ import annotations

import math

import duckdb
import pytest

from tests.test_readings import VARS


@pytest.fixture(scope="module")
def wh(built_home):
    con = duckdb.connect(str(built_home / "fragility.duckdb"), read_only=True)
    yield con
    con.close()


def test_divergent_means_marked_at_least_the_threshold_apart_and_sd_is_bounded_by_the_range(wh):
    rows = wh.execute("SELECT is_divergent, mark_range_pts, mark_sd_pts, holders FROM marts.fct_private_credit_marks"
                      ).fetchall()
    assert len(rows) > 100 and any(r[0] for r in rows)
    for divergent, rng, sd, holders in rows:
        assert divergent == (rng >= VARS["mark_divergence_pts"])
        assert holders >= 2 and sd <= rng / math.sqrt(2) + 1e-9


def test_a_period_gains_filers_as_its_snapshots_accumulate(wh):
    """Each later filing date of a period holds at least as many BDCs (amendments replace, never add)."""
    rows = wh.execute("SELECT period_end, known_from, bdcs_reporting, is_latest FROM "
                      "marts.fct_private_credit_dispersion ORDER BY period_end, known_from").fetchall()
    by_period: dict = {}
    for period, _known, bdcs, latest in rows:
        by_period.setdefault(period, []).append((bdcs, latest))
    assert len(by_period) > 10
    for period, snaps in by_period.items():
        counts = [b for b, _ in snaps]
        assert counts == sorted(counts), period
        assert [latest for _, latest in snaps] == [False] * (len(snaps) - 1) + [True], period
    # as known, the newest comparable period is shown before its last filer is in
    early = wh.execute("""
        SELECT count(*) FROM intermediate.int_private_credit_indicators AS i
        JOIN marts.fct_private_credit_dispersion AS d
            ON d.period_end = i.credit_period_end AND d.known_from = i.credit_known_from
        WHERE i.view_name = 'as_known' AND NOT d.is_latest""").fetchone()[0]
    assert early > 0


def test_concentration_changes_compare_the_same_source_a_year_apart(wh):
    rows = wh.execute("""
        SELECT c.as_of_date, c.top10_weight, c.year_ago_date, c.top10_weight_change_12m, p.top10_weight
        FROM marts.fct_market_concentration AS c
        LEFT JOIN marts.fct_market_concentration AS p
            ON p.weights_source = c.weights_source AND p.as_of_date = c.year_ago_date""").fetchall()
    with_change = [r for r in rows if r[3] is not None]
    assert len(with_change) > 12
    for day, top10, year_ago, change, prior in with_change:
        assert 320 <= (day - year_ago).days <= 410
        assert change == pytest.approx(top10 - prior, abs=1e-12)
    assert wh.execute("SELECT count(*) FROM marts.fct_market_concentration WHERE ai_set_weight < mag7_weight - 1e-12 "
                      "OR top10_weight > 1 + 1e-9").fetchone()[0] == 0


def test_the_ai_panel_reads_only_when_every_member_reports(wh):
    bad, full = wh.execute(
        "SELECT count(*) FILTER (WHERE companies_current < panel_size AND capex_to_operating_cash_flow IS NOT NULL), "
        "count(*) FILTER (WHERE companies_current = panel_size AND capex_to_operating_cash_flow IS NOT NULL) "
        "FROM marts.fct_ai_leverage").fetchone()
    assert bad == 0 and full > 1000
    size = wh.execute("SELECT max(panel_size) FROM marts.fct_ai_leverage").fetchone()[0]
    assert size == len(VARS["hyperscaler_panel"].strip("[]").split(","))


def test_hedge_regime_labels_follow_their_thresholds(wh):
    rows = wh.execute("SELECT btc_corr_60d, btc_beta_60d, btc_regime, gold_corr_60d, gold_beta_60d, gold_regime "
                      "FROM marts.fct_hedge_regime WHERE btc_corr_60d IS NOT NULL").fetchall()
    assert len(rows) > 1000

    def label(corr, beta):
        return "risk-asset" if corr >= 0.3 and beta >= 1.0 else ("hedge" if corr <= 0.0 else "mixed")

    for bc, bb, br, gc, gb, gr in rows:
        assert br == label(bc, bb) and (gc is None or gr == label(gc, gb))


def test_policy_error_fallbacks_are_named_and_real_rate_is_their_difference(wh):
    rows = wh.execute("SELECT policy_rate_series, inflation_series, policy_rate, inflation_yoy, real_policy_rate "
                      "FROM marts.fct_policy_error WHERE real_policy_rate IS NOT NULL").fetchall()
    assert len(rows) > 1000
    assert {r[0] for r in rows} <= {"EFFR", "DFF"} and {r[1] for r in rows} <= {"CPILFESL", "CPIAUCSL"}
    for *_, rate, inflation, real in rows:
        assert real == pytest.approx(rate - inflation, abs=1e-12)


def test_k_shape_scores_changes_not_levels(wh):
    """Every scored K-shape indicator is a change: its value is the level minus the level a year earlier."""
    scored = {r[0] for r in wh.execute("SELECT DISTINCT indicator FROM intermediate.int_indicator_scores "
                                       "WHERE loop_name IN ('k_shape', 'concentration', 'ai_leverage')").fetchall()}
    transforms = dict(wh.execute("SELECT indicator, transform FROM marts.dim_indicators").fetchall())
    levels = {i for i in scored if not transforms[i].startswith("change")}
    assert levels <= {"debt_funded_capex_share"}  # a share of capex, not a trending level
    checked, gap = wh.execute("""
        SELECT count(*), count(*) FILTER (WHERE abs(k.youth_prime_gap_change_12m - ((w.lns14024887 - w.lns14000060)
            - (w.lns14024887_1y_ago - w.lns14000060_1y_ago))) > 1e-9)
        FROM marts.fct_k_shape AS k
        JOIN intermediate.int_inputs_daily_wide AS w ON w.view_name = 'as_known' AND w.as_of_date = k.as_of_date
        WHERE k.youth_prime_gap_change_12m IS NOT NULL""").fetchone()
    assert checked > 1000 and gap == 0
