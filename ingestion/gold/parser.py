"""Pure parsers for gold prices: bytes -> ``raw.gold__prices`` rows, or one clear ParseError.

The live feed (FreeGoldAPI, https://freegoldapi.com/data/latest.csv) is one CSV of the whole history::

    date,price,currency
    1258-01-01,0.89,GBP          annual, pounds (MeasuringWorth, British official price) ... 1949
    1950-01-01,34.71,USD         annual, dollars (MeasuringWorth, London market) ... 1959
    1960-01-01,35.27,USD         monthly averages (World Bank commodity prices) ... 2024-12
    2025-01-02,2658.89990234375,USD   daily closes (COMEX gold futures GC=F) ...

Only US-dollar rows are kept. Each row's frequency is read from the spacing of the dates (a row dated the
1st of January with the next row a year later is annual; the 1st of a month with the next a month later is
monthly; anything else is daily). A price covers its period, so it is known (``realtime_start``) the day
after the period ends: the next day for a daily close, the 1st of the next month for a monthly average,
the next 1 January for an annual one. Prices are not revised, so there is one vintage per row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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

SOURCE = "gold"
FEED = "freegoldapi"
HEADER = ["date", "price", "currency"]
CURRENCIES = ("USD", "GBP")

SCHEMA = pa.schema([
    ("source", pa.string()), ("date", pa.date32()), ("frequency", pa.string()), ("price_usd", pa.float64()),
    ("realtime_start", pa.date32()), ("payload_hash", pa.string()),
])


def parse_feed(content: bytes, *, payload_hash: str, fetched_on: dt.date | None = None) -> pa.Table:
    """Parse FreeGoldAPI's ``latest.csv`` (also what the sample emitter writes); a price dated after
    ``fetched_on`` (the day the payload was fetched) is refused."""
    where = Where(SOURCE, "XAU/USD")
    text = check_bytes(content, where, allow_bom=True)
    header = header_of(text)
    if header != HEADER:
        extra, missing = sorted(set(header) - set(HEADER)), [h for h in HEADER if h not in header]
        raise where.fail(f"header drift: expected {','.join(HEADER)}, got {','.join(header)[:60]!r} "
                         f"(extra {extra}, missing {missing})", (extra or missing or ["header"])[0])
    raw = read_strings(text, HEADER, where)
    if raw.num_rows == 0:
        raise where.fail("no prices under the header", "body")
    currency = pc.utf8_upper(pc.utf8_trim_whitespace(raw["currency"])).combine_chunks()
    known = pc.is_in(currency, value_set=pa.array(CURRENCIES))
    if not pc.all(known).as_py():
        i = pc.index(known, False).as_py()
        raise where.fail(f"line {where.first_line + i}: unexpected currency {currency[i].as_py()[:10]!r} "
                         f"(expected {' or '.join(CURRENCIES)})", "currency")
    dates = to_dates(raw["date"], where, "date")
    not_after(dates, fetched_on, where, "date")
    prices, missing = to_numbers(raw["price"], where, "price", missing=("",))
    if pc.any(missing).as_py():
        i = pc.index(missing, True).as_py()
        raise where.fail(f"line {where.first_line + i}: empty price", "price")
    _positive(prices, where)
    dup = first_duplicate(dates)
    if dup is not None:
        raise where.fail(f"line {where.first_line + dup}: duplicate date {dates[dup].as_py()}", "date")
    usd = pc.equal(currency, "USD")
    dates, prices = pc.filter(dates, usd), pc.filter(prices, usd)
    order = pc.sort_indices(dates)
    dates, prices = pc.take(dates, order), pc.take(prices, order)
    freq = frequencies(dates)
    return rows(FEED, dates, freq, prices, payload_hash)


def _positive(prices: pa.Array, where: Where, field: str = "price") -> None:
    ok = pc.greater(prices, 0.0)
    if not pc.all(ok).as_py():
        i = pc.index(ok, False).as_py()
        raise where.fail(f"line {where.first_line + i}: price {prices[i].as_py()} is not positive", field)


def frequencies(dates: pa.Array) -> pa.Array:
    """'A', 'M' or 'D' per row of an ascending date column, from the spacing to its neighbour."""
    n = len(dates)
    if n == 0:
        return pa.array([], pa.string())
    days = dates.cast(pa.int32()).to_numpy(zero_copy_only=False).astype("int64")
    gap = np.empty(n, dtype="int64")
    gap[:-1] = np.diff(days)
    gap[-1] = gap[-2] if n > 1 else 1
    ds = dates.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    month = (ds.astype("datetime64[M]").astype(int) % 12) + 1
    first_of_month = ds == ds.astype("datetime64[M]").astype("datetime64[D]")
    out = np.where((gap >= 360) & first_of_month & (month == 1), "A",
                   np.where((gap >= 28) & first_of_month, "M", "D"))
    return pa.array(out.tolist(), pa.string())


def known_from(dates: pa.Array, freq: pa.Array) -> pa.Array:
    """The day after each row's period ends (see the module docstring)."""
    ds = dates.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    f = np.array(freq.to_pylist())
    nxt_day = ds + np.timedelta64(1, "D")
    nxt_month = (ds.astype("datetime64[M]") + np.timedelta64(1, "M")).astype("datetime64[D]")
    nxt_year = (ds.astype("datetime64[Y]") + np.timedelta64(1, "Y")).astype("datetime64[D]")
    out = np.where(f == "A", nxt_year, np.where(f == "M", nxt_month, nxt_day))
    return pa.array(out, pa.date32())


def rows(source: str, dates: pa.Array, freq: pa.Array, prices: pa.Array, payload_hash: str) -> pa.Table:
    n = len(dates)
    return pa.table({
        "source": pa.repeat(source, n), "date": dates, "frequency": freq, "price_usd": prices,
        "realtime_start": known_from(dates, freq), "payload_hash": pa.repeat(payload_hash, n),
    }, schema=SCHEMA)


def parse_monthly_file(content: bytes, *, payload_hash: str, fetched_on: dt.date | None = None) -> pa.Table:
    """A file-drop ``gold/monthly.csv`` (``Date,Price`` with ``YYYY-MM`` months, US dollars per troy ounce).

    Each row is that month's price (a monthly average in the datahub ``gold-prices`` series this layout
    comes from), so it becomes known on the 1st of the next month.
    """
    where = Where("files", "gold monthly")
    text = check_bytes(content, where, allow_bom=True)
    header = header_of(text)
    if header != ["Date", "Price"]:
        raise where.fail(f"header {','.join(header)[:60]!r} is not 'Date,Price'", "header")
    raw = read_strings(text, ["date", "price"], where)
    if raw.num_rows == 0:
        raise where.fail("no prices under the header", "body")
    month = pc.utf8_trim_whitespace(raw["date"]).combine_chunks()
    ok = pc.match_substring_regex(month, r"^[0-9]{4}-(0[1-9]|1[0-2])$")
    ok = pc.and_(ok, pc.invert(pc.starts_with(month, "0000")))  # no year 0 (Arrow would read it, Python not)
    if not pc.all(ok).as_py():
        i = pc.index(ok, False).as_py()
        raise where.fail(f"line {where.first_line + i}: not a YYYY-MM month: {month[i].as_py()[:20]!r}", "Date")
    dates = pc.cast(pc.binary_join_element_wise(month, "01", "-"), pa.date32())
    not_after(dates, fetched_on, where, "Date")
    prices, missing = to_numbers(raw["price"], where, "Price", missing=("",))
    if pc.any(missing).as_py():
        i = pc.index(missing, True).as_py()
        raise where.fail(f"line {where.first_line + i}: empty price", "Price")
    _positive(prices, where, "Price")
    dup = first_duplicate(dates)
    if dup is not None:
        raise where.fail(f"line {where.first_line + dup}: duplicate month {month[dup].as_py()}", "Date")
    return rows("files", dates, pa.repeat("M", len(dates)), prices, payload_hash)
