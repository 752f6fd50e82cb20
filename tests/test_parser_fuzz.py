"""Property-based fuzzing of every source's parser (hypothesis, derandomised: the same examples every run).

The property, for every parser and whatever the bytes: it returns rows that the raw table accepts (the
table's columns, no NULL in a NOT NULL column, no NaN or infinity in a number), or it raises a
:class:`SourceError` whose message is one line naming the source. Any other exception escaping a parser
(KeyError, TypeError, ValueError, UnicodeDecodeError, ArrowInvalid, ...) is a bug.

Three kinds of input: (a) arbitrary bytes, alone or after a valid payload's first bytes; (b) a valid
wire-format payload (the recorded ones under ``tests/payloads``) mutated structurally (a key dropped, a
value replaced by arbitrary JSON, a CSV/TSV cell replaced, a row duplicated, a column dropped) or byte by
byte (truncated, bytes inserted, flipped or deleted); (c) round trips: payloads generated from
hypothesis values parse back to exactly those values.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.errors import SourceError
from ingestion.landing import Payload, content_hash
from ingestion.loader import RawTable
from ingestion.registry import SOURCES

PAYLOADS = Path(__file__).parent / "payloads"
DROP = PAYLOADS / "files" / "drop"
BY_NAME = {s.name: s for s in SOURCES}
FETCHED = dt.datetime(2025, 11, 21, 18, tzinfo=dt.UTC)

# Deterministic by default (CI). FRAGILITY_FUZZ_EXAMPLES=5000 runs a longer, randomised hunt for new bugs.
DEEP = int(os.environ.get("FRAGILITY_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=DEEP or 100, deadline=None, derandomize=not DEEP, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
ROUND_TRIP = settings(FUZZ, max_examples=DEEP or 80)


@dataclass(frozen=True)
class Target:
    """One parser entry point: the registry source that parses it, the request, and a valid payload."""

    name: str
    via: str
    request: dict
    kind: str  # json | csv | zip
    base: bytes = field(repr=False)
    as_of: dt.date = FETCHED.date()
    error_sources: tuple[str, ...] = ()  # sources an error may name besides ``via``
    delimiter: str = ","


def _release_dates() -> bytes:
    return json.dumps({"realtime_start": "2025-11-21", "realtime_end": "2025-11-21", "release_dates": [
        {"release_id": 20, "date": d} for d in ("2025-11-06", "2025-11-13", "2025-11-20")]}).encode()


FRED_OBS = {"endpoint": "fred/series/observations", "series_id": "CPIAUCSL", "realtime_start": "1776-07-04",
            "realtime_end": "9999-12-31", "output_type": 1}
TARGETS = [
    Target("fred_observations", "fred", FRED_OBS, "json",
           (PAYLOADS / "fred" / "observations_CPIAUCSL_tail.json").read_bytes()),
    Target("fred_series", "fred", {"endpoint": "fred/series", "series_id": "WTREGEN"}, "json",
           (PAYLOADS / "fred" / "series_WTREGEN.json").read_bytes()),
    Target("fred_release_dates", "fred", {"endpoint": "fred/release/dates", "release_id": 20}, "json",
           _release_dates()),
    Target("fred_graph_csv", "fred", {"endpoint": "files/fred_graph_csv", "series_id": "CPIAUCSL",
                                      "as_of": "2026-01-05", "later": [], "expected_rows": None}, "csv",
           (DROP / "fred" / "2026-01-05" / "CPIAUCSL.csv").read_bytes(), as_of=dt.date(2026, 1, 5),
           error_sources=("files",)),
    Target("nyfed_sofr", "nyfed", {"endpoint": "rates/secured/sofr/search.json", "rate_type": "SOFR",
                                   "knowledge": "release_schedule"}, "json",
           (PAYLOADS / "nyfed" / "sofr_2019-09-13_2019-09-20.json").read_bytes()),
    Target("nyfed_effr", "nyfed", {"endpoint": "rates/unsecured/effr/search.json", "rate_type": "EFFR"}, "json",
           (PAYLOADS / "nyfed" / "effr_2016-02-26_2016-03-02.json").read_bytes()),
    Target("ofr_full", "ofr", {"endpoint": "series/full", "mnemonic": "REPO-GCF_AR_OO-P",
                               "knowledge": "release_schedule"}, "json",
           (PAYLOADS / "ofr" / "full_REPO-GCF_AR_OO-P_2020-11.json").read_bytes()),
    Target("ofr_timeseries", "ofr", {"endpoint": "series/timeseries", "mnemonic": "REPO-DVP_TV_TOT-F"}, "json",
           (PAYLOADS / "ofr" / "timeseries_REPO-DVP_TV_TOT-F_tail.json").read_bytes()),
    Target("sec_companyfacts", "sec_companyfacts", {"endpoint": "api/xbrl/companyfacts", "cik": "0001341439"},
           "json", (PAYLOADS / "sec" / "companyfacts_CIK0001341439_tail.json").read_bytes()),
    Target("sec_bdc", "sec_bdc", {"endpoint": "bdc-data-sets", "file": "2025_10_bdc.zip"}, "zip",
           (PAYLOADS / "sec" / "bdc" / "2025_10_bdc.zip").read_bytes(), delimiter="\t"),
    Target("holdings", "holdings", {"endpoint": "ishares/holdings", "fund": "IVV", "as_of": "2025-10-31"}, "csv",
           (PAYLOADS / "holdings" / "IVV_holdings_2025-10-31.csv").read_bytes()),
    Target("gold_feed", "gold", {"endpoint": "freegoldapi/data/latest.csv", "symbol": "XAU"}, "csv",
           (PAYLOADS / "gold" / "freegoldapi_latest_excerpt.csv").read_bytes()),
    Target("gold_monthly_file", "gold", {"endpoint": "files/gold_monthly", "file": "gold/monthly.csv"}, "csv",
           (DROP / "gold" / "monthly.csv").read_bytes(), error_sources=("files",)),
    Target("files_ofr_fsi", "files", {"endpoint": "files/ofr_fsi", "file": "ofr/fsi.csv"}, "csv",
           (DROP / "ofr" / "fsi.csv").read_bytes()),
    Target("files_sp500", "files", {"endpoint": "files/sp500_constituents", "as_of": "2025-06-30",
                                    "file": "sp500/constituents-financials_2025-06-30.csv"}, "csv",
           (DROP / "sp500" / "constituents-financials_2025-06-30.csv").read_bytes(), as_of=dt.date(2025, 6, 30)),
]
IDS = [t.name for t in TARGETS]
BY_TARGET = {t.name: t for t in TARGETS}
RAW_TABLES = {t.name for s in SOURCES for t in s.tables}


# --------------------------------------------------------------------------- the property


_NOT_NULL = re.compile(r"(\w+)\s+\w+(?:\([^)]*\))?\s+NOT NULL")
_COLUMN = re.compile(r"(?:^|,)\s*(\w+)\s+\w+")


def _columns(table: RawTable) -> tuple[set[str], set[str]]:
    return set(_COLUMN.findall(table.ddl)), set(_NOT_NULL.findall(table.ddl))


def payload_for(target: Target, content: bytes) -> Payload:
    fetched = dt.datetime.combine(target.as_of, FETCHED.timetz())
    return Payload(target.via, target.request, content_hash(content), "/nonexistent", fetched.isoformat(),
                   target.as_of.isoformat())


def parse_or_refuse(target: Target, content: bytes) -> list[tuple[RawTable, pa.Table]] | None:
    """Rows fit for their raw table, or None after a one-line SourceError; anything else fails the test."""
    source = BY_NAME[target.via]
    try:
        parsed = source.parse(payload_for(target, content), content)
    except SourceError as err:
        message = str(err)
        assert len(message.splitlines()) == 1 and message == message.strip(), message
        assert err.source in (target.via, *target.error_sources), message
        assert message.startswith(f"{err.source}: ") and err.message, message
        return None
    assert isinstance(parsed, list) and parsed
    for table, rows in parsed:
        assert table.name in RAW_TABLES
        assert isinstance(rows, pa.Table)
        columns, not_null = _columns(table)
        assert set(rows.column_names) == columns, (table.name, rows.column_names)
        for name in not_null:
            assert rows.column(name).null_count == 0, (table.name, name)
        for name in rows.column_names:
            col = rows.column(name)
            if pa.types.is_floating(col.type):
                values = [v for v in col.to_pylist() if v is not None]
                assert all(math.isfinite(v) for v in values), (table.name, name)
            if pa.types.is_date(col.type):  # a date Python can read back (Arrow alone takes year 0000)
                assert all(v is None or v.year >= 1 for v in col.to_pylist()), (table.name, name)
    return parsed


def test_every_source_has_a_fuzz_target_and_every_base_payload_parses():
    assert {t.via for t in TARGETS} == set(BY_NAME)
    for target in TARGETS:
        parsed = parse_or_refuse(target, target.base)
        assert parsed is not None, target.name
        assert sum(rows.num_rows for _, rows in parsed) > 0, target.name


# --------------------------------------------------------------------------- (a) arbitrary bytes


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
@FUZZ
@given(data=st.data())
def test_arbitrary_bytes_give_rows_or_a_source_error(target, data):
    keep = data.draw(st.integers(0, len(target.base)), label="valid prefix kept")
    noise = data.draw(st.binary(max_size=300), label="noise")
    parse_or_refuse(target, target.base[:keep] + noise)


# --------------------------------------------------------------------------- (b) mutations of valid payloads


def byte_mutation(data, content: bytes) -> bytes:
    """One byte-level accident: truncation, inserted bytes, a flipped byte, a deleted slice, a BOM, garbage."""
    op = data.draw(st.sampled_from(["truncate", "insert", "flip", "delete", "bom", "append", "nul"]), label="op")
    at = data.draw(st.integers(0, len(content)), label="at")
    if op == "truncate":
        return content[:at]
    if op == "insert":
        return content[:at] + data.draw(st.binary(min_size=1, max_size=8), label="bytes") + content[at:]
    if op == "flip" and content:
        i = min(at, len(content) - 1)
        return content[:i] + bytes([content[i] ^ data.draw(st.integers(1, 255), label="xor")]) + content[i + 1:]
    if op == "delete":
        end = data.draw(st.integers(at, min(len(content), at + 40)), label="end")
        return content[:at] + content[end:]
    if op == "bom":
        return b"\xef\xbb\xbf" + content
    if op == "nul":
        return content[:at] + b"\x00" + content[at:]
    return content + data.draw(st.binary(max_size=20), label="tail")


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
@FUZZ
@given(data=st.data())
def test_byte_mutations_of_a_valid_payload_give_rows_or_a_source_error(target, data):
    content = target.base
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        content = byte_mutation(data, content)
    parse_or_refuse(target, content)


TOKENS = [".", "N/A", "NA", "", " ", "-", "NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1", "0", "-0",
          "1_000", "１２", "2025-02-30", "2099-12-31", "1776-07-04", "20250701", "2025-W27-1", "9999-12-31",
          "0000-00-00", "0000-01-01", "00000101", "9/1/2025", "Oct 31, 2025", '"', '""', "\t", "null", "true",
          "USD", "GBP", "Equity", "10-K", "1e-320", "1.7976931348623157e308", "99999999999999999999", "[Member]",
          "\u00e9", "\u202e"]
SURROGATES = ["\ud800", "x\udfff", "\udc80\ud800"]  # lone UTF-16 surrogates: valid JSON escapes, not text
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-(10**30), 10**30),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                      st.sampled_from(TOKENS + SURROGATES))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def _pick(data, node: object) -> tuple[object, object] | None:
    """A (container, key) somewhere in the document, biased towards the leaves."""
    parent = None
    while isinstance(node, dict | list) and node:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys), label="key")
        parent = (node, key)
        if not data.draw(st.integers(0, 5), label="descend"):
            break
        node = node[key]
    return parent


def json_mutation(data, doc: object) -> object:
    """One structural accident: a value replaced or retyped, a key dropped or added, an element duplicated."""
    doc = copy.deepcopy(doc)
    picked = _pick(data, doc)
    if picked is None:
        return data.draw(json_value, label="root")
    container, key = picked
    op = data.draw(st.sampled_from(["replace", "token", "retype", "drop", "add", "duplicate"]), label="op")
    if op == "replace":
        container[key] = data.draw(json_value, label="value")
    elif op == "token":
        container[key] = data.draw(st.sampled_from(TOKENS + SURROGATES), label="token")
    elif op == "retype":
        v = container[key]
        if isinstance(v, str):
            try:
                container[key] = json.loads(v)
            except ValueError:
                container[key] = [v]
        else:
            container[key] = json.dumps(v)
    elif op == "drop":
        del container[key]
    elif op == "add" and isinstance(container, dict):
        container[data.draw(st.text(min_size=1, max_size=10), label="new key")] = data.draw(json_value, label="v")
    elif op == "duplicate" and isinstance(container, list):
        twin = copy.deepcopy(container[key])
        if isinstance(twin, dict) and twin:
            twin[data.draw(st.sampled_from(sorted(twin)), label="twin key")] = data.draw(json_value, label="tv")
        container.insert(data.draw(st.integers(0, len(container)), label="where"), twin)
    else:
        container[key] = None
    return doc


def _cells(text: str, delimiter: str) -> list[list[str]]:
    return [line.split(delimiter) for line in text.split("\n")]


def _join(rows: list[list[str]], delimiter: str) -> str:
    return "\n".join(delimiter.join(r) for r in rows)


cell_value = st.one_of(st.sampled_from(TOKENS + SURROGATES), st.text(max_size=12),
                       st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{0,4})?", fullmatch=True),
                       st.dates().map(dt.date.isoformat), st.dates().map(lambda d: d.strftime("%Y%m%d")))


def table_mutation(data, text: str, delimiter: str) -> str:
    """One accident in a CSV/TSV: a cell replaced or quoted, a row dropped, duplicated or swapped, a column
    dropped or added, a row cut short."""
    rows = _cells(text, delimiter)
    i = data.draw(st.integers(0, len(rows) - 1), label="row")
    op = data.draw(st.sampled_from(["cell", "quote", "drop_row", "dup_row", "swap", "drop_col", "add_col", "cut"]),
                   label="op")
    j = data.draw(st.integers(0, max(len(rows[i]) - 1, 0)), label="col")
    if op == "cell" and rows[i]:
        rows[i][j] = data.draw(cell_value, label="cell")
    elif op == "quote" and rows[i]:
        rows[i][j] = f'"{rows[i][j]}'
    elif op == "drop_row":
        del rows[i]
    elif op == "dup_row":
        twin = list(rows[i])
        if twin:
            twin[j] = data.draw(cell_value, label="twin cell")
        rows.insert(data.draw(st.integers(0, len(rows)), label="where"), twin)
    elif op == "swap":
        k = data.draw(st.integers(0, len(rows) - 1), label="other")
        rows[i], rows[k] = rows[k], rows[i]
    elif op == "drop_col":
        rows = [r[:j] + r[j + 1:] for r in rows]
    elif op == "add_col":
        rows = [r[:j] + [data.draw(cell_value, label="new")] + r[j:] if r != [""] else r for r in rows]
    else:
        rows[i] = rows[i][:j]
    return _join(rows, delimiter)


def _zip_members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 11, 5, 0, 0, 0)), data)
    return sink.getvalue()


def structured_mutation(data, target: Target) -> bytes:
    n = data.draw(st.integers(1, 3), label="mutations")
    if target.kind == "json":
        doc = json.loads(target.base)
        for _ in range(n):
            doc = json_mutation(data, doc)
        content = json.dumps(doc).encode()
        if data.draw(st.integers(0, 9), label="dup key") == 0:  # the same key twice in one object
            content = re.sub(rb'"(\w+)": ', lambda m: m[0] + b'"x", "' + m[1] + b'": ', content, count=1)
        return content
    if target.kind == "zip":
        members = _zip_members(target.base)
        for _ in range(n):
            name = data.draw(st.sampled_from(sorted(members)), label="member")
            if data.draw(st.integers(0, 9), label="drop member") == 0:
                del members[name]
                continue
            text = table_mutation(data, members[name].decode("utf-8", "replace"), "\t")
            members[name] = text.encode("utf-8", "surrogatepass")  # a surrogate becomes bytes that are not UTF-8
        return _zip(members)
    text = target.base.decode("utf-8")
    for _ in range(n):
        text = table_mutation(data, text, target.delimiter)
    return text.encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
@FUZZ
@given(data=st.data())
def test_structured_mutations_of_a_valid_payload_give_rows_or_a_source_error(target, data):
    parse_or_refuse(target, structured_mutation(data, target))


# --------------------------------------------------------------------------- (c) round trips

FAR = "9999-12-31"
finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@st.composite
def fred_observations(draw):
    """Distinct (period, vintage) rows: a vintage starts on or before the fetch and ends after it starts."""
    keys = draw(st.lists(st.tuples(st.dates(dt.date(1947, 1, 1), dt.date(2025, 12, 31)),
                                   st.dates(dt.date(1990, 1, 1), FETCHED.date())),
                         min_size=1, max_size=30, unique=True))
    rows = []
    for period, start in keys:
        value = draw(st.none() | finite)
        end = draw(st.none() | st.dates(start, dt.date(2030, 1, 1)))
        rows.append((period, start, end, value))
    return rows


@ROUND_TRIP
@given(rows=fred_observations(), pad=st.booleans())
def test_fred_observations_round_trip(rows, pad):
    """Hypothesis values written as FRED's JSON parse back to exactly those values; '.' is NULL, 'missing'."""
    obs = [{"realtime_start": s.isoformat(), "realtime_end": FAR if e is None else e.isoformat(),
            "date": p.isoformat(), "value": "." if v is None else (f" {v!r} " if pad else repr(v))}
           for p, s, e, v in rows]
    target = BY_TARGET["fred_observations"]
    parsed = parse_or_refuse(target, json.dumps({"units": "lin", "observations": obs}).encode())
    assert parsed is not None
    ((table, got),) = parsed
    assert table.name == "raw.fred__observations"
    out = got.to_pylist()
    assert [(r["obs_date"], r["realtime_start"], r["realtime_end"], r["value"]) for r in out] == [
        (p, s, dt.date(9999, 12, 31) if e is None else e, v) for p, s, e, v in rows]
    assert [r["value_status"] for r in out] == ["missing" if v is None else "ok" for *_, v in rows]
    assert all(r["series_id"] == "CPIAUCSL" and r["source"] == "fred" for r in out)


@ROUND_TRIP
@given(rows=st.lists(st.tuples(st.dates(dt.date(1947, 1, 1), dt.date(2025, 12, 31)), st.none() | finite),
                     min_size=1, max_size=30, unique_by=lambda r: r[0]),
       header=st.sampled_from(["observation_date", "DATE"]), dot=st.booleans())
def test_fred_graph_csv_round_trip(rows, header, dot):
    body = f"{header},CPIAUCSL\n" + "".join(
        f"{d.isoformat()},{('.' if dot else '') if v is None else repr(v)}\n" for d, v in rows)
    parsed = parse_or_refuse(BY_TARGET["fred_graph_csv"], body.encode())
    assert parsed is not None
    out = parsed[0][1].to_pylist()
    assert [(r["obs_date"], r["value"]) for r in out] == rows
    assert [r["value_status"] for r in out] == ["missing" if v is None else "ok" for _, v in rows]
    assert {r["realtime_start"] for r in out} == {dt.date(2026, 1, 5)}
    assert {r["source"] for r in out} == {"files"}


@ROUND_TRIP
@given(points=st.lists(st.tuples(st.dates(dt.date(2019, 1, 2), dt.date(2025, 11, 20)),
                                 st.none() | st.integers(0, 10**13) | st.floats(0, 1e13)),
                       min_size=1, max_size=30, unique_by=lambda p: p[0]))
def test_ofr_timeseries_round_trip(points):
    body = json.dumps([[d.isoformat(), v] for d, v in points]).encode()
    parsed = parse_or_refuse(BY_TARGET["ofr_timeseries"], body)
    assert parsed is not None
    out = parsed[0][1].to_pylist()
    assert [(r["obs_date"], r["value"]) for r in out] == [(d, None if v is None else float(v)) for d, v in points]
    assert [r["value_status"] for r in out] == ["missing" if v is None else "ok" for _, v in points]
    assert {(r["mnemonic"], r["measure"], r["unit"], r["is_preliminary"]) for r in out} == {
        ("REPO-DVP_TV_TOT-F", "volume", "USD", False)}


@st.composite
def sofr_rows(draw):
    days = draw(st.lists(st.dates(dt.date(2018, 4, 2), dt.date(2025, 11, 20)), min_size=1, max_size=15,
                         unique=True))
    rows = []
    for day in days:
        p1, p25, rate, p75, p99 = sorted(draw(st.lists(st.floats(-1, 20, allow_nan=False), min_size=5, max_size=5)))
        rows.append({"effectiveDate": day.isoformat(), "type": "SOFR", "percentRate": rate,
                     "percentPercentile1": p1, "percentPercentile25": p25, "percentPercentile75": p75,
                     "percentPercentile99": p99, "volumeInBillions": draw(st.integers(0, 5000)),
                     "revisionIndicator": draw(st.sampled_from(["", "R"]))})
    return rows


@ROUND_TRIP
@given(rows=sofr_rows())
def test_nyfed_reference_rates_round_trip(rows):
    target = Target("nyfed_fetch", "nyfed", {"endpoint": "rates/secured/sofr/search.json", "rate_type": "SOFR"},
                    "json", b"")
    parsed = parse_or_refuse(target, json.dumps({"refRates": rows}).encode())
    assert parsed is not None
    out = parsed[0][1].to_pylist()
    wire = ["percentRate", "percentPercentile1", "percentPercentile25", "percentPercentile75",
            "percentPercentile99", "volumeInBillions"]
    cols = ["percent_rate", "percentile_1", "percentile_25", "percentile_75", "percentile_99", "volume_in_billions"]
    assert [(r["effective_date"].isoformat(), *(r[c] for c in cols), r["revision_indicator"]) for r in out] == [
        (w["effectiveDate"], *(float(w[k]) for k in wire), w["revisionIndicator"]) for w in rows]
    assert {r["knowledge_basis"] for r in out} == {"fetch"}
    assert len({r["version_hash"] for r in out}) == len(rows)


@ROUND_TRIP
@given(rows=st.lists(st.tuples(st.dates(dt.date(1950, 1, 1), dt.date(2025, 11, 20)),
                               st.floats(0.01, 1e6, allow_nan=False), st.sampled_from(["USD", "GBP", "usd"])),
                     min_size=1, max_size=30, unique_by=lambda r: r[0]))
def test_gold_feed_round_trip(rows):
    body = "date,price,currency\n" + "".join(f"{d.isoformat()},{p!r},{c}\n" for d, p, c in rows)
    parsed = parse_or_refuse(BY_TARGET["gold_feed"], body.encode())
    assert parsed is not None
    out = parsed[0][1].to_pylist()
    assert [(r["date"], r["price_usd"]) for r in out] == sorted((d, p) for d, p, c in rows if c.upper() == "USD")
    assert all(r["realtime_start"] > r["date"] and r["frequency"] in ("A", "M", "D") for r in out)


@ROUND_TRIP
@given(facts=st.lists(st.tuples(st.dates(dt.date(2009, 1, 1), dt.date(2025, 11, 21)),
                                st.integers(0, 999999), st.integers(-(10**12), 10**12) | finite),
                      min_size=1, max_size=20, unique_by=lambda f: (f[0], f[1])))
def test_sec_companyfacts_round_trip(facts):
    rows = [{"end": end.isoformat(), "val": val, "accn": f"0000950170-{end.year % 100:02d}-{n:06d}", "fy": end.year,
             "fp": "FY", "form": "10-K", "filed": end.isoformat()} for end, n, val in facts]
    doc = {"cik": 1341439, "entityName": "ORACLE CORPORATION",
           "facts": {"us-gaap": {"LongTermDebt": {"label": "x", "units": {"USD": rows}}}}}
    parsed = parse_or_refuse(BY_TARGET["sec_companyfacts"], json.dumps(doc).encode())
    assert parsed is not None
    out = parsed[0][1].to_pylist()
    assert [(r["period_end"], r["accession"], r["value"], r["duration_days"]) for r in out] == [
        (end, f"0000950170-{end.year % 100:02d}-{n:06d}", float(val), 0) for end, n, val in facts]
    assert {(r["ticker"], r["metric"]) for r in out} == {("ORCL", "long_term_debt")}


@ROUND_TRIP
@given(rows=st.lists(st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2025, 11, 21)),
                               st.lists(st.none() | finite, min_size=9, max_size=9)),
                     min_size=1, max_size=20, unique_by=lambda r: r[0]))
def test_ofr_fsi_round_trip(rows):
    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(["Date", "OFR FSI", "Credit", "Equity valuation", "Safe assets", "Funding", "Volatility",
                     "United States", "Other advanced economies", "Emerging markets"])
    for day, values in rows:
        writer.writerow([day.isoformat(), *("" if v is None else repr(v) for v in values)])
    parsed = parse_or_refuse(BY_TARGET["files_ofr_fsi"], sink.getvalue().encode())
    assert parsed is not None
    out = parsed[0][1]
    assert out.column("date").to_pylist() == [d for d, _ in rows]
    names = [c for c in out.column_names if c not in ("date", "payload_hash")]
    assert [[r[c] for c in names] for r in out.to_pylist()] == [values for _, values in rows]
