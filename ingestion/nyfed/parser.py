"""Pure parser for the NY Fed Markets API reference rates: bytes in, a typed Arrow table out.

The wire format is ``GET /api/rates/{secured|unsecured}/{sofr|bgcr|tgcr|effr}/search.json``::

    {"refRates": [{"effectiveDate": "2019-09-17", "type": "SOFR", "percentRate": 5.25,
                   "percentPercentile1": 2.0, "percentPercentile25": 5.2, "percentPercentile75": 5.8,
                   "percentPercentile99": 9.0, "volumeInBillions": 1280, "revisionIndicator": ""}, ...]}

EFFR rows also carry ``targetRateFrom``/``targetRateTo``; before 2016-03-01 (brokered-trade method)
they carry ``intraDayLow``/``intraDayHigh``/``stdDeviation`` instead of percentiles and volume, and
before 2008-12-16 (a single target rate, not a range) ``targetRateFrom`` alone. A row may carry a
``footnoteId``. Any other field, a missing one, a wrong type, a duplicate date or key, or
percentiles out of order is one ParseError naming source, series (the rate type) and field.

Every row is one *version* of a rate: ``version_hash`` fingerprints its content, so fetching the same
history again adds nothing while a revised rate (``revisionIndicator`` set) becomes a new version.
When the rate became known (``published_at``) is either the release schedule (the sample world:
8:00 ET the next business day for the secured rates, 9:00 ET for EFFR, 14:30 ET for a same-day
revision) or, for live data that carries no publication time, the fetch time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from ingestion.errors import ParseError
from ingestion.jsonstrict import has_lone_surrogate, reject_duplicate_keys
from ingestion.scenario import next_business_day

SOURCE = "nyfed"
ET = ZoneInfo("America/New_York")

RATE_TYPES = ("SOFR", "BGCR", "TGCR", "EFFR")
ENDPOINTS = {"SOFR": "rates/secured/sofr/search.json", "BGCR": "rates/secured/bgcr/search.json",
             "TGCR": "rates/secured/tgcr/search.json", "EFFR": "rates/unsecured/effr/search.json"}
EFFR_MEDIAN_METHOD_START = dt.date(2016, 3, 1)  # EFFR became a volume-weighted median of FR 2420 trades
SOFR_METHOD_CHANGE = dt.date(2024, 11, 25)  # affiliate trades excluded, low-rate DVP volume trimmed

# rate type -> [(first effective date, method_version)], ascending.
METHODS: dict[str, tuple[tuple[dt.date, str], ...]] = {
    "SOFR": ((dt.date(2018, 4, 2), "sofr-2018-04-02"), (SOFR_METHOD_CHANGE, "sofr-2024-11-25")),
    "BGCR": ((dt.date(2018, 4, 2), "bgcr-2018-04-02"),),
    "TGCR": ((dt.date(2018, 4, 2), "tgcr-2018-04-02"),),
    "EFFR": ((dt.date(2000, 7, 3), "effr-2000-07-03"), (EFFR_MEDIAN_METHOD_START, "effr-2016-03-01")),
}
METHOD_VERSIONS = tuple(v for methods in METHODS.values() for _, v in methods)

# Publication times (ET) of the release schedule.
PUBLISHED_AT_ET = {"SOFR": dt.time(8), "BGCR": dt.time(8), "TGCR": dt.time(8), "EFFR": dt.time(9)}
REVISED_AT_ET = dt.time(14, 30)

KNOWLEDGE = ("release_schedule", "fetch")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

REQUIRED = {"effectiveDate", "type", "percentRate", "revisionIndicator"}
DISTRIBUTION = {"percentPercentile1", "percentPercentile25", "percentPercentile75", "percentPercentile99",
                "volumeInBillions"}
TARGET = {"targetRateFrom", "targetRateTo"}
BROKERED = {"intraDayLow", "intraDayHigh", "stdDeviation"}
OPTIONAL = {"footnoteId"}

NUMERIC = {  # wire field -> raw column
    "percentRate": "percent_rate", "percentPercentile1": "percentile_1", "percentPercentile25": "percentile_25",
    "percentPercentile75": "percentile_75", "percentPercentile99": "percentile_99",
    "volumeInBillions": "volume_in_billions", "targetRateFrom": "target_rate_from", "targetRateTo": "target_rate_to",
    "intraDayLow": "intraday_low", "intraDayHigh": "intraday_high", "stdDeviation": "std_deviation",
}

SCHEMA = pa.schema([
    ("source", pa.string()), ("rate_type", pa.string()), ("effective_date", pa.date32()),
    ("percent_rate", pa.float64()), ("percentile_1", pa.float64()), ("percentile_25", pa.float64()),
    ("percentile_75", pa.float64()), ("percentile_99", pa.float64()), ("volume_in_billions", pa.float64()),
    ("target_rate_from", pa.float64()), ("target_rate_to", pa.float64()), ("intraday_low", pa.float64()),
    ("intraday_high", pa.float64()), ("std_deviation", pa.float64()), ("footnote_id", pa.string()),
    ("revision_indicator", pa.string()), ("method_version", pa.string()),
    ("published_at", pa.timestamp("us", tz="UTC")), ("published_on", pa.date32()),
    ("knowledge_basis", pa.string()), ("fetched_at", pa.timestamp("us", tz="UTC")),
    ("version_hash", pa.string()), ("payload_hash", pa.string()),
])


# --------------------------------------------------------------------------- shared JSON decoding


def decode_json(content: bytes, *, source: str, series: str | None, what: str) -> Any:
    """Decode a JSON document or raise one ParseError line (empty, HTML error page, not UTF-8, truncated,
    duplicate keys). Used by the NY Fed and OFR parsers alike."""
    if not content.strip():
        raise ParseError(source, f"empty {what} body (0 bytes)", series=series, field="body")
    if content.lstrip()[:1] == b"<":
        raise ParseError(source, f"{what} body is HTML/XML, not JSON (an error page sent with 200?)",
                         series=series, field="body")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(source, f"{what} body is not UTF-8 (byte {exc.start})", series=series,
                         field="body") from None
    try:
        doc = json.loads(text, object_pairs_hook=reject_duplicate_keys)
    except ValueError as exc:
        raise ParseError(source, f"malformed or truncated {what} JSON: {exc}", series=series,
                         field="body") from None
    if has_lone_surrogate(text, doc):
        raise ParseError(source, f"{what} JSON has a lone UTF-16 surrogate escape (not text)", series=series,
                         field="body")
    return doc


def parse_date(value: object, *, source: str, series: str, field: str) -> dt.date:
    if not isinstance(value, str):
        raise ParseError(source, f"expected a YYYY-MM-DD string, got {type(value).__name__} {str(value)[:40]!r}",
                         series=series, field=field)
    try:
        if not ISO_DATE.match(value):  # fromisoformat alone takes "20190917" and week dates ("2019-W38-2")
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParseError(source, f"not a date: {value[:40]!r}", series=series, field=field) from None


def number(value: object, *, source: str, series: str, field: str, when: object) -> float:
    """A JSON number (int or float, never bool or string) that is finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(source, f"on {when}: expected a number, got {type(value).__name__} {str(value)[:40]!r}",
                         series=series, field=field)
    try:
        out = float(value)
    except OverflowError:  # a JSON integer too large for a double
        out = math.inf
    if not math.isfinite(out):
        raise ParseError(source, f"on {when}: not finite: {str(value)[:40]!r}", series=series, field=field)
    return out


# --------------------------------------------------------------------------- reference rates


def method_version(rate_type: str, effective_date: dt.date) -> str | None:
    """The calculation method in force for ``rate_type`` on ``effective_date`` (None before the first)."""
    current = None
    for since, version in METHODS[rate_type]:
        if effective_date >= since:
            current = version
    return current


@cache
def business_day_after(day: dt.date, after: int = 1) -> dt.date:
    """``scenario.next_business_day``, memoised (it runs once per parsed row)."""
    return next_business_day(day, after)


def scheduled_publication(rate_type: str, effective_date: dt.date, *, revised: bool) -> dt.datetime:
    """When the release schedule makes the rate for ``effective_date`` public (UTC)."""
    day = business_day_after(effective_date)
    at = REVISED_AT_ET if revised else PUBLISHED_AT_ET[rate_type]
    return dt.datetime.combine(day, at, tzinfo=ET).astimezone(dt.UTC)


@dataclass(frozen=True)
class _Ctx:
    rate_type: str

    def fail(self, message: str, field: str) -> ParseError:
        return ParseError(SOURCE, message, series=self.rate_type, field=field)


def _expected_fields(rate_type: str, day: dt.date) -> tuple[set[str], set[str]]:
    """(required, allowed) wire fields of one row of ``rate_type`` on ``day``.

    EFFR rows before 2016-03-01 (brokered trades) carry the intraday low and high and the standard deviation
    instead of percentiles and volume, and before 2008-12-16 a single target rate (``targetRateFrom`` alone);
    any EFFR field the API documents is kept whatever the era, never dropped."""
    if rate_type != "EFFR":
        required = REQUIRED | DISTRIBUTION
        return required, required | OPTIONAL
    median = day >= EFFR_MEDIAN_METHOD_START
    required = REQUIRED | DISTRIBUTION | TARGET if median else REQUIRED | {"targetRateFrom"}
    return required, REQUIRED | DISTRIBUTION | TARGET | BROKERED | OPTIONAL


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(ts: dt.datetime) -> int:
    """UTC microseconds since the epoch (Arrow builds tz-aware timestamps from these without pandas)."""
    return (ts - _EPOCH) // dt.timedelta(microseconds=1)


def _version_hash(values: tuple) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:24]


def parse_reference_rates(
    content: bytes, *, rate_type: str, payload_hash: str, fetched_at: dt.datetime,
    knowledge: str = "fetch",
) -> pa.Table:
    """Parse one ``search.json`` answer for ``rate_type`` (one row per effective date and version)."""
    if rate_type not in RATE_TYPES:
        raise ParseError(SOURCE, f"unknown rate type (expected one of {', '.join(RATE_TYPES)})",
                         series=str(rate_type), field="type")
    if knowledge not in KNOWLEDGE:
        raise ParseError(SOURCE, f"unknown knowledge basis {knowledge!r}", series=rate_type, field="knowledge")
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    ctx = _Ctx(rate_type)
    doc = decode_json(content, source=SOURCE, series=rate_type, what="reference rates")
    if not isinstance(doc, dict):
        raise ctx.fail(f"JSON is a {type(doc).__name__}, expected an object with 'refRates'", "body")
    if set(doc) != {"refRates"}:
        extra, missing = sorted(set(doc) - {"refRates"}), sorted({"refRates"} - set(doc))
        raise ctx.fail(f"schema drift at the top level: extra {extra}, missing {missing}", (extra or missing)[0])
    rows = doc["refRates"]
    if not isinstance(rows, list):
        raise ctx.fail(f"'refRates' is a {type(rows).__name__}, expected a list", "refRates")

    fetched_utc = fetched_at.astimezone(dt.UTC)
    fetched_us = _micros(fetched_utc)
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    seen: set[dt.date] = set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ctx.fail(f"row #{i} is a {type(row).__name__}, expected an object", "refRates")
        day = parse_date(row.get("effectiveDate"), source=SOURCE, series=rate_type, field="effectiveDate")
        required, allowed = _expected_fields(rate_type, day)
        keys = set(row)
        if not required <= keys or not keys <= allowed:
            extra, missing = sorted(keys - allowed), sorted(required - keys)
            raise ctx.fail(f"schema drift on {day}: extra {extra}, missing {missing}", (extra or missing)[0])
        kind = row["type"]
        if kind != rate_type:
            raise ctx.fail(f"row for {day} has type {str(kind)[:20]!r}: " + (
                f"a {kind} row in a {rate_type} answer" if kind in RATE_TYPES else "unknown rate type"), "type")
        if day in seen:
            raise ctx.fail(f"duplicate effectiveDate {day}", "effectiveDate")
        seen.add(day)
        if day >= fetched_utc.date():
            raise ctx.fail(f"effectiveDate {day} is not before the fetch date {fetched_utc.date()} "
                           "(a rate is published the next business day)", "effectiveDate")
        version = method_version(rate_type, day)
        if version is None:
            raise ctx.fail(f"effectiveDate {day} is before the rate was first published", "effectiveDate")

        values = {col: None for col in NUMERIC.values()}
        for wire, col in NUMERIC.items():
            if wire in row:
                values[col] = number(row[wire], source=SOURCE, series=rate_type, field=wire, when=day)
        if values["volume_in_billions"] is not None and values["volume_in_billions"] < 0:
            raise ctx.fail(f"on {day}: negative volume {values['volume_in_billions']}", "volumeInBillions")
        if values["percentile_1"] is not None:
            knots = [("percentPercentile1", values["percentile_1"]), ("percentPercentile25", values["percentile_25"]),
                     ("percentRate", values["percent_rate"]), ("percentPercentile75", values["percentile_75"]),
                     ("percentPercentile99", values["percentile_99"])]
            knots = [(name, v) for name, v in knots if v is not None]  # a partial distribution: check what is there
            for (_, lo), (name, hi) in zip(knots, knots[1:], strict=False):
                if hi < lo:
                    raise ctx.fail(f"on {day}: percentiles out of order ({name} {hi} below {lo})", name)

        revision = row["revisionIndicator"]
        if not isinstance(revision, str) or len(revision) > 8:
            raise ctx.fail(f"on {day}: expected a short string, got {type(revision).__name__} {str(revision)[:40]!r}",
                           "revisionIndicator")
        footnote = row.get("footnoteId")
        if footnote is not None:
            if isinstance(footnote, bool) or not isinstance(footnote, str | int):
                raise ctx.fail(f"on {day}: expected a string or integer id, got {type(footnote).__name__}",
                               "footnoteId")
            footnote = str(footnote).strip() or None

        if knowledge == "release_schedule":
            published_at = scheduled_publication(rate_type, day, revised=bool(revision.strip()))
            if published_at > fetched_utc:
                raise ctx.fail(f"effectiveDate {day} is published {published_at:%Y-%m-%d %H:%M}Z, after the fetch "
                               f"at {fetched_utc:%Y-%m-%d %H:%M}Z", "effectiveDate")
        else:
            published_at = fetched_utc

        cols["source"].append(SOURCE)
        cols["rate_type"].append(rate_type)
        cols["effective_date"].append(day)
        for col, v in values.items():
            cols[col].append(v)
        cols["footnote_id"].append(footnote)
        cols["revision_indicator"].append(revision)
        cols["method_version"].append(version)
        cols["published_at"].append(_micros(published_at))
        cols["published_on"].append(published_at.date())
        cols["knowledge_basis"].append(knowledge)
        cols["fetched_at"].append(fetched_us)
        cols["version_hash"].append(_version_hash((rate_type, day.isoformat(), *values.values(), footnote, revision)))
        cols["payload_hash"].append(payload_hash)
    return pa.table(cols, schema=SCHEMA)
