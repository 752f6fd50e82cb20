"""The daemon's build after new raw data (orchestration.build_sensor), planned as `fragility run` plans it."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from orchestration import planning
from tests.conftest import settings_for

GOLD = dg.AssetKey(["raw", "gold__prices"])


@pytest.fixture
def home(scratch_home, dbt_manifest):
    from orchestration.assembly import build_defs

    settings = settings_for(scratch_home)
    return settings, build_defs(settings)


def tick(defs, settings, cursor=None):
    from orchestration.dagster_storage import instance_for

    sensor = defs.get_repository_def().get_sensor_def("build_on_new_data")
    with instance_for(settings.dagster_home) as instance, dg.build_sensor_context(
            instance=instance, cursor=cursor, definitions=defs,
            resources={"duckdb": defs.resources["duckdb"], "pipeline": defs.resources["pipeline"]}) as ctx:
        return sensor.evaluate_tick(ctx)


def new_gold_load(settings) -> None:
    """A gold price changed and its ingest materialised (what a schedule's run leaves behind)."""
    from orchestration.dagster_storage import instance_for

    con = duckdb.connect(str(settings.build_db))
    con.execute("UPDATE raw.gold__prices SET price_usd = price_usd + 1 WHERE rowid = 0")
    version = planning.table_version(con, "raw.gold__prices")
    con.close()
    with instance_for(settings.dagster_home) as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=GOLD, tags={
            "dagster/data_version": version}))


def test_nothing_new_since_the_publish_requests_nothing(home):
    settings, defs = home
    first = tick(defs, settings)
    assert not first.run_requests
    assert "nothing to build" in first.skip_message
    again = tick(defs, settings, first.cursor)
    assert not again.run_requests and "no new raw data and no code change" in again.skip_message


def test_new_raw_data_requests_the_build_of_what_it_feeds_once(home):
    settings, defs = home
    quiet = tick(defs, settings)
    new_gold_load(settings)
    data = tick(defs, settings, quiet.cursor)
    (request,) = data.run_requests
    selected = {"/".join(k.path) for k in request.asset_selection}
    assert {"staging/stg_gold__prices", "marts/fct_fragility_daily", "warehouse/published"} <= selected
    assert not any(s.startswith(("raw/", "staging/stg_fred", "staging/stg_nyfed")) for s in selected)
    assert request.tags["fragility/plan"] == "incremental"
    # the same state is built once: the next tick with nothing newer requests nothing
    assert json.loads(data.cursor)["seen"] > json.loads(quiet.cursor or "{}").get("seen", 0)
    assert not tick(defs, settings, data.cursor).run_requests


def test_it_waits_for_a_running_pipeline_run_and_for_a_fragility_run(home):
    from orchestration.dagster_storage import instance_for
    from orchestration.execution import home_lock

    settings, defs = home
    new_gold_load(settings)
    with home_lock(settings):
        held = tick(defs, settings)
    assert not held.run_requests and "holds" in held.skip_message
    with instance_for(settings.dagster_home) as instance:
        instance.add_run(dg.DagsterRun(job_name="ingest", run_id="fedcba9876543210",
                                       status=dg.DagsterRunStatus.STARTED))
    busy = tick(defs, settings)
    assert not busy.run_requests and "run fedcba98 is ingesting or building" in busy.skip_message
