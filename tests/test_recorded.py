"""The recorded-response suite: real responses other projects recorded (tests/recorded/README.md gives each
one's origin), replayed through the real client against a local HTTP server on 127.0.0.1 and through the
real parser. The numbers asserted are read from the payloads themselves (the file's own rows and fields)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from ingestion.catalog import fred_series
from ingestion.errors import SourceError
from ingestion.fred import FRED
from ingestion.fred import parser as fred_parser
from ingestion.fred.client import FredClient
from ingestion.holdings import HOLDINGS
from ingestion.holdings import parser as holdings_parser
from ingestion.holdings.client import HoldingsClient
from ingestion.http import HttpClient
from ingestion.ingest import ingest
from ingestion.landing import Landing
from ingestion.nyfed import parser as nyfed_parser
from ingestion.nyfed.client import NyFedClient
from ingestion.sec import companyfacts as cf
from ingestion.sec.client import SecClient
from ingestion.sec.companies import Company
from ingestion.sec.companyfacts import parser as cf_parser
from tests.http_fault_server import FaultServer, ok

RECORDED = Path(__file__).parent / "recorded"
CONTACT = "Fragility Radar Tests radar-tests@example.org"


def read(path: str) -> bytes:
    return (RECORDED / path).read_bytes()


def _http(**kw) -> HttpClient:
    return HttpClient(max_retries=1, backoff_base=0.01, backoff_max=0.05, timeout=5, **kw)


# --------------------------------------------------------------------------- iShares IVV, December 2022

IVV = "ishares/IShares_IVV_holdings_20221230_resp.csv"
IVV_DAY = dt.date(2022, 12, 30)
AJAX = "/us/products/239726/ishares-core-sp-500-etf/1467271812596.ajax"


@pytest.fixture(scope="module")
def ivv_rows(tmp_path_factory) -> tuple[list[dict], dict]:
    """The file fetched by the live client from a local server, landed and loaded through the one ingest path."""
    home = tmp_path_factory.mktemp("ivv")
    landing = Landing(home)
    con = duckdb.connect(str(home / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes[AJAX] = [ok(read(IVV), headers={"Content-Type": "text/csv"})]
        got = HoldingsClient(http, base_url=server.url).holdings(IVV_DAY)
        asked = server.requests[0].query
    payload = landing.store("holdings", got.request, got.content, fetched_at=got.fetched_at, as_of=dt.date(2023, 1, 3),
                            ext="csv")
    report = ingest(con, landing, HOLDINGS, iter([payload]))
    rows = [dict(zip([c[0] for c in con.description], r, strict=True)) for r in
            con.execute("select * from raw.holdings__index_weights").fetchall()]
    con.close()
    return rows, {"asked": asked, "report": report}


def test_ivv_file_with_cash_and_derivative_rows_loads_whole(ivv_rows):
    rows, seen = ivv_rows
    assert seen["asked"] == {"fileType": "csv", "fileName": "IVV_holdings", "dataType": "fund", "asOfDate": "20221230"}
    assert seen["report"].rows_inserted == {"raw.holdings__index_weights": 508} and seen["report"].rows_skipped == {}
    by_class: dict[str, list[str]] = {}
    for r in rows:
        by_class.setdefault(r["asset_class"], []).append(r["ticker"])
    assert {k: len(v) for k, v in by_class.items()} == {"Equity": 503, "Money Market": 1, "Cash": 2,
                                                        "Cash Collateral and Margins": 1, "Futures": 1}
    assert sorted(by_class["Cash"]) == ["ETD_USD", "USD"] and by_class["Futures"] == ["ESH3"]
    etd = next(r for r in rows if r["ticker"] == "ETD_USD")  # the row the old ticker pattern refused the file for
    assert (etd["company_name"], etd["market_value"], etd["weight_pct"], etd["quantity"], etd["price"]) == (
        "ETD USD BALANCE WITH R93531", -2_227_331.57, 0.0, -2_227_332.0, 100.0)
    future = next(r for r in rows if r["ticker"] == "ESH3")
    assert (future["notional_value"], future["quantity"], future["exchange"], future["location"]) == (
        840_925_800.0, 4_356.0, "Index And Options Market", None)


def test_ivv_equity_weights_and_the_preamble(ivv_rows):
    rows, _ = ivv_rows
    equity = [r for r in rows if r["asset_class"] == "Equity"]
    assert round(sum(r["weight_pct"] for r in equity), 2) == 99.72  # 100.02 with cash and derivatives
    assert round(sum(r["weight_pct"] for r in rows), 2) == 100.02
    aapl = next(r for r in rows if r["ticker"] == "AAPL")
    assert (aapl["market_value"], aapl["weight_pct"], aapl["quantity"], aapl["price"]) == (
        17_447_821_037.88, 6.03, 134_286_316.0, 129.93)
    assert {r["fund_shares_outstanding"] for r in rows} == {753_450_000.0}  # "Shares Outstanding","753,450,000.00"
    assert {r["as_of_date"] for r in rows} == {IVV_DAY} and {r["published_on"] for r in rows} == {dt.date(2023, 1, 2)}
    keys = {r["ticker"]: r["company_key"] for r in equity}
    assert keys["BRKB"] == "BRK.B" and keys["GOOG"] == keys["GOOGL"] == "GOOGL" and keys["FOX"] == "FOXA"


def test_ivv_row_without_a_code_is_skipped_and_counted_not_refused():
    content = read(IVV).replace(b'"ETD_USD","ETD USD BALANCE', b'"***","ETD USD BALANCE')
    table = holdings_parser.parse_holdings(content, fund="IVV", as_of=IVV_DAY, payload_hash="h")
    assert table.num_rows == 507 and "***" not in table.column("ticker").to_pylist()
    assert json.loads(table.schema.metadata[holdings_parser.SKIPPED_KEY]) == {
        "non-equity row without a usable code": 1}
    # an equity row without a ticker still refuses the file: its weight would be lost from the index
    with pytest.raises(SourceError, match=r"IVV 2022-12-30: field Ticker: line 11: invalid ticker 'AA PL'"):
        holdings_parser.parse_holdings(read(IVV).replace(b'"AAPL","APPLE INC"', b'"AA PL","APPLE INC"'),
                                       fund="IVV", as_of=IVV_DAY, payload_hash="h")


# --------------------------------------------------------------------------- SEC companyfacts

SNOW = Company("SNOW", "0001640147", "SNOWFLAKE INC.", "SNOW", False, "0131")
LPA = Company("LPA", "0001997711", "Logistic Properties of the Americas", "LPA", False, "1231")


def _replay_companyfacts(company: Company, path: str) -> bytes:
    with FaultServer() as server, _http(user_agent=CONTACT) as http:
        server.routes[f"/api/xbrl/companyfacts/CIK{company.cik}.json"] = [ok(read(path))]
        got = SecClient(http, data_url=server.url).companyfacts(company)
    assert got.request == {"endpoint": "api/xbrl/companyfacts", "cik": company.cik}
    return got.content


def test_companyfacts_of_an_older_registrant_cik_as_integer():
    content = _replay_companyfacts(SNOW, "sec/companyfacts_CIK0001640147_snow.json")
    doc = json.loads(content)
    assert doc["cik"] == 1640147  # an integer
    rows = cf_parser.parse_companyfacts(content, company=SNOW, payload_hash="h",
                                        fetched_on=dt.date(2026, 8, 22)).to_pylist()
    facts = sum(len(v) for c in cf_parser.CONCEPTS if c in doc["facts"]["us-gaap"]
                for v in doc["facts"]["us-gaap"][c]["units"].values())
    assert facts == 252 and sum(r["taxonomy"] == "us-gaap" for r in rows) == 252
    capex = next(r for r in rows if r["metric"] == "capex" and r["accession"] == "0001640147-25-000110"
                 and r["period_end"] == dt.date(2025, 4, 30))
    assert (capex["period_start"], capex["period_end"], capex["value"], capex["fiscal_period"], capex["frame"]) == (
        dt.date(2025, 2, 1), dt.date(2025, 4, 30), 44_989_000.0, "Q1", "CY2025Q1")
    dei = [r for r in rows if r["taxonomy"] == "dei"]
    assert {r["metric"] for r in dei} == {"shares_outstanding", "public_float"} and len(dei) == 18 + 5
    floats = {r["period_end"]: r["value"] for r in dei if r["metric"] == "public_float"}
    assert floats[dt.date(2024, 7, 31)] == 42_300_000_000.0


def test_companyfacts_of_a_newer_ifrs_registrant_cik_as_padded_string(tmp_path, monkeypatch):
    content = _replay_companyfacts(LPA, "sec/companyfacts_CIK0001997711_lpa.json")
    assert json.loads(content)["cik"] == "0001997711"  # a zero-padded string
    monkeypatch.setattr(cf, "ai_bigtech", lambda: {LPA.cik: LPA})  # the company set, for this payload only
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    payload = landing.store("sec_companyfacts", {"endpoint": cf.ENDPOINT, "cik": LPA.cik}, content,
                            fetched_at=dt.datetime(2026, 8, 22, tzinfo=dt.UTC), as_of=dt.date(2026, 8, 22))
    report = ingest(con, landing, cf.SEC_COMPANYFACTS, iter([payload]))
    rows = con.execute("""select concept, period_end, value, form, filed from raw.sec__companyfacts
                          order by filed""").fetchall()
    # no us-gaap facts: not a crash, one clear reason, and the cover page's shares outstanding load
    assert report.rows_skipped == {"raw.sec__companyfacts": {
        "no us-gaap facts (taxonomies: ifrs-full; an IFRS filer?)": 1}}
    assert rows == [
        ("EntityCommonStockSharesOutstanding", dt.date(2024, 3, 28), 31_709_747.0, "20-F", dt.date(2024, 4, 26)),
        ("EntityCommonStockSharesOutstanding", dt.date(2025, 4, 2), 31_668_601.0, "20-F", dt.date(2025, 4, 2)),
        ("EntityCommonStockSharesOutstanding", dt.date(2025, 4, 2), 31_668_601.0, "20-F/A", dt.date(2025, 4, 7))]
    assert not list((landing.root / "quarantine").glob("**/*.json"))


# --------------------------------------------------------------------------- FRED

SOFR_OBS = "fred/observations_SOFR_2024-06-01_2024-06-06.json"
FETCHED = dt.datetime(2024, 6, 27, 15, tzinfo=dt.UTC)


def test_fred_observations_replayed_through_the_client(tmp_path):
    sofr = fred_series()["SOFR"]
    vintages = {"realtime_start": "1776-07-04", "realtime_end": "9999-12-31", "order_by": "vintage_date",
                "sort_order": "asc", "count": 1, "offset": 0, "limit": 10000, "vintage_dates": ["2024-06-27"]}
    with FaultServer() as server, _http() as http:
        server.routes["/fred/series/vintagedates"] = [ok(json.dumps(vintages).encode())]
        server.routes["/fred/series/observations"] = [ok(read(SOFR_OBS))]
        server.routes["/fred/series"] = [ok(read("fred/series_SOFR.json"))]
        client = FredClient(http, api_key="k" * 32, base_url=server.url + "/fred")
        pages = list(client.observations(sofr))
        meta = client.series(sofr)
        asked = [r.query for r in server.requests if r.path == "/fred/series/observations"]
    assert len(pages) == 1 and pages[0].content == read(SOFR_OBS)
    assert asked == [{"series_id": "SOFR", "output_type": "1", "realtime_start": "1776-07-04",
                      "realtime_end": "9999-12-31", "limit": "100000", "offset": "0", "file_type": "json",
                      "api_key": "k" * 32}]
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    stored = [landing.store("fred", f.request, f.content, fetched_at=FETCHED, as_of=FETCHED.date())
              for f in (*pages, meta)]
    ingest(con, landing, FRED, iter(stored))
    assert con.execute("""select obs_date, value, realtime_start, realtime_end, value_status
                          from raw.fred__observations order by obs_date""").fetchall() == [
        (dt.date(2024, 6, d), v, dt.date(2024, 6, 27), dt.date(2024, 6, 27), "ok")
        for d, v in ((3, 5.35), (4, 5.33), (5, 5.33), (6, 5.33))]
    assert con.execute("select units, units_short, notes, observation_start, last_updated from raw.fred__series"
                       ).fetchall() == [("Percent", "%", None, dt.date(2018, 4, 3), "2024-06-26 07:02:16-05")]


def test_fred_recorded_count_is_checked_against_its_rows():
    doc = json.loads(read("fred/observations_SOFR99_2024-06-01_2024-06-06.json"))
    sofr99 = fred_series()["SOFR99"]
    rows = fred_parser.parse_observations(json.dumps(doc).encode(), series=sofr99, payload_hash="h",
                                          fetched_on=FETCHED.date())
    assert rows.column("value").to_pylist() == [5.44, 5.44, 5.43, 5.44] and doc["count"] == 4
    doc["observations"].pop()  # the same answer, cut by one row
    with pytest.raises(SourceError, match=r"^fred: series SOFR99: field count: 3 observations, but the response says "
                                          r"count 4 \(offset 0, limit 100000\): expected 4"):
        fred_parser.parse_observations(json.dumps(doc).encode(), series=sofr99, payload_hash="h",
                                       fetched_on=FETCHED.date())


# --------------------------------------------------------------------------- NY Fed

EFFR = "nyfed/effr_2023-01-01_2023-06-06.json"


def test_nyfed_effr_replayed_through_the_client():
    with FaultServer() as server, _http() as http:
        server.routes["/api/rates/unsecured/effr/search.json"] = [ok(read(EFFR))]
        got = NyFedClient(http, base_url=server.url + "/api").search("EFFR", dt.date(2023, 1, 1), dt.date(2023, 6, 6))
    rows = nyfed_parser.parse_reference_rates(got.content, rate_type="EFFR", payload_hash="h",
                                              fetched_at=dt.datetime(2024, 6, 27, 10, 22, tzinfo=dt.UTC)).to_pylist()
    assert len(rows) == 108 == len(json.loads(read(EFFR))["refRates"])
    first, last = rows[0], rows[-1]
    assert (first["effective_date"], first["percent_rate"], first["percentile_1"], first["percentile_99"],
            first["volume_in_billions"], first["target_rate_from"], first["target_rate_to"]) == (
        dt.date(2023, 6, 6), 5.08, 5.05, 5.3, 144.0, 5.0, 5.25)
    assert (last["effective_date"], last["percent_rate"], last["target_rate_from"]) == (dt.date(2023, 1, 3), 4.33, 4.25)
    assert {r["method_version"] for r in rows} == {"effr-2016-03-01"} and {r["footnote_id"] for r in rows} == {None}


def test_nyfed_older_effr_shapes_from_the_documented_fields():
    """No recording of these exists (tests/recorded/README.md): the NY Fed API's documented EFFR fields."""
    doc = {"refRates": [
        # brokered-trade method (before 2016-03-01): intraday low/high and standard deviation, a target range
        {"effectiveDate": "2015-12-31", "type": "EFFR", "percentRate": 0.2, "targetRateFrom": 0.25,
         "targetRateTo": 0.5, "intraDayLow": 0.01, "intraDayHigh": 0.5, "stdDeviation": 0.1, "footnoteId": "3",
         "revisionIndicator": ""},
        # before 2008-12-16: one target rate, no range
        {"effectiveDate": "2007-08-09", "type": "EFFR", "percentRate": 5.41, "targetRateFrom": 5.25,
         "intraDayLow": 4.75, "intraDayHigh": 6.0, "stdDeviation": 0.18, "revisionIndicator": ""},
    ]}
    rows = nyfed_parser.parse_reference_rates(json.dumps(doc).encode(), rate_type="EFFR", payload_hash="h",
                                              fetched_at=dt.datetime(2024, 6, 27, tzinfo=dt.UTC)).to_pylist()
    assert [(r["effective_date"], r["intraday_low"], r["intraday_high"], r["std_deviation"], r["target_rate_from"],
             r["target_rate_to"], r["footnote_id"], r["method_version"]) for r in rows] == [
        (dt.date(2015, 12, 31), 0.01, 0.5, 0.1, 0.25, 0.5, "3", "effr-2000-07-03"),
        (dt.date(2007, 8, 9), 4.75, 6.0, 0.18, 5.25, None, None, "effr-2000-07-03")]
