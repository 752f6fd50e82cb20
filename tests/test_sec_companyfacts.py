"""SEC companyfacts: exact parser output on a recorded payload, one-line errors, the sample's story,
idempotent loads, and the live client (User-Agent, rate limit, 429 recovery, clean failure) against a
real local server."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import duckdb
import pytest

from ingestion.errors import SourceError
from ingestion.http import HttpClient, HttpError
from ingestion.ingest import AcquireContext, ingest, run_source
from ingestion.landing import Landing
from ingestion.scenario import Scenario
from ingestion.sec import companyfacts as cf
from ingestion.sec.client import SecClient, sec_http, user_agent
from ingestion.sec.companies import ai_bigtech, by_ticker
from ingestion.sec.companyfacts import parser, sample
from tests.http_fault_server import FaultServer, error, html_error_page, ok, retry_after
from tests.test_ingest import table_digest

PAYLOADS = Path(__file__).parent / "payloads" / "sec"
ORCL = by_ticker()["ORCL"]
FETCHED = dt.date(2025, 11, 21)
CONTACT = "Fragility Radar Tests radar-tests@example.org"


def parse(content: bytes, company=ORCL, fetched_on=FETCHED):
    return parser.parse_companyfacts(content, company=company, payload_hash="h", fetched_on=fetched_on)


def recorded() -> bytes:
    return (PAYLOADS / "companyfacts_CIK0001341439_tail.json").read_bytes()


# --------------------------------------------------------------------------- catalog


def test_company_set_has_the_eight_real_ciks():
    assert {c.ticker: c.cik for c in ai_bigtech().values()} == {
        "MSFT": "0000789019", "AMZN": "0001018724", "GOOGL": "0001652044", "META": "0001326801",
        "ORCL": "0001341439", "NVDA": "0001045810", "AAPL": "0000320193", "TSLA": "0001318605"}
    assert {c.ticker for c in ai_bigtech().values() if c.in_magnificent_7} == {
        "MSFT", "AMZN", "GOOGL", "META", "NVDA", "AAPL", "TSLA"}
    assert all(c.company_key == c.ticker for c in ai_bigtech().values())


def test_catalog_refuses_a_bad_line(tmp_path):
    bad = tmp_path / "set.csv"
    bad.write_text("ticker,cik,entity_name,company_key,in_magnificent_7,fiscal_year_end\n"
                   "MSFT;DROP,789019,MICROSOFT,MSFT,true,0630\n")
    with pytest.raises(SourceError, match="set.csv line 2: field ticker: invalid ticker"):
        ai_bigtech.__wrapped__(bad)


# --------------------------------------------------------------------------- recorded payload


def test_recorded_payload_exact_rows_for_a_restated_quarter():
    rows = parse(recorded()).to_pylist()
    capex = [r for r in rows if r["concept"] == "PaymentsToAcquirePropertyPlantAndEquipment"
             and r["period_end"] == dt.date(2024, 8, 31)]
    assert capex == [
        {"cik": "0001341439", "ticker": "ORCL", "entity_name": "ORACLE CORPORATION", "taxonomy": "us-gaap",
         "concept": "PaymentsToAcquirePropertyPlantAndEquipment", "metric": "capex", "unit": "USD",
         "period_start": dt.date(2024, 6, 1), "period_end": dt.date(2024, 8, 31), "duration_days": 92,
         "fiscal_year": 2025, "fiscal_period": "Q1", "form": "10-Q", "frame": None, "filed": dt.date(2024, 9, 10),
         "value": 2784000000.0, "accession": "0000950170-24-584492", "payload_hash": "h"},
        # A year later the Q1 FY2026 10-Q re-reports the quarter as a comparative, restated 6% higher; EDGAR's
        # frame moves to the latest-filed fact.
        {"cik": "0001341439", "ticker": "ORCL", "entity_name": "ORACLE CORPORATION", "taxonomy": "us-gaap",
         "concept": "PaymentsToAcquirePropertyPlantAndEquipment", "metric": "capex", "unit": "USD",
         "period_start": dt.date(2024, 6, 1), "period_end": dt.date(2024, 8, 31), "duration_days": 92,
         "fiscal_year": 2026, "fiscal_period": "Q1", "form": "10-Q", "frame": "CY2024Q3",
         "filed": dt.date(2025, 9, 10), "value": 2951000000.0, "accession": "0000950170-25-233880",
         "payload_hash": "h"},
    ]


def test_recorded_payload_keeps_every_fact_of_configured_concepts_only():
    everything = parse(recorded()).to_pylist()
    rows = [r for r in everything if r["taxonomy"] == "us-gaap"]
    doc = json.loads(recorded())
    expected = sum(len(doc["facts"]["us-gaap"][c]["units"]["USD"]) for c in parser.CONCEPTS
                   if c in doc["facts"]["us-gaap"])
    assert len(rows) == expected == 25
    assert {r["concept"] for r in rows} == {"PaymentsToAcquirePropertyPlantAndEquipment", "LongTermDebt",
                                            "ProceedsFromIssuanceOfLongTermDebt"}  # Revenues dropped
    (dei,) = [r for r in everything if r["taxonomy"] == "dei"]  # the cover page's shares outstanding
    assert (dei["concept"], dei["metric"], dei["unit"], dei["period_end"], dei["value"], dei["filed"]) == (
        "EntityCommonStockSharesOutstanding", "shares_outstanding", "shares", dt.date(2025, 9, 3), 2_840_000_000.0,
        dt.date(2025, 9, 10))
    instants = [r for r in rows if r["concept"] == "LongTermDebt"]
    assert all(r["period_start"] is None and r["duration_days"] == 0 for r in instants)
    ytd = [r for r in rows if r["concept"] == "ProceedsFromIssuanceOfLongTermDebt" and r["fiscal_period"] == "Q2"]
    assert {r["duration_days"] for r in ytd} >= {183}  # cash-flow facts in a 10-Q are year to date


def _doc(**fact_overrides) -> dict:
    fact = {"start": "2025-06-01", "end": "2025-08-31", "val": 8500000000, "accn": "0000950170-25-233880",
            "fy": 2026, "fp": "Q1", "form": "10-Q", "filed": "2025-09-10", "frame": "CY2025Q3"}
    fact.update(fact_overrides)
    fact = {k: v for k, v in fact.items() if v is not ...}
    return {"cik": 1341439, "entityName": "ORACLE CORPORATION", "facts": {"us-gaap": {
        "PaymentsToAcquirePropertyPlantAndEquipment": {"label": "x", "description": "y", "units": {"USD": [fact]}}}}}


def _bytes(doc) -> bytes:
    return json.dumps(doc).encode()


FIELD = "field facts.us-gaap.PaymentsToAcquirePropertyPlantAndEquipment.units.USD[0]"


@pytest.mark.parametrize(
    ("content", "field", "fragment"),
    [
        (b"", "field body", "empty"),
        (recorded()[:5000], "field body", "truncated"),
        (b"<!DOCTYPE html><html><body>Request Rate Threshold Exceeded</body></html>", "field body", "HTML"),
        (b'{"cik": 1341439, "cik": 1341439, "entityName": "x", "facts": {}}', "field body", "duplicate JSON key"),
        (b"\xff\xfe{}", "field body", "not UTF-8"),
        (b"[1, 2]", "field body", "expected an object"),
        (_bytes({"cik": 1341439, "facts": {}}), "field entityName", "missing top-level keys"),
        (_bytes({**_doc(), "cik": "CIK1341439"}), "field cik", "expected an integer or a string of digits"),
        (_bytes({**_doc(), "cik": 1341439.0}), "field cik", "expected an integer or a string of digits"),
        (_bytes({**_doc(), "cik": 789019}), "field cik", "not the requested company"),
        (_bytes({**_doc(), "facts": {"us-gaap": []}}), "field facts.us-gaap", "expected an object"),
        (_bytes(_doc(val="8500000000")), f"{FIELD}.val", "expected a number"),
        (_bytes(_doc(val=True)), f"{FIELD}.val", "expected a number"),
        (_bytes(_doc(end="2025-13-31")), f"{FIELD}.end", "not a date"),
        (_bytes(_doc(filed="2026-01-05")), f"{FIELD}.filed", "in the future"),
        (_bytes(_doc(start="2025-09-30")), f"{FIELD}.start", "after end"),
        (_bytes(_doc(accn="12345")), f"{FIELD}.accn", "is not ##########-##-######"),
        (_bytes(_doc(fy="2026")), f"{FIELD}.fy", "expected an integer"),
        (_bytes(_doc(frame="2025Q3")), f"{FIELD}.frame", "CY####"),
        (_bytes(_doc(segment="x")), f"{FIELD}.segment", "schema drift"),
        (_bytes(_doc(accn=...)), f"{FIELD}.accn", "schema drift"),
    ],
)
def test_bad_payloads_fail_in_one_line_naming_source_series_field(content, field, fragment):
    with pytest.raises(SourceError) as info:
        parse(content)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"sec_companyfacts: series CIK0001341439: {field}"), msg
    assert fragment in msg


def test_duplicate_fact_with_two_values_is_refused_and_exact_duplicates_collapse():
    doc = _doc()
    fact = doc["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]["USD"][0]
    doc["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]["USD"] = [fact, dict(fact)]
    assert parse(_bytes(doc)).num_rows == 1
    doc["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]["USD"][1]["val"] = 1
    with pytest.raises(SourceError, match=r"USD\[1\]\.val: duplicate fact for 2025-08-31"):
        parse(_bytes(doc))


def test_unknown_cik_and_endpoint_are_refused(tmp_path):
    with pytest.raises(SourceError, match="sec_companyfacts: series CIK0000000042: field cik: unknown CIK"):
        cf.lookup("42")
    with pytest.raises(SourceError, match="field cik: invalid CIK"):
        cf.lookup("42; DROP TABLE x")
    landing = Landing(tmp_path)
    p = landing.store("sec_companyfacts", {"endpoint": "api/xbrl/frames", "cik": "0001341439"}, b"{}",
                      fetched_at=dt.datetime(2025, 11, 21, tzinfo=dt.UTC), as_of=FETCHED)
    with pytest.raises(SourceError, match="unknown endpoint"):
        cf.parse(p, p.read())


# --------------------------------------------------------------------------- the sample's story


@pytest.fixture(scope="module")
def facts():
    con = duckdb.connect()
    landing = Landing(Path(__import__("tempfile").mkdtemp()))
    run_source(con, cf.SEC_COMPANYFACTS, AcquireContext("sample", landing))
    yield con
    con.close()


def _three_quarters(con, ticker: str, metric: str, year: int) -> float:
    """Latest-filed total of the quarters ending in Feb..Oct of ``year`` (de-cumulated year-to-date facts)."""
    return con.execute("""
        with latest as (
            select period_start, period_end, value, row_number() over (
                partition by concept, period_start, period_end order by filed desc) as rn
            from raw.sec__companyfacts where ticker = ? and metric = ?),
        ytd as (select * from latest where rn = 1),
        quarters as (
            select a.period_end, a.value - coalesce(b.value, 0) as q
            from ytd a left join ytd b on b.period_start = a.period_start and b.period_end < a.period_end
                and b.period_end >= a.period_end - 100
            where a.period_end - a.period_start between 80 and 400)
        select sum(q) from quarters where year(period_end - 40) = ? and month(period_end - 40) <= 9""",
                       [ticker, metric, year]).fetchone()[0]


def test_capex_outgrows_operating_cash_flow_from_2023(facts):
    for ticker in ("MSFT", "AMZN", "GOOGL", "META", "ORCL"):
        capex_growth = _three_quarters(facts, ticker, "capex", 2025) / _three_quarters(facts, ticker, "capex", 2023)
        ocf_growth = _three_quarters(facts, ticker, "operating_cash_flow", 2025) / _three_quarters(
            facts, ticker, "operating_cash_flow", 2023)
        assert capex_growth > ocf_growth + 0.4, (ticker, capex_growth, ocf_growth)


def test_debt_funds_a_rising_share_of_capex_at_oracle_and_meta(facts):
    rows = facts.execute("""
        with latest as (
            select ticker, metric, period_end, value, row_number() over (
                partition by ticker, concept, period_start, period_end order by filed desc) as rn
            from raw.sec__companyfacts where metric in ('capex', 'debt_issued', 'debt_repaid')
                and period_end between '2025-01-01' and '2025-09-30' and period_end - period_start > 250)
        select ticker,
            (coalesce(max(value) filter (where metric = 'debt_issued'), 0)
             - coalesce(max(value) filter (where metric = 'debt_repaid'), 0))
            / max(value) filter (where metric = 'capex') as share
        from latest where rn = 1 group by ticker""").fetchall()
    share = dict(rows)
    assert share["META"] > 0.4 and share["ORCL"] > 0.4
    assert share["META"] > share["MSFT"] and share["ORCL"] > share["GOOGL"]


def test_restatements_make_filed_matter(facts):
    (n,) = facts.execute("""select count(*) from (select concept, period_start, period_end, ticker
        from raw.sec__companyfacts group by all having count(distinct value) > 1)""").fetchone()
    assert n >= 5
    known_2024, known_2025 = facts.execute("""
        select max(value) filter (where filed <= '2024-12-31'), max(value) filter (where filed <= '2025-12-31'
            and accession = (select max(accession) from raw.sec__companyfacts where ticker = 'ORCL'
                             and metric = 'capex' and period_end = '2024-08-31'))
        from raw.sec__companyfacts where ticker = 'ORCL' and metric = 'capex' and period_end = '2024-08-31'
    """).fetchone()
    assert known_2025 == pytest.approx(known_2024 * 1.06, rel=1e-3)


def test_sample_is_deterministic_and_in_the_real_json_shape():
    a = list(sample.emit(Scenario()))
    b = list(sample.emit(Scenario()))
    assert [p.content for p in a] == [p.content for p in b]
    doc = json.loads(a[0].content)
    assert set(doc) == {"cik", "entityName", "facts"} and isinstance(doc["cik"], int)
    fact = doc["facts"]["us-gaap"]["NetCashProvidedByUsedInOperatingActivities"]["units"]["USD"][0]
    assert list(fact)[:8] == ["start", "end", "val", "accn", "fy", "fp", "form", "filed"]


# --------------------------------------------------------------------------- loads


def test_ingest_is_idempotent_and_replayable(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = run_source(con, cf.SEC_COMPANYFACTS, AcquireContext("sample", landing))
    assert first.rows_inserted["raw.sec__companyfacts"] == first.rows_in["raw.sec__companyfacts"] > 5000
    before = table_digest(con)
    again = run_source(con, cf.SEC_COMPANYFACTS, AcquireContext("sample", landing))
    assert again.skipped == again.payloads == 8 and table_digest(con) == before
    replay = ingest(con, landing, cf.SEC_COMPANYFACTS, iter(landing.payloads("sec_companyfacts")))
    assert replay.rows_inserted == {} and table_digest(con) == before


def test_a_later_fetch_adds_only_new_filings_and_moves_the_frame(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    early = sample.companyfacts_payload(ORCL, Scenario(), end_date=dt.date(2025, 6, 1))
    late = sample.companyfacts_payload(ORCL, Scenario(), end_date=dt.date(2025, 11, 21))
    stamp = dt.datetime(2025, 11, 21, tzinfo=dt.UTC)
    p1 = landing.store("sec_companyfacts", {"endpoint": cf.ENDPOINT, "cik": ORCL.cik}, early, fetched_at=stamp,
                       as_of=dt.date(2025, 6, 1))
    ingest(con, landing, cf.SEC_COMPANYFACTS, iter([p1]))
    (n_early,) = con.execute("select count(*) from raw.sec__companyfacts").fetchone()
    p2 = landing.store("sec_companyfacts", {"endpoint": cf.ENDPOINT, "cik": ORCL.cik}, late, fetched_at=stamp,
                       as_of=dt.date(2025, 11, 21))
    report = ingest(con, landing, cf.SEC_COMPANYFACTS, iter([p2]))
    (n_late,) = con.execute("select count(*) from raw.sec__companyfacts").fetchone()
    assert 0 < report.rows_inserted["raw.sec__companyfacts"] == n_late - n_early
    frames = con.execute("""select filed, frame from raw.sec__companyfacts where metric = 'capex'
        and period_start = '2024-06-01' and period_end = '2024-08-31' order by filed""").fetchall()
    assert frames == [(dt.date(2024, 9, 10), None), (dt.date(2025, 9, 10), "CY2024Q3")]


def test_files_mode_reads_hand_downloads_and_lands_nothing_without_them(tmp_path):
    landing = Landing(tmp_path / "home")
    assert list(cf.acquire(AcquireContext("files", landing, files_dir=tmp_path / "drop"))) == []
    folder = tmp_path / "drop" / "sec" / "companyfacts"
    folder.mkdir(parents=True)
    (folder / "CIK0001341439.json").write_bytes(recorded())
    (folder / "notes.txt").write_text("ignored")
    (payload,) = cf.acquire(AcquireContext("files", landing, files_dir=tmp_path / "drop"))
    assert payload.request == {"endpoint": cf.ENDPOINT, "cik": "0001341439"}
    assert cf.parse(payload, payload.read())[0][1].num_rows == 26  # 25 us-gaap facts and 1 dei


# --------------------------------------------------------------------------- live client


def _http(**kw) -> HttpClient:
    return HttpClient(user_agent=CONTACT, max_retries=kw.pop("max_retries", 3), backoff_base=0.01,
                      backoff_max=0.05, timeout=5, rate_limits={"127.0.0.1": 10.0}, **kw)


def test_user_agent_comes_from_the_environment_and_is_validated(monkeypatch):
    with pytest.raises(SourceError, match="FRAGILITY_SEC_USER_AGENT is not set"):
        user_agent()
    monkeypatch.setenv("FRAGILITY_SEC_USER_AGENT", "python-requests/2.31")
    with pytest.raises(SourceError, match="must name a contact") as info:
        sec_http()
    assert "python-requests" not in str(info.value)
    monkeypatch.setenv("FRAGILITY_SEC_USER_AGENT", CONTACT)
    with sec_http() as http:
        assert http._limiter._intervals == {"data.sec.gov": 0.1, "www.sec.gov": 0.1}


def test_live_mode_without_a_contact_fails_in_one_line(tmp_path):
    with pytest.raises(SourceError, match="sec_companyfacts: field FRAGILITY_SEC_USER_AGENT: .* is not set"):
        list(cf.acquire(AcquireContext("live", Landing(tmp_path))))


def test_live_client_sends_the_contact_recovers_from_429_and_never_logs_or_lands_it(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    payloads = {c.cik: sample.companyfacts_payload(c, Scenario()) for c in ai_bigtech().values()}
    with FaultServer() as server, _http() as http:
        for cik, body in payloads.items():
            server.routes[f"/api/xbrl/companyfacts/CIK{cik}.json"] = [ok(body)]
        server.routes[f"/api/xbrl/companyfacts/CIK{ORCL.cik}.json"] = [retry_after(0.05), error(503),
                                                                        ok(payloads[ORCL.cik])]
        client = SecClient(http, data_url=server.url)
        report = ingest(con, landing, cf.SEC_COMPANYFACTS, cf.acquire_live(landing, client))
        seen = list(server.requests)
    assert report.payloads == 8 and report.rows_inserted["raw.sec__companyfacts"] > 5000
    assert len([r for r in seen if "CIK0001341439" in r.path]) == 3
    assert {r.headers["user-agent"] for r in seen} == {CONTACT}
    assert CONTACT not in caplog.text and "radar-tests@example.org" not in caplog.text
    assert "429" in caplog.text  # the retry was logged, without the contact
    manifest = landing.manifest.read_text()
    assert "radar-tests" not in manifest and "user" not in manifest.lower()
    assert con.execute("select count(*) from raw.sec__companyfacts where cast(columns(*) as varchar) "
                       "like '%radar-tests%'").fetchone()[0] == 0


def test_live_client_fails_cleanly_and_nothing_is_loaded(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http(max_retries=1) as http:
        for c in ai_bigtech().values():
            server.routes[f"/api/xbrl/companyfacts/CIK{c.cik}.json"] = [ok(sample.companyfacts_payload(c, Scenario()))]
        server.routes[f"/api/xbrl/companyfacts/CIK{ORCL.cik}.json"] = [error(500)]
        with pytest.raises(HttpError) as info:
            ingest(con, landing, cf.SEC_COMPANYFACTS, cf.acquire_live(landing, SecClient(http, data_url=server.url)))
    msg = str(info.value)
    assert msg.startswith("sec_companyfacts: series CIK0001341439: HTTP 500 after 2 attempts") and "\n" not in msg
    assert con.execute("select count(*) from raw.sec__companyfacts").fetchone()[0] == 0


def test_live_html_page_with_200_is_quarantined(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes[f"/api/xbrl/companyfacts/CIK{ai_bigtech()['0000789019'].cik}.json"] = [html_error_page()]
        with pytest.raises(SourceError, match="series CIK0000789019: field body: .*HTML"):
            ingest(con, landing, cf.SEC_COMPANYFACTS, cf.acquire_live(landing, SecClient(http, data_url=server.url)))
    assert len(list((landing.root / "quarantine" / "sec_companyfacts").glob("*.json"))) == 2  # payload + note
    assert con.execute("select count(*) from raw.sec__companyfacts").fetchone()[0] == 0
