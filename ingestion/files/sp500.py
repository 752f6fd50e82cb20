"""Pure parser for dated S&P 500 constituent snapshots (``sp500/constituents-financials_<date>[_<hash>].csv``):
bytes -> ``raw.files__sp500_constituents``.

These are the "S&P 500 companies with financial information" tables (datahub.io core/s-and-p-500-companies-
financials), saved on different days. Three layouts occur, told apart by their header:

* ``2012``: ``Symbol,Name,price,...,market capitalization,ebitda,...``; money as strings with a
  magnitude suffix ("63.802B", "503.1M"), "N/A" for none;
* ``2013``: ``Symbol,Name,Sector,Price,Dividend Yield,...,Book Value,52 week low,...,Market Cap,...``;
  market cap and EBITDA in **billions** of dollars, without a suffix (MMM = 70.537);
* ``2018``: ``Symbol,Name,Sector,Price,Price/Earnings,Dividend Yield,...,52 Week Low,...,Market Cap,...``;
  market cap and EBITDA in dollars (MMM = 138721055226).

``market_cap`` and ``ebitda`` are always stored in dollars. ``dividend_yield_pct`` is always in percent:
the later ``2018``-layout files write it as a fraction (0.0175), the earlier ones in percent (2.33); a file
whose median non-zero yield is below 0.2 is read as fractions (an S&P 500 median yield is 1-3 %, i.e. 0.01-
0.03 as a fraction, never 0.2 %).

Market cap is full (not float-adjusted) and both share classes of a company are listed (GOOG and GOOGL),
each with the *whole company's* market cap (price x all shares), so a company must be counted once, never
summed over its classes (``stg_files__sp500_constituents`` weights it on its primary listing).
``company_key`` is the primary class's ticker, from the maintained map ``ingestion/holdings/company_keys.csv``
(shared with the holdings source) and, for pairs missing from it, from names that agree once the class
designation is stripped ("News Corp. Class A" / "News Corp. Class B").

Rows with a wrong number of fields (a handful in 2013-2014: the sector left out, a row truncated after the
sector) are kept, never guessed at silently: a row that still ends with its SEC-filings link is aligned on
it from the right (the sector, which is what is missing, stays NULL); any other short row keeps what it has
from the left. ``row_note`` says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import statistics

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.csvtools import Where, check_bytes, header_of, read_strings, to_numbers

SOURCE = "files"
FILE_NAME = re.compile(r"^constituents-financials_(\d{4}-\d{2}-\d{2})(?:_([0-9a-f]{6,64}))?\.csv$")
TICKER = re.compile(r"^[A-Z][A-Z0-9]{0,6}(?:[.\-/][A-Z0-9]{1,3})?$")
SEC_LINK = re.compile(r"^https?://(www\.)?sec\.gov/", re.IGNORECASE)
MONEY = re.compile(r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?P<suffix>[KMBT]?)$")
SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
MISSING = ("", "N/A", "NA", "-", "Infinity", "-Infinity", "NaN")  # a ratio over zero earnings has no value

# header (lower case) -> output column, per layout
_COMMON = {"symbol": "symbol", "name": "name", "sector": "sector", "price": "price",
           "dividend yield": "dividend_yield_pct", "price/earnings": "price_earnings",
           "earnings/share": "earnings_per_share", "book value": "book_value", "52 week low": "low_52_week",
           "52 week high": "high_52_week", "market cap": "market_cap", "market capitalization": "market_cap",
           "ebitda": "ebitda", "price/sales": "price_sales", "price/book": "price_book",
           "sec filings": "sec_filings_url"}
LAYOUTS = {
    "2012": ["symbol", "name", "price", "dividend yield", "price/earnings", "book value", "52 week low",
             "52 week high", "market capitalization", "ebitda", "price/sales", "price/book"],
    "2013": ["symbol", "name", "sector", "price", "dividend yield", "price/earnings", "earnings/share",
             "book value", "52 week low", "52 week high", "market cap", "ebitda", "price/sales", "price/book",
             "sec filings"],
    "2018": ["symbol", "name", "sector", "price", "price/earnings", "dividend yield", "earnings/share",
             "52 week low", "52 week high", "market cap", "ebitda", "price/sales", "price/book", "sec filings"],
}
MONEY_SCALE = {"2012": None, "2013": 1e9, "2018": 1.0}  # None: suffixed strings
TEXT = ("symbol", "name", "sector", "sec_filings_url")
NUMERIC = ("price", "dividend_yield_pct", "price_earnings", "earnings_per_share", "book_value", "low_52_week",
           "high_52_week", "market_cap", "ebitda", "price_sales", "price_book")

SCHEMA = pa.schema([
    ("as_of_date", pa.date32()), ("symbol", pa.string()), ("company_key", pa.string()), ("name", pa.string()),
    ("sector", pa.string())] + [(c, pa.float64()) for c in NUMERIC] + [
    ("sec_filings_url", pa.string()), ("file_layout", pa.string()), ("row_note", pa.string()),
    ("payload_hash", pa.string()),
])


def snapshot_date(file_name: str) -> dt.date | None:
    """The as-of date in a snapshot's file name, or None when the name is not a snapshot's."""
    m = FILE_NAME.match(file_name)
    if not m:
        return None
    try:
        return dt.date.fromisoformat(m[1])
    except ValueError:
        return None


def parse_snapshot(content: bytes, *, as_of: dt.date, payload_hash: str, company_keys: dict[str, str] | None = None
                   ) -> pa.Table:
    where = Where(SOURCE, f"sp500 {as_of}")
    text = check_bytes(content, where, allow_bom=True)
    header = [h.lower() for h in header_of(text)]
    layout = next((k for k, cols in LAYOUTS.items() if cols == header), None)
    if layout is None:
        raise where.fail(f"unknown snapshot layout (header {','.join(header)[:80]!r})", "header")
    names = [_COMMON[h] for h in header]
    ragged: list[tuple[int | None, str]] = []
    raw = read_strings(text, names, where, ragged=ragged)
    notes = pa.nulls(raw.num_rows, pa.string())
    if ragged:
        fixed, fixed_notes = _realign(ragged, names, where)
        raw = pa.concat_tables([raw, fixed])
        notes = pa.concat_arrays([notes, fixed_notes])
    n = raw.num_rows
    if n == 0:
        raise where.fail("no constituents under the header", "body")

    symbols = pc.utf8_trim_whitespace(raw["symbol"]).combine_chunks()
    ok = pc.match_substring_regex(symbols, TICKER.pattern)
    if not pc.all(ok).as_py():
        i = pc.index(ok, False).as_py()
        raise where.fail(f"row {i + 1}: not a ticker: {symbols[i].as_py()[:20]!r}", "Symbol")
    if pc.count_distinct(symbols).as_py() != n:
        dup = next(s for s, c in _counts(symbols) if c > 1)
        raise where.fail(f"ticker {dup} listed twice", "Symbol")

    cols: dict[str, pa.Array] = {"as_of_date": pa.repeat(pa.scalar(as_of, pa.date32()), n), "symbol": symbols}
    for c in ("name", "sector", "sec_filings_url"):
        if c in raw.column_names:
            v = pc.utf8_trim_whitespace(raw[c]).combine_chunks()
            cols[c] = pc.if_else(pc.equal(v, ""), pa.scalar(None, pa.string()), v)
        else:
            cols[c] = pa.nulls(n, pa.string())
    for c in NUMERIC:
        if c not in raw.column_names:
            cols[c] = pa.nulls(n, pa.float64())
        elif c in ("market_cap", "ebitda") and MONEY_SCALE[layout] is None:
            cols[c] = _money(raw[c], where, c)
        else:
            values, _ = to_numbers(pc.fill_null(raw[c], ""), where, c, missing=MISSING)
            cols[c] = pc.round(pc.multiply(values, MONEY_SCALE[layout]), 0) if c in ("market_cap", "ebitda") \
                and MONEY_SCALE[layout] != 1.0 else values
    cols["dividend_yield_pct"] = _as_percent(cols["dividend_yield_pct"])
    cols["company_key"] = company_key_column(symbols.to_pylist(), cols["name"].to_pylist(), company_keys or {})
    cols["file_layout"] = pa.repeat(layout, n)
    cols["row_note"] = notes
    cols["payload_hash"] = pa.repeat(payload_hash, n)
    return pa.table({f.name: cols[f.name] for f in SCHEMA}, schema=SCHEMA)


def _counts(arr: pa.Array):
    vc = pc.value_counts(arr)
    return zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True)


def _realign(rows: list[tuple[int | None, str]], names: list[str], where: Where) -> tuple[pa.Table, pa.Array]:
    """Short rows, aligned honestly (see the module docstring); a row with too many fields is an error."""
    out: dict[str, list] = {n: [] for n in names}
    notes = []
    width = len(names)
    for number, text in rows:
        fields = next(csv.reader([text]))
        line = f"line {number}" if number is not None else "a row"
        if len(fields) > width:
            raise where.fail(f"{line} has {len(fields)} fields, the header {width}: {text[:60]!r}", "body")
        gap = width - len(fields)
        if fields and SEC_LINK.match(fields[-1].strip()) and len(fields) > 2:
            aligned = fields[:2] + [""] * gap + fields[2:]
            lost = ", ".join(names[2:2 + gap])
            note = f"{len(fields)} of {width} fields; aligned on the trailing SEC link, {lost} missing"
        else:
            aligned = fields + [""] * gap
            note = f"{len(fields)} of {width} fields; only the first {len(fields)} kept"
        for name, value in zip(names, aligned, strict=True):
            out[name].append(value)
        notes.append(note)
    return pa.table({n: pa.array(v, pa.string()) for n, v in out.items()}), pa.array(notes, pa.string())


def _money(col: pa.ChunkedArray, where: Where, field: str) -> pa.Array:
    """ "63.802B" -> 63_802_000_000.0; "N/A" and "" -> NULL."""
    v = pc.utf8_upper(pc.utf8_trim_whitespace(pc.fill_null(col, ""))).combine_chunks()
    present = pc.invert(pc.is_in(v, value_set=pa.array(list(MISSING), pa.string())))
    parts = pc.extract_regex(v, MONEY.pattern)  # NULL where it does not match
    bad = pc.and_(present, pc.is_null(parts))
    if pc.any(bad).as_py():
        i = pc.index(bad, True).as_py()
        raise where.fail(f"row {i + 1}: not an amount like 63.802B: {v[i].as_py()[:20]!r}", field)
    number = pc.cast(pc.struct_field(parts, [0]), pa.float64())
    suffix = pc.struct_field(parts, [1])
    scale = pc.take(pa.array(list(SCALE.values()), pa.float64()),
                    pc.fill_null(pc.index_in(suffix, value_set=pa.array(list(SCALE), pa.string())), 0))
    return pc.if_else(present, pc.round(pc.multiply(number, scale), 0), pa.scalar(None, pa.float64()))


def _as_percent(yields: pa.Array) -> pa.Array:
    nonzero = [y for y in yields.to_pylist() if y]
    if nonzero and statistics.median(nonzero) < 0.2:
        return pc.round(pc.multiply(yields, 100.0), 8)  # 0.0045 -> 0.45, not 0.44999999999999996
    return yields


_CLASS = re.compile(r"(?:\s*[\(\[]?\s*(?:class|cl\.?|series)\s+[A-Z]\s*[\)\]]?|\s*-\s*[A-C])\s*$", re.IGNORECASE)


def normalized_ticker(symbol: str) -> str:
    return symbol.replace("-", ".").replace("/", ".")


def company_key_column(symbols: list[str], names: list[str | None], keys: dict[str, str]) -> pa.Array:
    """The primary share class's ticker of every row: the maintained map first, then class-stripped names."""
    base = [keys.get(normalized_ticker(s), keys.get(s, normalized_ticker(s))) for s in symbols]
    stripped = [(_CLASS.sub("", n).strip().lower() if n and _CLASS.search(n) else None) for n in names]
    group: dict[str, str] = {}
    for b, n in zip(base, stripped, strict=True):
        if n:
            group[n] = min(group.get(n, b), b)
    return pa.array([group[n] if n and n in group else b for b, n in zip(base, stripped, strict=True)], pa.string())
