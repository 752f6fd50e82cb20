"""FRED / ALFRED: live client, pure parser and sample emitter, joined by one ``parse`` entry point."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pyarrow as pa

from ingestion.catalog import Series, cancelled_releases, fred_series, replica, with_replicas
from ingestion.errors import SourceError
from ingestion.fred import parser, sample
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Landing, Payload
from ingestion.loader import RawTable
from ingestion.scenario import END, Scenario

SOURCE = "fred"

OBSERVATIONS = RawTable(
    "raw.fred__observations",
    """source VARCHAR NOT NULL, series_id VARCHAR NOT NULL, obs_date DATE NOT NULL,
       value DOUBLE, value_status VARCHAR NOT NULL, status_reason VARCHAR,
       realtime_start DATE NOT NULL, realtime_end DATE NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("source", "series_id", "obs_date", "realtime_start"),
    mutable=("realtime_end",),
    checked=("value",),
    description="FRED/ALFRED observations with every vintage (realtime_start/realtime_end); '.' kept as NULL "
    "with a status (missing, or cancelled per the maintained list) and a reason.",
)
SERIES = RawTable(
    "raw.fred__series",
    """source VARCHAR NOT NULL, series_id VARCHAR NOT NULL, title VARCHAR, units VARCHAR,
       frequency_short VARCHAR, seasonal_adjustment_short VARCHAR, last_updated VARCHAR,
       observation_start DATE, observation_end DATE, realtime_start DATE NOT NULL,
       payload_hash VARCHAR NOT NULL, units_short VARCHAR, notes VARCHAR""",
    key=("source", "series_id", "realtime_start"),
    mutable=("title", "units", "last_updated", "observation_end", "payload_hash", "units_short", "notes"),
    description="FRED series metadata as fetched, with FRED's notes and short units; a unit or frequency change "
    "against the catalog is refused.",
)
RELEASE_DATES = RawTable(
    "raw.fred__release_dates",
    """source VARCHAR NOT NULL, release_id INTEGER NOT NULL, release_name VARCHAR,
       release_date DATE NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("source", "release_id", "release_date"),
    description="FRED release calendars: every scheduled date, including dates with no data yet.",
)
TABLES = (OBSERVATIONS, SERIES, RELEASE_DATES)
_REPLICA = re.compile(r"^(?P<base>[A-Z0-9_]+?)_X(?P<k>\d{3})$")


def lookup(series_id: object) -> Series:
    """The catalog entry for a series id, or a SourceError naming the unknown series."""
    sid = str(series_id)
    cat = fred_series()
    if sid in cat:
        return cat[sid]
    m = _REPLICA.match(sid)
    if m and m["base"] in cat:
        return replica(cat[m["base"]], int(m["k"]))  # one Series, not the whole replicated catalog
    raise SourceError(SOURCE, "unknown series (not in ingestion/catalog/fred_series.csv)", series=sid,
                      field="series_id")


def _cancelled_for(series_id: str) -> dict[dt.date, str]:
    base = series_id.split("_X")[0]
    return {c.period: c.statement for c in cancelled_releases() if c.series_id == base}


# Parsed observations by (content hash, fetch day, cancellations): identical bytes parse identically, and
# the scale replicas reuse their original's bytes (one body per catalog series, so the bound only needs to
# exceed the catalog's size). Bounded because it lives as long as the process (the UI's too).
_PARSED: dict[tuple, pa.Table] = {}
_PARSED_MAX = 64


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    endpoint = req.get("endpoint")
    fetched_on = dt.date.fromisoformat(payload.as_of)
    if endpoint == "fred/series/observations":
        s = lookup(req.get("series_id"))
        cancelled = _cancelled_for(s.series_id)
        memo_key = (payload.content_hash, fetched_on, tuple(sorted(cancelled.items())))
        rows = _PARSED.get(memo_key)
        if rows is None:
            rows = parser.parse_observations(content, series=s, payload_hash=payload.content_hash,
                                             fetched_on=fetched_on, cancelled=cancelled)
            _PARSED[memo_key] = rows
            while len(_PARSED) > _PARSED_MAX:
                _PARSED.pop(next(iter(_PARSED)))
        else:  # same bytes answered for another series (scale replicas): relabel, don't re-parse
            col = rows.schema.get_field_index("series_id")
            rows = rows.set_column(col, "series_id", pa.array([s.series_id] * rows.num_rows, pa.string()))
        return [(OBSERVATIONS, rows)]
    if endpoint in ("files/fred_graph_csv", "files/fredgraph_csv"):  # graph downloads of a file drop
        from ingestion.fred import filedrop

        return [(OBSERVATIONS, filedrop.parse_payload(payload, content, lookup))]
    if endpoint == "fred/series":
        s = lookup(req.get("series_id"))
        return [(SERIES, parser.parse_series(content, series=s, payload_hash=payload.content_hash))]
    if endpoint == "fred/release/dates":
        rid = int(req["release_id"])
        names = {s.release_id: s.release for s in fred_series().values()}
        if rid not in names:
            raise SourceError(SOURCE, "release not in the catalog", series=f"release {rid}",
                              field="release_id")
        return [(RELEASE_DATES, parser.parse_release_dates(
            content, release_id=rid, release_name=names[rid], payload_hash=payload.content_hash))]
    raise SourceError(SOURCE, f"unknown endpoint {endpoint!r}", field="endpoint")


def acquire_sample(landing: Landing, *, scale: int = 1, seed: int | None = None) -> Iterator[Payload]:
    """Emit the sample world's FRED payloads and land them (deterministic: same bytes every run)."""
    s = Scenario() if seed is None else Scenario(seed)
    fetched_at = dt.datetime.combine(END, dt.time(12), tzinfo=dt.UTC)
    for p in sample.emit(with_replicas(scale), s):
        yield landing.store(SOURCE, p.request, p.content, fetched_at=fetched_at, as_of=END)


def acquire_live(landing: Landing, client, *, scale: int = 1) -> Iterator[Payload]:
    as_of = dt.datetime.now(dt.UTC).date()
    releases: dict[int, str] = {}
    for s in fred_series().values():
        got = client.series(s)
        yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at, as_of=as_of)
        for chunk in client.observations(s):
            yield landing.store(SOURCE, chunk.request, chunk.content, fetched_at=chunk.fetched_at, as_of=as_of)
        releases[s.release_id] = s.release
    for rid in sorted(releases):
        got = client.release_dates(rid)
        yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at, as_of=as_of)


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    if ctx.mode == "sample":
        yield from acquire_sample(ctx.landing, scale=ctx.scale)
    elif ctx.mode == "live":
        from ingestion.fred.client import FredClient
        from ingestion.http import HttpClient

        with HttpClient() as http:
            yield from acquire_live(ctx.landing, FredClient(http))
    elif ctx.mode == "files":  # FRED graph downloads of a file drop: same table, source 'files'
        from ingestion.fred.filedrop import acquire_files

        yield from acquire_files(ctx)
    else:
        raise SourceError(SOURCE, f"unknown mode {ctx.mode!r} (expected sample, live or files)", field="source")


FRED = Source(SOURCE, TABLES, acquire, parse, loop="policy_error",
              description="FRED / ALFRED: macro, rates, balance sheet, spreads, labour, prices; every vintage.")
