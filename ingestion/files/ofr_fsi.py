"""Pure parser for the OFR Financial Stress Index download (``ofr/fsi.csv``): bytes -> ``raw.files__ofr_fsi``.

The file, as the OFR publishes it (https://www.financialresearch.gov/financial-stress-index/)::

    Date,OFR FSI,Credit,Equity valuation,Safe assets,Funding,Volatility,United States,
        Other advanced economies,Emerging markets
    2000-01-03,2.14,0.54,-0.051,0.67,0.472,0.509,1.769,0.521,-0.15

The index is the sum of its five category contributions (credit ... volatility), and also of its three
regional ones; zero is average stress. It is a benchmark for the composite, never an input to it.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ingestion.csvtools import (
    Where,
    check_bytes,
    first_duplicate,
    header_of,
    not_after,
    read_strings,
    to_dates,
    to_numbers,
)

SOURCE = "files"
ENTITY = "ofr_fsi"
COLUMNS = {  # file header -> column
    "Date": "date", "OFR FSI": "ofr_fsi", "Credit": "credit", "Equity valuation": "equity_valuation",
    "Safe assets": "safe_assets", "Funding": "funding", "Volatility": "volatility",
    "United States": "united_states", "Other advanced economies": "other_advanced",
    "Emerging markets": "emerging",
}
SCHEMA = pa.schema([("date", pa.date32())] + [(c, pa.float64()) for c in list(COLUMNS.values())[1:]]
                   + [("payload_hash", pa.string())])


def parse_fsi(content: bytes, *, payload_hash: str, fetched_on: dt.date | None = None) -> pa.Table:
    where = Where(SOURCE, ENTITY)
    text = check_bytes(content, where, allow_bom=True)
    header = header_of(text)
    if header != list(COLUMNS):
        extra = sorted(set(header) - set(COLUMNS))
        missing = [h for h in COLUMNS if h not in header]
        detail = f"extra {extra}, missing {missing}" if (extra or missing) else "columns out of order"
        raise where.fail(f"header drift: {detail}", (extra or missing or ["header"])[0])
    raw = read_strings(text.lstrip("\ufeff"), list(COLUMNS.values()), where)
    if raw.num_rows == 0:
        raise where.fail("no rows under the header", "body")
    cols = {"date": to_dates(raw["date"], where, "Date")}
    not_after(cols["date"], fetched_on, where, "Date", known_as="file dated")
    dup = first_duplicate(cols["date"])
    if dup is not None:
        raise where.fail(f"line {where.first_line + dup}: duplicate date {cols['date'][dup].as_py()}", "Date")
    for label, name in list(COLUMNS.items())[1:]:
        cols[name], _ = to_numbers(raw[name], where, label, missing=("",))
    cols["payload_hash"] = pa.repeat(payload_hash, raw.num_rows)
    return pa.table(cols, schema=SCHEMA)
