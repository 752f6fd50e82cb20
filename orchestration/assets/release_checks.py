"""The FRED release-calendar sensor's verdicts, written by a run (sensors only read the warehouse)."""

import datetime as dt

import dagster as dg

from orchestration.constants import MONITORING_GROUP, WRITER_POOL
from orchestration.resources import WarehouseDuckDB
from orchestration.sensors import RELEASE_CHECKS_KEY, record_checks


class ReleaseVerdicts(dg.Config):
    """The verdicts of one calendar tick: [release_id, "YYYY-MM-DD" scheduled, ISO UTC checked_at, arrived]."""

    verdicts: list[list] = []


def build_release_checks_asset() -> dg.AssetsDefinition:
    @dg.asset(key=RELEASE_CHECKS_KEY, group_name=MONITORING_GROUP, pool=WRITER_POOL, kinds={"duckdb"},
              owners=["team:data-engineering"],
              description="The FRED release-calendar sensor's verdicts (arrived, late after a fetch, cancelled), "
              "one row each, written from the run the sensor requests: sensors only read the warehouse.")
    def release_checks(context: dg.AssetExecutionContext, config: ReleaseVerdicts,
                       duckdb: WarehouseDuckDB) -> dg.MaterializeResult:
        rows = [(int(r[0]), dt.date.fromisoformat(r[1]), dt.datetime.fromisoformat(r[2]), bool(r[3]))
                for r in config.verdicts]
        with duckdb.get_connection() as con:
            record_checks(con, rows)
            total = con.execute("SELECT count(*) FROM main.release_checks").fetchone()[0]
        return dg.MaterializeResult(metadata={"verdicts": len(rows), "dagster/row_count": total})

    return release_checks
