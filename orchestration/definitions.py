"""The one Definitions object: ingestion, dbt, GX checks and publish, with serialised DuckDB writers."""

import os

import dagster as dg

from ingestion.registry import SOURCES
from orchestration.assets.dbt import FragilityDbtCli, build_dbt_assets, dbt_project
from orchestration.assets.ingestion import RAW_GROUP, catalog, source_assets
from orchestration.assets.publish import build_publish_asset
from orchestration.assets.report import build_report_asset
from orchestration.checks import gx_checks
from orchestration.dbt_warm import executable as warm_dbt_executable
from orchestration.resources import build_resources
from orchestration.runner import BUILD_JOB, INGEST_JOB
from orchestration.schedules import apply_automation, automation_sensor, build_schedules
from orchestration.sensors import build_release_calendar_sensor, build_run_failure_sensor
from orchestration.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    """Definitions bound to one home and source (the UI uses the environment's; tests use temp homes)."""
    os.environ.update(settings.export())  # the dbt subprocess reads FRAGILITY_BUILD_DB from here
    fragility_dbt = build_dbt_assets()
    mart_keys = [k for k in fragility_dbt.keys if k.path[0] == "marts"]
    everything = dg.AssetSelection.all() - dg.AssetSelection.groups("reports")
    raw = dg.AssetSelection.groups(RAW_GROUP)
    full_build = dg.define_asset_job(
        "full_build", selection=everything,
        description="Ingest, dbt build, Great Expectations checks, publish, in one run.",
    )
    # `fragility run` executes the same selection as two runs, so that it can stop after ingest when nothing
    # changed since the last publish (orchestration.fingerprint).
    ingest = dg.define_asset_job(
        INGEST_JOB, selection=raw.without_checks(),
        description="Land, parse and load every source (the first run of `fragility run`).",
    )
    build_and_publish = dg.define_asset_job(
        BUILD_JOB, selection=(everything - raw) | (raw - raw.without_checks()),  # raw checks, not raw assets
        description="The raw tables' checks, dbt build, the marts' checks and publish (the second run of "
        "`fragility run`, skipped when nothing changed since the last publish).",
    )
    fred = [s for s in SOURCES if s.name == "fred"]
    return dg.Definitions(
        assets=apply_automation([catalog, *source_assets, fragility_dbt, build_publish_asset(mart_keys),
                                 build_report_asset()]),
        asset_checks=gx_checks,
        jobs=[full_build, ingest, build_and_publish],
        schedules=build_schedules(SOURCES),
        sensors=[*(build_release_calendar_sensor(f) for f in fred), automation_sensor(),
                 build_run_failure_sensor(settings.home / "logs" / "run_failures.log")],
        resources={**build_resources(settings),
                   "dbt": FragilityDbtCli(project_dir=dbt_project, dbt_executable=warm_dbt_executable())},
        # One process, one step at a time: DuckDB has a single writer.
        executor=dg.in_process_executor,
    )


defs = build_defs(Settings.from_env())
