"""The three jobs, and the asset selections they are made of."""

import dagster as dg

from orchestration.constants import BUILD_JOB, FULL_JOB, INGEST_JOB, MONITORING_GROUP, RAW_GROUP, REPORTS_GROUP

RAW = dg.AssetSelection.groups(RAW_GROUP)  # with the raw tables' checks: they run in the ingest run
# Everything the planner may select for a build: the dbt models, their checks and publish.
BUILD = dg.AssetSelection.all() - RAW - dg.AssetSelection.groups(REPORTS_GROUP, MONITORING_GROUP)
EVERYTHING = RAW | BUILD


def build_jobs() -> list:
    return [
        dg.define_asset_job(INGEST_JOB, selection=RAW, description="Land, parse, load and check every source "
                            "(`fragility run`'s first run; a schedule or the release calendar runs one source)."),
        dg.define_asset_job(BUILD_JOB, selection=BUILD, description="dbt build, the marts' checks and publish, on "
                            "what orchestration.planning selects after an ingest (`fragility run`'s second run; the "
                            "build_on_new_data sensor's runs)."),
        dg.define_asset_job(FULL_JOB, selection=EVERYTHING, description="Ingest, build, check and publish in one "
                            "run (the dbt step still plans what to recompute)."),
    ]
