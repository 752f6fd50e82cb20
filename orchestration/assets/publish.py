"""The publish asset: the last step, gated by every blocking check upstream of it."""


import dagster as dg

from orchestration.assets.ingestion import WRITER_POOL
from orchestration.resources import PipelineSettings, WarehouseDuckDB

PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])


def build_publish_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISHED_KEY,
        deps=mart_keys,
        group_name="publish",
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        pool=WRITER_POOL,
        description="The analysts' copy, HOME/fragility.duckdb: the working database, checkpointed, copied, "
        "verified and swapped in atomically, only once every blocking check upstream has passed.",
    )
    def published(context: dg.AssetExecutionContext, pipeline: PipelineSettings,
                  duckdb: WarehouseDuckDB) -> dg.MaterializeResult:
        from orchestration.publish import publish

        duckdb.release()  # publish checkpoints and copies the file: no handle of this run may be open on it
        settings = pipeline.settings()
        out = publish(settings.build_db, settings.published_db)
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(out.path)), "bytes": out.bytes, "marts_tables": out.tables,
        })

    return published
