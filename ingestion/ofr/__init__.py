"""OFR Short-term Funding Monitor: repo rates and volumes by segment (DVP, GCF, tri-party) and vintage.

The series list is ``ingestion/ofr/mnemonics.csv`` (adding a series is one line). ``ctx.scale`` is
ignored: the mnemonics are a fixed universe and their ~22,000 rows are small next to FRED's. There is no
file-drop form of this source: in ``files`` mode it lands nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pyarrow as pa

from ingestion.errors import SourceError
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Landing, Payload
from ingestion.loader import RawTable
from ingestion.ofr import parser, sample
from ingestion.scenario import END, Scenario

SOURCE = "ofr"

OBSERVATIONS = RawTable(
    "raw.ofr__stfm_observations",
    """source VARCHAR NOT NULL, mnemonic VARCHAR NOT NULL, segment VARCHAR NOT NULL, measure VARCHAR NOT NULL,
       tenor VARCHAR NOT NULL, obs_date DATE NOT NULL, value DOUBLE, value_status VARCHAR NOT NULL,
       unit VARCHAR NOT NULL, is_preliminary BOOLEAN NOT NULL, published_on DATE NOT NULL,
       knowledge_basis VARCHAR NOT NULL, fetched_at TIMESTAMPTZ NOT NULL, version_hash VARCHAR NOT NULL,
       payload_hash VARCHAR NOT NULL""",
    key=("source", "mnemonic", "obs_date", "version_hash"),
    description="OFR Short-term Funding Monitor repo observations by mnemonic (segment DVP/GCF/TRI, rate or "
    "volume, preliminary or final vintage), one row per value version, with when it became known.",
)
SERIES = RawTable(
    "raw.ofr__stfm_series",
    """source VARCHAR NOT NULL, mnemonic VARCHAR NOT NULL, series_name VARCHAR NOT NULL, description VARCHAR,
       vintage VARCHAR NOT NULL, vintage_approach VARCHAR, subtype VARCHAR, subsetting VARCHAR, unit_type VARCHAR,
       unit_name VARCHAR NOT NULL, observation_frequency VARCHAR NOT NULL, start_date DATE, last_update VARCHAR,
       fetched_at TIMESTAMPTZ NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("source", "mnemonic"),
    mutable=("series_name", "description", "vintage_approach", "subtype", "subsetting", "unit_type", "start_date",
             "last_update", "fetched_at", "payload_hash"),
    description="OFR series metadata as last fetched (name, vintage, unit); a vintage or unit change against "
    "the catalog is refused by the parser.",
)
TABLES = (OBSERVATIONS, SERIES)


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    m = parser.lookup(req.get("mnemonic"))
    kw = {"mnemonic": m, "payload_hash": payload.content_hash,
          "fetched_at": dt.datetime.fromisoformat(payload.fetched_at), "knowledge": req.get("knowledge", "fetch")}
    endpoint = req.get("endpoint")
    if endpoint == "series/full":
        observations, series = parser.parse_full(content, **kw)
        return [(OBSERVATIONS, observations), (SERIES, series)]
    if endpoint == "series/timeseries":
        return [(OBSERVATIONS, parser.parse_timeseries(content, **kw))]
    raise SourceError(SOURCE, f"unknown endpoint {str(endpoint)[:80]!r}", series=m.mnemonic, field="endpoint")


def acquire_sample(landing: Landing, *, seed: int | None = None) -> Iterator[Payload]:
    s = Scenario() if seed is None else Scenario(seed)
    fetched_at = dt.datetime.combine(END, dt.time(18), tzinfo=dt.UTC)
    for p in sample.emit(s):
        yield landing.store(SOURCE, p.request, p.content, fetched_at=fetched_at, as_of=END)


def acquire_live(landing: Landing, client, *, only: Iterable[str] | None = None) -> Iterator[Payload]:
    """One ``series/full`` request per catalog mnemonic (or per mnemonic in ``only``)."""
    for m in parser.mnemonics().values() if only is None else [parser.lookup(x) for x in only]:
        got = client.full(m)
        yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at, as_of=got.fetched_at.date())


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    if ctx.mode == "sample":
        yield from acquire_sample(ctx.landing)
    elif ctx.mode == "live":
        from ingestion.http import HttpClient
        from ingestion.ofr.client import OfrClient, rate_limits

        with HttpClient(rate_limits=rate_limits()) as http:
            yield from acquire_live(ctx.landing, OfrClient(http))
    elif ctx.mode == "files":
        return  # no file-drop form: nothing to land
    else:
        raise SourceError(SOURCE, f"unknown mode {ctx.mode!r} (expected sample, live or files)", field="mode")


OFR = Source(SOURCE, TABLES, acquire, parse, loop="funding",
             description="OFR Short-term Funding Monitor: repo rates and volumes by segment (DVP, GCF, tri-party), "
             "preliminary and final vintages (no key).")
