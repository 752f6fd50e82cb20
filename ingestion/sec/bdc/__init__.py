"""SEC BDC schedules of investments (the SEC's BDC data sets): live client, pure parser, sample emitter.

Modes: ``sample`` emits the scenario's BDC data-set zips; ``live`` downloads every published data set
(``YYYYqN_bdc.zip`` from 2022q4, monthly ``YYYY_MM_bdc.zip`` from 2026; User-Agent from
``FRAGILITY_SEC_USER_AGENT``); ``files`` reads ``<files-dir>/sec/bdc/*_bdc.zip`` downloaded by hand,
and lands nothing when the folder is absent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pyarrow as pa

from ingestion.errors import SourceError
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Landing, Payload
from ingestion.loader import RawTable
from ingestion.scenario import END, Scenario
from ingestion.sec.bdc import parser, sample

SOURCE = parser.SOURCE
ENDPOINT = "bdc-data-sets"
DATASET = re.compile(r"^[0-9]{4}(q[1-4]|_[01][0-9])_bdc\.zip$")

HOLDINGS = RawTable(
    "raw.sec__bdc_holdings",
    """bdc_cik VARCHAR NOT NULL, bdc_name VARCHAR, accession VARCHAR NOT NULL, form VARCHAR NOT NULL,
       period_end DATE NOT NULL, filed DATE NOT NULL, investment_identifier VARCHAR NOT NULL,
       issuer_name VARCHAR NOT NULL, issuer_key VARCHAR NOT NULL, instrument VARCHAR, industry VARCHAR,
       investment_type VARCHAR, lien VARCHAR NOT NULL, maturity_date DATE, spread_bp DOUBLE,
       interest_rate DOUBLE, principal DOUBLE, cost DOUBLE, fair_value DOUBLE NOT NULL,
       is_non_accrual BOOLEAN NOT NULL, dataset VARCHAR NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("accession", "period_end", "investment_identifier"),
    description="BDC schedules of investments from the SEC's BDC data sets: one row per position and period "
    "end (issuer, normalised issuer key, lien, maturity, spread, principal, cost, fair value, non-accrual), "
    "with the filing date (point in time).",
)
SUBMISSIONS = RawTable(
    "raw.sec__bdc_submissions",
    """accession VARCHAR NOT NULL, bdc_cik VARCHAR NOT NULL, bdc_name VARCHAR, form VARCHAR,
       period_end DATE NOT NULL, fiscal_year INTEGER, fiscal_period VARCHAR, filed DATE NOT NULL,
       dataset VARCHAR NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("accession",),
    description="Filings behind the BDC data sets (sub.tsv): one row per 10-K/10-Q with its period and filing date.",
)
TABLES = (HOLDINGS, SUBMISSIONS)


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    if req.get("endpoint") != ENDPOINT:
        raise SourceError(SOURCE, f"unknown endpoint {req.get('endpoint')!r}", field="endpoint")
    name = str(req.get("file"))
    if not DATASET.match(name):
        raise SourceError(SOURCE, "invalid data-set name (expected YYYYqN_bdc.zip or YYYY_MM_bdc.zip)", series=name,
                          field="file")
    positions, submissions = parser.parse_dataset(content, dataset=name, payload_hash=payload.content_hash)
    fetched_on = dt.date.fromisoformat(payload.as_of)
    late = [d for d in (submissions.column("filed").to_pylist()) if d is not None and d > fetched_on]
    if late:
        raise SourceError(SOURCE, f"filed {max(late)} is in the future (fetched {fetched_on})", series=name,
                          field="sub.tsv.filed")
    return [(HOLDINGS, positions), (SUBMISSIONS, submissions)]


def acquire_sample(landing: Landing, *, scale: int = 1, seed: int | None = None) -> Iterator[Payload]:
    s = Scenario() if seed is None else Scenario(seed)
    fetched_at = dt.datetime.combine(END, dt.time(12), tzinfo=dt.UTC)
    for p in sample.emit(s, scale=scale):
        yield landing.store(SOURCE, p.request, p.content, fetched_at=fetched_at, as_of=END, ext="zip")


def acquire_live(landing: Landing, client, *, today: dt.date | None = None) -> Iterator[Payload]:
    today = today or dt.datetime.now(dt.UTC).date()
    for got in client.bdc_datasets(today):
        yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at,
                            as_of=got.fetched_at.date(), ext="zip")


def acquire_files(landing: Landing, files_dir) -> Iterator[Payload]:
    folder = files_dir / "sec" / "bdc" if files_dir else None
    if folder is None or not folder.is_dir():
        return
    from ingestion.filedrop import inside

    inside(folder, files_dir)  # a symlinked folder pointing outside the drop is refused
    for path in sorted(folder.iterdir()):
        if not DATASET.match(path.name) or path.is_symlink() or not path.is_file():
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        yield landing.store(SOURCE, {"endpoint": ENDPOINT, "file": path.name}, path.read_bytes(),
                            fetched_at=modified, as_of=modified.date(), ext="zip")


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    if ctx.mode == "sample":
        yield from acquire_sample(ctx.landing, scale=ctx.scale)
    elif ctx.mode == "live":
        from ingestion.sec.client import SecClient, sec_http

        with sec_http(SOURCE) as http:
            yield from acquire_live(ctx.landing, SecClient(http))
    elif ctx.mode == "files":
        yield from acquire_files(ctx.landing, ctx.files_dir)
    else:
        raise SourceError(SOURCE, f"unknown mode {ctx.mode!r}", field="source")


SEC_BDC = Source(SOURCE, TABLES, acquire, parse, loop="private_credit",
                 description="SEC BDC data sets: every BDC's schedule of investments, marks per position and "
                 "period end, issuer keys matched across BDCs.")
