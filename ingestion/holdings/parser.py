"""Pure parser for iShares ETF holdings files (the IVV / S&P 500 "Detailed Holdings" CSV): bytes in, Arrow out.

The wire format, as BlackRock serves it::

    iShares Core S&P 500 ETF
    Fund Holdings as of,"Oct 31, 2025"
    Inception Date,"May 15, 2000"
    Shares Outstanding,"1,045,600,000.00"
    Stock,"-"
    ...
    <blank>
    Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,Location,Exchange,...
    "NVDA","NVIDIA CORP","Information Technology","Equity","55,012,345,678.90","7.92",...
    "USD","USD CASH","Cash and/or Derivatives","Cash","112,345,678.00","0.02",...
    <blank>
    "The content contained herein is owned or licensed by BlackRock ..."

Numbers carry thousands separators, "-" means none. Equity rows need an exchange ticker; cash, money-market,
collateral, futures, forwards and FX rows carry BlackRock's own codes (``ETD_USD``, ``XTSLA``, ``ESH3``, ``GBP``)
and load as they are. A non-equity row whose code is no code at all, or that repeats another row's
(ticker, asset class, name), is left out and counted (``SKIPPED_KEY`` in the table's schema metadata); it
never refuses the file. The equity weights must add up to about 100%. The preamble's "Shares Outstanding"
(the fund's own shares) is kept on every row as ``fund_shares_outstanding``.

Share classes of one company share a
``company_key``, the ticker of its primary share class (GOOG and GOOGL -> ``GOOGL``; BRKB -> ``BRK.B``;
FB -> ``META``): the maintained map ``company_keys.csv`` first; share classes missing from the map are
still grouped when their names agree once the class is stripped ("XYZ CORP CLASS A" / "XYZ CORP CLASS C"),
taking the alphabetically first ticker of the group.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingestion.errors import ParseError
from ingestion.sec.names import normalize_names

SOURCE = "holdings"
KEYS_FILE = Path(__file__).with_name("company_keys.csv")
REQUIRED = ("Ticker", "Name", "Sector", "Asset Class", "Market Value", "Weight (%)")
KNOWN = set(REQUIRED) | {"Notional Value", "Quantity", "Shares", "Price", "Location", "Exchange", "Currency",
                         "FX Rate", "Market Currency", "Accrual Date", "CUSIP", "ISIN", "SEDOL"}
TICKER = re.compile(r"^(?:-|[A-Z0-9][A-Z0-9./]{0,11})$")  # an equity row's exchange ticker
CODE = re.compile(r"^(?:-|[A-Za-z0-9][A-Za-z0-9 ./_&:+-]{0,31})$")  # a cash/derivative row's own code (ETD_USD)
SKIPPED_KEY = b"fragility.skipped_rows"  # schema metadata read by ingestion.ingest: JSON {reason: rows left out}
AS_OF = re.compile(rb'^\s*"?Fund Holdings as of"?\s*,\s*"?([^"\r\n]*)"?', re.MULTILINE)
SHARES_OUTSTANDING = re.compile(r'^\s*"?Shares Outstanding"?\s*,\s*"?([^"\r\n]*)"?', re.MULTILINE)
HEADER_LINE = re.compile(r'^("?Ticker"?,[^\r\n]*)\r?$', re.MULTILINE)
BLANK_LINE = re.compile(r'\n[ \t\u00a0,"]*\r?(?:\n|$)')  # starts with a literal: a fast scan
WEIGHT_TOTAL = (95.0, 105.0)  # percent of net assets the equity rows must add up to

SCHEMA = pa.schema([
    ("fund_ticker", pa.string()), ("as_of_date", pa.date32()), ("published_on", pa.date32()),
    ("ticker", pa.string()), ("company_key", pa.string()), ("company_name", pa.string()), ("sector", pa.string()),
    ("asset_class", pa.string()), ("market_value", pa.float64()), ("weight_pct", pa.float64()),
    ("notional_value", pa.float64()), ("quantity", pa.float64()), ("price", pa.float64()),
    ("location", pa.string()), ("exchange", pa.string()), ("currency", pa.string()), ("payload_hash", pa.string()),
    ("fund_shares_outstanding", pa.float64()),
])


@cache
def company_keys() -> dict[str, str]:
    """Ticker -> company key for share classes and renames (``company_keys.csv``), validated."""
    out: dict[str, str] = {}
    with open(KEYS_FILE, newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            ticker, key = row.get("ticker") or "", row.get("company_key") or ""
            if not TICKER.match(ticker) or ticker == "-" or not TICKER.match(key) or key == "-":
                raise ValueError(f"{KEYS_FILE.name} line {i}: invalid ticker {ticker!r} or company_key {key!r}")
            if ticker in out:
                raise ValueError(f"{KEYS_FILE.name} line {i}: duplicate ticker {ticker}")
            out[ticker] = key
    return out


def peek_as_of(content: bytes) -> dt.date | None:
    """The "Fund Holdings as of" date of a holdings file, or None (used by the live client to step back)."""
    m = AS_OF.search(content[:4096].lstrip(b"\xef\xbb\xbf"))
    if not m:
        return None
    try:
        return dt.datetime.strptime(m[1].decode("utf-8", "replace").strip(), "%b %d, %Y").date()
    except ValueError:
        return None


_NAME_KEYS: dict[str, str] = {}


def _name_keys(names: list[str]) -> list[str]:
    """Normalised names (share class stripped), memoised across files: the same names recur every month."""
    new = [v for v in set(names) if v not in _NAME_KEYS]
    if new:
        _NAME_KEYS.update(zip(new, normalize_names(pa.array(new, pa.string())).to_pylist(), strict=True))
    return [_NAME_KEYS[v] for v in names]


def _company_keys(ticker: pa.Array, name: pa.Array, equity: pa.Array) -> pa.Array:
    """The primary share class's ticker for every row (non-equity rows keep their own ticker)."""
    keys = company_keys()
    mapped = pc.take(pa.array(list(keys.values()), pa.string()), pc.index_in(ticker, value_set=pa.array(list(keys))))
    base = pc.coalesce(mapped, ticker)
    norm = pa.array(_name_keys(name.to_pylist()), pa.string())
    grouped = pc.if_else(pc.and_(equity, pc.not_equal(norm, "")), norm, pa.scalar(None, pa.string()))
    mins = pa.table({"norm": grouped, "base": base}).group_by("norm").aggregate([("base", "min")])
    first = pc.take(mins.column("base_min"), pc.index_in(grouped, value_set=mins.column("norm")))
    return pc.coalesce(pc.if_else(pc.is_null(grouped), pa.scalar(None, pa.string()), first), base)


def next_business_day(day: dt.date) -> dt.date:
    out = day + dt.timedelta(1)
    while out.weekday() >= 5:
        out += dt.timedelta(1)
    return out


def _fail(message: str, *, series: str, field: str) -> ParseError:
    return ParseError(SOURCE, message, series=series, field=field)


def _numbers(col: pa.Array, *, series: str, field: str, lines: list[int]) -> pa.Array:
    cleaned = pc.replace_substring(pc.utf8_trim_whitespace(col), ",", "")
    cleaned = pc.if_else(pc.equal(cleaned, "-"), pa.scalar(None, pa.string()), cleaned)
    try:
        out = pc.cast(cleaned, pa.float64())
        if pc.all(pc.fill_null(pc.is_finite(out), True)).as_py():
            return out
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    ok = pc.match_substring_regex(cleaned, r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
    bad = pc.invert(pc.fill_null(ok, True))
    i = pc.index(bad, True).as_py()
    i = 0 if i < 0 else i
    raise _fail(f"line {lines[i]}: not a number: {str(col[i].as_py())[:40]!r}", series=series, field=field)


def parse_holdings(content: bytes, *, fund: str, as_of: dt.date, payload_hash: str) -> pa.Table:
    """Every row of one holdings file (equities, cash, futures), typed; see the module docstring."""
    series = f"{fund} {as_of.isoformat()}"
    if not content.strip():
        raise _fail("empty holdings body (0 bytes)", series=series, field="body")
    if content.lstrip()[:1] == b"<":
        raise _fail("body is HTML, not a holdings CSV (an error page sent with 200?)", series=series, field="body")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"body is not UTF-8 (byte {exc.start})", series=series, field="body") from None
    stated = peek_as_of(content)
    if stated is None:
        raise _fail("no 'Fund Holdings as of' date in the preamble", series=series, field="Fund Holdings as of")
    if stated != as_of:
        raise _fail(f"file is as of {stated}, not the requested {as_of}", series=series, field="Fund Holdings as of")
    m = HEADER_LINE.search(text, 0, 8192)
    if m is None:
        raise _fail("no holdings header row ('Ticker,Name,...')", series=series, field="header")
    header = next(csv.reader([m[1]]))
    unknown = [c for c in header if c not in KNOWN]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        raise _fail(f"schema drift: unknown columns {unknown}, missing {missing}", series=series,
                    field=(unknown or missing)[0])
    if len(set(header)) != len(header):
        raise _fail("duplicate columns in the header", series=series, field="header")
    blank = BLANK_LINE.search(text, m.end() - 1)
    block = text[m.start(1):blank.start() if blank else len(text)].rstrip("\r\n")
    if "\n" not in block:
        raise _fail("no holdings rows (empty file for this date?)", series=series, field="rows")
    header_at = text.count("\n", 0, m.start(1))
    try:
        table = pacsv.read_csv(
            io.BytesIO(block.encode()),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"', newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        raise _fail(f"malformed holdings CSV: {exc}", series=series, field="rows") from None
    first = header_at + 2
    ticker = pc.utf8_trim_whitespace(table.column("Ticker").combine_chunks())
    asset_class = table.column("Asset Class").combine_chunks()
    equity = pc.equal(asset_class, "Equity")
    bad = pc.and_(equity, pc.invert(pc.match_substring_regex(ticker, TICKER.pattern)))
    if pc.any(bad).as_py():
        i = pc.index(bad, True).as_py()
        raise _fail(f"line {first + i}: invalid ticker {str(ticker[i].as_py())[:20]!r}", series=series,
                    field="Ticker")
    table, ticker, asset_class, equity, lines, skipped = _skip_unusable(table, ticker, asset_class, equity, first)
    n = table.num_rows
    eq_tickers = pc.filter(ticker, equity)
    if len(pc.unique(eq_tickers)) != len(eq_tickers):
        counts = pc.value_counts(eq_tickers)
        dup = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))[0].as_py()
        raise _fail(f"duplicate holding {dup!r}", series=series, field="Ticker")
    if pc.any(pc.and_(equity, pc.equal(ticker, "-"))).as_py():
        i = pc.index(pc.and_(equity, pc.equal(ticker, "-")), True).as_py()
        raise _fail(f"line {lines[i]}: equity row without a ticker", series=series, field="Ticker")

    def num(name: str) -> pa.Array:
        if name not in header:
            return pa.nulls(n, pa.float64())
        return _numbers(table.column(name).combine_chunks(), series=series, field=name, lines=lines)

    def text_col(name: str) -> pa.Array:
        if name not in header:
            return pa.nulls(n, pa.string())
        col = pc.utf8_trim_whitespace(table.column(name).combine_chunks())
        return pc.if_else(pc.is_in(col, value_set=pa.array(["-", ""])), pa.scalar(None, pa.string()), col)

    weight = num("Weight (%)")
    if weight.null_count:
        i = pc.index(pc.is_null(weight), True).as_py()
        raise _fail(f"line {lines[i]}: missing weight", series=series, field="Weight (%)")
    market_value = num("Market Value")
    shares = "Quantity" if "Quantity" in header else "Shares"
    quantity = num(shares)
    for values, label in ((weight, "Weight (%)"), (market_value, "Market Value"), (quantity, shares)):
        negative = pc.fill_null(pc.and_(equity, pc.less(values, 0.0)), False)  # a fund holds no negative stock
        if pc.any(negative).as_py():
            i = pc.index(negative, True).as_py()
            raise _fail(f"line {lines[i]}: negative {label} {values[i].as_py():.15g} on an equity row",
                        series=series, field=label)
    total = pc.sum(pc.filter(weight, equity)).as_py() or 0.0
    if not WEIGHT_TOTAL[0] <= total <= WEIGHT_TOTAL[1]:
        raise _fail(f"equity weights add up to {total:.4g}%, expected about 100% (a unit change?)", series=series,
                    field="Weight (%)")
    fund_shares = _shares_outstanding(text, series)
    name = pc.utf8_trim_whitespace(table.column("Name").combine_chunks())
    company_key = _company_keys(ticker, name, equity)
    out = pa.table({
        "fund_ticker": pa.array([fund] * n, pa.string()),
        "as_of_date": pa.array([as_of] * n, pa.date32()),
        "published_on": pa.array([next_business_day(as_of)] * n, pa.date32()),
        "ticker": ticker,
        "company_key": company_key,
        "company_name": name,
        "sector": text_col("Sector"),
        "asset_class": asset_class,
        "market_value": market_value,
        "weight_pct": weight,
        "notional_value": num("Notional Value"),
        "quantity": quantity,
        "price": num("Price"),
        "location": text_col("Location"),
        "exchange": text_col("Exchange"),
        "currency": text_col("Currency"),
        "fund_shares_outstanding": pa.array([fund_shares] * n, pa.float64()),
        "payload_hash": pa.array([payload_hash] * n, pa.string()),
    }, schema=SCHEMA)
    if skipped:
        out = out.replace_schema_metadata({SKIPPED_KEY: json.dumps(skipped, sort_keys=True).encode()})
    return out


def _skip_unusable(table: pa.Table, ticker: pa.Array, asset_class: pa.Array, equity: pa.Array, first: int):
    """Leave out the non-equity rows that cannot be keyed: no usable code, or a repeat of an earlier row's
    (ticker, asset class, name). Returns the kept rows, their file line numbers and {reason: count}."""
    names = pc.utf8_trim_whitespace(table.column("Name").combine_chunks()).to_pylist()
    codes = pc.match_substring_regex(ticker, CODE.pattern).to_pylist()
    seen: set[tuple] = set()
    keep, skipped = [], {}
    for t, a, name, eq, code in zip(ticker.to_pylist(), asset_class.to_pylist(), names, equity.to_pylist(), codes,
                                    strict=True):
        reason = None
        if not eq and not code:
            reason = "non-equity row without a usable code"
        elif not eq and (t, a, name) in seen:
            reason = "non-equity row repeating another row's ticker, asset class and name"
        seen.add((t, a, name))
        keep.append(reason is None)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
    lines = [first + i for i, k in enumerate(keep) if k]
    if not skipped:
        return table, ticker, asset_class, equity, lines, skipped
    mask = pa.array(keep)
    return (table.filter(mask), pc.filter(ticker, mask), pc.filter(asset_class, mask), pc.filter(equity, mask),
            lines, skipped)


def _shares_outstanding(text: str, series: str) -> float | None:
    """The fund's own shares outstanding from the preamble ("1,045,600,000.00"), None when the line is absent."""
    m = SHARES_OUTSTANDING.search(text, 0, 4096)
    if m is None or m[1].strip() in ("", "-"):
        return None
    raw = m[1].replace(",", "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise _fail(f"Shares Outstanding is not a number: {m[1][:40]!r}", series=series,
                    field="Shares Outstanding") from None
    if not math.isfinite(value) or value < 0:
        raise _fail(f"Shares Outstanding is not a share count: {m[1][:40]!r}", series=series,
                    field="Shares Outstanding")
    return value
