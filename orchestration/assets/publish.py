"""The publish asset: the last step, gated by every blocking check upstream of it."""

import dagster as dg

from orchestration import planning
from orchestration.constants import PUBLISH_GROUP, WRITER_POOL
from orchestration.resources import WarehouseDuckDB

PUBLISHED_KEY = planning.PUBLISHED_KEY


class NotPublishable(dg.Failure):
    pass


def unpassed_blocking_checks(instance: dg.DagsterInstance, check_keys: list[dg.AssetCheckKey]) -> list[str]:
    """Blocking checks whose latest evaluation did not pass after their asset's latest materialisation.

    Within one run Dagster already stops publish when a blocking check fails. But a build that rebuilt only
    some marts (a new day) did not run the others' checks, a schedule's ingest run may have loaded rows that
    failed a raw check, and a run launched by hand may hold publish alone: this asks the event log, so what
    is published has passed every blocking check upstream of it, whichever run ran it.
    """
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus as Status

    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    materialized = instance.get_latest_materialization_events({k.asset_key for k in check_keys})
    bad = []
    for key in check_keys:
        latest = materialized.get(key.asset_key)
        if latest is None:  # the asset was never materialised: nothing of it is published
            continue
        record = records.get(key)
        if record is None or record.event is None or record.status == Status.PLANNED:
            bad.append(f"{key.to_user_string()} was not evaluated")
        elif record.event.timestamp < latest.timestamp:
            bad.append(f"{key.to_user_string()} was not evaluated on the latest materialisation")
        elif record.status != Status.SUCCEEDED:
            bad.append(f"{key.to_user_string()} failed")
    return bad


def build_publish_asset(mart_keys: list[dg.AssetKey], blocking_checks) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISHED_KEY,
        deps=mart_keys,
        group_name=PUBLISH_GROUP,
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        pool=WRITER_POOL,
        code_version=planning.code_digest_of_modules(),
        description="The analysts' copy, HOME/fragility.duckdb: the working database, checkpointed, copied, "
        "verified and swapped in atomically, only once every blocking check upstream has passed. Its "
        "`built_from` metadata is what the planner compares the next build with.",
    )
    def published(context: dg.AssetExecutionContext, duckdb: WarehouseDuckDB) -> dg.MaterializeResult:
        bad = unpassed_blocking_checks(context.instance, blocking_checks)
        if bad:
            raise NotPublishable(f"publish: {len(bad)} blocking check(s) have not passed on the current marts: "
                                 + "; ".join(bad[:5]))
        with duckdb.read_only() as con:
            built = planning.completed_plan(con)
        if built is None or built.state is None:
            raise NotPublishable("publish: the working database has no completed dbt build to publish; "
                                 "materialise the dbt models first")
        out = duckdb.publish(context.run.run_id, built.state.to_json())
        return dg.MaterializeResult(metadata={
            **out, "plan": built.describe(), planning.BUILT_FROM: dg.MetadataValue.json(built.state.to_json()),
        })

    return published
