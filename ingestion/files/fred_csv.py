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
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.files.csvtools import Where, check_bytes, first_duplicate, header_of, read_strings, to_dates, to_numbers
from ingestion.fred.parser import FAR_FUTURE, OBSERVATIONS_SCHEMA

SOURCE = "files"
DATE_HEADERS = ("observation_date", "DATE")
MISSING_REASON = "empty in file drop"


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
    header = header_of(text)
    if len(header) != 2 or header[0] not in DATE_HEADERS or header[1] != series_id:
        raise where.fail(f"header {','.join(header)[:60]!r} is not 'observation_date,{series_id}' "
                         f"(or 'DATE,{series_id}')", "header")
    raw = read_strings(text, ["obs_date", "value"], where)
    n = raw.num_rows
    if n == 0:
        raise where.fail("no observations under the header", "body")
    if expected_rows is not None and n != expected_rows:
        raise where.fail(f"{n} rows, but MANIFEST.csv says {expected_rows} (truncated or edited file?)", "body")
    dates = to_dates(raw["obs_date"], where, "observation_date")
    values, is_missing = to_numbers(raw["value"], where, series_id)
    dup = first_duplicate(dates)
    if dup is not None:
        raise where.fail(f"line {where.first_line + dup}: duplicate observation date {dates[dup].as_py()}",
                         "observation_date")

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
