"""The FRED parser on payloads the project records itself: exact output and one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ingestion.catalog import fred_series
from ingestion.errors import SourceError
from ingestion.fred import parser

PAYLOADS = Path(__file__).parent / "payloads" / "fred"
CPI = fred_series()["CPIAUCSL"]
FETCHED = dt.date(2025, 11, 21)
CANCELLED = {dt.date(2025, 10, 1): "BLS: the October 2025 CPI will not be published"}


def parse_cpi(content: bytes):
    return parser.parse_observations(content, series=CPI, payload_hash="h", fetched_on=FETCHED, cancelled=CANCELLED)


def test_vintages_are_kept_with_alfred_periods():
    rows = parse_cpi((PAYLOADS / "observations_CPIAUCSL_tail.json").read_bytes()).to_pylist()
    july = [r for r in rows if r["obs_date"] == dt.date(2025, 7, 1)]
    assert [(r["value"], r["realtime_start"], r["realtime_end"]) for r in july] == [
        (322.862, dt.date(2025, 8, 12), dt.date(2025, 9, 11)),
        (322.899, dt.date(2025, 9, 12), dt.date(2025, 10, 23)),
        (322.907, dt.date(2025, 10, 24), dt.date(9999, 12, 31)),
    ]


def test_cancelled_october_cpi_is_null_with_the_statement():
    rows = parse_cpi((PAYLOADS / "observations_CPIAUCSL_tail.json").read_bytes()).to_pylist()
    (october,) = [r for r in rows if r["obs_date"] == dt.date(2025, 10, 1)]
    assert october["value"] is None
    assert october["value_status"] == "cancelled"
    assert "October 2025 CPI" in october["status_reason"]


def test_dot_without_cancellation_is_missing():
    doc = {"units": "lin", "observations": [
        {"realtime_start": "2025-11-01", "realtime_end": "9999-12-31", "date": "2025-09-01", "value": "."}]}
    (row,) = parse_cpi(json.dumps(doc).encode()).to_pylist()
    assert (row["value"], row["value_status"]) == (None, "missing")
    assert "'.'" in row["status_reason"]


def _obs(value="1.0", **extra):
    row = {"realtime_start": "2025-11-01", "realtime_end": "9999-12-31", "date": "2025-09-01", "value": value}
    row.update(extra)
    return json.dumps({"units": "lin", "observations": [row]}).encode()


@pytest.mark.parametrize(
    ("content", "field", "fragment"),
    [
        (b"", "body", "empty"),
        (b'{"observations": [{"realtime_start": "2025-', "body", "truncated"),
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "body", "HTML"),
        (b'{"units": "lin", "units": "lin", "observations": []}', "body", "duplicate JSON key"),
        (b"\xff\xfe{}", "body", "not UTF-8"),
        (_obs("abc"), "value", "not a number"),
        (_obs(1.5), "value", "expected a string"),
        (_obs(date="2025-13-01"), "date", "not a date"),
        (_obs(realtime_start="2030-01-01"), "realtime_start", "future"),
        (_obs(extra_field="x"), "extra_field", "schema drift"),
        (b'{"error_code": 400, "error_message": "Bad Request. The series does not exist."}', "error_message",
         "API error 400"),
    ],
)
def test_bad_payloads_fail_in_one_line_naming_source_series_field(content, field, fragment):
    with pytest.raises(SourceError) as info:
        parse_cpi(content)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("fred: series CPIAUCSL: field " + field)
    assert fragment in msg


def test_duplicate_observation_is_refused():
    row = {"realtime_start": "2025-11-01", "realtime_end": "9999-12-31", "date": "2025-09-01", "value": "1"}
    content = json.dumps({"units": "lin", "observations": [row, row]}).encode()
    with pytest.raises(SourceError, match="duplicate observation 2025-09-01"):
        parse_cpi(content)


def test_unit_change_against_catalog_is_refused():
    s = fred_series()["WTREGEN"]
    doc = json.loads((PAYLOADS / "series_WTREGEN.json").read_bytes())
    table = parser.parse_series(json.dumps(doc).encode(), series=s, payload_hash="h")
    assert table.column("units").to_pylist() == ["Millions of U.S. Dollars"]
    doc["seriess"][0]["units"] = "Billions of U.S. Dollars"
    with pytest.raises(SourceError) as info:
        parser.parse_series(json.dumps(doc).encode(), series=s, payload_hash="h")
    assert str(info.value) == ("fred: series WTREGEN: field units: unit changed: catalog says "
                               "'Millions of U.S. Dollars', payload says 'Billions of U.S. Dollars'")


def test_unknown_series_is_refused():
    from ingestion.fred import lookup

    with pytest.raises(SourceError, match="series NOPE: field series_id: unknown series"):
        lookup("NOPE")


def test_sofr99_sept_2019_spike_parsed_exactly():
    s = fred_series()["SOFR99"]
    rows = parser.parse_observations((PAYLOADS / "observations_SOFR99_sept2019.json").read_bytes(), series=s,
                                     payload_hash="h", fetched_on=FETCHED).to_pylist()
    by_date = {r["obs_date"]: r for r in rows}
    spike = by_date[dt.date(2019, 9, 17)]
    assert spike["value"] >= 9.0 and spike["realtime_start"] == dt.date(2019, 9, 18)
    assert max(r["value"] for d, r in by_date.items() if d < dt.date(2019, 9, 16)) < 2.6
