"""NY Fed Markets API reference rates (SOFR, BGCR, TGCR, EFFR): raw table, parse dispatch, acquire per mode.

``ctx.scale`` is ignored: the four rates are a fixed universe (replicas would be fake rate types), and
their ~9,000 rows per run are small next to FRED's. There is no file-drop form of this source: in
``files`` mode it lands nothing (the FRED graph downloads carry SOFR and EFFR themselves).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyarrow as pa

from ingestion.errors import SourceError
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Landing, Payload
from ingestion.loader import RawTable
from ingestion.nyfed import parser, sample
from ingestion.scenario import END, Scenario

SOURCE = "nyfed"

REFERENCE_RATES = RawTable(
    "raw.nyfed__reference_rates",
    """source VARCHAR NOT NULL, rate_type VARCHAR NOT NULL, effective_date DATE NOT NULL,
       percent_rate DOUBLE NOT NULL, percentile_1 DOUBLE, percentile_25 DOUBLE, percentile_75 DOUBLE,
       percentile_99 DOUBLE, volume_in_billions DOUBLE, target_rate_from DOUBLE, target_rate_to DOUBLE,
       intraday_low DOUBLE, intraday_high DOUBLE, std_deviation DOUBLE, footnote_id VARCHAR,
       revision_indicator VARCHAR NOT NULL, method_version VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL,
       published_on DATE NOT NULL, knowledge_basis VARCHAR NOT NULL, fetched_at TIMESTAMPTZ NOT NULL,
       version_hash VARCHAR NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("source", "rate_type", "effective_date", "version_hash"),
    known_on="published_on",
    description="NY Fed reference rates SOFR, BGCR, TGCR and EFFR: rate, 1st/25th/75th/99th percentiles, volume, "
    "footnote and revision indicator, one row per version; method_version marks SOFR's 2024-11-25 method change.",
)
TABLES = (REFERENCE_RATES,)
_BY_ENDPOINT = {endpoint: rate for rate, endpoint in parser.ENDPOINTS.items()}


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    endpoint = req.get("endpoint")
    rate_type = _BY_ENDPOINT.get(str(endpoint))
    if rate_type is None:
        raise SourceError(SOURCE, f"unknown endpoint {str(endpoint)[:80]!r}", series=str(req.get("rate_type")),
                          field="endpoint")
    if req.get("rate_type", rate_type) != rate_type:
        raise SourceError(SOURCE, f"request says {req.get('rate_type')!r} for endpoint {endpoint}",
                          series=rate_type, field="rate_type")
    rows = parser.parse_reference_rates(
        content, rate_type=rate_type, payload_hash=payload.content_hash,
        fetched_at=dt.datetime.fromisoformat(payload.fetched_at), knowledge=req.get("knowledge", "fetch"))
    return [(REFERENCE_RATES, rows)]


def acquire_sample(
    landing: Landing, *, seed: int | None = None, window: tuple[dt.date | None, dt.date] | None = None,
) -> Iterator[Payload]:
    """The sample world's payloads for the publication days in ``window`` (default: all of them up to the
    scenario's end), fetched at 18:00 UTC on the window's last day, plus the earlier first print."""
    s = Scenario() if seed is None else Scenario(seed)
    since, until = window or (None, END)
    if until > END:
        raise SourceError(SOURCE, f"the sample world ends on {END}; no rates are published on {until}",
                          field="window")
    fetched_at = dt.datetime.combine(until, dt.time(18), tzinfo=dt.UTC)
    for p in sample.emit(s, fetched_at, published_from=since, published_until=until):
        yield landing.store(SOURCE, p.request, p.content, fetched_at=p.fetched_at, as_of=p.fetched_at.date())


def acquire_live(
    landing: Landing, client, *, today: dt.date | None = None, since: dt.date | None = None,
) -> Iterator[Payload]:
    """Every rate, one request per calendar year from ``since`` (default: each rate's first day) to today."""
    today = today or dt.datetime.now(dt.UTC).date()
    for rate_type in parser.RATE_TYPES:
        for got in client.history(rate_type, today, since=since):
            yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at,
                                as_of=got.fetched_at.date())


def live_since(window: tuple[dt.date | None, dt.date] | None) -> tuple[dt.date | None, dt.date | None]:
    """(since, today) for the live client. Rates published on day D are for the business day before it, so
    reach back over a weekend and a holiday; rows fetched twice are skipped by the loader."""
    if window is None:
        return None, None
    start, end = window
    return (start - dt.timedelta(days=4) if start else None), end


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    if ctx.mode == "sample":
        yield from acquire_sample(ctx.landing, window=ctx.window)
    elif ctx.mode == "live":
        from ingestion.http import HttpClient
        from ingestion.nyfed.client import NyFedClient, rate_limits

        since, today = live_since(ctx.window)
        with HttpClient(rate_limits=rate_limits()) as http:
            yield from acquire_live(ctx.landing, NyFedClient(http), today=today, since=since)
    elif ctx.mode == "files":
        return  # no file-drop form: nothing to land (SOFR and EFFR come with the FRED downloads)
    else:
        raise SourceError(SOURCE, f"unknown mode {ctx.mode!r} (expected sample, live or files)", field="mode")


NYFED = Source(SOURCE, TABLES, acquire, parse, loop="funding",
               description="NY Fed Markets API: SOFR, BGCR, TGCR and EFFR with percentiles, volumes, footnotes "
               "and revisions (no key).", daily=True)
