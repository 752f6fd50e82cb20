"""NY Fed reference rates: parser on recorded payloads, one-line errors, the sample's consistency with
FRED, idempotent loads and the live client against a real local server with injected faults."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

import duckdb
import pytest

from ingestion import nyfed
from ingestion.catalog import fred_series
from ingestion.errors import SourceError
from ingestion.fred import parser as fred_parser
from ingestion.fred import sample as fred_sample
from ingestion.http import HttpClient, HttpError
from ingestion.ingest import AcquireContext, ingest
from ingestion.landing import Landing
from ingestion.nyfed import parser, sample
from ingestion.nyfed.client import NyFedClient
from ingestion.scenario import IORB_START, Scenario, d, interest_on_reserves
from tests.http_fault_server import FaultServer, error, html_error_page, ok, retry_after
from tests.test_ingest import table_digest

PAYLOADS = Path(__file__).parent / "payloads" / "nyfed"
FETCHED = dt.datetime(2025, 11, 21, 18, tzinfo=dt.UTC)
UTC = dt.UTC


def parse(name_or_bytes, rate_type="SOFR", knowledge="release_schedule", fetched_at=FETCHED):
    content = name_or_bytes if isinstance(name_or_bytes, bytes) else (PAYLOADS / name_or_bytes).read_bytes()
    return parser.parse_reference_rates(content, rate_type=rate_type, payload_hash="h", fetched_at=fetched_at,
                                        knowledge=knowledge).to_pylist()


# --------------------------------------------------------------------------- recorded payloads


def test_sofr_september_2019_exact_rows():
    rows = parse("sofr_2019-09-13_2019-09-20.json")
    assert [r["effective_date"] for r in rows] == [d("2019-09-20"), d("2019-09-19"), d("2019-09-18"),
                                                   d("2019-09-17"), d("2019-09-16"), d("2019-09-13")]
    (spike,) = [r for r in rows if r["effective_date"] == d("2019-09-17")]
    version = spike.pop("version_hash")
    assert len(version) == 24
    assert spike == {
        "source": "nyfed", "rate_type": "SOFR", "effective_date": d("2019-09-17"), "percent_rate": 5.4,
        "percentile_1": 5.27, "percentile_25": 5.38, "percentile_75": 7.32, "percentile_99": 9.15,
        "volume_in_billions": 1253.0, "target_rate_from": None, "target_rate_to": None, "intraday_low": None,
        "intraday_high": None, "std_deviation": None, "footnote_id": None, "revision_indicator": "",
        "method_version": "sofr-2018-04-02",
        "published_at": dt.datetime(2019, 9, 18, 12, tzinfo=UTC),  # 8:00 EDT the next business day
        "published_on": d("2019-09-18"), "knowledge_basis": "release_schedule", "fetched_at": FETCHED,
        "payload_hash": "h",
    }


def test_effr_keeps_both_methods_and_the_footnote():
    rows = {r["effective_date"]: r for r in parse("effr_2016-02-26_2016-03-02.json", "EFFR")}
    before, first = rows[d("2016-02-29")], rows[d("2016-03-01")]
    assert before["method_version"] == "effr-2000-07-03"
    assert (before["percentile_1"], before["volume_in_billions"]) == (None, None)
    assert (before["intraday_low"], before["intraday_high"], before["std_deviation"]) == (0.26, 0.62, 0.03)
    assert first["method_version"] == "effr-2016-03-01" and first["footnote_id"] == "3"
    assert (first["percentile_1"], first["percentile_99"], first["volume_in_billions"]) == (0.31, 0.43, 79.0)
    assert (first["target_rate_from"], first["target_rate_to"]) == (0.25, 0.5)
    assert first["published_at"] == dt.datetime(2016, 3, 2, 14, tzinfo=UTC)  # EFFR: 9:00 EST


def test_revision_is_a_second_version_published_at_the_revision_time():
    first = parse("tgcr_2023-06-30_first_print.json", "TGCR")
    later = [r for r in parse("tgcr_2023-06-29_2023-07-03.json", "TGCR") if r["effective_date"] == d("2023-06-30")]
    assert (first[0]["percent_rate"], first[0]["revision_indicator"]) == (5.11, "")
    assert (later[0]["percent_rate"], later[0]["revision_indicator"]) == (5.09, "R")
    assert first[0]["version_hash"] != later[0]["version_hash"]
    assert first[0]["published_at"] == dt.datetime(2023, 7, 3, 12, tzinfo=UTC)
    assert later[0]["published_at"] == dt.datetime(2023, 7, 3, 18, 30, tzinfo=UTC)  # 14:30 EDT


def test_live_knowledge_is_the_fetch_time_and_the_version_does_not_depend_on_it():
    fetched = dt.datetime(2025, 11, 24, 13, 5, tzinfo=UTC)
    live = parse("sofr_2019-09-13_2019-09-20.json", knowledge="fetch", fetched_at=fetched)
    scheduled = parse("sofr_2019-09-13_2019-09-20.json")
    assert {r["published_at"] for r in live} == {fetched} and {r["published_on"] for r in live} == {d("2025-11-24")}
    assert [r["version_hash"] for r in live] == [r["version_hash"] for r in scheduled]


def test_method_version_marks_the_sofr_change_of_2024_11_25():
    assert parser.method_version("SOFR", d("2024-11-22")) == "sofr-2018-04-02"
    assert parser.method_version("SOFR", d("2024-11-25")) == "sofr-2024-11-25"
    assert parser.method_version("TGCR", d("2025-11-20")) == "tgcr-2018-04-02"
    assert parser.method_version("SOFR", d("2018-03-30")) is None


# --------------------------------------------------------------------------- malformed payloads


def _doc(**changes) -> bytes:
    row = {"effectiveDate": "2019-09-17", "type": "SOFR", "percentRate": 5.25, "percentPercentile1": 2.0,
           "percentPercentile25": 5.2, "percentPercentile75": 5.8, "percentPercentile99": 9.0,
           "volumeInBillions": 1280, "revisionIndicator": ""}
    for k, v in changes.items():
        if v is ...:
            row.pop(k)
        else:
            row[k] = v
    return json.dumps({"refRates": [row]}).encode()


@pytest.mark.parametrize(
    ("content", "field", "fragment"),
    [
        (b"", "body", "empty"),
        (b'{"refRates": [{"effectiveDate": "2019-09-17", "type": "SO', "body", "truncated"),
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "body", "HTML"),
        (b'{"refRates": [], "refRates": []}', "body", "duplicate JSON key"),
        (b"\xff\xfe{}", "body", "not UTF-8"),
        (b"[]", "body", "expected an object"),
        (b'{"refRates": [], "meta": {}}', "meta", "schema drift"),
        (b'{"refRates": {}}', "refRates", "expected a list"),
        (_doc(percentRate="5.25"), "percentRate", "expected a number, got str"),
        (_doc(volumeInBillions=True), "volumeInBillions", "expected a number, got bool"),
        (_doc(percentRate=float("nan")), "percentRate", "not finite"),
        (_doc(average30day=5.1), "average30day", "schema drift"),
        (_doc(percentPercentile99=...), "percentPercentile99", "schema drift"),
        (_doc(type="OBFR"), "type", "unknown rate type"),
        (_doc(type="BGCR"), "type", "a BGCR row in a SOFR answer"),
        (_doc(effectiveDate="2019-13-01"), "effectiveDate", "not a date"),
        (_doc(effectiveDate="2030-01-02"), "effectiveDate", "not before the fetch date"),
        (_doc(effectiveDate="2017-01-03"), "effectiveDate", "before the rate was first published"),
        (_doc(percentPercentile25=5.3), "percentRate", "percentiles out of order"),
        (_doc(volumeInBillions=-1), "volumeInBillions", "negative volume"),
        (_doc(revisionIndicator=1), "revisionIndicator", "expected a short string"),
        (_doc(footnoteId=[1]), "footnoteId", "expected a string or integer"),
    ],
)
def test_bad_payloads_fail_in_one_line_naming_source_series_field(content, field, fragment):
    with pytest.raises(SourceError) as info:
        parse(content)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"nyfed: series SOFR: field {field}: "), msg
    assert fragment in msg, msg


def test_duplicate_dates_and_unknown_rate_type_are_refused():
    twice = json.dumps({"refRates": [json.loads(_doc())["refRates"][0]] * 2}).encode()
    with pytest.raises(SourceError, match="field effectiveDate: duplicate effectiveDate 2019-09-17"):
        parse(twice)
    with pytest.raises(SourceError, match="^nyfed: series OBFR: field type: unknown rate type"):
        parse(_doc(), rate_type="OBFR")


def test_a_published_time_after_the_fetch_is_refused():
    early = dt.datetime(2019, 9, 18, 11, tzinfo=UTC)  # 7:00 EDT: SOFR for 09-17 is not out yet
    with pytest.raises(SourceError, match="published 2019-09-18 12:00Z, after the fetch"):
        parse(_doc(), fetched_at=early)


def test_dispatch_refuses_an_unknown_endpoint(tmp_path):
    landing = Landing(tmp_path)
    p = landing.store("nyfed", {"endpoint": "rates/secured/obfr/search.json"}, b"{}", fetched_at=FETCHED,
                      as_of=FETCHED.date())
    with pytest.raises(SourceError, match="field endpoint: unknown endpoint"):
        nyfed.parse(p, p.read())


# --------------------------------------------------------------------------- sample consistency


@pytest.fixture(scope="module")
def tables():
    return sample.rate_tables(Scenario())


@cache
def _fred_values(series_id: str) -> dict[dt.date, float]:
    """What the FRED parser reads from the FRED sample's own payload."""
    s = fred_series()[series_id]
    rows = fred_parser.parse_observations(fred_sample.observations_payload(s, Scenario()), series=s,
                                          payload_hash="h", fetched_on=FETCHED.date()).to_pylist()
    return {r["obs_date"]: r["value"] for r in rows}


@pytest.mark.parametrize("day", ["2018-04-02", "2019-09-17", "2020-03-16", "2024-11-25", "2025-10-31", "2025-11-20"])
def test_sofr_and_effr_match_the_fred_sample(tables, day):
    day = d(day)
    wire = {r["effectiveDate"]: r for r in json.loads(sample.search_payload(tables["SOFR"], day, day))["refRates"]}
    row = wire[day.isoformat()]
    for sid, field in [("SOFR", "percentRate"), ("SOFR1", "percentPercentile1"), ("SOFR25", "percentPercentile25"),
                       ("SOFR75", "percentPercentile75"), ("SOFR99", "percentPercentile99"),
                       ("SOFRVOL", "volumeInBillions")]:
        assert row[field] == _fred_values(sid)[day], (sid, day)
    effr = json.loads(sample.search_payload(tables["EFFR"], day, day))["refRates"][0]
    assert effr["percentRate"] == _fred_values("EFFR")[day]


def test_sofr_matches_fred_on_every_day(tables):
    fred = _fred_values("SOFR")
    assert {x: round(v, 2) for x, v in zip(tables["SOFR"].dates, tables["SOFR"].cols["percentRate"], strict=True)} \
        == fred
    assert set(tables["EFFR"].dates) == set(_fred_values("EFFR"))


def test_tgcr_and_bgcr_sit_just_below_sofr_and_show_the_episodes(tables):
    sofr, tgcr, bgcr = (tables[k] for k in ("SOFR", "TGCR", "BGCR"))
    assert tgcr.dates == sofr.dates == bgcr.dates and tgcr.dates[0] == d("2018-04-02")
    s, t, b = sofr.cols["percentRate"], tgcr.cols["percentRate"], bgcr.cols["percentRate"]
    assert (t <= s).all() and (b >= t).all() and (b <= s + 1e-9).all()
    gap = (s - t)[s > 0.5]
    assert 0.01 <= float(sorted(gap)[len(gap) // 2]) <= 0.03  # a few bp below SOFR on a typical day
    i = tgcr.dates.index(d("2019-09-17"))
    ioer = interest_on_reserves(d("2019-09-17"))
    assert t[i] > ioer + 2.5 and tgcr.cols["percentPercentile99"][i] > 6.5 and b[i] >= t[i]
    late_oct = [j for j, x in enumerate(tgcr.dates) if d("2025-10-20") <= x <= d("2025-10-31")]
    assert all(t[j] > interest_on_reserves(tgcr.dates[j]) for j in late_oct)  # above IORB: reserves scarce
    assert tgcr.dates[-1] >= IORB_START
    for name in ("TGCR", "BGCR"):
        c = tables[name].cols
        assert (c["percentPercentile1"] <= c["percentPercentile25"]).all()
        assert (c["percentPercentile25"] <= c["percentRate"]).all()
        assert (c["percentRate"] <= c["percentPercentile75"]).all()
        assert (c["percentPercentile75"] <= c["percentPercentile99"]).all()
        assert (c["volumeInBillions"] > 0).all() and (c["volumeInBillions"] < sofr.cols["volumeInBillions"]).all()


# --------------------------------------------------------------------------- landing, loads, modes


@pytest.fixture
def loaded(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, landing, nyfed.NYFED, nyfed.acquire_sample(landing))
    yield con, landing, report
    con.close()


def test_sample_ingest_is_idempotent_and_replayable(loaded):
    con, landing, report = loaded
    n = report.rows_inserted["raw.nyfed__reference_rates"]
    assert n == report.rows_in["raw.nyfed__reference_rates"] > 8_000
    before = table_digest(con)
    again = ingest(con, landing, nyfed.NYFED, nyfed.acquire_sample(landing))
    assert again.skipped == again.payloads == report.payloads
    replay = ingest(con, landing, nyfed.NYFED, iter(landing.payloads("nyfed")))
    assert replay.rows_inserted == {} and table_digest(con) == before
    versions = con.execute("SELECT percent_rate, revision_indicator, published_at FROM raw.nyfed__reference_rates "
                           "WHERE rate_type = 'TGCR' AND effective_date = '2023-06-30' "
                           "ORDER BY published_at").fetchall()
    assert [(v[0], v[1]) for v in versions] == [(5.11, ""), (5.09, "R")]
    per_day = con.execute("SELECT count(*) FROM raw.nyfed__reference_rates GROUP BY rate_type, effective_date "
                          "HAVING count(*) > 1").fetchall()
    assert per_day == [(2,)]  # the one revised rate, nothing else duplicated


def test_files_mode_lands_nothing_and_an_unknown_mode_is_refused(tmp_path):
    landing = Landing(tmp_path)
    assert list(nyfed.acquire(AcquireContext("files", landing, files_dir=tmp_path))) == []
    with pytest.raises(SourceError, match="unknown mode 'ftp'"):
        list(nyfed.acquire(AcquireContext("ftp", landing)))


def test_bad_payload_is_quarantined_and_nothing_is_written(loaded):
    con, landing, _ = loaded
    before = table_digest(con)
    good = landing.store("nyfed", sample.request("SOFR", d("2019-09-17"), d("2019-09-17")) | {"n": 1}, _doc(),
                         fetched_at=FETCHED, as_of=FETCHED.date())
    bad = landing.store("nyfed", sample.request("SOFR", d("2019-09-18"), d("2019-09-18")),
                        _doc(percentRate="5.25"), fetched_at=FETCHED, as_of=FETCHED.date())
    with pytest.raises(SourceError, match="field percentRate: on 2019-09-17: expected a number"):
        ingest(con, landing, nyfed.NYFED, iter([good, bad]))
    assert table_digest(con) == before
    assert (landing.root / "quarantine" / "nyfed" / f"{bad.content_hash}.json").exists()


# --------------------------------------------------------------------------- live client, real server


def _http(**kw) -> HttpClient:
    return HttpClient(max_retries=kw.pop("max_retries", 3), backoff_base=0.01, backoff_max=0.05,
                      sleep=lambda _s: None, rate_limits={"127.0.0.1": 1000.0}, **kw)


def test_live_client_recovers_from_429_and_500(tmp_path):
    body = (PAYLOADS / "sofr_2019-09-13_2019-09-20.json").read_bytes()
    with FaultServer() as server, _http() as http:
        server.routes["/api/rates/secured/sofr/search.json"] = [retry_after(0), error(500), ok(body)]
        got = NyFedClient(http, base_url=server.url + "/api").search("SOFR", d("2019-09-13"), d("2019-09-20"))
        assert got.content == body
        assert got.request == {"endpoint": "rates/secured/sofr/search.json", "rate_type": "SOFR",
                               "startDate": "2019-09-13", "endDate": "2019-09-20"}
        reqs = server.requests_to("/api/rates/secured/sofr/search.json")
        assert len(reqs) == 3 and reqs[-1].query == {"startDate": "2019-09-13", "endDate": "2019-09-20"}


def test_live_acquire_end_to_end_loads_with_the_fetch_time(tmp_path):
    bodies = {"/api/rates/secured/sofr/search.json": "sofr_2019-09-13_2019-09-20.json",
              "/api/rates/secured/tgcr/search.json": "tgcr_2023-06-29_2023-07-03.json",
              "/api/rates/unsecured/effr/search.json": "effr_2016-02-26_2016-03-02.json"}
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        for path, name in bodies.items():
            server.routes[path] = [error(503), ok((PAYLOADS / name).read_bytes())]
        server.routes["/api/rates/secured/bgcr/search.json"] = [ok(b'{"refRates":[]}')]
        client = NyFedClient(http, base_url=server.url + "/api")
        report = ingest(con, landing, nyfed.NYFED,
                        nyfed.acquire_live(landing, client, today=d("2025-11-21"), since=d("2025-01-01")))
    assert report.payloads == 4  # one year per rate
    rows = con.execute("SELECT rate_type, count(*), min(knowledge_basis), max(published_on) "
                       "FROM raw.nyfed__reference_rates GROUP BY 1 ORDER BY 1").fetchall()
    today = dt.datetime.now(UTC).date()
    assert [(r[0], r[1], r[2]) for r in rows] == [("EFFR", 4, "fetch"), ("SOFR", 6, "fetch"), ("TGCR", 3, "fetch")]
    assert all(r[3] in (today, today - dt.timedelta(1)) for r in rows)
    assert all("knowledge" not in p.request for p in landing.payloads("nyfed"))


def test_live_client_fails_cleanly_and_nothing_is_loaded(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http(max_retries=2) as http:
        server.routes["/api/rates/secured/sofr/search.json"] = [error(500)]
        client = NyFedClient(http, base_url=server.url + "/api")
        with pytest.raises(HttpError) as info:
            ingest(con, landing, nyfed.NYFED, nyfed.acquire_live(landing, client, today=d("2025-11-21"),
                                                                 since=d("2025-01-01")))
        assert len(server.requests_to("/api/rates/secured/sofr/search.json")) == 3
    msg = str(info.value)
    assert msg.startswith("nyfed: series SOFR: HTTP 500 after 3 attempts") and "\n" not in msg
    assert con.execute("SELECT count(*) FROM raw.nyfed__reference_rates").fetchone() == (0,)


def test_live_html_error_page_with_200_is_quarantined(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes["/api/rates/secured/sofr/search.json"] = [html_error_page()]
        client = NyFedClient(http, base_url=server.url + "/api")
        with pytest.raises(SourceError, match="^nyfed: series SOFR: field body: .*HTML"):
            ingest(con, landing, nyfed.NYFED, nyfed.acquire_live(landing, client, today=d("2025-11-21"),
                                                                 since=d("2025-01-01")))
    assert len(list((landing.root / "quarantine" / "nyfed").glob("*.error.json"))) == 1
    assert con.execute("SELECT count(*) FROM raw.nyfed__reference_rates").fetchone() == (0,)
