"""Pure parsers for FRED/ALFRED JSON: bytes in, a typed Arrow table out, or one clear SourceError.

The same functions parse live responses, recorded payloads and the sample generator's output.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import pyarrow as pa

from ingestion.catalog import Series
from ingestion.errors import ParseError
from ingestion.jsonstrict import has_lone_surrogate, reject_duplicate_keys

SOURCE = "fred"
OBS_FIELDS = {"realtime_start", "realtime_end", "date", "value"}
FAR_FUTURE = dt.date(9999, 12, 31)
# FRED writes dates as YYYY-MM-DD and numbers as plain decimals. Python alone is laxer: date.fromisoformat
# takes "20250701" and ISO week dates ("2025-W27-1"), float() takes "1_000" and non-ASCII digits.
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")

OBSERVATIONS_SCHEMA = pa.schema([
    ("source", pa.string()), ("series_id", pa.string()), ("obs_date", pa.date32()),
    ("value", pa.float64()), ("value_status", pa.string()), ("status_reason", pa.string()),
    ("realtime_start", pa.date32()), ("realtime_end", pa.date32()), ("payload_hash", pa.string()),
])


def load_json(content: bytes, *, series: str | None, what: str) -> dict:
    """Decode a JSON object, naming what went wrong in one line (HTML error pages, truncation, bytes)."""
    if not content.strip():
        raise ParseError(SOURCE, f"empty {what} body (0 bytes)", series=series, field="body")
    head = content.lstrip()[:15].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise ParseError(SOURCE, f"{what} body is HTML/XML, not JSON (an error page sent with 200?)",
                         series=series, field="body")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(SOURCE, f"{what} body is not UTF-8 (byte {exc.start})", series=series,
                         field="body") from None
    try:
        doc = json.loads(text, object_pairs_hook=reject_duplicate_keys)
    except ValueError as exc:
        raise ParseError(SOURCE, f"malformed or truncated {what} JSON: {exc}", series=series,
                         field="body") from None
    if has_lone_surrogate(text, doc):
        raise ParseError(SOURCE, f"{what} JSON has a lone UTF-16 surrogate escape (not text)", series=series,
                         field="body")
    if not isinstance(doc, dict):
        raise ParseError(SOURCE, f"{what} JSON is a {type(doc).__name__}, expected an object",
                         series=series, field="body")
    if "error_code" in doc or "error_message" in doc:
        raise ParseError(SOURCE, f"API error {doc.get('error_code')}: {doc.get('error_message')}",
                         series=series, field="error_message")
    return doc


def _date(value: object, *, series: str, field: str) -> dt.date:
    if not isinstance(value, str):
        raise ParseError(SOURCE, f"expected a YYYY-MM-DD string, got {type(value).__name__} {str(value)[:40]!r}",
                         series=series, field=field)
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParseError(SOURCE, f"not a date: {value[:40]!r}", series=series, field=field) from None


def parse_observations(
    content: bytes, *, series: Series, payload_hash: str, fetched_on: dt.date,
    cancelled: dict[dt.date, str] | None = None,
) -> pa.Table:
    """Parse ``fred/series/observations`` (output_type=1: one row per value and real-time period).

    "." means FRED has no number: the row is kept with value NULL and a status. It is ``cancelled``
    when the maintained list says the release will never come, ``missing`` otherwise.
    """
    sid = series.series_id
    doc = load_json(content, series=sid, what="observations")
    obs = doc.get("observations")
    if not isinstance(obs, list):
        raise ParseError(SOURCE, "missing or non-list 'observations'", series=sid, field="observations")
    units = doc.get("units", "lin")
    if units != "lin":
        raise ParseError(SOURCE, f"transformed units {units!r}; only 'lin' (levels) is accepted",
                         series=sid, field="units")
    cancelled = cancelled or {}
    fast = _fast_observations(obs, sid, payload_hash, fetched_on, cancelled)
    if fast is not None:
        check_count(doc, len(obs), series=sid)
        return fast
    # The careful path: the same checks row by row, so the error names the row and field.
    cols: dict[str, list] = {k: [] for k in OBSERVATIONS_SCHEMA.names}
    seen: set[tuple[dt.date, dt.date]] = set()
    for i, row in enumerate(obs):
        if not isinstance(row, dict):
            raise ParseError(SOURCE, f"observation #{i} is not an object", series=sid, field="observations")
        if set(row) != OBS_FIELDS:
            extra, missing = sorted(set(row) - OBS_FIELDS), sorted(OBS_FIELDS - set(row))
            raise ParseError(SOURCE, f"schema drift in observation #{i}: extra {extra}, missing {missing}",
                             series=sid, field=(extra or missing)[0])
        obs_date = _date(row["date"], series=sid, field="date")
        start = _date(row["realtime_start"], series=sid, field="realtime_start")
        end = _date(row["realtime_end"], series=sid, field="realtime_end")
        if end < start:
            raise ParseError(SOURCE, f"realtime_end {end} before realtime_start {start} on {obs_date}",
                             series=sid, field="realtime_end")
        if start > fetched_on:
            raise ParseError(SOURCE, f"realtime_start {start} is in the future (fetched {fetched_on})",
                             series=sid, field="realtime_start")
        if (obs_date, start) in seen:
            raise ParseError(SOURCE, f"duplicate observation {obs_date} for vintage {start}",
                             series=sid, field="date")
        seen.add((obs_date, start))
        raw = row["value"]
        if not isinstance(raw, str):
            raise ParseError(SOURCE, f"value on {obs_date} is {type(raw).__name__} {raw!r}, expected a string",
                             series=sid, field="value")
        value, status, reason = None, "ok", None
        if raw.strip() in (".", ""):
            if obs_date in cancelled:
                status, reason = "cancelled", cancelled[obs_date]
            else:
                status, reason = "missing", "FRED reported '.' (no value for this period)"
        else:
            try:
                if not DECIMAL.match(raw.strip()):
                    raise ValueError(raw)
                value = float(raw)
            except ValueError:
                raise ParseError(SOURCE, f"value on {obs_date} is not a number: {raw[:40]!r}",
                                 series=sid, field="value") from None
            if not math.isfinite(value):
                raise ParseError(SOURCE, f"value on {obs_date} is not finite: {raw!r}", series=sid,
                                 field="value")
        cols["source"].append(SOURCE)
        cols["series_id"].append(sid)
        cols["obs_date"].append(obs_date)
        cols["value"].append(value)
        cols["value_status"].append(status)
        cols["status_reason"].append(reason)
        cols["realtime_start"].append(start)
        cols["realtime_end"].append(end)
        cols["payload_hash"].append(payload_hash)
    check_count(doc, len(obs), series=sid)
    return pa.table(cols, schema=OBSERVATIONS_SCHEMA)


MAX_LIMIT = 100_000  # the API's largest page (and its default)


def page_of(doc: dict, *, series: str) -> tuple[int, int, int] | None:
    """(count, offset, limit) a response states, checked; None when it states no count."""
    if "count" not in doc:
        return None
    values = []
    for key, default in (("count", None), ("offset", 0), ("limit", MAX_LIMIT)):
        v = doc.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ParseError(SOURCE, f"{key} is {type(v).__name__} {str(v)[:20]!r}, expected a whole number",
                             series=series, field=key)
        values.append(v)
    return values[0], values[1], values[2]


def check_count(doc: dict, rows: int, *, series: str) -> None:
    """Refuse a page whose rows disagree with its own count, offset and limit (a truncated or lying answer):
    a long vintage history must never load cut short without a word."""
    page = page_of(doc, series=series)
    if page is None:
        return
    count, offset, limit = page
    expected = max(0, min(limit, count - offset))
    if rows != expected:
        raise ParseError(SOURCE, f"{rows} observations, but the response says count {count} (offset {offset}, "
                         f"limit {limit}): expected {expected}; truncated or inconsistent answer", series=series,
                         field="count")


def _fast_observations(
    obs: list, sid: str, payload_hash: str, fetched_on: dt.date, cancelled: dict[dt.date, str]
) -> pa.Table | None:
    """Vectorised parse of a well-formed payload (Arrow casts); None means "check row by row"."""
    import pyarrow.compute as pc

    n = len(obs)
    if not all(type(r) is dict and r.keys() == OBS_FIELDS for r in obs):
        return None
    try:
        date_s = pa.array([r["date"] for r in obs], pa.string())
        start_s = pa.array([r["realtime_start"] for r in obs], pa.string())
        end_s = pa.array([r["realtime_end"] for r in obs], pa.string())
        raw = pa.array([r["value"] for r in obs], pa.string())  # padded values take the careful path
        if any(a.null_count for a in (date_s, start_s, end_s, raw)):
            return None  # a JSON null: the careful path names the row and field
        if any(pc.any(pc.not_equal(pc.utf8_length(a), 10)).as_py() for a in (date_s, start_s, end_s)):
            return None  # only strict YYYY-MM-DD takes the fast path
        obs_date, start, end = (pc.cast(a, pa.date32()) for a in (date_s, start_s, end_s))
        if any(pc.any(pc.less(a, pa.scalar(dt.date.min, pa.date32()))).as_py() for a in (obs_date, start, end)):
            return None  # Arrow reads year 0000, Python has no such year: the careful path refuses it
        missing = pc.is_in(raw, value_set=pa.array([".", ""]))
        value = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), raw), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return None
    finite = pc.is_finite(value)
    if pc.any(pc.and_(pc.is_valid(value), pc.invert(finite))).as_py():
        return None
    if pc.any(pc.less(end, start)).as_py() or pc.any(pc.greater(start, pa.scalar(fetched_on, pa.date32()))).as_py():
        return None
    key = pc.add(pc.multiply(obs_date.cast(pa.int32()).cast(pa.int64()), 1 << 32),
                 start.cast(pa.int32()).cast(pa.int64()))
    if pc.count_distinct(key).as_py() != n:
        return None  # a duplicate (period, vintage): the careful path names it
    status: list[str] = ["ok"] * n
    reason: list[str | None] = [None] * n
    dates = obs_date.to_pylist()
    for i in pc.indices_nonzero(missing).to_pylist():
        if dates[i] in cancelled:
            status[i], reason[i] = "cancelled", cancelled[dates[i]]
        else:
            status[i], reason[i] = "missing", "FRED reported '.' (no value for this period)"
    return pa.table({
        "source": pa.array([SOURCE] * n, pa.string()), "series_id": pa.array([sid] * n, pa.string()),
        "obs_date": obs_date, "value": value, "value_status": pa.array(status, pa.string()),
        "status_reason": pa.array(reason, pa.string()), "realtime_start": start, "realtime_end": end,
        "payload_hash": pa.array([payload_hash] * n, pa.string()),
    }, schema=OBSERVATIONS_SCHEMA)


SERIES_SCHEMA = pa.schema([
    ("source", pa.string()), ("series_id", pa.string()), ("title", pa.string()), ("units", pa.string()),
    ("frequency_short", pa.string()), ("seasonal_adjustment_short", pa.string()),
    ("last_updated", pa.string()), ("observation_start", pa.date32()), ("observation_end", pa.date32()),
    ("realtime_start", pa.date32()), ("payload_hash", pa.string()), ("units_short", pa.string()),
    ("notes", pa.string()),
])


def parse_series(content: bytes, *, series: Series, payload_hash: str) -> pa.Table:
    """Parse ``fred/series`` metadata, and refuse a unit change against the catalog (e.g. ×1000)."""
    sid = series.series_id
    doc = load_json(content, series=sid, what="series")
    items = doc.get("seriess")
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise ParseError(SOURCE, "expected exactly one entry in 'seriess'", series=sid, field="seriess")
    s = items[0]
    if s.get("id") != sid:
        raise ParseError(SOURCE, f"unknown or unexpected series id {s.get('id')!r}", series=sid, field="id")
    if s.get("units") != series.unit:
        raise ParseError(SOURCE, f"unit changed: catalog says {series.unit!r}, payload says {s.get('units')!r}",
                         series=sid, field="units")
    if s.get("frequency_short") != series.frequency:
        raise ParseError(SOURCE, f"frequency changed: catalog {series.frequency!r}, payload "
                         f"{s.get('frequency_short')!r}", series=sid, field="frequency_short")
    for key in ("title", "seasonal_adjustment_short", "last_updated", "units_short", "notes"):
        if s.get(key) is not None and not isinstance(s[key], str):
            raise ParseError(SOURCE, f"{key} is {type(s[key]).__name__} {str(s[key])[:40]!r}, expected a string",
                             series=sid, field=key)
    row = {
        "source": SOURCE, "series_id": sid, "title": s.get("title"), "units": s.get("units"),
        "frequency_short": s.get("frequency_short"),
        "seasonal_adjustment_short": s.get("seasonal_adjustment_short"),
        "last_updated": s.get("last_updated"),
        "observation_start": _date(s.get("observation_start"), series=sid, field="observation_start"),
        "observation_end": _date(s.get("observation_end"), series=sid, field="observation_end"),
        "realtime_start": _date(s.get("realtime_start"), series=sid, field="realtime_start"),
        "payload_hash": payload_hash,
        "units_short": s.get("units_short"),
        "notes": s.get("notes"),  # FRED's own notes on the series: source, method, breaks (absent on some)
    }
    return pa.Table.from_pylist([row], schema=SERIES_SCHEMA)


RELEASE_DATES_SCHEMA = pa.schema([
    ("source", pa.string()), ("release_id", pa.int32()), ("release_name", pa.string()),
    ("release_date", pa.date32()), ("payload_hash", pa.string()),
])


def parse_release_dates(content: bytes, *, release_id: int, release_name: str, payload_hash: str) -> pa.Table:
    """Parse ``fred/release/dates`` (with include_release_dates_with_no_data=true: the schedule)."""
    label = f"release {release_id}"
    doc = load_json(content, series=label, what="release dates")
    items = doc.get("release_dates")
    if not isinstance(items, list):
        raise ParseError(SOURCE, "missing or non-list 'release_dates'", series=label, field="release_dates")
    dates = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("release_id") != release_id:
            raise ParseError(SOURCE, f"entry #{i} is not for release {release_id}", series=label,
                             field="release_id")
        dates.append(_date(item.get("date"), series=label, field="date"))
    if len(dates) != len(set(dates)):
        raise ParseError(SOURCE, "duplicate release date", series=label, field="date")
    n = len(dates)
    return pa.table({
        "source": [SOURCE] * n, "release_id": [release_id] * n, "release_name": [release_name] * n,
        "release_date": dates, "payload_hash": [payload_hash] * n,
    }, schema=RELEASE_DATES_SCHEMA)
