"""A new day: one daily partition ingested, only what it feeds rebuilt, only its rows recomputed.

The sample world is built as of 2025-11-20 (the NY Fed's publication days up to then), then moved one
publication day forward. The second `fragility run` must ingest only the 2025-11-21 partition, rebuild
only the models downstream of the NY Fed rates, leave every as-known row before 2025-11-21 untouched,
and end with exactly the tables a cold build as of 2025-11-21 produces.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import settings_for
from tests.tablecompare import content, same_content

NEW_DAY = dt.date(2025, 11, 21)
NYFED = dg.AssetKey(["raw", "nyfed__reference_rates"])
INCREMENTAL = ("intermediate.int_repo_radar_indicators", "intermediate.int_indicators_long",
               "intermediate.int_indicator_scores", "intermediate.int_loop_scores", "intermediate.int_readings_daily",
               "marts.fct_fragility_daily", "marts.fct_repo_radar", "marts.fct_policy_error", "marts.fct_k_shape")


def _downstream_models(start: str) -> set[str]:
    """The models a change of ``start`` reaches, from dbt's manifest (layer/name, as the asset keys are)."""
    import json

    from orchestration.assets.dbt import dbt_project

    nodes = json.loads(Path(dbt_project.manifest_path).read_text())["nodes"]
    children: dict[str, set[str]] = {}
    for k, v in nodes.items():
        for p in v.get("depends_on", {}).get("nodes", []):
            children.setdefault(p, set()).add(k)
    seen, todo = {start}, [start]
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return {f"{nodes[k]['fqn'][1]}/{nodes[k]['name']}" for k in seen if nodes[k]["resource_type"] == "model"}


def _run(home, as_of: dt.date | None):
    from orchestration.execution import run_pipeline

    settings = dataclasses.replace(settings_for(home), as_of=as_of)
    lines: list[str] = []
    outcome = run_pipeline(settings, echo=lines.append)
    assert outcome.success, outcome.summary + lines
    return outcome, lines


@pytest.fixture(scope="module")
def day_before(tmp_path_factory, dbt_manifest):
    home = tmp_path_factory.mktemp("day_before")
    outcome, lines = _run(home, NEW_DAY - dt.timedelta(days=1))
    return home, outcome, lines


@pytest.fixture(scope="module")
def next_day(day_before, tmp_path_factory):
    """The day-before home, copied, then run again with the sample world one publication day later."""
    home = tmp_path_factory.mktemp("next_day") / "home"
    shutil.copytree(day_before[0], home)
    before = _table_digests(home / "fragility.duckdb", older_than=NEW_DAY)
    outcome, lines = _run(home, NEW_DAY)
    return home, outcome, lines, before


def _instance(home):
    return dg.DagsterInstance.from_config(str(home / "dagster"))


def _materializations(instance, run_id):
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return [r.event_log_entry.asset_materialization for r in records]


def _table_digests(db, *, older_than: dt.date) -> dict[str, tuple]:
    """Row count and an order-independent hash of every as-known row before a day, per incremental model
    (their revised rows are recomputed on every build: the revised view changes with every vintage)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in INCREMENTAL:
            schema, name = t.split(".")
            views = con.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                                "AND column_name = 'view_name'", [schema, name]).fetchone()[0]
            where = f"as_of_date < DATE '{older_than}'" + (" AND view_name = 'as_known'" if views else "")
            out[t] = con.execute(f"SELECT count(*), sum(hash(x)) FROM (SELECT * FROM {t} WHERE {where}) x").fetchone()
        return out
    finally:
        con.close()


def test_a_cold_build_backfills_the_daily_partitions_as_one_run(day_before):
    home, outcome, lines = day_before
    assert "  [....] partitions daily sources: publication days 2025-10-01..2025-11-20 (America/New_York)" in lines
    with _instance(home) as instance:
        done = instance.get_materialized_partitions(NYFED)
        runs = {r.run_id for r in instance.get_runs() if r.job_name == "ingest"}
        events = [m for run in runs for m in _materializations(instance, run) if m.asset_key == NYFED]
    assert len(runs) == 1  # the whole range in one run (BackfillPolicy.single_run)
    assert sorted(done) == [(dt.date(2025, 10, 1) + dt.timedelta(d)).isoformat() for d in range(51)]
    assert len(events) == 51 and {e.partition for e in events} == done
    con = duckdb.connect(str(home / "fragility.duckdb"), read_only=True)
    try:
        # SOFR for Wednesday 2025-11-19 was published on Thursday the 20th; Thursday's own rate was not yet
        assert con.execute("SELECT max(effective_date) FROM raw.nyfed__reference_rates").fetchone()[0] == \
            dt.date(2025, 11, 19)
    finally:
        con.close()


def test_a_new_day_ingests_only_its_own_partition(next_day):
    home, outcome, lines, _ = next_day
    assert "  [....] partitions daily sources: publication days 2025-11-21..2025-11-21 (America/New_York)" in lines
    with _instance(home) as instance:
        ingest = instance.get_runs(filters=dg.RunsFilter(job_name="ingest"), limit=1)[0]
        nyfed = [m for m in _materializations(instance, ingest.run_id) if m.asset_key == NYFED]
    assert [m.partition for m in nyfed] == ["2025-11-21"]
    assert nyfed[0].metadata["rows_inserted"].value == 4  # SOFR, BGCR, TGCR and EFFR for Thursday the 20th
    assert nyfed[0].metadata["publication_days"].value == "2025-11-21..2025-11-21"


def test_a_new_day_rebuilds_only_what_the_daily_source_feeds(next_day):
    home, outcome, lines, _ = next_day
    assert outcome.plan.kind == "incremental"
    assert outcome.plan.changed == ("raw.nyfed__reference_rates",)
    assert outcome.plan.recompute_from == NEW_DAY
    with _instance(home) as instance:
        build = instance.get_runs(filters=dg.RunsFilter(job_name="build_and_publish"), limit=1)[0]
        built = {"/".join(m.asset_key.path): m for m in _materializations(instance, outcome.run_id)}
    assert build.run_id == outcome.run_id
    models = {k for k in built if k.split("/")[0] in ("staging", "intermediate", "marts")}
    assert models == _downstream_models("model.fragility.stg_nyfed__reference_rates")
    assert {"staging/stg_nyfed__reference_rates", "marts/fct_repo_radar", "marts/fct_fragility_daily"} <= models
    # models that do not read the NY Fed rates were not touched
    assert not models & {"marts/fct_private_credit_marks", "marts/fct_hedge_regime", "marts/fct_series_release_status",
                         "staging/stg_fred__observations", "intermediate/int_series_timeline"}
    assert "warehouse/published" in built
    for key in ("intermediate/int_loop_scores", "marts/fct_fragility_daily"):
        assert built[key].metadata["recomputed"].value == "from 2025-11-21"


def test_rows_before_the_new_day_are_kept_not_recomputed(next_day):
    home, _, _, before = next_day
    after = _table_digests(home / "fragility.duckdb", older_than=NEW_DAY)
    assert after == before
    con = duckdb.connect(str(home / "fragility.duckdb"), read_only=True)
    try:
        # the new day's own rows did change: tri-party repo for Thursday is now known on Friday
        row = con.execute("SELECT rate_date, p50 FROM marts.fct_repo_radar "
                          "WHERE as_of_date = DATE '2025-11-21' AND rate_type = 'TGCR'").fetchone()
        raw = con.execute("SELECT percent_rate FROM raw.nyfed__reference_rates WHERE rate_type = 'TGCR' "
                          "AND effective_date = DATE '2025-11-20' ORDER BY published_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    assert row == (dt.date(2025, 11, 20), raw[0])


def test_the_incremental_result_equals_a_cold_build_of_the_same_day(next_day, built_home):
    """Every mart and incremental model against the session's cold build as of 2025-11-21 (floats to 1e-9)."""
    only = {("marts", t) for t in _marts(built_home)} | {tuple(t.split(".")) for t in INCREMENTAL}
    got = content(next_day[0] / "fragility.duckdb", only)
    want = content(built_home / "fragility.duckdb", only)
    assert got.keys() == want.keys() == only
    assert [k for k in sorted(only) if not same_content(got[k], want[k])] == []


def _marts(home) -> list[str]:
    con = duckdb.connect(str(home / "fragility.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
        return [r[0] for r in rows]
    finally:
        con.close()
