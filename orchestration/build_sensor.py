"""The daemon's half of `fragility run`: after new raw data lands, build what it feeds and publish.

A schedule or the release-calendar sensor ingests one source; this sensor then plans the build exactly as
`fragility run` plans it after its ingest (``orchestration.planning.next_build``: the same comparison with
the published record, the same selection) and requests the ``build_and_publish`` job on that selection.
The dbt step plans its own invocation again when it runs, whoever launched it.

It wakes when a raw table's latest materialisation is newer than the one it last planned after, or when the
code (models, checks, settings) changed. It waits while an ingest or build run is queued or running, or while
a `fragility run` holds the home (that run builds after its own ingest). The run key is the planned state's
digest, so one state is built once: a build that fails is not requested again until something changes.
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from orchestration.constants import BUILD_JOB, FULL_JOB, INGEST_JOB, TRIGGER_TAG
from orchestration.jobs import BUILD
from orchestration.resources import PipelineSettings, WarehouseBusy, WarehouseDuckDB, WarehouseMissing

ACTIVE = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
          dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def newest_raw_materialization(instance: dg.DagsterInstance, raw_keys: list[dg.AssetKey]) -> int:
    """The storage id of the newest materialisation of any raw asset (0: none yet)."""
    newest = 0
    for record in instance.get_asset_records(raw_keys):
        last = record.asset_entry.last_materialization_record
        if last is not None:
            newest = max(newest, last.storage_id)
    return newest


def active_pipeline_run(instance: dg.DagsterInstance) -> str | None:
    """A queued or running ingest or build run (any launcher), or None."""
    for job in (INGEST_JOB, BUILD_JOB, FULL_JOB):
        runs = instance.get_run_records(filters=dg.RunsFilter(job_name=job, statuses=ACTIVE), limit=1)
        if runs:
            return runs[0].dagster_run.run_id
    return None


def build_sensor(raw_keys: list[dg.AssetKey], minimum_interval_seconds: int = 30) -> dg.SensorDefinition:
    @dg.sensor(
        name="build_on_new_data",
        job_name=BUILD_JOB,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="After new raw data (a schedule, the release calendar, the UI): plans the build as `fragility "
        "run` does (orchestration.planning) and requests build_and_publish on what the new rows feed.",
    )
    def build_on_new_data(context: dg.SensorEvaluationContext, duckdb: WarehouseDuckDB,
                          pipeline: PipelineSettings):
        from orchestration import planning, warm_dbt
        from orchestration.execution import home_busy

        warm_dbt.ensure()  # the code server keeps a warm dbt for the runs it requests (and the UI's)
        settings = pipeline.settings()
        cursor = json.loads(context.cursor) if context.cursor else {}
        newest = newest_raw_materialization(context.instance, raw_keys)
        code = planning.current_code(settings)
        if newest <= cursor.get("seen", 0) and code == cursor.get("code"):
            return dg.SkipReason("no new raw data and no code change since the last plan")
        running = active_pipeline_run(context.instance)
        if running:
            return dg.SkipReason(f"run {running[:8]} is ingesting or building; planning after it ends")
        holder = home_busy(settings)
        if holder:
            return dg.SkipReason(f"a `fragility run` (pid {holder}) holds {settings.home}; it builds after its ingest")
        try:
            graph = context.repository_def.asset_graph
            build_plan, selection = planning.next_build(context.instance, duckdb, settings, graph,
                                                        BUILD.resolve(graph))
        except (WarehouseBusy, WarehouseMissing) as exc:
            return dg.SkipReason(f"cannot plan yet: {exc}")
        new_cursor = json.dumps({"seen": newest, "code": code})
        if not selection:
            return dg.SensorResult(skip_reason=dg.SkipReason(build_plan.describe()), cursor=new_cursor)
        digest = hashlib.sha256(json.dumps(build_plan.to_json(), sort_keys=True).encode()).hexdigest()[:16]
        context.log.info(f"plan: {build_plan.describe()}")
        request = dg.RunRequest(run_key=f"build:{digest}", asset_selection=sorted(selection),
                                tags={TRIGGER_TAG: "new_data", "fragility/plan": build_plan.kind})
        return dg.SensorResult(run_requests=[request], cursor=new_cursor)

    return build_on_new_data
