"""Ingestion assets: one thin multi-asset per source, handing a DuckDB connection to plain ``ingestion`` code.

Each raw table reports its content hash ("rows:hash", orchestration.planning.table_version) as its data
version: Dagster then shows what changed, and the planner compares the same values.
"""

import dagster as dg

from ingestion.ingest import Source
from ingestion.registry import SOURCES
from orchestration.constants import RAW_GROUP, WRITER_POOL
from orchestration.partitions import DAILY, SINGLE_RUN, window
from orchestration.planning import table_version
from orchestration.resources import PipelineSettings, WarehouseDuckDB


def _spec(path: list[str], description: str, loop: str | None = None) -> dg.AssetSpec:
    tags = {"layer": "raw"} | ({"loop": loop} if loop else {})
    return dg.AssetSpec(dg.AssetKey(path), description=description, group_name=RAW_GROUP,
                        kinds={"python", "duckdb"}, tags=tags, owners=["team:data-engineering"])


@dg.multi_asset(
    specs=[
        _spec(["raw", "catalog__series"], "The series catalog (ingestion/catalog/fred_series.csv): loop, unit, "
              "frequency and release of every input."),
        _spec(["raw", "catalog__cancelled_releases"], "Maintained list of releases that will never be published, "
              "with the source's statement (e.g. October 2025 CPI)."),
    ],
    pool=WRITER_POOL,
)
def catalog(context: dg.AssetExecutionContext, duckdb: WarehouseDuckDB, pipeline: PipelineSettings):
    from ingestion.catalog import catalog_tables
    from ingestion.loader import replace_tables

    with duckdb.get_connection() as con, duckdb.ddl_lock():  # replaces whole tables: DDL
        counts = replace_tables(con, catalog_tables(pipeline.scale))
        versions = {name: table_version(con, name) for name in counts}
    for name, rows in counts.items():
        yield dg.MaterializeResult(asset_key=dg.AssetKey(name.split(".")), metadata={"dagster/row_count": rows},
                                   data_version=dg.DataVersion(versions[name]))


def build_source_asset(source: Source, pool: str | None = WRITER_POOL) -> dg.AssetsDefinition:
    """One source's ingest. ``pool`` is the writer pool on a DuckDB file (one writer); on DuckLake, sources write
    different tables, and ingest at once (None: no pool; their schema changes take the lake's DDL lock)."""
    @dg.multi_asset(
        name=f"{source.name}_raw",
        specs=[_spec(t.asset_path, t.description, source.loop) for t in source.tables],
        pool=pool,
        description=source.description,
        # Daily sources: one partition per publication day; a backfill of a range is one fetch, one run.
        partitions_def=DAILY if source.daily else None,
        backfill_policy=SINGLE_RUN if source.daily else None,
    )
    def _ingest(context: dg.AssetExecutionContext, duckdb: WarehouseDuckDB, pipeline: PipelineSettings):
        """Land, parse and load the source's payloads in one transaction (all or nothing)."""
        from ingestion.ingest import AcquireContext, run_source
        from ingestion.landing import Landing
        from ingestion.loader import ensure_raw_schema

        settings = pipeline.settings()
        days = window(context.partition_key_range) if source.daily else None
        ctx = AcquireContext(settings.source, Landing(settings.home), settings.scale, settings.files_dir, days)
        with duckdb.get_connection() as con:
            with duckdb.ddl_lock():  # on DuckLake, sources ingest at once: their schema changes go one at a time
                ensure_raw_schema(con, source.tables)
            report = run_source(con, source, ctx)
            versions = {t.name: table_version(con, t.name) for t in source.tables}
        context.log.info(f"{source.name}: {report.payloads} payloads, {report.skipped} already loaded, "
                         f"inserted {report.rows_inserted}")
        for t in source.tables:
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(t.asset_path),
                data_version=dg.DataVersion(versions[t.name]),
                metadata={"dagster/row_count": int(versions[t.name].split(":")[0]),
                          "rows_inserted": report.rows_inserted.get(t.name, 0),
                          "payloads": report.payloads, "payloads_already_loaded": report.skipped,
                          "source_mode": settings.source,
                          **{f"rows_skipped: {why}": n for why, n in report.rows_skipped.get(t.name, {}).items()},
                          **({"publication_days": f"{days[0] or 'backlog'}..{days[1]}"} if days else {})},
            )

    return _ingest


def build_source_assets(pool: str | None = WRITER_POOL) -> list[dg.AssetsDefinition]:
    return [build_source_asset(s, pool) for s in SOURCES]


source_assets = build_source_assets()
