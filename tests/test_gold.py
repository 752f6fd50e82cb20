"""Gold prices: the FreeGoldAPI parser on a recorded payload, one-line errors, the sample's anchors and
crisis-hedge behaviour against the sample's bitcoin, idempotent loads, and the live client against a real
local HTTP server with injected faults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingestion import gold
from ingestion.catalog import fred_series
from ingestion.errors import SourceError
from ingestion.fred import sample as fred_sample
from ingestion.gold import parser, sample
from ingestion.gold.client import PATH, GoldClient
from ingestion.http import HttpClient, HttpError
from ingestion.ingest import AcquireContext, ingest, run_source
from ingestion.landing import Landing
from ingestion.scenario import Scenario, d
from tests.http_fault_server import FaultServer, error, html_error_page, ok, retry_after, slow, truncated
from tests.test_ingest import table_digest

PAYLOAD = Path(__file__).parent / "payloads" / "gold" / "freegoldapi_latest_excerpt.csv"


def one_line(err: pytest.ExceptionInfo) -> str:
    assert "\n" not in str(err.value)
    return str(err.value)


# --------------------------------------------------------------------------- the recorded feed


def test_recorded_feed_keeps_dollar_rows_and_tells_frequencies_apart():
    rows = parser.parse_feed(PAYLOAD.read_bytes(), payload_hash="h").to_pylist()
    assert len(rows) == 24  # 27 rows, 3 of them in pounds
    assert {r["source"] for r in rows} == {"freegoldapi"}
    by = {(r["date"], r["frequency"]): (r["price_usd"], r["realtime_start"]) for r in rows}
    assert by[(d("1950-01-01"), "A")] == (34.71, d("1951-01-01"))
    assert by[(d("1959-01-01"), "A")] == (35.09, d("1960-01-01"))
    assert by[(d("1960-03-01"), "M")] == (35.27, d("1960-04-01"))
    assert by[(d("2024-12-01"), "M")] == (2648.01, d("2025-01-01"))
    assert by[(d("2025-01-02"), "D")] == (2658.89990234375, d("2025-01-03"))
    assert by[(d("2025-10-10"), "D")] == (4000.39990234375, d("2025-10-11"))
    assert [r["frequency"] for r in rows].count("D") == 8


@pytest.mark.parametrize(("content", "field", "message"), [
    (b"date,price\n2025-01-02,2658.9\n", "currency", "header drift"),
    (b"date,price,currency,source\n2025-01-02,2658.9,USD,yahoo\n", "source", "header drift"),
    (b"date,price,currency\n2025-01-02,2658.9,EUR\n", "currency", "line 2: unexpected currency 'EUR'"),
    (b"date,price,currency\n2025-01-02,abc,USD\n", "price", "line 2: not a number: 'abc'"),
    (b"date,price,currency\n2025-01-02,,USD\n", "price", "line 2: empty price"),
    (b"date,price,currency\n2025-01-02,0,USD\n", "price", "line 2: price 0.0 is not positive"),
    (b"date,price,currency\n2025-01-02,1,USD\n2025-01-02,2,USD\n", "date", "line 3: duplicate date 2025-01-02"),
    (b"date,price,currency\n02/01/2025,1,USD\n", "date", "line 2: not a YYYY-MM-DD date"),
    (b"date,price,currency\n2025-01-02,1\n", "body", "line 2 has 2 fields, expected 3"),
    (b"<html><body>502 Bad Gateway</body></html>", "body", "HTML"),
    (b"", "body", "empty file"),
    (b"date,price,currency\n2025-01-02,2658.9,USD\xc3\n", "body", "not UTF-8"),
])
def test_malformed_feed_gives_one_line(content, field, message):
    with pytest.raises(SourceError) as err:
        parser.parse_feed(content, payload_hash="h")
    line = one_line(err)
    assert line.startswith(f"gold: series XAU/USD: field {field}: ") and message in line


# --------------------------------------------------------------------------- the sample world


@pytest.fixture(scope="module")
def sample_rows():
    return parser.parse_feed(sample.latest_csv(Scenario()), payload_hash="h").to_pylist()


def test_sample_is_deterministic_daily_and_in_the_wire_format(sample_rows):
    content = sample.latest_csv(Scenario())
    assert content == sample.latest_csv(Scenario())
    assert content.startswith(b"date,price,currency\n2015-01-02,") and content.endswith(b",USD\n")
    assert {r["frequency"] for r in sample_rows} == {"D"}
    assert all(r["date"].weekday() < 5 for r in sample_rows)
    assert sample_rows[-1]["date"] == d("2025-11-21")
    assert all(r["realtime_start"] == r["date"] + dt.timedelta(1) for r in sample_rows)


def _price_on(rows, day: str) -> float:
    target = d(day)
    return next(r["price_usd"] for r in rows if r["date"] >= target)


@pytest.mark.parametrize(("day", "low", "high"), [
    ("2015-03-02", 1100, 1300), ("2020-06-01", 1600, 1850), ("2020-08-06", 1850, 2100),
    ("2023-06-01", 1850, 2150), ("2024-10-15", 2500, 2800), ("2025-10-06", 3750, 4200)])
def test_sample_anchors_are_close_to_history(sample_rows, day, low, high):
    assert low <= _price_on(sample_rows, day) <= high


@pytest.mark.parametrize(("start", "end"), [
    ("2018-09-20", "2018-12-24"), ("2020-02-13", "2020-03-12"), ("2022-01-28", "2022-03-08"),
    ("2023-03-01", "2023-03-13"), ("2025-10-06", "2025-11-20")])
def test_gold_rises_in_stress_windows_while_bitcoin_falls(sample_rows, start, end):
    grid, btc = fred_sample.truth(fred_series()["CBBTCUSD"], Scenario())
    btc_on = {g: v for g, v in zip(grid, btc, strict=True)}

    def btc_at(day: str) -> float:
        target = d(day)
        return next(btc_on[g] for g in grid if g >= target)

    assert _price_on(sample_rows, end) > _price_on(sample_rows, start)
    assert btc_at(end) < btc_at(start)


def test_sample_daily_volatility_is_gold_like(sample_rows):
    prices = np.array([r["price_usd"] for r in sample_rows])
    vol = np.diff(np.log(prices)).std() * np.sqrt(252)
    assert 0.08 < vol < 0.25  # gold's annualised volatility is ~15 %


def test_sample_ingest_is_idempotent(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ctx = AcquireContext("sample", Landing(tmp_path), 1, None)
    first = run_source(con, gold.GOLD, ctx)
    assert first.rows_inserted == {"raw.gold__prices": 2811}
    before = table_digest(con)
    again = run_source(con, gold.GOLD, AcquireContext("sample", Landing(tmp_path), 1, None))
    assert again.skipped == again.payloads == 1 and table_digest(con) == before


def test_files_mode_without_a_gold_file_yields_nothing(tmp_path):
    (tmp_path / "drop").mkdir()
    assert list(gold.acquire(AcquireContext("files", Landing(tmp_path), 1, tmp_path / "drop"))) == []


# --------------------------------------------------------------------------- the live client


def _http(**kw) -> HttpClient:
    return HttpClient(max_retries=kw.pop("max_retries", 3), backoff_base=0.01, backoff_max=0.05,
                      timeout=kw.pop("timeout", 5.0), **kw)


def test_live_client_recovers_from_429_500_a_timeout_and_a_truncated_body(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    body = PAYLOAD.read_bytes()
    with FaultServer() as server, _http(max_retries=4, timeout=0.5) as http:
        server.routes[PATH] = [retry_after(0), error(500), slow(2.0, body), truncated(body[:50], 200), ok(body)]
        report = ingest(con, landing, gold.GOLD, gold.acquire_live(landing, GoldClient(http, base_url=server.url)))
        assert len(server.requests_to(PATH)) == 5
    assert report.rows_inserted == {"raw.gold__prices": 24}
    (p,) = landing.payloads("gold")
    assert p.request == {"endpoint": "freegoldapi/data/latest.csv", "symbol": "XAU"}
    assert p.as_of == dt.datetime.now(dt.UTC).date().isoformat()


def test_live_client_fails_cleanly_and_nothing_is_loaded(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http(max_retries=1) as http:
        server.routes[PATH] = [error(503)]
        with pytest.raises(HttpError) as err:
            ingest(con, landing, gold.GOLD, gold.acquire_live(landing, GoldClient(http, base_url=server.url)))
    assert one_line(err).startswith("gold: series XAU/USD: ")
    assert con.execute("SELECT count(*) FROM raw.gold__prices").fetchone() == (0,)


def test_html_error_page_with_status_200_is_quarantined(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes[PATH] = [html_error_page()]
        with pytest.raises(SourceError) as err:
            ingest(con, landing, gold.GOLD, gold.acquire_live(landing, GoldClient(http, base_url=server.url)))
    assert one_line(err).startswith("gold: series XAU/USD: field body: body is HTML/XML")
    assert len(list((tmp_path / "landing" / "quarantine" / "gold").glob("*.csv"))) == 1
    assert con.execute("SELECT count(*) FROM raw.gold__prices").fetchone() == (0,)
