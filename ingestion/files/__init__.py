"""The file-drop source: files people download by hand, read through the same landing/parse/load path.

``fragility run --source files --files-dir DIR`` runs every source in its ``files`` mode. Each source reads its
own part of the drop and parses its own format, in its own package (the shared rules of a drop are
``ingestion.filedrop``; the shared CSV helpers ``ingestion.csvtools``):

    DIR/fred/<as_of>/<SERIES>.csv, fredgraph.csv   FRED graph downloads -> ``ingestion.fred.filedrop``
    DIR/gold/monthly.csv                           monthly gold prices  -> ``ingestion.gold``
    DIR/ofr/fsi.csv                                the OFR Financial Stress Index   (this source)
    DIR/sp500/constituents-financials_<date>[_<hash>].csv   dated S&P 500 constituent snapshots (this source)

This source's own tables are ``raw.files__ofr_fsi`` and ``raw.files__sp500_constituents``. A snapshot file
name is validated before anything is read, and nothing that resolves outside ``DIR`` is read. Every file is
landed (content hash, request, fetch time = the file's modification time) before it is parsed, so loading
the same folder twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from ingestion.errors import SourceError
from ingestion.filedrop import IGNORED, drop_root, inside, mtime, part, refuse
from ingestion.files import ofr_fsi, sp500
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Payload
from ingestion.loader import RawTable

SOURCE = "files"
FSI_ENDPOINT = "files/ofr_fsi"
SP500_ENDPOINT = "files/sp500_constituents"

_FSI_VALUES = [c for c in ofr_fsi.SCHEMA.names if c not in ("date", "payload_hash")]
OFR_FSI = RawTable(
    "raw.files__ofr_fsi",
    "date DATE NOT NULL, " + ", ".join(f"{c} DOUBLE" for c in _FSI_VALUES) + ", payload_hash VARCHAR NOT NULL",
    key=("date",),
    mutable=(*_FSI_VALUES, "payload_hash"),
    description="The OFR Financial Stress Index by day, with its five category and three regional contributions "
    "(file drop ofr/fsi.csv). A benchmark: never an input to the composite.",
)
_SP_COLS = [f.name for f in sp500.SCHEMA]
SP500_CONSTITUENTS = RawTable(
    "raw.files__sp500_constituents",
    """as_of_date DATE NOT NULL, symbol VARCHAR NOT NULL, company_key VARCHAR NOT NULL, name VARCHAR,
       sector VARCHAR, price DOUBLE, dividend_yield_pct DOUBLE, price_earnings DOUBLE, earnings_per_share DOUBLE,
       book_value DOUBLE, low_52_week DOUBLE, high_52_week DOUBLE, market_cap DOUBLE, ebitda DOUBLE,
       price_sales DOUBLE, price_book DOUBLE, sec_filings_url VARCHAR, file_layout VARCHAR NOT NULL,
       row_note VARCHAR, payload_hash VARCHAR NOT NULL""",
    key=("as_of_date", "symbol"),
    mutable=tuple(c for c in _SP_COLS if c not in ("as_of_date", "symbol")),
    description="Dated S&P 500 constituent snapshots (file drop sp500/): market cap in dollars (full, not "
    "float-adjusted), the other financials typed, and a company key that counts share classes once.",
)
TABLES = (OFR_FSI, SP500_CONSTITUENTS)


def _sp500_files(folder: Path) -> list[tuple[dt.date, Path, bytes]]:
    """Snapshots by date; byte-identical copies of one date are landed once, differing ones refused."""
    by_date: dict[dt.date, tuple[Path, bytes]] = {}
    for path in sorted(folder.iterdir()):
        if IGNORED.match(path.name):
            continue
        day = sp500.snapshot_date(path.name)
        if day is None or not path.is_file():
            raise refuse(f"sp500/{path.name[:60]} is not constituents-financials_<YYYY-MM-DD>[_<hash>].csv",
                         "file", path.name[:60])
        content = inside(path, folder).read_bytes()
        if day in by_date and by_date[day][1] != content:
            raise refuse(f"two different snapshots dated {day}: {by_date[day][0].name} and {path.name}",
                         "file", f"sp500 {day}")
        by_date.setdefault(day, (path, content))
    return [(day, p, c) for day, (p, c) in sorted(by_date.items())]


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    """This source's own files (OFR FSI, S&P snapshots); nothing outside the ``files`` mode."""
    if ctx.mode != "files":
        return
    root = drop_root(ctx.files_dir)
    fsi = part(root, "ofr", "fsi.csv", folder=False)
    if fsi is not None:
        when = mtime(fsi)
        yield ctx.landing.store(SOURCE, {"endpoint": FSI_ENDPOINT, "file": "ofr/fsi.csv"}, fsi.read_bytes(),
                                fetched_at=when, as_of=when.date(), ext="csv")
    folder = part(root, "sp500", folder=True)
    if folder is not None:
        for day, path, content in _sp500_files(folder):
            yield ctx.landing.store(SOURCE, {"endpoint": SP500_ENDPOINT, "as_of": day.isoformat(),
                                             "file": f"sp500/{path.name}"}, content,
                                    fetched_at=mtime(path), as_of=day, ext="csv")


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    endpoint = req.get("endpoint")
    if endpoint == FSI_ENDPOINT:
        return [(OFR_FSI, ofr_fsi.parse_fsi(content, payload_hash=payload.content_hash,
                                            fetched_on=dt.date.fromisoformat(payload.as_of)))]
    if endpoint == SP500_ENDPOINT:
        from ingestion.holdings.parser import company_keys  # one maintained share-class map for both sources

        try:
            as_of = dt.date.fromisoformat(str(req.get("as_of")))
        except ValueError:
            raise SourceError(SOURCE, "malformed request (as_of)", series="sp500", field="as_of") from None
        return [(SP500_CONSTITUENTS, sp500.parse_snapshot(content, as_of=as_of, payload_hash=payload.content_hash,
                                                          company_keys=company_keys()))]
    raise SourceError(SOURCE, f"unknown endpoint {endpoint!r}", field="endpoint")


FILES = Source(SOURCE, TABLES, acquire, parse, loop="concentration",
               description="File drop: the OFR Financial Stress Index (benchmark) and dated S&P 500 constituent "
               "snapshots (concentration). FRED CSVs and gold prices of the same drop load into the FRED and "
               "gold tables.")
