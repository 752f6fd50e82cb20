"""Daily partitions for the sources that publish every business day (``Source.daily``: the NY Fed rates).

A partition is one publication day in US Eastern time: partition D holds what the source published on
D (the NY Fed publishes day D-1's rates at 08:00 Eastern on D). The first partition also carries the
backlog, everything published before it. Partitions start with the 2025 shutdown rather than in 2015
because Dagster records an event per partition per materialisation (about 40 ms each here), so eleven
years of days would add minutes to every full build while telling a reader nothing the tables do not.

A backfill of any range runs as one run (``BackfillPolicy.single_run``): one fetch and one load for
the whole range, not one run per day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.constants import EASTERN
from orchestration.settings import Settings

FIRST_DAY = dt.date(2025, 10, 1)  # the first partition: the shutdown's first day (and the backlog before it)

DAILY = dg.DailyPartitionsDefinition(
    start_date=FIRST_DAY.isoformat(),
    timezone=EASTERN,
    end_offset=1,  # today's partition exists from midnight Eastern: the 08:00 release lands in it
)
SINGLE_RUN = dg.BackfillPolicy.single_run()
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def window(keys: dg.PartitionKeyRange) -> tuple[dt.date | None, dt.date]:
    """The publication days a partition range fetches; the first partition reaches back to the beginning."""
    start, end = dt.date.fromisoformat(keys.start), dt.date.fromisoformat(keys.end)
    return (None if start <= FIRST_DAY else start), end


def last_day(settings: Settings) -> dt.date:
    """The newest publication day to ingest: the sample world's day, or today in Eastern time."""
    if settings.as_of is not None:
        return settings.as_of
    if settings.source == "sample":
        from ingestion.scenario import END

        return END
    return dt.datetime.now(ZoneInfo(EASTERN)).date()


def range_to_run(instance: dg.DagsterInstance, key: dg.AssetKey, settings: Settings,
                 loaded_until: dt.date | None, today: dt.date | None = None) -> dg.PartitionKeyRange | None:
    """From the first day not yet loaded to the last day; None when every day is loaded.

    "Loaded" must hold in both places: Dagster's record of materialised partitions, and the warehouse
    (``loaded_until``: the newest publication day in the raw table). A working copy rebuilt or emptied
    behind Dagster's back starts again from the first day the warehouse lacks. Today's partition (Eastern)
    is fetched again even when loaded: the NY Fed corrects rates at 14:30 on the publication day.
    """
    last = last_day(settings)
    if last < FIRST_DAY:
        raise ValueError(f"as-of day {last} is before the first daily partition ({FIRST_DAY})")
    if settings.source == "files":  # a file drop has no daily source: one partition that lands nothing (but
        return dg.PartitionKeyRange(last.isoformat(), last.isoformat())  # creates the empty table dbt reads)
    done = instance.get_materialized_partitions(key)
    day = FIRST_DAY
    while day <= last and day.isoformat() in done:
        day += dt.timedelta(days=1)
    if loaded_until is None:
        day = FIRST_DAY
    elif loaded_until + dt.timedelta(days=1) < day:
        day = max(FIRST_DAY, loaded_until + dt.timedelta(days=1))
    if day > last:
        if last != (today or dt.datetime.now(ZoneInfo(EASTERN)).date()):
            return None
        day = last
    return dg.PartitionKeyRange(day.isoformat(), last.isoformat())


def range_tags(keys: dg.PartitionKeyRange) -> dict[str, str]:
    return {RANGE_START: keys.start, RANGE_END: keys.end}


def ingest_partitions(graph, instance: dg.DagsterInstance, warehouse, settings: Settings):
    """The daily sources' partitions an ingest run fetches (None: every day is loaded), and those sources' keys.

    `fragility run`'s equivalent of a backfill: from the first day not yet loaded to the as-of day, as one run.
    """
    daily = sorted(k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None)
    if not daily:
        return None, []
    return range_to_run(instance, daily[0], settings, loaded_until(warehouse, daily[0])), daily


def loaded_until(warehouse, key: dg.AssetKey) -> dt.date | None:
    """The newest ``known_on`` day in a daily source's raw table, or None when it is empty or absent."""
    from ingestion.registry import SOURCES
    from orchestration.resources import WarehouseMissing

    table = next((t for s in SOURCES for t in s.tables if t.asset_path == list(key.path)), None)
    if table is None or table.known_on is None:
        return None
    try:
        with warehouse.read_only() as con:
            schema, name = table.name.split(".")
            exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                                 "AND table_name = ?", [schema, name]).fetchone()[0]
            return con.execute(f"SELECT max({table.known_on}) FROM {table.name}").fetchone()[0] if exists else None
    except WarehouseMissing:
        return None
