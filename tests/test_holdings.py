"""Index holdings (iShares IVV files): exact parser output on a recorded file, one-line errors, share
classes counted once (GOOG/GOOGL, BRKB), the sample's concentration story, idempotent loads, the live
client (step back over a holiday, 429, clean failure) and staging."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from ingestion import holdings
from ingestion.errors import SourceError
from ingestion.holdings import parser, sample
from ingestion.holdings.client import HoldingsClient, month_ends
from ingestion.http import HttpClient, HttpError
from ingestion.ingest import AcquireContext, ingest, run_source
from ingestion.landing import Landing
from ingestion.scenario import Scenario
from tests.http_fault_server import FaultServer, error, html_error_page, ok, retry_after
from tests.test_ingest import table_digest

PAYLOADS = Path(__file__).parent / "payloads" / "holdings"
AS_OF = dt.date(2025, 10, 31)
AJAX = "/us/products/239726/ishares-core-sp-500-etf/1467271812596.ajax"


def recorded() -> bytes:
    return (PAYLOADS / "IVV_holdings_2025-10-31.csv").read_bytes()


def parse(content: bytes, as_of: dt.date = AS_OF):
    return parser.parse_holdings(content, fund="IVV", as_of=as_of, payload_hash="h")


# --------------------------------------------------------------------------- recorded file


def test_recorded_file_exact_rows():
    rows = parse(recorded()).to_pylist()
    assert len(rows) == 15
    assert rows[0] == {
        "fund_ticker": "IVV", "as_of_date": AS_OF, "published_on": dt.date(2025, 11, 3), "ticker": "NVDA",
        "company_key": "NVDA", "company_name": "NVIDIA CORP", "sector": "Information Technology",
        "asset_class": "Equity", "market_value": 56123456789.01, "weight_pct": 24.0,
        "notional_value": 56123456789.01, "quantity": 278123456.0, "price": 201.79, "location": "United States",
        "exchange": "NASDAQ", "currency": "USD", "payload_hash": "h",
        "fund_shares_outstanding": 1_045_600_000.0}  # the preamble's "Shares Outstanding"
    cash = rows[-2]
    assert (cash["ticker"], cash["asset_class"], cash["weight_pct"], cash["exchange"]) == ("USD", "Cash", 0.1, None)


def test_share_classes_share_one_company_key():
    keys = {r["ticker"]: r["company_key"] for r in parse(recorded()).to_pylist()}
    assert keys["GOOG"] == keys["GOOGL"] == "GOOGL"
    assert keys["BRKB"] == "BRK.B"
    assert keys["FOX"] == keys["FOXA"] == "FOXA"
    assert keys["XYZA"] == keys["XYZC"] == "XYZA"  # not in the map: grouped by name without the class
    assert keys["META"] == "META" and keys["NVDA"] == "NVDA"


def test_facebook_is_meta_before_the_ticker_change():
    (p,) = [x for x in sample.emit(Scenario()) if x.request["as_of"] == "2019-12-31"]
    rows = {r["ticker"]: r["company_key"] for r in parse(p.content, dt.date(2019, 12, 31)).to_pylist()}
    assert rows["FB"] == "META" and "META" not in rows and "TSLA" not in rows


def _replace(old: str, new: str) -> bytes:
    return recorded().replace(old.encode(), new.encode(), 1)


@pytest.mark.parametrize(
    ("content", "field", "fragment"),
    [
        (b"", "field body", "empty"),
        (b"<!DOCTYPE html><html><body>Page not found</body></html>", "field body", "HTML"),
        (recorded().replace(b"NVIDIA", b"NVID\xffIA"), "field body", "not UTF-8"),
        (_replace('Fund Holdings as of,"Oct 31, 2025"', 'Fund Holdings as of,"Oct 30, 2025"'),
         "field Fund Holdings as of", "file is as of 2025-10-30, not the requested 2025-10-31"),
        (_replace("Fund Holdings as of", "Holdings"), "field Fund Holdings as of", "no 'Fund Holdings as of'"),
        (_replace("Ticker,Name", "Symbol,Name"), "field header", "no holdings header row"),
        (_replace(",Weight (%),", ",Weight,"), "field Weight", "schema drift"),
        (_replace(",Price,", ",Price,Coupon (%),").replace(b'"201.79",', b'"201.79","-",'), "field Coupon (%)",
         "schema drift"),
        (recorded()[:2200], "field rows", "malformed holdings CSV"),
        (_replace('"24.00"', '"abc"'), "field Weight (%)", "line 11: not a number: 'abc'"),
        (_replace('"24.00"', '"0.24"').replace(b'"20.00"', b'"0.20"'), "field Weight (%)", "add up to"),
        (_replace('"AAPL"', '"NVDA"'), "field Ticker", "duplicate holding 'NVDA'"),
        (_replace('"AAPL"', '"AA PL;"'), "field Ticker", "line 12: invalid ticker"),
        (_replace('"NVIDIA CORP","Information Technology","Equity"', 'x,y'), "field rows", "malformed"),
    ],
)
def test_bad_files_fail_in_one_line_naming_source_file_field(content, field, fragment):
    with pytest.raises(SourceError) as info:
        parse(content)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"holdings: series IVV 2025-10-31: {field}"), msg
    assert fragment in msg


def test_header_only_file_is_refused():
    text = recorded().decode()
    head = text[: text.index('"NVDA"')]
    with pytest.raises(SourceError, match="field rows: no holdings rows"):
        parse((head + "\u00a0\n").encode())


def test_dispatch_refuses_bad_requests(tmp_path):
    landing = Landing(tmp_path)
    stamp = dt.datetime(2025, 11, 21, tzinfo=dt.UTC)
    for request, fragment in (({"endpoint": "x", "fund": "IVV", "as_of": "2025-10-31"}, "unknown endpoint"),
                              ({"endpoint": holdings.ENDPOINT, "fund": "IVV;--", "as_of": "2025-10-31"},
                               "invalid fund"),
                              ({"endpoint": holdings.ENDPOINT, "fund": "IVV", "as_of": "2025-12-31"},
                               "after the fetch")):
        p = landing.store("holdings", request, recorded(), fetched_at=stamp, as_of=dt.date(2025, 11, 21), ext="csv")
        with pytest.raises(SourceError, match=fragment):
            holdings.parse(p, p.read())


# --------------------------------------------------------------------------- the sample's story


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    con = duckdb.connect()
    report = run_source(con, holdings.HOLDINGS, AcquireContext("sample", Landing(tmp_path_factory.mktemp("h"))))
    yield con, report
    con.close()


def _concentration(con, day: str) -> tuple[float, float, int]:
    return con.execute("""
        with c as (select company_key, sum(weight_pct) as w from raw.holdings__index_weights
                   where as_of_date = ? and asset_class = 'Equity' group by 1),
        r as (select *, row_number() over (order by w desc) as rk from c)
        select sum(w) filter (where rk <= 10), sum(w) filter (where company_key in
               ('AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA')), count(*) from r""", [day]).fetchone()


def test_top10_and_magnificent_7_rise_over_the_decade(weights):
    con, report = weights
    assert report.payloads == 131  # month ends 2015-01..2025-10 and 2025-11-20
    top10_2015, mag7_2015, n_2015 = _concentration(con, "2015-12-31")
    top10_2025, mag7_2025, n_2025 = _concentration(con, "2025-10-31")
    assert 16 < top10_2015 < 22 and 37 < top10_2025 < 44
    assert 9 < mag7_2015 < 14 and 32 < mag7_2025 < 38
    assert 495 <= n_2015 <= 505 and 495 <= n_2025 <= 505
    (lines,) = con.execute("select count(*) from raw.holdings__index_weights where as_of_date = '2025-10-31' "
                           "and asset_class = 'Equity'").fetchone()
    assert lines == n_2025 + 3  # GOOG, FOX and NWS are second share classes


def test_scale_multiplies_constituents():
    p = next(iter(sample.emit(Scenario(), scale=10)))
    rows = parse(p.content, dt.date.fromisoformat(p.request["as_of"])).to_pylist()
    assert len([r for r in rows if r["asset_class"] == "Equity"]) > 4900


def test_ingest_is_idempotent_and_replayable(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = run_source(con, holdings.HOLDINGS, AcquireContext("sample", landing))
    assert first.rows_inserted["raw.holdings__index_weights"] > 60000
    before = table_digest(con)
    again = run_source(con, holdings.HOLDINGS, AcquireContext("sample", landing))
    assert again.skipped == again.payloads and table_digest(con) == before
    replay = ingest(con, landing, holdings.HOLDINGS, iter(landing.payloads("holdings")))
    assert replay.rows_inserted == {} and table_digest(con) == before


def test_files_mode_reads_hand_downloads(tmp_path):
    landing = Landing(tmp_path / "home")
    assert list(holdings.acquire(AcquireContext("files", landing, files_dir=tmp_path / "drop"))) == []
    folder = tmp_path / "drop" / "holdings"
    folder.mkdir(parents=True)
    (folder / "IVV_holdings_2025-10-31.csv").write_bytes(recorded())
    (folder / "IVV_holdings_latest.csv").write_bytes(recorded())
    (payload,) = holdings.acquire(AcquireContext("files", landing, files_dir=tmp_path / "drop"))
    assert payload.request == {"endpoint": holdings.ENDPOINT, "fund": "IVV", "as_of": "2025-10-31"}
    assert holdings.parse(payload, payload.read())[0][1].num_rows == 15


# --------------------------------------------------------------------------- live client


def _http(**kw) -> HttpClient:
    return HttpClient(max_retries=kw.pop("max_retries", 3), backoff_base=0.01, backoff_max=0.05, timeout=5, **kw)


def test_month_ends_are_weekdays():
    assert month_ends(dt.date(2025, 8, 1), dt.date(2025, 11, 21)) == [
        dt.date(2025, 8, 29), dt.date(2025, 9, 30), dt.date(2025, 10, 31)]


def test_live_client_steps_back_over_a_day_without_holdings_and_recovers_from_429(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    sept = recorded().replace(b'"Oct 31, 2025"', b'"Sep 30, 2025"')
    aug = recorded().replace(b'"Oct 31, 2025"', b'"Aug 28, 2025"')
    with FaultServer() as server, _http() as http:
        # One route serves every date: the server answers by the queried date through a small script.
        server.routes[AJAX] = [ok(aug), ok(aug), retry_after(0.05), ok(sept), ok(recorded())]
        client = HoldingsClient(http, base_url=server.url)
        report = ingest(con, landing, holdings.HOLDINGS, _three_months(landing, client))
        dates = [r.query["asOfDate"] for r in server.requests]
    # 2025-08-29 answered with Aug 28's file -> step back -> 2025-08-28 matches
    assert dates == ["20250829", "20250828", "20250930", "20250930", "20251031"]
    assert report.payloads == 3
    assert con.execute("select count(distinct as_of_date) from raw.holdings__index_weights").fetchone()[0] == 3
    assert all(r.query["fileType"] == "csv" and r.query["fileName"] == "IVV_holdings" for r in server.requests)


def _three_months(landing, client):
    for day in (dt.date(2025, 8, 29), dt.date(2025, 9, 30), dt.date(2025, 10, 31)):
        got = client.holdings(day)
        yield landing.store("holdings", got.request, got.content, fetched_at=got.fetched_at,
                            as_of=dt.date(2025, 11, 21), ext="csv")


def test_live_client_fails_cleanly(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http(max_retries=1) as http:
        server.routes[AJAX] = [error(503)]
        with pytest.raises(HttpError) as info:
            ingest(con, landing, holdings.HOLDINGS, holdings.acquire_live(
                landing, HoldingsClient(http, base_url=server.url), today=dt.date(2015, 3, 2)))
    assert str(info.value).startswith("holdings: series IVV 2015-01-30: HTTP 503 after 2 attempts")
    (n,) = con.execute("select count(*) from information_schema.tables where table_name = 'holdings__index_weights'"
                       ).fetchone()
    assert n == 1 and con.execute("select count(*) from raw.holdings__index_weights").fetchone()[0] == 0


def test_live_html_page_is_quarantined(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes[AJAX] = [html_error_page()]
        with pytest.raises(SourceError, match="holdings: series IVV 2015-01-30: field body: body is HTML"):
            ingest(con, landing, holdings.HOLDINGS, holdings.acquire_live(
                landing, HoldingsClient(http, base_url=server.url), today=dt.date(2015, 3, 2)))
        assert len(server.requests) == 1
    assert len(list((landing.root / "quarantine" / "holdings").glob("*.csv"))) == 1


def test_the_step_back_gives_up_after_five_days():
    other = recorded().replace(b'"Oct 31, 2025"', b'"Oct 01, 2025"')
    with FaultServer() as server, _http() as http:
        server.routes[AJAX] = [ok(other)]
        with pytest.raises(SourceError, match="holdings: series IVV 2025-10-31: field asOfDate: no holdings file"):
            HoldingsClient(http, base_url=server.url).holdings(dt.date(2025, 10, 31))
        assert len(server.requests) == 6


# --------------------------------------------------------------------------- staging (one full build)


def test_staging_counts_share_classes_once(built_home):
    con = duckdb.connect(str(built_home / "fragility.duckdb"), read_only=True)
    try:
        alphabet = con.execute("""select list(distinct ticker order by ticker), count(distinct company_key),
                                  round(sum(weight), 4) from staging.stg_holdings__index_weights
                                  where as_of_date = '2025-10-31' and company_name like 'ALPHABET%'""").fetchone()
        totals = con.execute("""select count(*), count(distinct company_key), round(sum(weight), 2)
                                from staging.stg_holdings__index_weights where as_of_date = '2025-10-31'""").fetchone()
    finally:
        con.close()
    assert alphabet[0] == ["GOOG", "GOOGL"] and alphabet[1] == 1 and 0.035 < alphabet[2] < 0.055
    assert totals[0] == totals[1] + 3 and 0.98 <= totals[2] <= 1.0


def test_repeated_non_equity_rows_are_skipped_and_counted_never_refusing_the_file():
    """FX forwards of a hedged fund repeat one (ticker, asset class, name); the first is kept, the others counted."""
    forward = '"GBP","GBP/USD","Cash and/or Derivatives","Forwards","8,548.20","0.00","8,548.20","257,000.00",' \
              '"1.00","United States","-","USD","0.81","USD","-"\n'
    content = recorded().replace(b'"USD","USD CASH"', (forward * 3).encode() + b'"USD","USD CASH"')
    table = parse(content)
    assert table.num_rows == 16 and table.column("ticker").to_pylist().count("GBP") == 1
    assert json.loads(table.schema.metadata[parser.SKIPPED_KEY]) == {
        "non-equity row repeating another row's ticker, asset class and name": 2}
