"""Pure parsers for the OFR Short-term Funding Monitor API (repo segments): bytes in, Arrow out.

Two wire formats, both for one mnemonic:

* ``GET /v1/series/timeseries?mnemonic=M`` answers a bare list ``[["2019-01-02", 2.45], ...]``
  (``null`` where no value was published);
* ``GET /v1/series/full?mnemonic=M`` answers ``{"M": {"timeseries": {"aggregation": [[date, value], ...],
  "disclosure_edits": [[date, null], ...]}, "metadata": {"mnemonic": "M", "description": {"name": ...,
  "vintage": "Preliminary", ...}, "schedule": {...}, "unit": {"name": "Percent", ...}, ...}}}``.

The vintage is in the mnemonic: ``-P`` preliminary, ``-F`` final (published later, for the same day).
A metadata vintage or unit that contradicts the catalog (``ingestion/ofr/mnemonics.csv``), an unknown
mnemonic, a wrong type, a duplicate date or key, a point that is not a [date, value] pair, or an extra
or missing field is one ParseError naming source, series (the mnemonic) and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa

from ingestion.errors import ParseError, SourceError
from ingestion.nyfed.parser import business_day_after, decode_json, number, parse_date

SOURCE = "ofr"
CATALOG = Path(__file__).parent / "mnemonics.csv"
MNEMONIC = re.compile(r"^REPO-(?P<segment>DVP|GCF|TRI|TRIV1)_(?P<code>AR|TV|OV)_(?P<tenor>[A-Z0-9]{1,8})-(?P<v>P|F)$")
MEASURES = {"AR": "rate", "TV": "volume", "OV": "outstanding"}
UNITS = {"rate": "Percent", "volume": "USD", "outstanding": "USD"}
VINTAGES = {"P": "preliminary", "F": "final"}
# Sample release schedule (business days after the observation): preliminary next day, final later.
PUBLICATION_LAG = {"preliminary": 1, "final": 5}
KNOWLEDGE = ("release_schedule", "fetch")


@dataclass(frozen=True)
class Mnemonic:
    mnemonic: str
    segment: str  # DVP | GCF | TRI | TRIV1
    measure: str  # rate | volume | outstanding
    tenor: str  # OO (overnight/open), TOT (total), ...
    vintage: str  # preliminary | final
    name: str

    @property
    def unit(self) -> str:
        return UNITS[self.measure]

    @property
    def is_preliminary(self) -> bool:
        return self.vintage == "preliminary"


def validate_mnemonic(value: object) -> re.Match:
    m = MNEMONIC.match(value) if isinstance(value, str) else None
    if m is None:
        raise SourceError(SOURCE, f"invalid mnemonic {str(value)[:60]!r} (expected REPO-<DVP|GCF|TRI|TRIV1>_"
                          "<AR|TV|OV>_<tenor>-<P|F>)", field="mnemonic")
    return m


@cache
def mnemonics() -> dict[str, Mnemonic]:
    """The maintained list of OFR series to fetch (one CSV line each), checked against its own mnemonic."""
    out: dict[str, Mnemonic] = {}
    with open(CATALOG, newline="") as fh:
        for row in csv.DictReader(fh):
            m = validate_mnemonic(row["mnemonic"])
            entry = Mnemonic(row["mnemonic"], row["segment"], row["measure"], row["tenor"], row["vintage"],
                             row["name"])
            derived = (m["segment"], MEASURES[m["code"]], m["tenor"], VINTAGES[m["v"]])
            if derived != (entry.segment, entry.measure, entry.tenor, entry.vintage):
                raise ValueError(f"{CATALOG.name}: {entry.mnemonic}: columns disagree with the mnemonic {derived}")
            out[entry.mnemonic] = entry
    return out


def lookup(mnemonic: object) -> Mnemonic:
    m = str(mnemonic)
    cat = mnemonics()
    if m not in cat:
        raise SourceError(SOURCE, "unknown mnemonic (not in ingestion/ofr/mnemonics.csv)", series=m[:60],
                          field="mnemonic")
    return cat[m]


OBSERVATIONS_SCHEMA = pa.schema([
    ("source", pa.string()), ("mnemonic", pa.string()), ("segment", pa.string()), ("measure", pa.string()),
    ("tenor", pa.string()), ("obs_date", pa.date32()), ("value", pa.float64()), ("value_status", pa.string()),
    ("unit", pa.string()), ("is_preliminary", pa.bool_()), ("published_on", pa.date32()),
    ("knowledge_basis", pa.string()), ("fetched_at", pa.timestamp("us", tz="UTC")),
    ("version_hash", pa.string()), ("payload_hash", pa.string()),
])
SERIES_SCHEMA = pa.schema([
    ("source", pa.string()), ("mnemonic", pa.string()), ("series_name", pa.string()), ("description", pa.string()),
    ("vintage", pa.string()), ("vintage_approach", pa.string()), ("subtype", pa.string()),
    ("subsetting", pa.string()), ("unit_type", pa.string()), ("unit_name", pa.string()),
    ("observation_frequency", pa.string()), ("start_date", pa.date32()), ("last_update", pa.string()),
    ("fetched_at", pa.timestamp("us", tz="UTC")), ("payload_hash", pa.string()),
])
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _fail(m: Mnemonic | str, message: str, field: str) -> ParseError:
    return ParseError(SOURCE, message, series=m.mnemonic if isinstance(m, Mnemonic) else m, field=field)


def published_on(m: Mnemonic, obs_date: dt.date) -> dt.date:
    """When the release schedule makes this vintage of ``obs_date`` public."""
    return business_day_after(obs_date, PUBLICATION_LAG[m.vintage])


def _points(m: Mnemonic, points: object, *, field: str) -> list[tuple[dt.date, object]]:
    if not isinstance(points, list):
        raise _fail(m, f"'{field}' is a {type(points).__name__}, expected a list of [date, value] pairs", field)
    out = []
    for i, point in enumerate(points):
        if not isinstance(point, list) or len(point) != 2:
            shape = f"a list of {len(point)}" if isinstance(point, list) else f"a {type(point).__name__}"
            raise _fail(m, f"point #{i} is {shape}, expected [date, value] (schema drift)", field)
        out.append((parse_date(point[0], source=SOURCE, series=m.mnemonic, field="date"), point[1]))
    return out


def _observations(
    m: Mnemonic, points: list[tuple[dt.date, object]], *, edits: set[dt.date], payload_hash: str,
    fetched_at: dt.datetime, knowledge: str,
) -> pa.Table:
    if knowledge not in KNOWLEDGE:
        raise _fail(m, f"unknown knowledge basis {knowledge!r}", "knowledge")
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    fetched_utc = fetched_at.astimezone(dt.UTC)
    fetched_us = (fetched_utc - _EPOCH) // dt.timedelta(microseconds=1)
    cols: dict[str, list] = {name: [] for name in OBSERVATIONS_SCHEMA.names}
    seen: set[dt.date] = set()
    for day, raw in points:
        if day in seen:
            raise _fail(m, f"duplicate date {day}", "date")
        seen.add(day)
        if day >= fetched_utc.date():
            raise _fail(m, f"date {day} is not before the fetch date {fetched_utc.date()}", "date")
        if raw is None:
            value, status = None, "disclosure_edit" if day in edits else "missing"
        else:
            value, status = number(raw, source=SOURCE, series=m.mnemonic, field="value", when=day), "ok"
            if m.measure != "rate" and value < 0:
                raise _fail(m, f"on {day}: negative volume {value}", "value")
        if knowledge == "release_schedule":
            known = published_on(m, day)
            if known > fetched_utc.date():
                raise _fail(m, f"date {day} is published {known}, after the fetch on {fetched_utc.date()}", "date")
        else:
            known = fetched_utc.date()
        cols["source"].append(SOURCE)
        cols["mnemonic"].append(m.mnemonic)
        cols["segment"].append(m.segment)
        cols["measure"].append(m.measure)
        cols["tenor"].append(m.tenor)
        cols["obs_date"].append(day)
        cols["value"].append(value)
        cols["value_status"].append(status)
        cols["unit"].append(m.unit)
        cols["is_preliminary"].append(m.is_preliminary)
        cols["published_on"].append(known)
        cols["knowledge_basis"].append(knowledge)
        cols["fetched_at"].append(fetched_us)
        cols["version_hash"].append(hashlib.sha256(repr((m.mnemonic, day.isoformat(), value, status)).encode())
                                    .hexdigest()[:24])
        cols["payload_hash"].append(payload_hash)
    return pa.table(cols, schema=OBSERVATIONS_SCHEMA)


def parse_timeseries(
    content: bytes, *, mnemonic: Mnemonic, payload_hash: str, fetched_at: dt.datetime, knowledge: str = "fetch",
) -> pa.Table:
    """Parse ``/v1/series/timeseries`` (a bare list of [date, value] pairs)."""
    doc = decode_json(content, source=SOURCE, series=mnemonic.mnemonic, what="timeseries")
    if isinstance(doc, dict):  # the API answers errors as an object, e.g. {"error": "Invalid mnemonic"}
        detail = "; ".join(f"{k}: {str(v)[:80]}" for k, v in list(doc.items())[:2])
        raise _fail(mnemonic, f"expected a list of [date, value] pairs, got an object ({detail})", "body")
    points = _points(mnemonic, doc, field="body")
    return _observations(mnemonic, points, edits=set(), payload_hash=payload_hash, fetched_at=fetched_at,
                         knowledge=knowledge)


def _obj(m: Mnemonic, value: object, field: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(m, f"'{field}' is a {type(value).__name__}, expected an object", field)
    return value


def _text(m: Mnemonic, section: dict, key: str, where: str) -> str:
    if key not in section:
        raise _fail(m, f"schema drift: '{where}.{key}' is missing", key)
    value = section[key]
    if not isinstance(value, str):
        raise _fail(m, f"'{where}.{key}' is a {type(value).__name__}, expected a string", key)
    return value


def parse_full(
    content: bytes, *, mnemonic: Mnemonic, payload_hash: str, fetched_at: dt.datetime, knowledge: str = "fetch",
) -> tuple[pa.Table, pa.Table]:
    """Parse ``/v1/series/full``: (observations, one metadata row)."""
    m = mnemonic
    doc = decode_json(content, source=SOURCE, series=m.mnemonic, what="series")
    doc = _obj(m, doc, "body")
    if list(doc) != [m.mnemonic]:
        others = [str(k)[:40] for k in doc if k != m.mnemonic]
        raise _fail(m, f"expected one entry for {m.mnemonic}, got {others or 'none'}"
                    + (" (unknown mnemonic)" if others and others[0] not in mnemonics() else ""), "mnemonic")
    entry = _obj(m, doc[m.mnemonic], m.mnemonic)
    parts = {"timeseries", "metadata"}
    if set(entry) != parts:
        extra, missing = sorted(set(entry) - parts), sorted(parts - set(entry))
        raise _fail(m, f"schema drift: extra {extra}, missing {missing}", (extra or missing)[0])
    series = _obj(m, entry["timeseries"], "timeseries")
    allowed = {"aggregation", "disclosure_edits"}
    if "aggregation" not in series or not set(series) <= allowed:
        extra, missing = sorted(set(series) - allowed), sorted({"aggregation"} - set(series))
        raise _fail(m, f"schema drift in 'timeseries': extra {extra}, missing {missing}", (extra or missing)[0])

    meta = _obj(m, entry["metadata"], "metadata")
    if meta.get("mnemonic") != m.mnemonic:
        raise _fail(m, f"metadata is for {str(meta.get('mnemonic'))[:40]!r}", "mnemonic")
    desc = _obj(m, meta.get("description"), "description")
    unit = _obj(m, meta.get("unit"), "unit")
    schedule = _obj(m, meta.get("schedule"), "schedule")
    vintage = _text(m, desc, "vintage", "description")
    if vintage.lower() != m.vintage:
        raise _fail(m, f"metadata vintage {vintage!r} contradicts the {m.vintage} mnemonic", "vintage")
    unit_name = _text(m, unit, "name", "unit")
    if unit_name != m.unit:
        raise _fail(m, f"unit changed: catalog {m.unit!r}, payload {unit_name!r}", "unit")
    frequency = _text(m, schedule, "observation_frequency", "schedule")
    if frequency != "Daily":
        raise _fail(m, f"observation frequency changed to {frequency!r}", "observation_frequency")
    start = _text(m, schedule, "start_date", "schedule")

    points = _points(m, series["aggregation"], field="aggregation")
    edits = {day for day, _ in _points(m, series.get("disclosure_edits", []), field="disclosure_edits")}
    observations = _observations(m, points, edits=edits, payload_hash=payload_hash, fetched_at=fetched_at,
                                 knowledge=knowledge)
    row = {
        "source": SOURCE, "mnemonic": m.mnemonic, "series_name": _text(m, desc, "name", "description"),
        "description": desc.get("description") if isinstance(desc.get("description"), str) else None,
        "vintage": vintage,
        "vintage_approach": desc.get("vintage_approach") if isinstance(desc.get("vintage_approach"), str) else None,
        "subtype": desc.get("subtype") if isinstance(desc.get("subtype"), str) else None,
        "subsetting": desc.get("subsetting") if isinstance(desc.get("subsetting"), str) else None,
        "unit_type": unit.get("type") if isinstance(unit.get("type"), str) else None, "unit_name": unit_name,
        "observation_frequency": frequency,
        "start_date": parse_date(start, source=SOURCE, series=m.mnemonic, field="start_date"),
        "last_update": schedule.get("last_update") if isinstance(schedule.get("last_update"), str) else None,
        "fetched_at": (fetched_at.astimezone(dt.UTC) - _EPOCH) // dt.timedelta(microseconds=1),
        "payload_hash": payload_hash,
    }
    return observations, pa.Table.from_pylist([row], schema=SERIES_SCHEMA)
