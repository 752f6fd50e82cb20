"""The planner every launcher uses: what changed since the publish, what a build selects, what publish records."""

from __future__ import annotations

import dataclasses
import json
import shutil

import dagster as dg
import duckdb
import pytest

from orchestration import planning
from tests.conftest import REPO, settings_for


def test_the_code_digest_covers_the_suites_runner_and_publish_found_by_import():
    modules = planning.code_modules()
    assert {"expectations.suites", "expectations.runner", "orchestration.publish", "expectations"} <= modules.keys()
    assert "expectations.suites" in planning._project_imports(REPO / "expectations" / "runner.py",
                                                             "expectations.runner")


def test_a_new_helper_of_the_suites_is_covered_without_listing_it(tmp_path, monkeypatch):
    """The digest follows imports: a module the suites start importing is hashed too, so it cannot go stale."""
    for package in ("expectations", "orchestration"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(planning, "REPO", tmp_path)
    before = planning.code_digest_of_modules()
    (tmp_path / "expectations" / "thresholds.py").write_text("LIMIT = 1\n")
    assert planning.code_digest_of_modules() == before  # not imported by anything: not part of the checks' code
    suites = tmp_path / "expectations" / "suites.py"
    suites.write_text("from expectations.thresholds import LIMIT  # noqa: F401\n" + suites.read_text())
    with_import = planning.code_digest_of_modules()
    assert with_import != before and "expectations.thresholds" in planning.code_modules()
    (tmp_path / "expectations" / "thresholds.py").write_text("LIMIT = 2\n")
    assert planning.code_digest_of_modules() != with_import


def _plan(settings, instance=None, dagster_home=None):
    from orchestration.dagster_storage import instance_for
    from orchestration.resources import WarehouseDuckDB

    warehouse = WarehouseDuckDB.for_settings(settings)
    with instance or instance_for(dagster_home or settings.dagster_home) as inst, warehouse.read_only() as con:
        return planning.plan(con, planning.current_code(settings),
                             planning.published_state(inst, warehouse.published_exists()))


def test_a_published_home_plans_nothing_and_a_raw_edit_plans_what_it_feeds(scratch_home, dbt_manifest):
    from orchestration.assembly import build_defs
    from orchestration.jobs import BUILD

    settings = settings_for(scratch_home)
    assert _plan(settings).kind == "skip"
    # another scale is another warehouse: everything
    other = _plan(dataclasses.replace(settings, scale=2), dagster_home=settings.dagster_home)
    assert other.kind == "full" and "settings changed" in other.reasons[0]
    # no record of a publish (a new instance): everything
    with dg.DagsterInstance.ephemeral() as fresh:
        assert _plan(settings, instance=fresh).kind == "full"
    # one raw value changed behind the loader's back: incremental, every row (no load says from when)
    con = duckdb.connect(str(settings.build_db))
    con.execute("UPDATE raw.gold__prices SET price_usd = price_usd + 0.01 WHERE rowid = 0")
    con.close()
    edited = _plan(settings)
    assert (edited.kind, edited.changed, edited.recompute_from) == ("incremental", ("raw.gold__prices",), None)
    defs = build_defs(settings)
    graph = defs.resolve_asset_graph()
    selected = {"/".join(k.path) for k in planning.build_selection(edited, BUILD.resolve(graph), graph)}
    assert {"staging/stg_gold__prices", "warehouse/published"} <= selected
    assert "staging/stg_fred__observations" not in selected and not any(s.startswith("raw/") for s in selected)


def test_publish_records_what_it_was_built_from_and_the_state_round_trips(scratch_home, dbt_manifest):
    from orchestration.dagster_storage import instance_for

    settings = settings_for(scratch_home)
    with instance_for(settings.dagster_home) as instance:
        event = instance.get_latest_materialization_event(planning.PUBLISHED_KEY)
        record = event.asset_materialization.metadata[planning.BUILT_FROM].value
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        now = planning.read_state(con, planning.current_code(settings))
        built = planning.completed_plan(con)
    finally:
        con.close()
    assert planning.State.from_json(record) == now == built.state
    assert now.tables["raw.gold__prices"].split(":")[0] == str(
        duckdb.connect(str(settings.build_db), read_only=True).execute(
            "SELECT count(*) FROM raw.gold__prices").fetchone()[0])
    assert json.loads(json.dumps(built.to_json())) == built.to_json()


@pytest.mark.parametrize("kind", ["failed", "older"])
def test_publish_refuses_marts_whose_blocking_check_did_not_pass(scratch_home, dbt_manifest, kind):
    from orchestration.assembly import build_defs
    from orchestration.assets.publish import unpassed_blocking_checks
    from orchestration.dagster_storage import instance_for

    defs = build_defs(settings_for(scratch_home))
    graph = defs.resolve_asset_graph()
    blocking = sorted(k for k in graph.asset_check_keys if graph.get_check_spec(k).blocking)
    key = next(k for k in blocking if k.name == "gx_fct_fragility_daily")
    with instance_for(scratch_home / "dagster") as instance:
        assert unpassed_blocking_checks(instance, blocking) == []  # the session's build passed them all
        if kind == "failed":
            instance.report_runless_asset_event(dg.AssetCheckEvaluation(
                asset_key=key.asset_key, check_name=key.name, passed=False))
        else:  # the mart was materialised again after its check ran
            instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key.asset_key))
        bad = unpassed_blocking_checks(instance, blocking)
    if kind == "failed":
        assert bad == [f"{key.to_user_string()} failed"]
    else:  # every blocking check of that mart ran on the materialisation before
        on_mart = [k for k in blocking if k.asset_key == key.asset_key]
        # both guards of the mart: its GX suite and its dbt column rules
        assert {k.name for k in on_mart} == {"gx_fct_fragility_daily", "column_rules_fct_fragility_daily"}
        assert bad == [f"{k.to_user_string()} was not evaluated on the latest materialisation" for k in on_mart]
