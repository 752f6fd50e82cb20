"""The live FRED/ALFRED client against a local server on 127.0.0.1: paging until ``count`` is reached, a server
that lies about ``count``, real-time windows of at most 2000 vintages, and only documented parameters.

The pages are shaped like the recorded answer in tests/recorded/fred (``count``, ``offset``, ``limit``), as the
API documents them; the rows are the sample world's SOFR history (no recording of a paged answer exists)."""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import pytest

from ingestion.catalog import fred_series
from ingestion.errors import SourceError
from ingestion.fred import FRED, parser, sample
from ingestion.fred.client import FredClient, realtime_windows
from ingestion.http import HttpClient
from ingestion.ingest import ingest
from ingestion.landing import Landing
from ingestion.loader import ensure_raw_schema
from ingestion.scenario import END, Scenario
from tests.http_fault_server import FaultServer, ok
from tests.test_ingest import table_digest

SOFR = fred_series()["SOFR"]
KEY = "k" * 32
OBS = "/fred/series/observations"
VINTAGES = "/fred/series/vintagedates"
FETCHED = dt.datetime.combine(END, dt.time(12), tzinfo=dt.UTC)


def _http() -> HttpClient:
    return HttpClient(max_retries=1, backoff_base=0.01, backoff_max=0.05, timeout=5)


def whole_history() -> dict:
    return json.loads(sample.observations_payload(SOFR, Scenario()))


def page(doc: dict, offset: int, limit: int, *, count: int | None = None) -> bytes:
    rows = doc["observations"]
    return json.dumps({**{k: v for k, v in doc.items() if k != "observations"},
                       "count": len(rows) if count is None else count, "offset": offset, "limit": limit,
                       "observations": rows[offset:offset + limit]}).encode()


def vintage_dates(dates: list[str], offset: int, limit: int) -> bytes:
    return json.dumps({"realtime_start": "1776-07-04", "realtime_end": "9999-12-31", "order_by": "vintage_date",
                       "sort_order": "asc", "count": len(dates), "offset": offset, "limit": limit,
                       "vintage_dates": dates[offset:offset + limit]}).encode()


def land_and_ingest(tmp_path, fetched) -> tuple[duckdb.DuckDBPyConnection, Landing, object]:
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    stored = (landing.store("fred", f.request, f.content, fetched_at=FETCHED, as_of=END) for f in fetched)
    return con, landing, ingest(con, landing, FRED, stored)


def test_a_series_served_in_three_pages_loads_whole(tmp_path):
    doc = whole_history()
    n = len(doc["observations"])
    size = math.ceil(n / 3)
    with FaultServer() as server, _http() as http:
        server.routes[VINTAGES] = [ok(vintage_dates(["2025-11-21"], 0, 10000))]
        server.routes[OBS] = [ok(page(doc, 0, size)), ok(page(doc, size, size)), ok(page(doc, 2 * size, size))]
        fetched = list(FredClient(http, api_key=KEY, base_url=server.url + "/fred", page_size=size).observations(SOFR))
        asked = [(r.query["offset"], r.query["limit"]) for r in server.requests_to(OBS)]
    assert asked == [("0", str(size)), (str(size), str(size)), (str(2 * size), str(size))]
    assert [f.request["offset"] for f in fetched] == [0, size, 2 * size]  # each page landed with its own request
    con, _, report = land_and_ingest(tmp_path, fetched)
    assert report.payloads == 3 and report.rows_inserted == {"raw.fred__observations": n}
    whole = parser.parse_observations(sample.observations_payload(SOFR, Scenario()), series=SOFR, payload_hash="x",
                                      fetched_on=END)
    loaded = con.execute("select obs_date, value, realtime_start, realtime_end from raw.fred__observations "
                         "order by obs_date, realtime_start").fetchall()
    expected = sorted(zip(*(whole.column(c).to_pylist() for c in ("obs_date", "value", "realtime_start",
                                                                   "realtime_end")), strict=True))
    assert loaded == expected and len(loaded) == n


def test_a_server_that_lies_about_count_is_refused_and_nothing_loads(tmp_path):
    doc = whole_history()
    n = len(doc["observations"])
    size = math.ceil(n / 3)
    lie = n + 5  # says five more rows than it ever serves
    with FaultServer() as server, _http() as http:
        server.routes[VINTAGES] = [ok(vintage_dates(["2025-11-21"], 0, 10000))]
        server.routes[OBS] = [ok(page(doc, 0, size, count=lie)), ok(page(doc, size, size, count=lie)),
                              ok(page(doc, 2 * size, size, count=lie)), ok(page(doc, n, size, count=lie))]
        fetched = list(FredClient(http, api_key=KEY, base_url=server.url + "/fred", page_size=size).observations(SOFR))
    assert [f.request["offset"] for f in fetched] == [0, size, 2 * size, n]  # asked on until a page came back empty
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_raw_schema(con, FRED.tables)
    before = table_digest(con)
    stored = [landing.store("fred", f.request, f.content, fetched_at=FETCHED, as_of=END) for f in fetched]
    last = n - 2 * size
    with pytest.raises(SourceError) as info:
        ingest(con, landing, FRED, iter(stored))
    msg = str(info.value)
    assert msg == (f"fred: series SOFR: field count: {last} observations, but the response says count {lie} "
                   f"(offset {2 * size}, limit {size}): expected {min(size, lie - 2 * size)}; truncated or "
                   "inconsistent answer")
    assert table_digest(con) == before  # the pages before it rolled back with it
    assert len(list((landing.root / "quarantine" / "fred").glob("*.json"))) == 2  # the page and its error note


def test_vintages_are_fetched_by_realtime_window_of_at_most_2000_and_vintage_dates_are_paged(tmp_path):
    dates = [(dt.date(2008, 1, 1) + dt.timedelta(i)).isoformat() for i in range(4500)]
    doc = whole_history()
    one_row = {**doc, "observations": doc["observations"][:1]}
    with FaultServer() as server, _http() as http:
        server.routes[VINTAGES] = [ok(vintage_dates(dates, 0, 2000)), ok(vintage_dates(dates, 2000, 2000)),
                                   ok(vintage_dates(dates, 4000, 2000))]
        server.routes[OBS] = [ok(page(one_row, 0, 2000))]
        client = FredClient(http, api_key=KEY, base_url=server.url + "/fred", page_size=2000)
        list(client.observations(SOFR))
        assert [r.query["offset"] for r in server.requests_to(VINTAGES)] == ["0", "2000", "4000"]
        windows = [(r.query["realtime_start"], r.query["realtime_end"]) for r in server.requests_to(OBS)]
        params = {k for r in server.requests for k in r.query}
    assert windows == [("1776-07-04", "2013-06-22"), ("2013-06-23", "2018-12-13"), ("2018-12-14", "9999-12-31")]
    assert dates.index("2013-06-23") == 2000 and dates.index("2018-12-14") == 4000
    # documented parameters only: never vintage_dates, which the API ignores silently when it is invalid
    assert params == {"series_id", "output_type", "realtime_start", "realtime_end", "limit", "offset", "file_type",
                      "api_key"}
    assert realtime_windows(dates[:2000]) == [("1776-07-04", "9999-12-31")]


def test_a_vintagedates_page_that_disagrees_with_its_count_is_refused():
    dates = ["2024-01-02", "2024-01-03", "2024-01-04"]
    body = json.dumps({"count": 5, "offset": 0, "limit": 10000, "vintage_dates": dates}).encode()
    with FaultServer() as server, _http() as http:
        server.routes[VINTAGES] = [ok(body)]
        with pytest.raises(SourceError, match=r"^fred: series SOFR: field count: vintagedates page of 3 dates, but "
                                              r"count 5 at offset 0 \(limit 10000\)$"):
            FredClient(http, api_key=KEY, base_url=server.url + "/fred").vintage_dates(SOFR)
