"""Where the Definitions are assembled: ingestion, dbt, GX checks and publish, with serialised DuckDB writers.

``build_defs(settings)`` binds them to one home, source and warehouse; the settings reach the assets as
resources. The code location (orchestration/definitions.py) calls it with the environment's settings;
`fragility run` and the tests with their own. ``build_ingest_defs(settings)`` is the part the ingest job is
made of (the raw assets, their checks, the same resources), which needs no dbt manifest: `fragility run`'s
cold start ingests with it while dbt parses.
"""

import dagster as dg

from ingestion.registry import SOURCES
from orchestration.assets.dbt import FragilityDbtCli, build_dbt_assets, dbt_project
from orchestration.assets.ingestion import build_source_assets, catalog
from orchestration.assets.lake_maintenance import build_lake_maintenance
from orchestration.assets.publish import build_publish_asset
from orchestration.assets.release_checks import build_release_checks_asset
from orchestration.assets.report import build_report_asset
from orchestration.build_sensor import build_sensor
from orchestration.checks import gx_checks
from orchestration.constants import INGEST_JOB, RAW_CHECKS_JOB, WRITER_POOL
from orchestration.dbt_client import executable as dbt_client
from orchestration.jobs import build_jobs
from orchestration.resources import GreatExpectations, PipelineSettings, WarehouseDuckDB
from orchestration.schedules import apply_policies, automation_sensor, build_schedules
from orchestration.sensors import build_release_calendar_sensor, build_run_failure_sensor
from orchestration.settings import Settings


def _raw_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    lake = settings.warehouse == "ducklake"  # DuckLake: sources write different tables at once
    return [catalog, *build_source_assets(pool=None if lake else WRITER_POOL)]


def _resources(settings: Settings, warehouse: WarehouseDuckDB) -> dict:
    return {
        "duckdb": warehouse,  # every DuckDB connection goes through it
        "pipeline": PipelineSettings.for_settings(settings),
        "dbt": FragilityDbtCli(project_dir=dbt_project, dbt_executable=dbt_client(), target=warehouse.dbt_target,
                               target_dir=str(settings.dbt_target)),
        "gx": GreatExpectations(),
    }


def build_defs(settings: Settings) -> dg.Definitions:
    """Definitions bound to one home and source (the UI uses the environment's; tests use temp homes)."""
    lake = settings.warehouse == "ducklake"
    fragility_dbt = build_dbt_assets()
    raw_assets = _raw_assets(settings)
    mart_keys = [k for k in fragility_dbt.keys if k.path[0] == "marts"]
    # Publish refuses unless every blocking check upstream of it passed on the current data (the dbt tests and
    # the Great Expectations suites), whichever run evaluated it.
    blocking = sorted({spec.key for defn in [*raw_assets, fragility_dbt, *gx_checks] for spec in defn.check_specs
                       if spec.blocking}, key=lambda k: k.to_user_string())
    raw_keys = [k for a in raw_assets for k in a.keys]
    fred = [s for s in SOURCES if s.name == "fred"]
    warehouse = WarehouseDuckDB.for_settings(settings)
    maintenance = [build_lake_maintenance()] if lake else []
    return dg.Definitions(
        assets=apply_policies([*raw_assets, fragility_dbt, build_publish_asset(mart_keys, blocking),
                               build_report_asset(), build_release_checks_asset(), *(a for a, _ in maintenance)]),
        asset_checks=gx_checks,
        jobs=build_jobs(parallel_ingest=lake),
        schedules=[*build_schedules(SOURCES), *(s for _, s in maintenance)],
        sensors=[*(build_release_calendar_sensor(f) for f in fred), build_sensor(raw_keys), automation_sensor(),
                 build_run_failure_sensor(settings.home / "logs" / "run_failures.log")],
        resources=_resources(settings, warehouse),
        # One process, one step at a time: DuckDB has a single writer.
        executor=dg.in_process_executor,
    )


def build_ingest_defs(settings: Settings) -> dg.Definitions:
    """The ingest job and what it is made of, as ``build_defs`` defines them, without the dbt assets (so no
    manifest is read): the raw assets, the checks on them, the ingest job(s) and the same resources.
    tests/test_definitions.py checks that its ingest job equals the full code location's."""
    lake = settings.warehouse == "ducklake"
    raw_assets = _raw_assets(settings)
    raw_keys = {k for a in raw_assets for k in a.keys}
    checks = [c for c in gx_checks
              if all(spec.asset_key in raw_keys and all(d.asset_key in raw_keys for d in spec.additional_deps)
                     for spec in c.check_specs)]
    jobs = [j for j in build_jobs(parallel_ingest=lake) if j.name in (INGEST_JOB, RAW_CHECKS_JOB)]
    return dg.Definitions(assets=apply_policies(raw_assets), asset_checks=checks, jobs=jobs,
                          resources=_resources(settings, WarehouseDuckDB.for_settings(settings)),
                          executor=dg.in_process_executor)

