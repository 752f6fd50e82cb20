"""DuckLake housekeeping as an asset on a weekly schedule: compact small files, drop unreachable snapshots."""

import dagster as dg

from orchestration.constants import EASTERN, MONITORING_GROUP, WRITER_POOL
from orchestration.resources import WarehouseDuckDB

MAINTENANCE_KEY = dg.AssetKey(["warehouse", "lake_maintenance"])


def build_lake_maintenance() -> tuple[dg.AssetsDefinition, dg.ScheduleDefinition]:
    @dg.asset(key=MAINTENANCE_KEY, group_name=MONITORING_GROUP, pool=WRITER_POOL, kinds={"duckdb"},
              owners=["team:data-engineering"],
              description="Merges the lake's small adjacent Parquet files, expires every snapshot that is neither "
              "published nor the newest (published snapshots stay readable), and deletes the files only those "
              "used (orchestration.lake.maintain).")
    def lake_maintenance(context: dg.AssetExecutionContext, duckdb: WarehouseDuckDB) -> dg.MaterializeResult:
        from orchestration import lake

        with duckdb.get_connection() as con:
            done = lake.maintain(con)
        return dg.MaterializeResult(metadata=done)

    schedule = dg.ScheduleDefinition(
        name="lake_maintenance_weekly", cron_schedule="0 3 * * 0", execution_timezone=EASTERN,
        target=dg.AssetSelection.assets(MAINTENANCE_KEY), default_status=dg.DefaultScheduleStatus.STOPPED,
        description="DuckLake compaction and cleanup, Sundays at 03:00 America/New_York (no release is due).")
    return lake_maintenance, schedule
