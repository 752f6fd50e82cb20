"""Pure parser for FRED graph downloads (fredgraph.csv): bytes -> rows of ``raw.fred__observations``.

The file, as FRED serves it from a series page ("Download" -> CSV)::

    observation_date,SOFR          (older downloads: DATE,SOFR)
    2018-04-03,1.83
    2018-04-04,                    (empty, or "." in older downloads: no value for that day)

One folder per as-of date is one vintage: every row of ``<as_of>/<SERIES>.csv`` was the current value
from ``realtime_start`` = the folder's date. A vintage ends (``realtime_end``) the day before the next
folder whose file for the same series covers that observation date (its first..last date); when no later
file covers it, it is still current (9999-12-31). Coverage, not mere presence, closes a vintage: later
downloads are often cut (FRED keeps ten years of SP500; some people keep only recent history), and a cut
file says nothing about the dates it leaves out.

An empty value keeps its row: value NULL, status ``cancelled`` when the maintained list
(``ingestion/catalog/cancelled_releases.csv``) says the release will never come and the folder is dated
after the announcement, ``missing`` ("empty in file drop") otherwise.

A graph with several series downloads as one ``fredgraph.csv`` with one column per series, on the union of
their dates::

    observation_date,FEDFUNDS,MORTGAGE30US
    2024-01-01,5.33,
    2024-01-04,,6.62

There an empty cell is either a missing value or a date that is not one of that series' periods (a Thursday
for a monthly series); only the first is an observation. An empty cell is kept as ``missing`` when it lies
between the series' first and last value and on the series' own calendar (the 1st of a month, quarter or
year for M, Q and A; the weekday of its values for W; Monday to Friday for D, unless its values fall on
weekends too); any other empty cell is not an observation of that series and is left out.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.catalog import Series
from ingestion.csvtools import Where, check_bytes, first_duplicate, header_of, read_strings, to_dates, to_numbers
from ingestion.fred.parser import FAR_FUTURE, OBSERVATIONS_SCHEMA

SOURCE = "files"
DATE_HEADERS = ("observation_date", "DATE")
MISSING_REASON = "empty in file drop"


def _check_header(header: list[str], where: Where, series_ids: list[str]) -> None:
    if len(header) != 1 + len(series_ids) or header[0] not in DATE_HEADERS or header[1:] != series_ids:
        expected = ",".join(series_ids)
        raise where.fail(f"header {','.join(header)[:60]!r} is not 'observation_date,{expected}' "
                         f"(or 'DATE,{expected}')", "header")


def _table(where: Where, text: str, names: list[str], expected_rows: int | None) -> tuple[pa.Table, pa.Array]:
    """The data rows as strings, and their dates (checked: ISO, no duplicate)."""
    raw = read_strings(text, ["obs_date", *names], where)
    n = raw.num_rows
    if n == 0:
        raise where.fail("no observations under the header", "body")
    if expected_rows is not None and n != expected_rows:
        raise where.fail(f"{n} rows, but MANIFEST.csv says {expected_rows} (truncated or edited file?)", "body")
    dates = to_dates(raw["obs_date"], where, "observation_date")
    dup = first_duplicate(dates)
    if dup is not None:
        raise where.fail(f"line {where.first_line + dup}: duplicate observation date {dates[dup].as_py()}",
                         "observation_date")
    return raw, dates


def parse_fred_csv(
    content: bytes, *, series_id: str, as_of: dt.date, payload_hash: str,
    later: list[tuple[dt.date, dt.date, dt.date]] = (),
    cancelled: dict[dt.date, tuple[dt.date, str]] | None = None,
    expected_rows: int | None = None,
) -> pa.Table:
    """Parse one FRED graph CSV of the folder dated ``as_of``.

    ``later``: (as_of, first date, last date) of every later folder's file for the same series, which
    closes this vintage where it covers an observation. ``cancelled``: period -> (announced_on, statement)
    for the series. ``expected_rows``: the row count a MANIFEST.csv beside the folders declares, if any.
    """
    where = Where(SOURCE, series_id)
    text = check_bytes(content, where)
    _check_header(header_of(text), where, [series_id])
    raw, dates = _table(where, text, ["value"], expected_rows)
    values, is_missing = to_numbers(raw["value"], where, series_id)
    return _rows(series_id, dates, values, is_missing, as_of=as_of, payload_hash=payload_hash, later=later,
                 cancelled=cancelled)


def graph_series(content: bytes) -> list[str] | None:
    """The series columns of a graph download's header (``observation_date,A,B`` -> [A, B]), or None."""
    head = content[:4096].split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    header = [h.strip().strip('"').strip() for h in head.rstrip("\r").split(",")]
    return header[1:] if len(header) >= 2 and header[0] in DATE_HEADERS else None


def parse_graph_csv(
    content: bytes, *, series: list[Series], as_of: dt.date, payload_hash: str,
    later: dict[str, list[tuple[dt.date, dt.date, dt.date]]] | None = None,
    cancelled: dict[str, dict[dt.date, tuple[dt.date, str]]] | None = None,
) -> pa.Table:
    """Parse a ``fredgraph.csv`` holding several series: the rows of every series, split (module docstring)."""
    ids = [s.series_id for s in series]
    where = Where(SOURCE, f"fredgraph {'+'.join(ids)}"[:80])
    text = check_bytes(content, where)
    _check_header(header_of(text), where, ids)
    names = [f"c{i}" for i in range(len(ids))]
    raw, dates = _table(where, text, names, None)
    out = []
    for s, name in zip(series, names, strict=True):
        values, is_missing = to_numbers(raw[name], where, s.series_id)
        keep = pc.or_(pc.invert(is_missing), _missing_on_calendar(dates, is_missing, s.frequency))
        if not pc.any(keep).as_py():
            continue  # the column has no value at all: nothing this file says about the series
        out.append(_rows(s.series_id, pc.filter(dates, keep), pc.filter(values, keep), pc.filter(is_missing, keep),
                         as_of=as_of, payload_hash=payload_hash, later=(later or {}).get(s.series_id, ()),
                         cancelled=(cancelled or {}).get(s.series_id)))
    if not out:
        raise where.fail("no values in any series column", "body")
    return pa.concat_tables(out)


def _missing_on_calendar(dates: pa.Array, is_missing: pa.Array, frequency: str) -> pa.Array:
    """Empty cells that are missing observations: between the first and last value, on the series' calendar."""
    days = dates.cast(pa.int32()).to_numpy(zero_copy_only=False)
    empty = is_missing.to_numpy(zero_copy_only=False).astype(bool)
    valued = np.flatnonzero(~empty)
    if not len(valued):
        return pa.array(np.zeros(len(days), dtype=bool))
    inside = (days >= days[valued].min()) & (days <= days[valued].max())
    d64 = days.astype("datetime64[D]")
    first_of_month = d64 == d64.astype("datetime64[M]").astype("datetime64[D]")
    month = d64.astype("datetime64[M]").astype(int) % 12 + 1
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday: Monday = 0
    if frequency == "M":
        on = first_of_month
    elif frequency == "Q":
        on = first_of_month & np.isin(month, (1, 4, 7, 10))
    elif frequency == "A":
        on = first_of_month & (month == 1)
    elif frequency == "W":
        on = weekday == np.bincount(weekday[valued], minlength=7).argmax()
    else:  # daily: business days, or every day when the series has weekend values (DFF)
        on = np.ones(len(days), dtype=bool) if (weekday[valued] >= 5).any() else weekday < 5
    return pa.array(empty & inside & on)


def _rows(
    series_id: str, dates: pa.Array, values: pa.Array, is_missing: pa.Array, *, as_of: dt.date, payload_hash: str,
    later, cancelled: dict[dt.date, tuple[dt.date, str]] | None,
) -> pa.Table:
    n = len(dates)
    status = pc.if_else(is_missing, "missing", "ok")
    reason = pc.if_else(is_missing, MISSING_REASON, pa.scalar(None, pa.string()))
    known = {p: s for p, (announced, s) in (cancelled or {}).items() if announced <= as_of}
    if known and pc.any(is_missing).as_py():
        periods = pa.array(sorted(known), pa.date32())
        hit = pc.and_(is_missing, pc.is_in(dates, value_set=periods))
        if pc.any(hit).as_py():
            status = pc.if_else(hit, "cancelled", status)
            statement = pc.take(pa.array([known[p] for p in sorted(known)], pa.string()),
                                pc.fill_null(pc.index_in(dates, value_set=periods), 0))
            reason = pc.if_else(hit, statement, reason)

    return pa.table({
        "source": pa.repeat(SOURCE, n),
        "series_id": pa.repeat(series_id, n),
        "obs_date": dates,
        "value": values,
        "value_status": status,
        "status_reason": reason,
        "realtime_start": pa.repeat(pa.scalar(as_of, pa.date32()), n),
        "realtime_end": realtime_ends(dates, as_of, later),
        "payload_hash": pa.repeat(payload_hash, n),
    }, schema=OBSERVATIONS_SCHEMA)


def _days(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def realtime_ends(dates: pa.Array, as_of: dt.date, later: list[tuple[dt.date, dt.date, dt.date]]) -> pa.Array:
    """Per observation: the day before the first later folder whose file covers its date, else 9999-12-31."""
    obs = dates.cast(pa.int32()).to_numpy(zero_copy_only=False)
    end = np.full(len(obs), _days(FAR_FUTURE), dtype="int32")
    open_ = np.ones(len(obs), dtype=bool)
    for folder, first, last in sorted(later):
        if folder <= as_of:
            continue
        covered = open_ & (obs >= _days(first)) & (obs <= _days(last))
        end[covered] = _days(folder) - 1
        open_ &= ~covered
    return pa.array(end, pa.int32()).cast(pa.date32())


def coverage(content: bytes) -> tuple[dt.date, dt.date] | None:
    """First and last observation date of a FRED graph CSV, read cheaply (None if it cannot tell).

    Used when listing the folder, to close earlier vintages; the file itself is fully checked when parsed.
    """
    lines = [ln.strip() for ln in content.splitlines()[1:] if ln.strip()]
    if not lines:
        return None
    try:
        first = dt.date.fromisoformat(lines[0].split(b",", 1)[0].decode().strip())
        last = dt.date.fromisoformat(lines[-1].split(b",", 1)[0].decode().strip())
    except (ValueError, UnicodeDecodeError):
        return None
    return (first, last) if first <= last else (last, first)


def column_coverage(content: bytes) -> dict[str, tuple[dt.date, dt.date]]:
    """Per series column of a graph download: first and last date that has a value (a cheap scan, as
    ``coverage``); a column without values, or a file it cannot read, gives nothing."""
    ids = graph_series(content)
    if not ids:
        return {}
    out: dict[str, tuple[dt.date, dt.date]] = {}
    for line in content.splitlines()[1:]:
        cells = line.decode("utf-8", "replace").strip().split(",")
        if len(cells) != len(ids) + 1:
            continue
        try:
            day = dt.date.fromisoformat(cells[0].strip())
        except ValueError:
            continue
        for sid, cell in zip(ids, cells[1:], strict=True):
            if cell.strip() not in ("", "."):
                first, last = out.get(sid, (day, day))
                out[sid] = (min(first, day), max(last, day))
    return out
