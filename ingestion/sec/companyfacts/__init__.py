"""SEC EDGAR companyfacts for the AI / Big Tech set: live client, pure parser and sample emitter.

Modes: ``sample`` emits the scenario's companies in the companyfacts wire format; ``live`` fetches
``data.sec.gov/api/xbrl/companyfacts/CIK##########.json`` for every company in
``ingestion/catalog/ai_bigtech.csv`` (User-Agent from ``FRAGILITY_SEC_USER_AGENT``); ``files`` reads
``<files-dir>/sec/companyfacts/CIK##########.json`` downloaded by hand, and lands nothing when absent.
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
from ingestion.sec.companies import Company, ai_bigtech, pad_cik
from ingestion.sec.companyfacts import parser, sample

SOURCE = parser.SOURCE
ENDPOINT = "api/xbrl/companyfacts"

COMPANYFACTS = RawTable(
    "raw.sec__companyfacts",
    """cik VARCHAR NOT NULL, ticker VARCHAR NOT NULL, entity_name VARCHAR, taxonomy VARCHAR NOT NULL,
       concept VARCHAR NOT NULL, metric VARCHAR NOT NULL, unit VARCHAR NOT NULL, period_start DATE,
       period_end DATE NOT NULL, duration_days INTEGER NOT NULL, fiscal_year INTEGER, fiscal_period VARCHAR,
       form VARCHAR NOT NULL, frame VARCHAR, filed DATE NOT NULL, value DOUBLE NOT NULL,
       accession VARCHAR NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("cik", "taxonomy", "concept", "unit", "period_end", "duration_days", "accession"),
    mutable=("frame",),
    description="SEC EDGAR XBRL company facts of the AI / Big Tech set (capex, operating cash flow, debt, "
    "issuance, leases, cash, operating income, D&A): every fact with its filing date, comparatives and "
    "restatements included (point in time through `filed`).",
)
TABLES = (COMPANYFACTS,)


def lookup(cik: object) -> Company:
    """The configured company for a CIK, or a one-line error naming the unknown CIK."""
    padded = pad_cik(cik, source=SOURCE)
    companies = ai_bigtech()
    if padded not in companies:
        raise SourceError(SOURCE, "unknown CIK (not in ingestion/catalog/ai_bigtech.csv)", series=f"CIK{padded}",
                          field="cik")
    return companies[padded]


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    if req.get("endpoint") != ENDPOINT:
        raise SourceError(SOURCE, f"unknown endpoint {req.get('endpoint')!r}", field="endpoint")
    company = lookup(req.get("cik"))
    rows = parser.parse_companyfacts(content, company=company, payload_hash=payload.content_hash,
                                     fetched_on=dt.date.fromisoformat(payload.as_of))
    return [(COMPANYFACTS, rows)]


def acquire_sample(landing: Landing, *, seed: int | None = None) -> Iterator[Payload]:
    s = Scenario() if seed is None else Scenario(seed)
    fetched_at = dt.datetime.combine(END, dt.time(12), tzinfo=dt.UTC)
    for p in sample.emit(s):
        yield landing.store(SOURCE, p.request, p.content, fetched_at=fetched_at, as_of=END)


def acquire_live(landing: Landing, client) -> Iterator[Payload]:
    for company in ai_bigtech().values():
        got = client.companyfacts(company)
        yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at,
                            as_of=got.fetched_at.date())


FILE_NAME = re.compile(r"^CIK([0-9]{10})\.json$")


def acquire_files(landing: Landing, files_dir) -> Iterator[Payload]:
    folder = files_dir / "sec" / "companyfacts" if files_dir else None
    if folder is None or not folder.is_dir():
        return
    from ingestion.filedrop import inside

    inside(folder, files_dir)  # a symlinked folder pointing outside the drop is refused
    for path in sorted(folder.iterdir()):
        m = FILE_NAME.match(path.name)
        if not m or path.is_symlink() or not path.is_file():
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        yield landing.store(SOURCE, {"endpoint": ENDPOINT, "cik": m[1]}, path.read_bytes(), fetched_at=modified,
                            as_of=modified.date())


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    if ctx.mode == "sample":
        yield from acquire_sample(ctx.landing)
    elif ctx.mode == "live":
        from ingestion.sec.client import SecClient, sec_http

        with sec_http(SOURCE) as http:
            yield from acquire_live(ctx.landing, SecClient(http))
    elif ctx.mode == "files":
        yield from acquire_files(ctx.landing, ctx.files_dir)
    else:
        raise SourceError(SOURCE, f"unknown mode {ctx.mode!r}", field="source")


SEC_COMPANYFACTS = Source(SOURCE, TABLES, acquire, parse, loop="ai_leverage",
                          description="SEC EDGAR companyfacts (XBRL) of the AI / Big Tech set, point in time "
                          "through the filing date.")
