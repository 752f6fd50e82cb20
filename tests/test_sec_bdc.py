"""SEC BDC data sets: exact parser output on a recorded zip, one-line errors, issuer keys that match one
borrower across BDCs, the sample's episode (about 70 vs 90 on the same loan in 2025), idempotent loads,
the live client against a real local server, and the episode visible in staging."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from pathlib import Path

import duckdb
import pytest

from ingestion.errors import SourceError
from ingestion.http import HttpClient, HttpError
from ingestion.ingest import AcquireContext, ingest, run_source
from ingestion.landing import Landing
from ingestion.scenario import Scenario
from ingestion.sec import bdc
from ingestion.sec.bdc import parser, sample
from ingestion.sec.client import SecClient, bdc_dataset_names
from ingestion.sec.names import normalize_name
from tests.http_fault_server import FaultServer, error, html_error_page, ok, retry_after, truncated
from tests.test_ingest import table_digest

PAYLOADS = Path(__file__).parent / "payloads" / "sec" / "bdc"
CONTACT = "Fragility Radar Tests radar-tests@example.org"
BDC_URL = "/files/structureddata/data/business-development-company-bdc-data-sets"  # before the 2026 move
NEW_BDC_URL = "/files/datastandardsinnovation/data/business-development-company-bdc-data-sets"


def recorded() -> bytes:
    return (PAYLOADS / "2025_10_bdc.zip").read_bytes()


def parse(content: bytes, dataset: str = "2025_10_bdc.zip"):
    return parser.parse_dataset(content, dataset=dataset, payload_hash="h")


def make_zip(sub: bytes | None = None, soi: bytes | None = None, *, sub_name: str = "datasets/sub.tsv") -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if sub is not None:
            zf.writestr(sub_name, sub)
        if soi is not None:
            zf.writestr("soi.tsv", soi)
    return sink.getvalue()


SUB = (PAYLOADS / "sub.tsv").read_bytes()
SOI = (PAYLOADS / "soi.tsv").read_bytes()


# --------------------------------------------------------------------------- recorded payload


def test_recorded_zip_exact_rows():
    positions, submissions = parse(recorded())
    rows = positions.to_pylist()
    assert len(rows) == 6  # 8 soi rows: a prior-period comparative and a row without fair value are dropped
    assert rows[0] == {
        "bdc_cik": "0009990001", "bdc_name": "NORTHBRIDGE CAPITAL CORP", "accession": "0009990001-25-139000",
        "form": "10-Q", "period_end": dt.date(2025, 9, 30), "filed": dt.date(2025, 10, 27),
        "investment_identifier": "Zenith Software Holdings, LLC | First Lien Senior Secured Term Loan",
        "issuer_name": "Zenith Software Holdings, LLC", "issuer_key": "zenith software",
        "instrument": "First Lien Senior Secured Term Loan", "industry": "Software",
        "investment_type": "First Lien Debt", "lien": "first_lien", "maturity_date": dt.date(2028, 6, 30),
        "spread_bp": 575.0, "interest_rate": 0.099, "principal": 42975000.0, "cost": 42868726.0,
        "fair_value": 38677500.0, "is_non_accrual": False, "dataset": "2025_10_bdc.zip", "payload_hash": "h",
    }
    other = rows[3]
    assert (other["issuer_name"], other["issuer_key"], other["instrument"], other["is_non_accrual"]) == (
        "ZENITH SOFTWARE HOLDINGS, L.L.C.", "zenith software", "first lien senior secured term loan", True)
    assert round(other["fair_value"] / other["principal"] * 100, 1) == 70.0
    assert round(rows[0]["fair_value"] / rows[0]["principal"] * 100, 1) == 90.0
    by_issuer = {r["issuer_name"]: (r["issuer_key"], r["lien"], r["spread_bp"], r["principal"]) for r in rows}
    assert by_issuer["CEDAR DENTAL PARTNERS INC"] == ("cedar dental partners", "first_lien", 600.0, 9800000.0)
    assert by_issuer["Cedar Dental Partners, Inc."] == ("cedar dental partners", "second_lien", 850.0, 15000000.0)
    assert by_issuer["Harbor Media Group, L.P."] == ("harbor media group", "equity", None, None)
    assert by_issuer["Falcon Chemicals Corp."] == ("falcon chemicals", "subordinated", None, 12000000.0)
    assert submissions.to_pylist()[1] == {
        "accession": "0009990004-25-139003", "bdc_cik": "0009990004", "bdc_name": "RIVERSTONE PRIVATE CREDIT FUND",
        "form": "10-Q", "period_end": dt.date(2025, 9, 30), "fiscal_year": 2025, "fiscal_period": "Q3",
        "filed": dt.date(2025, 10, 28), "dataset": "2025_10_bdc.zip", "payload_hash": "h"}


def test_members_are_found_wherever_the_release_puts_them():
    positions, _ = parse(make_zip(SUB, SOI, sub_name="sub.tsv"))
    assert positions.num_rows == 6


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Zenith Software Holdings, LLC", "zenith software"),
        ("ZENITH SOFTWARE HOLDINGS, L.L.C.", "zenith software"),
        ("Zenith Software Holdings LLC", "zenith software"),
        ("The Zenith Software Holdings, LLC (f/k/a Zenith Inc.)", "zenith software"),
        ("Acme Widgets, L.P.", "acme widgets"),
        ("Acme Widgets LP", "acme widgets"),
        ("ACME WIDGETS, INC. [Member]", "acme widgets"),
        ("Smith & Sons Co.", "smith and sons"),
        ("Holdings LLC", "holdings"),
        ("Alpha-Beta Corp.", "alpha beta"),
    ],
)
def test_issuer_key_normalises_spellings(name, key):
    assert normalize_name(name) == key


def _soi_with(line_no: int, column: str, value: str) -> bytes:
    lines = SOI.decode().split("\n")
    header = lines[0].split("\t")
    cells = lines[line_no - 1].split("\t")
    cells[header.index(column)] = value
    lines[line_no - 1] = "\t".join(cells)
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    ("content", "field", "fragment"),
    [
        (b"", "field body", "empty"),
        (b"<html><body>Access Denied</body></html>", "field body", "HTML"),
        (b"adsh\tcik\n", "field body", "not a zip"),
        (recorded()[: len(recorded()) // 2], "field body", "truncated or corrupt zip"),
        (make_zip(SUB, None), "field soi.tsv", "no soi.tsv"),
        (make_zip(SUB, SOI.replace(b"Investment, Identifier Axis", b"Investment Identifier")),
         "field soi.tsv.Investment, Identifier Axis", "schema drift"),
        (make_zip(SUB, SOI.replace(b"Investment Owned, Fair Value", b"Fair Value")),
         "field soi.tsv.Investment Owned, Fair Value", "no fair value column"),
        (make_zip(SUB, SOI.replace(b"\tcstm\t", b"\tname\t", 1)), "field soi.tsv.name", "duplicate columns"),
        (make_zip(SUB, _soi_with(2, "adsh", "0009990009-25-000001")), "field soi.tsv.adsh", "unknown submission"),
        (make_zip(SUB, _soi_with(2, "cik", "9990004")), "field soi.tsv.cik", "differs from the submission"),
        (make_zip(SUB, _soi_with(2, "Investment Owned, Fair Value", "38,677,500")),
         "field soi.tsv.Investment Owned, Fair Value", "line 2: not a number: '38,677,500'"),
        (make_zip(SUB, _soi_with(3, "Investment Maturity Date", "2030-02-30")),
         "field soi.tsv.Investment Maturity Date", "not a date"),
        (make_zip(SUB, _soi_with(2, "ddate", "2025093")), "field soi.tsv.ddate", "line 2: not a date"),
        (make_zip(SUB, _soi_with(3, "Investment, Identifier Axis",
                                 "Zenith Software Holdings, LLC | First Lien Senior Secured Term Loan")),
         "field soi.tsv.Investment, Identifier Axis", "duplicate position"),
        (make_zip(SUB, _soi_with(2, "Investment Owned, Fair Value", "-5")),
         "field soi.tsv.Investment Owned, Fair Value", "negative"),
        (make_zip(SUB, _soi_with(2, "Investment, Basis Spread, Variable Rate", "575")),
         "field soi.tsv.Investment, Basis Spread, Variable Rate", "out of range"),
        (make_zip(SUB, SOI + b"0009990001-25-139000\t9990001\tNORTHBRIDGE\n"), "field soi.tsv", "malformed TSV"),
        (make_zip(SUB, SOI.replace(b"Falcon", b"F\xffalcon")), "field soi.tsv", "invalid UTF-8"),
        (make_zip(SUB.replace(b"0009990004-25-139003\t", b"9990004-25-139003\t"), SOI), "field sub.tsv.adsh",
         "accession is not"),
        (make_zip(SUB + SUB.split(b"\n")[1] + b"\n", SOI), "field sub.tsv.adsh", "duplicate submission"),
        (make_zip(SUB.replace(b"\tfiled\t", b"\tfiling_date\t"), SOI), "field sub.tsv.filed", "schema drift"),
    ],
)
def test_bad_data_sets_fail_in_one_line_naming_source_dataset_field(content, field, fragment):
    with pytest.raises(SourceError) as info:
        parse(content)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"sec_bdc: series 2025_10_bdc.zip: {field}"), msg
    assert fragment in msg


def test_dispatch_refuses_bad_names_and_future_filings(tmp_path):
    landing = Landing(tmp_path)
    stamp = dt.datetime(2025, 11, 21, tzinfo=dt.UTC)
    bad = landing.store("sec_bdc", {"endpoint": "bdc-data-sets", "file": "../../etc/passwd"}, recorded(),
                        fetched_at=stamp, as_of=dt.date(2025, 11, 21), ext="zip")
    with pytest.raises(SourceError, match="field file: invalid data-set name"):
        bdc.parse(bad, bad.read())
    early = landing.store("sec_bdc", {"endpoint": "bdc-data-sets", "file": "2025_10_bdc.zip", "n": 1}, recorded(),
                          fetched_at=stamp, as_of=dt.date(2025, 10, 27), ext="zip")
    with pytest.raises(SourceError, match="series 2025_10_bdc.zip: field sub.tsv.filed: filed 2025-10-28 is in the"):
        bdc.parse(early, early.read())


# --------------------------------------------------------------------------- the sample world


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    home = tmp_path_factory.mktemp("bdc")
    con = duckdb.connect()
    report = run_source(con, bdc.SEC_BDC, AcquireContext("sample", Landing(home)))
    yield con, report
    con.close()


def test_sample_has_a_dozen_bdcs_forty_quarters_and_shared_borrowers(book):
    con, report = book
    assert report.payloads == 40  # 2016q1 .. 2025q3 quarterly data sets, then 2025_10 monthly
    n_bdc, n_periods, n_borrowers, per_book = con.execute("""
        select count(distinct bdc_cik), count(distinct period_end), count(distinct issuer_key),
               count(*) / count(distinct bdc_cik || cast(period_end as varchar))
        from raw.sec__bdc_holdings""").fetchone()
    assert (n_bdc, n_periods) == (12, 40) and 300 <= n_borrowers <= 500 and 40 <= per_book <= 120
    (shared_share,) = con.execute("""
        with held as (select period_end, issuer_key, count(distinct bdc_cik) as holders
                      from raw.sec__bdc_holdings group by 1, 2)
        select avg((holders >= 2)::int) from held""").fetchone()
    assert shared_share > 0.3


def _marks(con, period: str) -> dict[str, float]:
    rows = con.execute("""select bdc_name, fair_value / principal * 100 from raw.sec__bdc_holdings
        where issuer_key = 'zenith software' and period_end = ?""", [period]).fetchall()
    return dict(rows)


def test_the_episode_borrower_is_marked_about_70_and_about_90_in_2025(book):
    con, _ = book
    spellings = {r[0] for r in con.execute(
        "select distinct issuer_name from raw.sec__bdc_holdings where issuer_key = 'zenith software'").fetchall()}
    assert spellings == {"Zenith Software Holdings, LLC", "ZENITH SOFTWARE HOLDINGS, L.L.C.",
                         "Zenith Software Holdings LLC"}
    for period in ("2025-03-31", "2025-06-30", "2025-09-30"):
        marks = _marks(con, period)
        assert len(marks) == 3
        assert min(marks.values()) < 81 and max(marks.values()) > 88, (period, marks)
    sept = _marks(con, "2025-09-30")
    assert abs(min(sept.values()) - 70) < 1 and abs(max(sept.values()) - 90) < 1
    early = _marks(con, "2023-06-30")
    assert max(early.values()) - min(early.values()) < 3


def test_dispersion_rises_in_2020_and_2025_and_a_few_loans_stop_accruing(book):
    con, _ = book
    rows = dict(con.execute("""
        with marks as (
            select period_end, issuer_key, fair_value / principal * 100 as mark
            from raw.sec__bdc_holdings where principal > 0 and lien <> 'equity'),
        shared as (
            select period_end, issuer_key, max(mark) - min(mark) as gap
            from marks group by 1, 2 having count(*) >= 2)
        select period_end, avg(gap) from shared group by 1""").fetchall())
    d = dt.date.fromisoformat
    assert rows[d("2020-03-31")] > 2 * rows[d("2019-12-31")]
    assert rows[d("2025-09-30")] > 1.5 * rows[d("2024-06-30")]
    (non_accrual,) = con.execute("select avg(is_non_accrual::int) from raw.sec__bdc_holdings").fetchone()
    assert 0.002 < non_accrual < 0.05
    (march_2020, before) = con.execute("""select
        avg(fair_value / principal) filter (where period_end = '2020-03-31'),
        avg(fair_value / principal) filter (where period_end = '2019-12-31')
        from raw.sec__bdc_holdings where lien = 'first_lien'""").fetchone()
    assert march_2020 < before - 0.04


def test_scale_multiplies_bdcs():
    assert [sample.n_bdcs(s) for s in (1, 10, 100)] == [12, 20, 100]


def test_sample_is_deterministic():
    a = [p.content for p in sample.emit(Scenario())][-3:]
    b = [p.content for p in sample.emit(Scenario())][-3:]
    assert a == b


# --------------------------------------------------------------------------- loads


def test_ingest_is_idempotent_and_replayable(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = run_source(con, bdc.SEC_BDC, AcquireContext("sample", landing))
    assert first.rows_inserted["raw.sec__bdc_holdings"] == first.rows_in["raw.sec__bdc_holdings"] > 20000
    before = table_digest(con)
    again = run_source(con, bdc.SEC_BDC, AcquireContext("sample", landing))
    assert again.skipped == again.payloads == 40 and table_digest(con) == before
    replay = ingest(con, landing, bdc.SEC_BDC, iter(landing.payloads("sec_bdc")))
    assert replay.rows_inserted == {} and table_digest(con) == before


def test_bad_zip_is_quarantined_and_nothing_is_written(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    stamp = dt.datetime(2025, 11, 21, tzinfo=dt.UTC)
    good = landing.store("sec_bdc", {"endpoint": "bdc-data-sets", "file": "2025_10_bdc.zip"}, recorded(),
                         fetched_at=stamp, as_of=dt.date(2025, 11, 21), ext="zip")
    bad = landing.store("sec_bdc", {"endpoint": "bdc-data-sets", "file": "2025_11_bdc.zip"}, recorded()[:700],
                        fetched_at=stamp, as_of=dt.date(2025, 11, 21), ext="zip")
    with pytest.raises(SourceError, match="sec_bdc: series 2025_11_bdc.zip: field body: truncated or corrupt"):
        ingest(con, landing, bdc.SEC_BDC, iter([good, bad]))
    assert con.execute("select count(*) from raw.sec__bdc_holdings").fetchone()[0] == 0
    assert (landing.root / "quarantine" / "sec_bdc" / f"{bad.content_hash}.zip").exists()


def test_files_mode_reads_hand_downloads(tmp_path):
    landing = Landing(tmp_path / "home")
    assert list(bdc.acquire(AcquireContext("files", landing, files_dir=tmp_path / "drop"))) == []
    folder = tmp_path / "drop" / "sec" / "bdc"
    folder.mkdir(parents=True)
    (folder / "2025_10_bdc.zip").write_bytes(recorded())
    (folder / "evil.zip").write_bytes(b"x")
    (payload,) = bdc.acquire(AcquireContext("files", landing, files_dir=tmp_path / "drop"))
    assert payload.request == {"endpoint": "bdc-data-sets", "file": "2025_10_bdc.zip"}


# --------------------------------------------------------------------------- live client


def test_dataset_names_follow_the_sec_calendar():
    assert bdc_dataset_names(dt.date(2023, 5, 2)) == ["2022q4_bdc.zip", "2023q1_bdc.zip", "2023q2_bdc.zip"]
    names = bdc_dataset_names(dt.date(2026, 3, 10))
    assert names[0] == "2022q4_bdc.zip" and names[-3:] == ["2025q4_bdc.zip", "2026_01_bdc.zip", "2026_02_bdc.zip"]


def _http(**kw) -> HttpClient:
    return HttpClient(user_agent=CONTACT, max_retries=kw.pop("max_retries", 3), backoff_base=0.01,
                      backoff_max=0.05, timeout=5, **kw)


def test_live_client_downloads_recovers_and_skips_the_unpublished_newest(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes[f"{BDC_URL}/2022q4_bdc.zip"] = [retry_after(0.05), ok(recorded())]
        server.routes[f"{BDC_URL}/2023q1_bdc.zip"] = [truncated(recorded()[:300], 500), ok(make_zip(SUB, SOI))]
        # 2023q2 is not published yet: 404, skipped
        report = ingest(con, landing, bdc.SEC_BDC,
                        bdc.acquire_live(landing, SecClient(http, www_url=server.url), today=dt.date(2023, 5, 2)))
        seen = list(server.requests)
    assert report.payloads == 2 and report.rows_inserted["raw.sec__bdc_holdings"] == 6
    # each data set is asked for under the new directory first (404 here), then under the old one
    assert [r.path for r in seen] == [f"{NEW_BDC_URL}/2022q4_bdc.zip", f"{BDC_URL}/2022q4_bdc.zip",
                                      f"{BDC_URL}/2022q4_bdc.zip", f"{NEW_BDC_URL}/2023q1_bdc.zip",
                                      f"{BDC_URL}/2023q1_bdc.zip", f"{BDC_URL}/2023q1_bdc.zip",
                                      f"{NEW_BDC_URL}/2023q2_bdc.zip", f"{BDC_URL}/2023q2_bdc.zip"]
    assert {r.headers["user-agent"] for r in seen} == {CONTACT}
    assert "radar-tests" not in caplog.text and "radar-tests" not in landing.manifest.read_text()


def test_live_client_fails_cleanly_on_a_missing_older_dataset(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes[f"{BDC_URL}/2022q4_bdc.zip"] = [error(404)]
        with pytest.raises(HttpError) as info:
            ingest(con, landing, bdc.SEC_BDC,
                   bdc.acquire_live(landing, SecClient(http, www_url=server.url), today=dt.date(2023, 9, 2)))
    msg = str(info.value)
    assert msg.startswith(f"sec_bdc: series 2022q4_bdc.zip: HTTP 404 at {server.url}{NEW_BDC_URL}/2022q4_bdc.zip "
                          f"and at {server.url}{BDC_URL}/2022q4_bdc.zip: the data set is at neither path; find its "
                          "link on https://www.sec.gov/data-research/sec-markets-data/bdc-data-sets"), msg
    assert "download it by hand into <files-dir>/sec/bdc/" in msg and "\n" not in msg
    assert con.execute("select count(*) from raw.sec__bdc_holdings").fetchone()[0] == 0


def test_live_client_follows_the_new_directory_and_never_asks_the_old_one_when_it_answers():
    with FaultServer() as server, _http() as http:
        server.routes[f"{NEW_BDC_URL}/2026_01_bdc.zip"] = [ok(recorded())]
        server.routes[f"{BDC_URL}/2026_01_bdc.zip"] = [error(500)]  # would fail the run if it were asked
        got = SecClient(http, www_url=server.url).bdc_dataset("2026_01_bdc.zip")
        seen = [r.path for r in server.requests]
    assert got.request == {"endpoint": "bdc-data-sets", "file": "2026_01_bdc.zip"} and got.content == recorded()
    assert seen == [f"{NEW_BDC_URL}/2026_01_bdc.zip"]


def test_live_html_page_with_200_is_quarantined(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with FaultServer() as server, _http() as http:
        server.routes[f"{BDC_URL}/2022q4_bdc.zip"] = [html_error_page()]
        with pytest.raises(SourceError, match="series 2022q4_bdc.zip: field body: body is HTML"):
            ingest(con, landing, bdc.SEC_BDC,
                   bdc.acquire_live(landing, SecClient(http, www_url=server.url), today=dt.date(2023, 1, 2)))


# --------------------------------------------------------------------------- staging (one full build)


def test_episode_is_visible_in_staging_matched_across_bdcs(built_home):
    con = duckdb.connect(str(built_home / "fragility.duckdb"), read_only=True)
    try:
        rows = con.execute("""
            select period_end, count(distinct bdc_cik), count(distinct issuer_name),
                   min(fair_value / principal) * 100, max(fair_value / principal) * 100,
                   bool_or(is_non_accrual)
            from staging.stg_sec__bdc_holdings
            where issuer_key = 'zenith software' and period_end >= '2025-01-01'
            group by 1 order by 1""").fetchall()
        cols = {r[0] for r in con.execute("""select column_name from duckdb_columns()
            where schema_name = 'staging' and table_name = 'stg_sec__bdc_holdings'""").fetchall()}
    finally:
        con.close()
    assert [r[0] for r in rows] == [dt.date(2025, 3, 31), dt.date(2025, 6, 30), dt.date(2025, 9, 30)]
    for _period, holders, spellings, low, high, _na in rows:
        assert holders == 3 and spellings == 3 and low < 81 and high > 88
    assert abs(rows[-1][3] - 70) < 1 and abs(rows[-1][4] - 90) < 1 and rows[-1][5] is True
    assert {"bdc_cik", "bdc_name", "period_end", "filed", "issuer_name", "issuer_key", "instrument", "lien",
            "maturity_date", "spread_bp", "principal", "cost", "fair_value", "is_non_accrual",
            "payload_hash"} <= cols
