"""The three jobs, and the asset selections they are made of."""

import dagster as dg

from orchestration.constants import (
    BUILD_JOB,
    FULL_JOB,
    INGEST_JOB,
    MONITORING_GROUP,
    RAW_CHECKS_JOB,
    RAW_GROUP,
    REPORTS_GROUP,
)

RAW = dg.AssetSelection.groups(RAW_GROUP)  # with the raw tables' checks: they run in the ingest run
# Everything the planner may select for a build: the dbt models, their checks and publish.
BUILD = dg.AssetSelection.all() - RAW - dg.AssetSelection.groups(REPORTS_GROUP, MONITORING_GROUP)
EVERYTHING = RAW | BUILD


# Modules every step process of a parallel ingest would import again: the forkserver imports them once.
# orchestration.execution builds the run's definitions on import there (``preload_definitions``). Not Great
# Expectations: the ingest job's steps have no checks (they run after it, in RAW_CHECKS_JOB), and its import
# delayed every step (x10 cold ingest run 23.3 s with it, 19.4 s without).
PRELOAD = ["dagster", "dagster_dbt", "duckdb", "pyarrow", "orchestration.execution"]


def parallel_executor() -> dg.ExecutorDefinition:
    """Steps in processes of their own, as many at once as there are cores, forked from a server that has
    already imported what they need (DuckLake: sources write different tables at once)."""
    return dg.multiprocess_executor.configured(
        {"max_concurrent": 0, "start_method": {"forkserver": {"preload_modules": PRELOAD}}})


def build_jobs(parallel_ingest: bool = False) -> list:
    """With ``parallel_ingest`` (DuckLake) the sources ingest at once, each in a process of its own, and the raw
    tables' checks run after them, in one process: they write the shared results table one at a time anyway,
    and a process per check cost more than each check (about 1.7 s against 0.2 s)."""
    parallel = [dg.define_asset_job(RAW_CHECKS_JOB, selection=RAW - RAW.without_checks(),
                                    description="The raw tables' checks, after a parallel ingest.")]
    return [
        dg.define_asset_job(INGEST_JOB, selection=RAW.without_checks() if parallel_ingest else RAW,
                            description="Land, parse, load and check every source (`fragility run`'s first run; "
                            "a schedule or the release calendar runs one source)."
                            + (" Sources ingest at once, in processes of their own; their checks follow in "
                               f"`{RAW_CHECKS_JOB}`." if parallel_ingest else ""),
                            executor_def=parallel_executor() if parallel_ingest else None),
        *(parallel if parallel_ingest else []),
        dg.define_asset_job(BUILD_JOB, selection=BUILD, description="dbt build, the marts' checks and publish, on "
                            "what orchestration.planning selects after an ingest (`fragility run`'s second run; the "
                            "build_on_new_data sensor's runs)."),
        dg.define_asset_job(FULL_JOB, selection=EVERYTHING, description="Ingest, build, check and publish in one "
                            "run (the dbt step still plans what to recompute)."),
    ]
