"""Ingestion assets: thin wrappers that hand a DuckDB connection to plain ``ingestion`` code."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.resources import PipelineSettings

RAW_GROUP = "raw"
WRITER_POOL = "duckdb_writer"  # one DuckDB writer at a time, across runs too


def _spec(key: str, description: str, loop: str | None = None) -> dg.AssetSpec:
    tags = {"layer": "raw"} | ({"loop": loop} if loop else {})
    return dg.AssetSpec(dg.AssetKey(["raw", key]), description=description, group_name=RAW_GROUP,
                        kinds={"python", "duckdb"}, tags=tags, owners=["team:data-engineering"])


@dg.multi_asset(
    specs=[
        _spec("catalog__series", "The series catalog (ingestion/catalog/fred_series.csv): loop, unit, "
              "frequency and release of every input."),
        _spec("catalog__cancelled_releases", "Maintained list of releases that will never be published, "
              "with the source's statement (e.g. October 2025 CPI)."),
    ],
    pool=WRITER_POOL,
)
def catalog(context: dg.AssetExecutionContext, duckdb: DuckDBResource, pipeline: PipelineSettings):
    from ingestion.catalog import catalog_tables
    from ingestion.loader import replace_tables

    with duckdb.get_connection() as con:
        counts = replace_tables(con, catalog_tables(pipeline.scale))
    for name, rows in counts.items():
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", name.split(".")[1]]),
                                   metadata={"dagster/row_count": rows})


FRED_SPECS = [
    _spec("fred__observations", "FRED/ALFRED observations with every vintage (realtime_start/realtime_end); "
          "'.' kept as NULL with a status and reason."),
    _spec("fred__series", "FRED series metadata as fetched; a unit change against the catalog is refused."),
    _spec("fred__release_dates", "FRED release calendars: every scheduled date, including ones with no data yet."),
]


@dg.multi_asset(specs=FRED_SPECS, pool=WRITER_POOL)
def fred_raw(context: dg.AssetExecutionContext, duckdb: DuckDBResource, pipeline: PipelineSettings):
    """Land, parse and load FRED payloads from the configured source, in one transaction."""
    from ingestion import fred
    from ingestion.ingest import ingest
    from ingestion.landing import Landing
    from orchestration.sources import fred_payloads

    settings = pipeline.settings()
    landing = Landing(settings.home)
    with duckdb.get_connection() as con:
        report = ingest(con, landing, "fred", fred_payloads(settings, landing), fred.parse)
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in fred.TABLES}
    context.log.info(f"fred: {report.payloads} payloads, {report.skipped} already loaded, "
                     f"inserted {report.rows_inserted}")
    for table in fred.TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["raw", table.split(".")[1]]),
            metadata={"dagster/row_count": counts[table],
                      "rows_inserted": report.rows_inserted.get(table, 0),
                      "payloads": report.payloads, "payloads_already_loaded": report.skipped,
                      "source": settings.source},
        )
