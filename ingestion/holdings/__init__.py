"""Index holdings (iShares Core S&P 500 ETF, IVV): constituent weights over time, for concentration.

Modes: ``sample`` emits month-end holdings files in BlackRock's CSV layout; ``live`` downloads the
month-end files from ishares.com since 2015; ``files`` reads ``<files-dir>/holdings/IVV_holdings_YYYY-MM-DD.csv``
saved by hand, and lands nothing when the folder is absent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pyarrow as pa

from ingestion.errors import SourceError
from ingestion.holdings import parser, sample
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Landing, Payload
from ingestion.loader import RawTable
from ingestion.scenario import END, START, Scenario

SOURCE = parser.SOURCE
ENDPOINT = "ishares/holdings"
FUND = re.compile(r"^[A-Z]{2,5}$")
FILE_NAME = re.compile(r"^([A-Z]{2,5})_holdings_([0-9]{4}-[0-9]{2}-[0-9]{2})\.csv$")

INDEX_WEIGHTS = RawTable(
    "raw.holdings__index_weights",
    """fund_ticker VARCHAR NOT NULL, as_of_date DATE NOT NULL, published_on DATE NOT NULL, ticker VARCHAR NOT NULL,
       company_key VARCHAR NOT NULL, company_name VARCHAR NOT NULL, sector VARCHAR, asset_class VARCHAR NOT NULL,
       market_value DOUBLE, weight_pct DOUBLE NOT NULL, notional_value DOUBLE, quantity DOUBLE, price DOUBLE,
       location VARCHAR, exchange VARCHAR, currency VARCHAR, payload_hash VARCHAR NOT NULL,
       fund_shares_outstanding DOUBLE""",
    key=("fund_ticker", "as_of_date", "ticker", "asset_class", "company_name"),
    description="ETF holdings files (iShares Core S&P 500, IVV), one row per holding and date: weight, market "
    "value, shares, and a company key that counts share classes (GOOG/GOOGL) once; cash and derivative rows "
    "keep BlackRock's own codes; the fund's shares outstanding from the file's preamble.",
)
TABLES = (INDEX_WEIGHTS,)


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    if req.get("endpoint") != ENDPOINT:
        raise SourceError(SOURCE, f"unknown endpoint {req.get('endpoint')!r}", field="endpoint")
    fund = str(req.get("fund"))
    if not FUND.match(fund):
        raise SourceError(SOURCE, f"invalid fund ticker {fund!r}", field="fund")
    try:
        as_of = dt.date.fromisoformat(str(req.get("as_of")))
    except ValueError:
        raise SourceError(SOURCE, f"invalid as_of {req.get('as_of')!r}", series=fund, field="as_of") from None
    fetched_on = dt.date.fromisoformat(payload.as_of)
    if as_of > fetched_on:
        raise SourceError(SOURCE, f"as_of {as_of} is after the fetch ({fetched_on})", series=f"{fund} {as_of}",
                          field="as_of")
    return [(INDEX_WEIGHTS, parser.parse_holdings(content, fund=fund, as_of=as_of, payload_hash=payload.content_hash))]


def acquire_sample(landing: Landing, *, scale: int = 1, seed: int | None = None) -> Iterator[Payload]:
    s = Scenario() if seed is None else Scenario(seed)
    fetched_at = dt.datetime.combine(END, dt.time(12), tzinfo=dt.UTC)
    for p in sample.emit(s, scale=scale):
        yield landing.store(SOURCE, p.request, p.content, fetched_at=fetched_at, as_of=END, ext="csv")


def acquire_live(landing: Landing, client, *, today: dt.date | None = None) -> Iterator[Payload]:
    from ingestion.holdings.client import month_ends

    today = today or dt.datetime.now(dt.UTC).date()
    seen: set[dt.date] = set()
    for day in month_ends(START, today):
        got = client.holdings(day)
        if got.as_of in seen:
            continue
        seen.add(got.as_of)
        yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at,
                            as_of=got.fetched_at.date(), ext="csv")


def acquire_files(landing: Landing, files_dir) -> Iterator[Payload]:
    folder = files_dir / "holdings" if files_dir else None
    if folder is None or not folder.is_dir():
        return
    from ingestion.filedrop import inside

    inside(folder, files_dir)  # a symlinked folder pointing outside the drop is refused
    for path in sorted(folder.iterdir()):
        m = FILE_NAME.match(path.name)
        if not m or path.is_symlink() or not path.is_file():
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        yield landing.store(SOURCE, {"endpoint": ENDPOINT, "fund": m[1], "as_of": m[2]}, path.read_bytes(),
                            fetched_at=modified, as_of=modified.date(), ext="csv")


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    if ctx.mode == "sample":
        yield from acquire_sample(ctx.landing, scale=ctx.scale)
    elif ctx.mode == "live":
        from ingestion.holdings.client import RATE_LIMIT, HoldingsClient
        from ingestion.http import HttpClient

        with HttpClient(rate_limits={"www.ishares.com": RATE_LIMIT}) as http:
            yield from acquire_live(ctx.landing, HoldingsClient(http))
    elif ctx.mode == "files":
        yield from acquire_files(ctx.landing, ctx.files_dir)
    else:
        raise SourceError(SOURCE, f"unknown mode {ctx.mode!r}", field="source")


HOLDINGS = Source(SOURCE, TABLES, acquire, parse, loop="concentration",
                  description="ETF holdings (iShares Core S&P 500, IVV): month-end constituent weights, share "
                  "classes mapped to one company key.")
