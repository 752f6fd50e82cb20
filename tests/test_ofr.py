"""OFR Short-term Funding Monitor: parsers on recorded payloads, one-line errors, vintages, the sample's
consistency with the NY Fed sample, idempotent loads and the live client against a real local server."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingestion import ofr
from ingestion.errors import SourceError
from ingestion.http import HttpClient, HttpError
from ingestion.ingest import AcquireContext, ingest
from ingestion.landing import Landing
from ingestion.nyfed import sample as nyfed_sample
from ingestion.ofr import parser, sample
from ingestion.ofr.client import OfrClient
from ingestion.scenario import END, Scenario, d, next_business_day
from tests.http_fault_server import FaultServer, error, html_error_page, ok, retry_after
from tests.test_ingest import table_digest

PAYLOADS = Path(__file__).parent / "payloads" / "ofr"
FULL = PAYLOADS / "full_REPO-GCF_AR_OO-P_2020-11.json"
TAIL = PAYLOADS / "timeseries_REPO-DVP_TV_TOT-F_tail.json"
FETCHED = dt.datetime(2025, 11, 21, 18, tzinfo=dt.UTC)
GCF_P = parser.mnemonics()["REPO-GCF_AR_OO-P"]
DVP_VOL_F = parser.mnemonics()["REPO-DVP_TV_TOT-F"]


def full(content: bytes, m=GCF_P, knowledge="release_schedule", fetched_at=FETCHED):
    obs, meta = parser.parse_full(content, mnemonic=m, payload_hash="h", fetched_at=fetched_at, knowledge=knowledge)
    return obs.to_pylist(), meta.to_pylist()


# --------------------------------------------------------------------------- recorded payloads


def test_full_payload_exact_rows_and_metadata():
    rows, (meta,) = full(FULL.read_bytes())
    assert [(r["obs_date"], r["value"], r["value_status"], r["published_on"]) for r in rows] == [
        (d("2020-11-23"), 0.046, "ok", d("2020-11-24")),
        (d("2020-11-24"), 0.051, "ok", d("2020-11-25")),
        (d("2020-11-25"), 0.046, "ok", d("2020-11-26")),
        (d("2020-11-26"), 0.042, "ok", d("2020-11-27")),
        (d("2020-11-27"), None, "disclosure_edit", d("2020-11-30")),
        (d("2020-11-30"), 0.088, "ok", d("2020-12-01")),
        (d("2020-12-01"), 0.042, "ok", d("2020-12-02")),
    ]
    first = dict(rows[0])
    assert len(first.pop("version_hash")) == 24
    assert first == {
        "source": "ofr", "mnemonic": "REPO-GCF_AR_OO-P", "segment": "GCF", "measure": "rate", "tenor": "OO",
        "obs_date": d("2020-11-23"), "value": 0.046, "value_status": "ok", "unit": "Percent",
        "is_preliminary": True, "published_on": d("2020-11-24"), "knowledge_basis": "release_schedule",
        "fetched_at": FETCHED, "payload_hash": "h",
    }
    assert meta == {
        "source": "ofr", "mnemonic": "REPO-GCF_AR_OO-P",
        "series_name": "GCF Repo Service Average Rate: Overnight/Open (Preliminary)",
        "description": "GCF Repo Service Average Rate: volume-weighted average rate of overnight/open repo "
                       "transactions.",
        "vintage": "Preliminary", "vintage_approach": "Preliminary", "subtype": "Interest Rate",
        "subsetting": "Tenor", "unit_type": "Rate", "unit_name": "Percent", "observation_frequency": "Daily",
        "start_date": d("2019-01-02"), "last_update": "2025-11-21 14:00:00", "fetched_at": FETCHED,
        "payload_hash": "h",
    }


def test_timeseries_payload_exact_rows_final_vintage():
    rows = parser.parse_timeseries(TAIL.read_bytes(), mnemonic=DVP_VOL_F, payload_hash="h", fetched_at=FETCHED,
                                   knowledge="release_schedule").to_pylist()
    assert [(r["obs_date"], r["value"], r["is_preliminary"], r["published_on"]) for r in rows] == [
        (d("2025-11-10"), 1592672000000.0, False, d("2025-11-18")),  # final: 5 business days later
        (d("2025-11-12"), 1454541000000.0, False, d("2025-11-19")),
        (d("2025-11-13"), 1543054000000.0, False, d("2025-11-20")),
        (d("2025-11-14"), 1550908000000.0, False, d("2025-11-21")),
    ]
    assert {(r["segment"], r["measure"], r["tenor"], r["unit"]) for r in rows} == {("DVP", "volume", "TOT", "USD")}


def test_live_knowledge_is_the_fetch_date():
    rows, _ = full(FULL.read_bytes(), knowledge="fetch", fetched_at=dt.datetime(2025, 12, 1, 23, tzinfo=dt.UTC))
    assert {r["published_on"] for r in rows} == {d("2025-12-01")}
    assert {r["knowledge_basis"] for r in rows} == {"fetch"}


def test_catalog_rows_agree_with_their_mnemonics():
    cat = parser.mnemonics()
    assert {(m.segment, m.measure, m.vintage) for m in cat.values()} == {
        (s, x, v) for s in ("DVP", "GCF", "TRI") for x in ("rate", "volume") for v in ("preliminary", "final")}
    for m in cat.values():
        assert m.mnemonic.endswith("-P") == m.is_preliminary
    with pytest.raises(SourceError, match="^ofr: series REPO-DVP_AR_XX-P: field mnemonic: unknown mnemonic"):
        parser.lookup("REPO-DVP_AR_XX-P")
    with pytest.raises(SourceError, match="field mnemonic: invalid mnemonic"):
        parser.validate_mnemonic("REPO-DVP_AR_OO-P&mnemonic=X")


# --------------------------------------------------------------------------- malformed payloads


def _full(mutate) -> bytes:
    doc = json.loads(FULL.read_bytes())
    mutate(doc["REPO-GCF_AR_OO-P"])
    return json.dumps(doc).encode()


def _set(path: list, value):
    def mutate(entry):
        node = entry
        for key in path[:-1]:
            node = node[key]
        if value is ...:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return mutate


@pytest.mark.parametrize(
    ("content", "field", "fragment"),
    [
        (b"", "body", "empty"),
        (FULL.read_bytes()[:300], "body", "truncated"),
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "body", "HTML"),
        (b'{"REPO-GCF_AR_OO-P": {}, "REPO-GCF_AR_OO-P": {}}', "body", "duplicate JSON key"),
        (b'[["2020-11-23", 0.04]]', "body", "expected an object"),
        (b'{"REPO-XYZ_AR_OO-P": {}}', "mnemonic", "unknown mnemonic"),
        (_full(_set(["timeseries", "aggregation", 0, 1], "0.046")), "value", "expected a number, got str"),
        (_full(_set(["timeseries", "aggregation", 0, 1], True)), "value", "expected a number, got bool"),
        (_full(_set(["timeseries", "aggregation", 0], ["2020-11-23", 0.04, "x"])), "aggregation", "schema drift"),
        (_full(_set(["timeseries", "aggregation", 0, 0], 20201123)), "date", "expected a YYYY-MM-DD string"),
        (_full(_set(["timeseries", "aggregation", 1, 0], "2020-11-23")), "date", "duplicate date 2020-11-23"),
        (_full(_set(["timeseries", "aggregation", 0, 0], "2031-01-02")), "date", "not before the fetch date"),
        (_full(_set(["timeseries", "aggregation"], {})), "aggregation", "expected a list"),
        (_full(_set(["timeseries", "aggregation"], ...)), "aggregation", "schema drift"),
        (_full(_set(["timeseries", "percentiles"], [])), "percentiles", "schema drift"),
        (_full(_set(["metadata"], ...)), "metadata", "schema drift"),
        (_full(_set(["extra"], 1)), "extra", "schema drift"),
        (_full(_set(["metadata", "description", "vintage"], "Final")), "vintage", "contradicts the preliminary"),
        (_full(_set(["metadata", "description", "vintage"], ...)), "vintage", "missing"),
        (_full(_set(["metadata", "unit", "name"], "Basis Points")), "unit", "unit changed"),
        (_full(_set(["metadata", "schedule", "observation_frequency"], "Weekly")), "observation_frequency",
         "frequency changed"),
        (_full(_set(["metadata", "mnemonic"], "REPO-GCF_AR_OO-F")), "mnemonic", "metadata is for"),
    ],
)
def test_bad_payloads_fail_in_one_line_naming_source_series_field(content, field, fragment):
    with pytest.raises(SourceError) as info:
        full(content)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"ofr: series REPO-GCF_AR_OO-P: field {field}: "), msg
    assert fragment in msg, msg


@pytest.mark.parametrize(
    ("content", "field", "fragment"),
    [
        (b'{"error": "Invalid mnemonic"}', "body", "got an object (error: Invalid mnemonic)"),
        (b'[["2025-11-10", -5]]', "value", "negative volume"),
        (b'[["2025-11-10"]]', "body", "schema drift"),
        (b'[["2025-11-10", 1e12], ', "body", "truncated"),
    ],
)
def test_bad_timeseries_payloads(content, field, fragment):
    with pytest.raises(SourceError) as info:
        parser.parse_timeseries(content, mnemonic=DVP_VOL_F, payload_hash="h", fetched_at=FETCHED)
    assert str(info.value).startswith(f"ofr: series REPO-DVP_TV_TOT-F: field {field}: ")
    assert fragment in str(info.value)


def test_a_final_value_published_after_the_fetch_is_refused():
    late = b'[["2025-11-20", 1e12]]'  # its final vintage comes out on 2025-11-27
    with pytest.raises(SourceError, match="published 2025-11-27, after the fetch on 2025-11-21"):
        parser.parse_timeseries(late, mnemonic=DVP_VOL_F, payload_hash="h", fetched_at=FETCHED,
                                knowledge="release_schedule")


def test_dispatch_refuses_an_unknown_mnemonic_or_endpoint(tmp_path):
    landing = Landing(tmp_path)
    p = landing.store("ofr", {"endpoint": "series/full", "mnemonic": "MMF-MMF_TOT-M"}, b"{}", fetched_at=FETCHED,
                      as_of=FETCHED.date())
    with pytest.raises(SourceError, match="series MMF-MMF_TOT-M: field mnemonic: unknown mnemonic"):
        ofr.parse(p, p.read())
    p = landing.store("ofr", {"endpoint": "series/spread", "mnemonic": "REPO-GCF_AR_OO-P"}, b"[]",
                      fetched_at=FETCHED, as_of=FETCHED.date())
    with pytest.raises(SourceError, match="field endpoint: unknown endpoint 'series/spread'"):
        ofr.parse(p, p.read())


# --------------------------------------------------------------------------- sample consistency


@pytest.fixture(scope="module")
def world():
    s = Scenario()
    series = {m.mnemonic: sample.values(m, s) for m in parser.mnemonics().values()}
    return s, series, nyfed_sample.rate_tables(s)


def _on(series, day):
    dates, values = series
    return values[dates.index(day)]


def test_segments_track_sofr_and_tgcr(world):
    _s, series, rates = world
    sofr = dict(zip(rates["SOFR"].dates, rates["SOFR"].cols["percentRate"], strict=True))
    tgcr = dict(zip(rates["TGCR"].dates, rates["TGCR"].cols["percentRate"], strict=True))
    vol = dict(zip(rates["SOFR"].dates, rates["SOFR"].cols["volumeInBillions"], strict=True))
    dates, tri = series["REPO-TRI_AR_OO-P"]
    assert dates[0] == d("2019-01-02")
    calm = [i for i, x in enumerate(dates) if d("2023-01-01") <= x <= d("2023-12-31")]
    assert max(abs(tri[i] - tgcr[dates[i]]) for i in calm) < 0.03
    dvp = series["REPO-DVP_AR_OO-P"][1]
    assert max(abs(dvp[i] - sofr[dates[i]]) for i in calm) < 0.04
    total = sum(series[f"REPO-{seg}_TV_TOT-P"][1] for seg in ("DVP", "GCF", "TRI"))
    ratio = np.array([total[i] / (vol[dates[i]] * 1e9) for i in calm])
    assert 0.9 < ratio.mean() < 1.15  # the segments add up to about SOFR's volume
    # September 2019: GCF and DVP spike above SOFR's already elevated median, tri-party below it
    spike = d("2019-09-17")
    assert _on(series["REPO-GCF_AR_OO-P"], spike) > _on(series["REPO-DVP_AR_OO-P"], spike) > sofr[spike] - 0.05
    assert _on(series["REPO-TRI_AR_OO-P"], spike) < sofr[spike]
    assert _on(series["REPO-TRI_AR_OO-P"], spike) > 4.5


def test_preliminary_for_the_last_days_then_final(world):
    _s, series, _rates = world
    prelim, final = series["REPO-DVP_AR_OO-P"][0], series["REPO-DVP_AR_OO-F"][0]
    assert prelim[-1] == d("2025-11-20") and next_business_day(prelim[-1]) <= END
    only_prelim = [x for x in prelim if x not in set(final)]
    assert only_prelim == list(prelim[-len(only_prelim):]) and 3 <= len(only_prelim) <= 5
    p, f = series["REPO-DVP_TV_TOT-P"][1], series["REPO-DVP_TV_TOT-F"][1]
    n = len(f)
    rel = np.abs(f - p[:n]) / p[:n]
    assert np.nanmax(rel) < 0.02 and np.nanmean(rel) > 0  # final revises the preliminary a little


def test_disclosure_edits_are_masked_in_both_vintages(world):
    _s, series, _rates = world
    for m in ("REPO-GCF_TV_TOT-P", "REPO-GCF_TV_TOT-F", "REPO-GCF_AR_OO-F"):
        assert np.isnan(_on(series[m], d("2021-12-24")))
    assert not np.isnan(_on(series["REPO-DVP_TV_TOT-P"], d("2021-12-24")))


# --------------------------------------------------------------------------- landing, loads, modes


@pytest.fixture
def loaded(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, landing, ofr.OFR, ofr.acquire_sample(landing))
    yield con, landing, report
    con.close()


def test_sample_ingest_is_idempotent_and_replayable(loaded):
    con, landing, report = loaded
    assert report.payloads == 12
    assert report.rows_inserted["raw.ofr__stfm_observations"] == report.rows_in["raw.ofr__stfm_observations"] > 20_000
    assert report.rows_inserted["raw.ofr__stfm_series"] == 12
    before = table_digest(con)
    again = ingest(con, landing, ofr.OFR, ofr.acquire_sample(landing))
    assert again.skipped == again.payloads == 12
    replay = ingest(con, landing, ofr.OFR, iter(landing.payloads("ofr")))
    assert replay.rows_inserted == {} and table_digest(con) == before
    statuses = dict(con.execute("SELECT value_status, count(*) FROM raw.ofr__stfm_observations GROUP BY 1").fetchall())
    assert statuses["disclosure_edit"] == 8 and "missing" not in statuses  # 2 days x 4 GCF mnemonics


def test_files_mode_lands_nothing(tmp_path):
    assert list(ofr.acquire(AcquireContext("files", Landing(tmp_path), files_dir=tmp_path))) == []


# --------------------------------------------------------------------------- live client, real server


def _http(**kw) -> HttpClient:
    return HttpClient(max_retries=kw.pop("max_retries", 3), backoff_base=0.01, backoff_max=0.05,
                      sleep=lambda _s: None, rate_limits={"127.0.0.1": 1000.0}, **kw)


def test_live_client_recovers_and_lands_with_the_fetch_date(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes["/v1/series/full"] = [retry_after(0), error(502), ok(FULL.read_bytes())]
        client = OfrClient(http, base_url=server.url + "/v1")
        report = ingest(con, landing, ofr.OFR, ofr.acquire_live(landing, client, only=["REPO-GCF_AR_OO-P"]))
        reqs = server.requests_to("/v1/series/full")
    assert len(reqs) == 3 and reqs[-1].query == {"mnemonic": "REPO-GCF_AR_OO-P"}
    assert report.rows_inserted == {"raw.ofr__stfm_observations": 7, "raw.ofr__stfm_series": 1}
    known = con.execute("SELECT DISTINCT knowledge_basis, published_on FROM raw.ofr__stfm_observations").fetchall()
    assert known == [("fetch", dt.datetime.now(dt.UTC).date())]
    (p,) = landing.payloads("ofr")
    assert p.request == {"endpoint": "series/full", "mnemonic": "REPO-GCF_AR_OO-P"}


def test_live_timeseries_endpoint(tmp_path):
    with FaultServer() as server, _http() as http:
        server.routes["/v1/series/timeseries"] = [error(500), ok(TAIL.read_bytes())]
        got = OfrClient(http, base_url=server.url + "/v1").timeseries(DVP_VOL_F)
    assert got.request == {"endpoint": "series/timeseries", "mnemonic": "REPO-DVP_TV_TOT-F"}
    landing = Landing(tmp_path)
    p = landing.store("ofr", got.request, got.content, fetched_at=got.fetched_at, as_of=got.fetched_at.date())
    ((table, rows),) = ofr.parse(p, p.read())
    assert table is ofr.OBSERVATIONS and rows.num_rows == 4


def test_live_client_fails_cleanly_and_nothing_is_loaded(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http(max_retries=1) as http:
        server.routes["/v1/series/full"] = [error(503)]
        client = OfrClient(http, base_url=server.url + "/v1")
        with pytest.raises(HttpError) as info:
            ingest(con, landing, ofr.OFR, ofr.acquire_live(landing, client))
    msg = str(info.value)
    assert msg.startswith("ofr: series REPO-DVP_AR_OO-P: HTTP 503 after 2 attempts") and "\n" not in msg
    assert con.execute("SELECT count(*) FROM raw.ofr__stfm_observations").fetchone() == (0,)


def test_live_html_page_and_wrong_series_are_quarantined(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    wrong = json.loads(FULL.read_bytes())
    wrong = {"REPO-GCF_AR_OO-F": copy.deepcopy(wrong["REPO-GCF_AR_OO-P"])}
    with FaultServer() as server, _http() as http:
        client = OfrClient(http, base_url=server.url + "/v1")
        server.routes["/v1/series/full"] = [html_error_page()]
        with pytest.raises(SourceError, match="^ofr: series REPO-GCF_AR_OO-P: field body: .*HTML"):
            ingest(con, landing, ofr.OFR, ofr.acquire_live(landing, client, only=["REPO-GCF_AR_OO-P"]))
        server.routes["/v1/series/full"] = [ok(json.dumps(wrong).encode())]
        with pytest.raises(SourceError, match="field mnemonic: expected one entry for REPO-GCF_AR_OO-P"):
            ingest(con, landing, ofr.OFR, ofr.acquire_live(landing, client, only=["REPO-GCF_AR_OO-P"]))
    assert len(list((landing.root / "quarantine" / "ofr").glob("*.error.json"))) == 2
    assert con.execute("SELECT count(*) FROM raw.ofr__stfm_observations").fetchone() == (0,)
