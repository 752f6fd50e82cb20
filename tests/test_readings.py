"""The readings on the sample warehouse: properties that hold by construction, recomputed independently.

Nothing here copies a number the sample generator planted: each test recomputes a published figure from
the layer below it (in Python, not with the model's SQL), or checks a rule the readings must obey on
every day (no score without a z, no headline without coverage, benchmarks never inputs, each rate set
against the reserve rate of its own observation date).
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pytest
import yaml

from tests.conftest import REPO

VARS = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text())["vars"]


@pytest.fixture(scope="module")
def wh(built_home):
    con = duckdb.connect(str(built_home / "fragility.duckdb"), read_only=True)
    yield con
    con.close()


def test_no_score_without_a_z_and_none_for_a_stale_input(wh):
    mismatched, stale_scored, scored = wh.execute(
        "SELECT count(*) FILTER (WHERE (score IS NULL) <> (z_score IS NULL)), "
        "count(*) FILTER (WHERE NOT is_current AND score IS NOT NULL), count(score) "
        "FROM intermediate.int_indicator_scores").fetchone()
    assert scored > 10_000
    assert mismatched == 0 and stale_scored == 0


def test_one_indicator_cannot_pin_a_reading(wh):
    """z is winsorised at +-z_cap before averaging; the readings never sit at the ends of the scale."""
    lo, hi = wh.execute("SELECT min(z_score), max(z_score) FROM intermediate.int_indicator_scores").fetchone()
    assert -VARS["z_cap"] <= lo < 0 < hi <= VARS["z_cap"]
    share, n = wh.execute(
        "SELECT avg(CASE WHEN composite_score >= 99 OR composite_score <= 1 THEN 1.0 ELSE 0.0 END), "
        "count(composite_score) FROM marts.fct_fragility_daily").fetchone()
    assert n > 1000 and share < 0.02
    # a loop whose indicators disagree stays off the rails even when one of them is capped
    capped = wh.execute("""
        SELECT max(l.loop_score) FROM intermediate.int_loop_scores AS l
        JOIN (SELECT view_name, as_of_date, loop_name FROM intermediate.int_indicator_scores
              GROUP BY ALL HAVING count(score) >= 3 AND max(z_score) = 4 AND min(z_score) < 0) AS s
            USING (view_name, as_of_date, loop_name)
        WHERE l.loop_name <> 'policy_error'""").fetchone()[0]
    assert capped is None or capped < 95


def test_no_headline_without_coverage(wh):
    bad = wh.execute(f"""
        SELECT count(*) FROM marts.fct_fragility_daily WHERE
            (composite_score IS NOT NULL AND (stress_score IS NULL OR loops_covered < {VARS['min_composite_loops']}
                OR confidence < {VARS['confidence_floor']} OR composite_reason IS NOT NULL))
            OR (composite_score IS NULL AND composite_reason IS NULL)
            OR (stress_score IS NOT NULL AND stress_loops_covered < {VARS['min_stress_loops']})
            OR (stress_score IS NULL AND stress_reason IS NULL)
            OR (vulnerability_score IS NOT NULL AND vulnerability_loops_covered < {VARS['min_vulnerability_loops']})
            OR (vulnerability_score IS NULL AND vulnerability_reason IS NULL)""").fetchone()[0]
    assert bad == 0
    # the burn-in years have no headline, and say why
    first = wh.execute("SELECT min(as_of_date) FROM marts.fct_fragility_daily").fetchone()[0]
    reason = wh.execute("SELECT composite_reason FROM marts.fct_fragility_daily WHERE as_of_date = ?",
                        [first]).fetchone()[0]
    assert reason.startswith("insufficient data: ")


def _weights():
    stress, vuln = VARS["stress_loop_weights"], VARS["vulnerability_loop_weights"]
    reading = VARS["composite_reading_weights"]
    return ({**{k: v * reading["stress"] for k, v in stress.items()},
             **{k: v * reading["vulnerability"] for k, v in vuln.items()}}, stress, vuln)


def test_readings_are_the_documented_weighted_means_of_the_loops(wh):
    """Recompute composite, stress and vulnerability from int_loop_scores with the yml weights."""
    composite_w, stress_w, vuln_w = _weights()
    loops = wh.execute(
        "SELECT as_of_date, loop_name, loop_score, confidence, has_current_inputs FROM intermediate.int_loop_scores "
        "WHERE view_name = 'as_known' AND as_of_date >= '2019-06-01'").fetchall()
    by_day: dict[dt.date, list] = {}
    for day, name, score, conf, current in loops:
        by_day.setdefault(day, []).append((name, score, conf, current))

    def mean(rows, weights):
        num = sum(weights[n] * c * s for n, s, c, cur in rows if cur and n in weights)
        den = sum(weights[n] * c for n, s, c, cur in rows if cur and n in weights)
        return num / den if den else None

    published = wh.execute(
        "SELECT as_of_date, composite_score, stress_score, vulnerability_score FROM marts.fct_fragility_daily "
        "WHERE as_of_date >= '2019-06-01' AND composite_score IS NOT NULL").fetchall()
    assert len(published) > 1000
    for day, comp, stress, vuln in published[::7]:
        rows = by_day[day]
        assert comp == pytest.approx(mean(rows, composite_w), rel=1e-9), day
        assert stress == pytest.approx(mean(rows, stress_w), rel=1e-9), day
        if vuln is not None:
            assert vuln == pytest.approx(mean(rows, vuln_w), rel=1e-9), day


def test_a_loop_score_is_the_mean_of_its_indicator_scores(wh):
    rows = wh.execute("""
        SELECT l.loop_name, l.loop_score, avg(s.score), l.indicators_scored, count(s.score)
        FROM intermediate.int_loop_scores AS l
        JOIN intermediate.int_indicator_scores AS s USING (view_name, as_of_date, loop_name)
        WHERE l.view_name = 'revised' AND l.as_of_date = DATE '2024-06-28'
        GROUP BY l.loop_name, l.loop_score, l.indicators_scored""").fetchall()
    assert {r[0] for r in rows} == set(VARS["stress_loop_weights"]) | set(VARS["vulnerability_loop_weights"])
    for name, loop_score, mean_score, n, counted in rows:
        assert n == counted and loop_score == pytest.approx(mean_score, rel=1e-9), name


def _expanding_robust_z(x: np.ndarray, floor: float, burn_in: int, cap: float) -> np.ndarray:
    out = np.full(len(x), np.nan)
    for i in range(burn_in - 1, len(x)):
        hist = x[: i + 1]
        q25, q50, q75 = np.quantile(hist, [0.25, 0.5, 0.75])
        out[i] = np.clip((x[i] - q50) / max((q75 - q25) / 1.349, floor), -cap, cap)
    return out


def test_the_z_score_is_an_expanding_robust_z_of_the_signed_value(wh):
    """numpy's quantiles over the current rows up to each day reproduce the model's z for two indicators."""
    for indicator, floor in (("hy_oas", 0.25), ("market_implied_path", 0.1)):
        days, values, directions, z = map(np.array, zip(*wh.execute(
            "SELECT as_of_date, value, direction, z_score FROM intermediate.int_indicator_scores "
            "WHERE view_name = 'as_known' AND indicator = ? AND is_current ORDER BY as_of_date", [indicator]
        ).fetchall(), strict=True))
        expected = _expanding_robust_z((directions * values).astype(float), floor, VARS["min_history_days"],
                                       VARS["z_cap"])
        got = np.array([np.nan if v is None else v for v in z], dtype=float)
        picks = np.arange(0, len(got), 97)
        np.testing.assert_allclose(got[picks], expected[picks], rtol=1e-9, atol=1e-12, err_msg=indicator)
        assert np.isnan(got[: VARS["min_history_days"] - 1]).all()


def test_each_rate_meets_the_reserve_rate_of_its_own_observation_date(wh):
    rows = wh.execute("""
        WITH reserve AS (
            SELECT obs_date, arg_max(value, realtime_start) AS value FROM raw.fred__observations
            WHERE series_id = CASE WHEN obs_date >= DATE '2021-07-29' THEN 'IORB' ELSE 'IOER' END
                AND series_id IN ('IORB', 'IOER') AND value IS NOT NULL
            GROUP BY obs_date)
        SELECT r.as_of_date, r.rate_date, r.iorb, o.value AS on_rate_date, t.value AS on_as_of_date, r.spread_bp,
            r.p50
        FROM marts.fct_repo_radar AS r
        JOIN reserve AS o ON o.obs_date = r.rate_date
        JOIN reserve AS t ON t.obs_date = r.as_of_date
        WHERE r.rate_type = 'SOFR'""").fetchall()
    assert len(rows) > 1000
    assert all(iorb == own for _, _, iorb, own, _, _, _ in rows)
    changed = [r for r in rows if r[3] != r[4]]
    assert changed, "no day where the reserve rate changed between the rate's date and its publication"
    for _as_of, _rate_date, iorb, _own, _later, spread, p50 in changed:
        assert spread == pytest.approx(100 * (p50 - iorb), abs=1e-4)
    assert not wh.execute("SELECT count(*) FROM marts.fct_repo_radar WHERE threshold_series = 'IOER' "
                          "AND rate_date >= DATE '2021-07-29'").fetchone()[0]


def test_share_bracket_contains_the_estimate(wh):
    bad, n = wh.execute("SELECT count(*) FILTER (WHERE share_estimate < share_low - 1e-9 OR share_estimate > "
                        "share_high + 1e-9), count(share_estimate) FROM marts.fct_repo_radar").fetchone()
    assert n > 1000 and bad == 0


def test_radar_windows_are_the_daily_means_normalised_against_earlier_windows_only(wh):
    rows = wh.execute("SELECT window_name, window_start, window_end, spread_bp, spread_bp_norm FROM "
                      "marts.fct_repo_radar_windows WHERE rate_type = 'SOFR' ORDER BY window_start").fetchall()
    seen = []
    for name, start, end, spread, norm in rows:
        daily = wh.execute("SELECT avg(spread_bp) FROM marts.fct_repo_radar WHERE rate_type = 'SOFR' AND "
                           "as_of_date BETWEEN ? AND ? AND extract(isodow FROM as_of_date) <= 5",
                           [start, end]).fetchone()[0]
        assert spread == pytest.approx(daily), name
        seen.append(spread)
        lo, hi = min(seen), max(seen)
        if hi == lo:
            assert norm is None, name
        else:
            assert norm == pytest.approx((spread - lo) / (hi - lo)), name


def test_the_shutdown_fogs_policy_error_and_names_the_cancelled_cpi(wh):
    before, during = (wh.execute(
        "SELECT confidence_policy_error, confidence FROM marts.fct_fragility_daily WHERE as_of_date = ?",
        [day]).fetchone() for day in ("2025-09-26", "2025-11-20"))
    assert during[0] < before[0] and during[1] < before[1]
    note = wh.execute("SELECT fog_note FROM marts.fct_data_fog WHERE as_of_date = '2025-11-21'").fetchone()[0]
    assert note.startswith("confidence: ") and "CPIAUCSL 2025-10 cancelled" in note


def test_each_indicator_reads_only_series_of_its_own_loop_and_never_a_benchmark(wh, dbt_manifest):
    catalog = dict(wh.execute("SELECT series_id, loop_name FROM raw.catalog__series").fetchall())
    rows = wh.execute("SELECT indicator, loop_name, input_series FROM marts.dim_indicators").fetchall()
    assert len(rows) >= 25 and len({r[0] for r in rows}) == len(rows)
    for indicator, loop, inputs in rows:
        assert all(catalog[s] == loop for s in inputs), (indicator, loop, {s: catalog[s] for s in inputs})
    manifest = json.loads(dbt_manifest.read_text())
    parents = {k: v.get("depends_on", {}).get("nodes", []) for k, v in manifest["nodes"].items()}
    seen, todo = set(), ["model.fragility.int_readings_daily"]
    while todo:
        node = todo.pop()
        for p in parents.get(node, []):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    assert "model.fragility.stg_files__ofr_fsi" not in seen
    wide = (REPO / "dbt_project/models/intermediate/knowledge/int_inputs_daily_wide.sql").read_text()
    listed = wide.split("{% set inputs = [", 1)[1].split("]", 1)[0]
    benchmarks = {s for s, loop in catalog.items() if loop == "benchmark"}
    assert not {b for b in benchmarks if f"'{b}'" in listed}


def test_no_intermediate_model_reads_a_mart(dbt_manifest):
    manifest = json.loads(dbt_manifest.read_text())
    nodes = manifest["nodes"]
    layer = {k: v["fqn"][1] for k, v in nodes.items() if v["resource_type"] == "model"}
    back_edges = [(k, p) for k, v in nodes.items() if v["resource_type"] == "model"
                  for p in v["depends_on"]["nodes"]
                  if layer.get(k) == "intermediate" and layer.get(p) == "marts"
                  or layer.get(k) == "staging" and layer.get(p) in ("intermediate", "marts")]
    assert back_edges == []


def test_validation_compares_only_the_benchmarks_the_warehouse_has(wh):
    benchmarks = {r[0] for r in wh.execute("SELECT DISTINCT benchmark FROM marts.fct_validation").fetchall()}
    loaded = {r[0] for r in wh.execute("SELECT DISTINCT series_id FROM raw.fred__observations WHERE series_id IN "
                                       "('NFCI', 'ANFCI', 'STLFSI4')").fetchall()}
    has_fsi = wh.execute("SELECT count(*) FROM raw.files__ofr_fsi").fetchone()[0] > 0
    assert benchmarks == loaded | ({"OFR_FSI"} if has_fsi else set())
    windows = {r[0] for r in wh.execute("SELECT DISTINCT window_name FROM marts.fct_validation").fetchall()}
    assert "all days" in windows and "2020s" in windows
