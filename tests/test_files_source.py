"""The file-drop source: FRED graph downloads as vintages, the OFR FSI, gold and S&P 500 snapshots.

Three layers: the pure parsers on synthetic bytes (every malformed case gives one line naming source,
series and field); a small synthetic drop (tests/payloads/files/drop) through the real ingest path; and the
real downloads in ../shared/data/real, checked against known values, plus one full pipeline run on them
(skipped with a reason where ../shared is absent).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion import files, fred, gold
from ingestion.errors import SourceError
from ingestion.filedrop import drop_root, part
from ingestion.files import ofr_fsi, sp500
from ingestion.fred import filedrop as fred_drop
from ingestion.fred import graph_csv as fred_csv
from ingestion.fred.parser import OBSERVATIONS_SCHEMA
from ingestion.gold import parser as gold_parser
from ingestion.ingest import AcquireContext, ingest, run_source
from ingestion.landing import Landing
from tests.conftest import SHARED_REAL
from tests.test_ingest import table_digest

DROP = Path(__file__).parent / "payloads" / "files" / "drop"
D = dt.date.fromisoformat
FAR = D("9999-12-31")
OCT = D("2025-10-01")


def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


def parse_csv(content: bytes, series_id: str = "SOFR", as_of: str = "2025-11-23", **kw):
    return fred_csv.parse_fred_csv(content, series_id=series_id, as_of=D(as_of), payload_hash="h", **kw)


def ingest_drop(con, home: Path, drop: Path, sources=(fred.FRED, gold.GOLD, files.FILES)) -> dict:
    ctx = AcquireContext("files", Landing(home), 1, drop)
    return {s.name: run_source(con, s, ctx) for s in sources}


# --------------------------------------------------------------------------- FRED graph CSV parser


def test_both_headers_missing_values_and_vintage_columns():
    new = parse_csv(b"observation_date,SOFR\r\n2025-11-19,3.91\r\n2025-11-20,\r\n2025-11-21,3.93\r\n")
    old = parse_csv(b"DATE,SOFR\n2025-11-19,3.91\n2025-11-20,.\n2025-11-21,3.93\n")
    assert new.to_pylist() == old.to_pylist()
    rows = new.to_pylist()
    assert [(r["obs_date"], r["value"], r["value_status"], r["status_reason"]) for r in rows] == [
        (D("2025-11-19"), 3.91, "ok", None), (D("2025-11-20"), None, "missing", "empty in file drop"),
        (D("2025-11-21"), 3.93, "ok", None)]
    assert {(r["source"], r["series_id"], r["realtime_start"], r["realtime_end"], r["payload_hash"]) for r in rows} \
        == {("files", "SOFR", D("2025-11-23"), FAR, "h")}
    assert new.schema == OBSERVATIONS_SCHEMA


def test_realtime_end_is_closed_by_the_next_folder_that_covers_the_date():
    later = [(D("2026-01-02"), D("2025-09-01"), D("2025-12-01")), (D("2026-08-21"), D("2025-01-01"), D("2026-07-01"))]
    rows = parse_csv(b"observation_date,UNRATE\n2024-12-01,4.2\n2025-08-01,4.3\n2025-10-01,\n",
                     series_id="UNRATE", as_of="2025-11-15", later=later).to_pylist()
    assert [(r["obs_date"], r["realtime_end"]) for r in rows] == [
        (D("2024-12-01"), FAR),  # no later file covers 2024-12: still current
        (D("2025-08-01"), D("2026-08-20")),  # first covered by the 2026-08-21 folder
        (D("2025-10-01"), D("2026-01-01")),  # covered by the very next folder
    ]
    # earlier folders never close a vintage
    same = parse_csv(b"observation_date,UNRATE\n2025-08-01,4.3\n", series_id="UNRATE", as_of="2025-11-15",
                     later=[(D("2025-01-01"), D("2000-01-01"), D("2030-01-01"))]).to_pylist()
    assert same[0]["realtime_end"] == FAR


def test_cancelled_only_once_announced():
    cancelled = {OCT: (D("2025-11-19"), "BLS: will not be published")}
    body = b"observation_date,CPIAUCSL\n2025-09-01,324.2\n2025-10-01,\n"
    before = parse_csv(body, series_id="CPIAUCSL", as_of="2025-11-15", cancelled=cancelled).to_pylist()
    after = parse_csv(body, series_id="CPIAUCSL", as_of="2026-01-02", cancelled=cancelled).to_pylist()
    assert (before[1]["value_status"], before[1]["status_reason"]) == ("missing", "empty in file drop")
    assert (after[1]["value"], after[1]["value_status"], after[1]["status_reason"]) == (
        None, "cancelled", "BLS: will not be published")
    assert after[0]["value_status"] == "ok"


@pytest.mark.parametrize(("content", "field", "message"), [
    (b"date,SOFR\n2025-11-20,3.9\n", "header", "is not 'observation_date,SOFR'"),
    (b"observation_date,SOFR,EXTRA\n2025-11-20,3.9,1\n", "header", "is not 'observation_date,SOFR'"),
    (b"observation_date,EFFR\n2025-11-20,3.9\n", "header", "is not 'observation_date,SOFR'"),
    (b"observation_date,SOFR\n2025-11-20,3.9\n2025-11-21,n/a\n", "SOFR", "line 3: not a number: 'n/a'"),
    (b"observation_date,SOFR\n2025-11-20,3.9\n2025-11-21,inf\n", "SOFR", "line 3: not a number"),
    (b"observation_date,SOFR\n2025-11-20,3.9\n2025-11-20,3.8\n", "observation_date",
     "line 3: duplicate observation date 2025-11-20"),
    (b"observation_date,SOFR\n11/20/2025,3.9\n", "observation_date", "line 2: not a YYYY-MM-DD date: '11/20/2025'"),
    (b"observation_date,SOFR\n2025-02-30,3.9\n", "observation_date", "line 2: not a YYYY-MM-DD date"),
    (b"\xef\xbb\xbfobservation_date,SOFR\n2025-11-20,3.9\n", "body", "byte-order mark"),
    (b"observation_date,SOFR\n2025-11-20,3.9\xff\n", "body", "not UTF-8: byte 0xff at offset 36 (line 2)"),
    (b"", "body", "empty file (0 bytes)"),
    (b"\r\n\r\n", "body", "empty file"),
    (b"observation_date,SOFR\n", "body", "no observations under the header"),
    (b"observation_date,SOFR\n2025-11-20,3.9,7\n", "body", "line 2 has 3 fields, expected 2"),
    (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "body", "HTML"),
])
def test_malformed_csv_gives_one_line_naming_source_series_and_field(content, field, message):
    with pytest.raises(SourceError) as err:
        parse_csv(content)
    line = one_line(err)
    assert line.startswith(f"files: series SOFR: field {field}: ")
    assert message in line


def test_manifest_row_count_is_checked():
    body = b"observation_date,SOFR\n2025-11-20,3.9\n2025-11-21,3.8\n"
    assert parse_csv(body, expected_rows=2).num_rows == 2
    with pytest.raises(SourceError, match="field body: 2 rows, but MANIFEST.csv says 3"):
        parse_csv(body, expected_rows=3)


def test_coverage_reads_first_and_last_dates_cheaply():
    assert fred_csv.coverage(b"observation_date,X\r\n2020-01-01,1\r\n2020-02-01,\r\n2021-05-01,2\r\n\r\n") == (
        D("2020-01-01"), D("2021-05-01"))
    assert fred_csv.coverage(b"observation_date,X\n") is None
    assert fred_csv.coverage(b"observation_date,X\nnot-a-date,1\n") is None


# --------------------------------------------------------------------------- names and paths


@pytest.mark.parametrize("name", ["../x", "..", "latest", "2025-13-01", "2025-1-01", "2025-11-23 ", "x/../2025-11-23"])
def test_vintage_folder_names_must_be_iso_dates(name):
    with pytest.raises(SourceError) as err:
        fred_drop.vintage_folder(name)
    assert one_line(err).startswith("files: series ") and "field folder" in str(err.value)


@pytest.mark.parametrize("name", ["../SOFR.csv", "sofr.csv", "SOFR.txt", "SOFR", "SO FR.csv", "SOFR.csv.bak",
                                  "A" * 41 + ".csv", "SOFR;DROP.csv"])
def test_series_file_names_must_be_series_ids(name):
    with pytest.raises(SourceError, match="field file: .* is not <SERIES_ID>.csv"):
        fred_drop.series_file(name)
    assert fred_drop.series_file("BAMLH0A0HYM2.csv") == "BAMLH0A0HYM2"


def _copy_drop(tmp_path: Path) -> Path:
    root = tmp_path / "drop"
    shutil.copytree(DROP, root)
    return root


def test_odd_entries_in_the_fred_folder_are_refused(tmp_path):
    root = _copy_drop(tmp_path)
    (root / "fred" / "notes.txt").write_text("hello")
    with pytest.raises(SourceError, match=r"^files: series notes.txt: field file: unexpected file"):
        fred_drop.scan_fred(root / "fred")
    (root / "fred" / "notes.txt").unlink()
    (root / "fred" / "latest").mkdir()
    with pytest.raises(SourceError, match="field folder: folder 'latest' is not an as-of date"):
        fred_drop.scan_fred(root / "fred")
    (root / "fred" / "latest").rmdir()
    (root / "fred" / "2026-01-05" / "unrate.csv").write_text("observation_date,UNRATE\n")
    with pytest.raises(SourceError, match="field file: file 'unrate.csv' is not <SERIES_ID>.csv"):
        fred_drop.scan_fred(root / "fred")


def test_symlinks_escaping_the_drop_are_refused(tmp_path):
    root = _copy_drop(tmp_path)
    outside = tmp_path / "elsewhere"
    (outside / "2025-12-01").mkdir(parents=True)
    (outside / "2025-12-01" / "UNRATE.csv").write_text("observation_date,UNRATE\n2025-11-01,4.6\n")
    os.symlink(outside / "2025-12-01", root / "fred" / "2025-12-01")
    with pytest.raises(SourceError, match="field path: '2025-12-01' resolves outside the file-drop folder"):
        fred_drop.scan_fred(root / "fred")
    (root / "fred" / "2025-12-01").unlink()
    os.symlink(outside / "2025-12-01" / "UNRATE.csv", root / "fred" / "2026-01-05" / "PAYEMS.csv")
    with pytest.raises(SourceError, match="'PAYEMS.csv' resolves outside"):
        fred_drop.scan_fred(root / "fred")


def test_missing_files_dir_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="needs --files-dir"):
        drop_root(None)
    with pytest.raises(SourceError, match="is not a folder"):
        drop_root(tmp_path / "nope")
    # a folder of vintages can be given directly
    assert fred_drop.fred_folder(DROP / "fred") == (DROP / "fred").resolve()
    assert part(DROP / "fred", "ofr", "fsi.csv", folder=False) is None
    assert part(DROP / "fred", "sp500", folder=True) is None


# --------------------------------------------------------------------------- the synthetic drop, end to end


@pytest.fixture
def drop_db(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    reports = ingest_drop(con, tmp_path / "home", DROP)
    yield con, reports, tmp_path
    con.close()


def test_synthetic_drop_lands_in_the_fred_gold_and_files_tables(drop_db):
    con, reports, _ = drop_db
    assert reports["fred"].rows_inserted == {"raw.fred__observations": 12}
    assert reports["gold"].rows_inserted == {"raw.gold__prices": 3}
    # the identical S&P copy is landed once
    assert reports["files"].payloads == 2
    assert reports["files"].rows_inserted == {"raw.files__ofr_fsi": 3, "raw.files__sp500_constituents": 6}
    rows = con.execute("SELECT series_id, obs_date, value, value_status, realtime_start, realtime_end "
                       "FROM raw.fred__observations WHERE source = 'files' ORDER BY 1, 2, 5").fetchall()
    assert rows == [
        ("CPIAUCSL", D("2025-07-01"), 322.132, "ok", D("2025-11-15"), FAR),  # not covered by the later file
        ("CPIAUCSL", D("2025-08-01"), 323.364, "ok", D("2025-11-15"), D("2026-01-04")),
        ("CPIAUCSL", D("2025-08-01"), 323.4, "ok", D("2026-01-05"), FAR),  # revised
        ("CPIAUCSL", D("2025-09-01"), 324.245, "ok", D("2025-11-15"), D("2026-01-04")),
        ("CPIAUCSL", D("2025-09-01"), 324.245, "ok", D("2026-01-05"), FAR),
        ("CPIAUCSL", OCT, None, "missing", D("2025-11-15"), D("2026-01-04")),  # before the announcement
        ("CPIAUCSL", OCT, None, "cancelled", D("2026-01-05"), FAR),
        ("CPIAUCSL", D("2025-11-01"), 325.031, "ok", D("2026-01-05"), FAR),
        ("UNRATE", D("2025-08-01"), 4.3, "ok", D("2026-01-05"), FAR),
        ("UNRATE", D("2025-09-01"), 4.4, "ok", D("2026-01-05"), FAR),
        ("UNRATE", OCT, None, "cancelled", D("2026-01-05"), FAR),
        ("UNRATE", D("2025-11-01"), 4.6, "ok", D("2026-01-05"), FAR),
    ]
    gold_rows = con.execute("SELECT source, date, frequency, price_usd, realtime_start FROM raw.gold__prices "
                            "ORDER BY date").fetchall()
    assert gold_rows[-1] == ("files", OCT, "M", 4058.33, D("2025-11-01"))
    goog = con.execute("SELECT symbol, company_key, market_cap, dividend_yield_pct FROM raw.files__sp500_constituents "
                       "WHERE company_key = 'GOOGL' ORDER BY symbol").fetchall()
    assert goog == [("GOOG", "GOOGL", 2.15e12, 0.45), ("GOOGL", "GOOGL", 2.14e12, 0.45)]
    brk, zts = con.execute("SELECT company_key, market_cap, row_note FROM raw.files__sp500_constituents "
                           "WHERE symbol IN ('BRK-B', 'ZTS') ORDER BY symbol").fetchall()
    assert brk == ("BRK.B", 1.048e12, None)
    assert zts == ("ZTS", None, "3 of 14 fields; only the first 3 kept")


def test_loading_the_same_drop_twice_changes_nothing(drop_db):
    con, _, tmp_path = drop_db
    before = table_digest(con)
    again = ingest_drop(con, tmp_path / "home", DROP)
    assert all(r.skipped == r.payloads and not r.rows_inserted for r in again.values())
    assert table_digest(con) == before
    # re-parsing from the landing zone (no folder at all) also changes nothing
    landing = Landing(tmp_path / "home")
    for src, name in ((fred.FRED, "fred"), (gold.GOLD, "gold"), (files.FILES, "files")):
        assert not ingest(con, landing, src, iter(landing.payloads(name))).rows_inserted
    assert table_digest(con) == before


def test_a_later_folder_closes_earlier_vintages_without_duplicating(tmp_path):
    root = _copy_drop(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_drop(con, tmp_path / "home", root, sources=(fred.FRED,))
    (root / "fred" / "2026-02-11").mkdir()
    (root / "fred" / "2026-02-11" / "UNRATE.csv").write_bytes(b"observation_date,UNRATE\n2025-11-01,4.5\n")
    report = ingest_drop(con, tmp_path / "home", root, sources=(fred.FRED,))["fred"]
    assert report.rows_inserted == {"raw.fred__observations": 1}
    rows = con.execute("SELECT obs_date, value, realtime_start, realtime_end FROM raw.fred__observations "
                       "WHERE series_id = 'UNRATE' AND obs_date >= '2025-10-01' ORDER BY 1, 3").fetchall()
    assert rows == [(OCT, None, D("2026-01-05"), FAR),  # the new file does not cover October
                    (D("2025-11-01"), 4.6, D("2026-01-05"), D("2026-02-10")),
                    (D("2025-11-01"), 4.5, D("2026-02-11"), FAR)]


def test_a_bad_file_is_quarantined_and_nothing_is_written(tmp_path):
    root = _copy_drop(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_drop(con, tmp_path / "home", root, sources=(fred.FRED,))
    before = table_digest(con)
    (root / "fred" / "2026-02-11").mkdir()
    (root / "fred" / "2026-02-11" / "UNRATE.csv").write_bytes(b"observation_date,UNRATE\n2025-11-01,4.5\n")
    (root / "fred" / "2026-02-11" / "PAYEMS.csv").write_bytes(b"observation_date,PAYEMS\n2025-11-01,15x\n")
    with pytest.raises(SourceError) as err:
        ingest_drop(con, tmp_path / "home", root, sources=(fred.FRED,))
    assert one_line(err) == "files: series PAYEMS: field PAYEMS: line 2: not a number: '15x'"
    assert table_digest(con) == before  # the good UNRATE file of the same run was rolled back too
    quarantined = list((tmp_path / "home" / "landing" / "quarantine" / "fred").glob("*.csv"))
    assert len(quarantined) == 1 and quarantined[0].read_bytes().endswith(b"15x\n")


def test_an_unknown_series_is_refused_by_name(tmp_path):
    root = _copy_drop(tmp_path)
    (root / "fred" / "2026-01-05" / "NOTINCATALOG.csv").write_bytes(b"observation_date,NOTINCATALOG\n2025-11-01,1\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(SourceError) as err:
        ingest_drop(con, tmp_path / "home", root, sources=(fred.FRED,))
    assert one_line(err) == ("fred: series NOTINCATALOG: field series_id: unknown series "
                             "(not in ingestion/catalog/fred_series.csv)")


def test_other_modes_of_the_files_source_yield_nothing(tmp_path):
    for mode in ("sample", "live"):
        assert list(files.acquire(AcquireContext(mode, Landing(tmp_path), 1, DROP))) == []


# --------------------------------------------------------------------------- OFR FSI, gold, S&P parsers


FSI_HEADER = (b"Date,OFR FSI,Credit,Equity valuation,Safe assets,Funding,Volatility,United States,"
              b"Other advanced economies,Emerging markets\n")


def test_fsi_parser_and_its_errors():
    t = ofr_fsi.parse_fsi((DROP / "ofr" / "fsi.csv").read_bytes(), payload_hash="h")
    assert t.num_rows == 3 and t.column_names[:3] == ["date", "ofr_fsi", "credit"]
    assert t.to_pylist()[-1]["emerging"] == -0.2
    with pytest.raises(SourceError, match="^files: series ofr_fsi: field Liquidity: header drift: extra"):
        ofr_fsi.parse_fsi(FSI_HEADER.replace(b"Funding", b"Liquidity") + b"2024-01-02,1,1,1,1,1,1,1,1,1\n",
                          payload_hash="h")
    with pytest.raises(SourceError, match="field Credit: line 2: not a number: 'x'"):
        ofr_fsi.parse_fsi(FSI_HEADER + b"2024-01-02,1,x,1,1,1,1,1,1,1\n", payload_hash="h")
    with pytest.raises(SourceError, match="field Date: line 3: duplicate date 2024-01-02"):
        ofr_fsi.parse_fsi(FSI_HEADER + b"2024-01-02,1,1,1,1,1,1,1,1,1\n" * 2, payload_hash="h")


def test_gold_monthly_file_parser():
    t = gold_parser.parse_monthly_file(b"Date,Price\n2024-12,2648.01\n2025-01,2709.69\n", payload_hash="h")
    assert t.to_pylist()[0] == {"source": "files", "date": D("2024-12-01"), "frequency": "M", "price_usd": 2648.01,
                                "realtime_start": D("2025-01-01"), "payload_hash": "h"}
    for body, match in [(b"Date,Close\n2024-12,1\n", "field header: header 'Date,Close'"),
                        (b"Date,Price\n2024-13,1\n", "field Date: line 2: not a YYYY-MM month: '2024-13'"),
                        (b"Date,Price\n2024-12,-5\n", "field Price: line 2: price -5.0 is not positive"),
                        (b"Date,Price\n2024-12,1\n2024-12,2\n", "field Date: line 3: duplicate month 2024-12")]:
        with pytest.raises(SourceError, match=match):
            gold_parser.parse_monthly_file(body, payload_hash="h")


SP2012 = (b"Symbol,Name,price,dividend yield,price/earnings,book value,52 week low,52 week high,"
          b"market capitalization,ebitda,price/sales,price/book\n"
          b"MMM,3M Co.,92.29,2.49,14.98,23.731,68.63,92.34,63.802B,7.569B,2.14,3.86\n"
          b"XYZ,Small Co,12.5,N/A,N/A,4.1,10,14,503.1M,55.2M,1.1,N/A\n")
SP2013 = (b"Symbol,Name,Sector,Price,Dividend Yield,Price/Earnings,Earnings/Share,Book Value,52 week low,"
          b"52 week high,Market Cap,EBITDA,Price/Sales,Price/Book,SEC Filings\n"
          b"MMM,3M Co.,Industrials,102.66,2.31,16.17,6.32,26.256,81.99,103.33,70.537,7.758,2.35,3.89,"
          b"http://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=MMM\n"
          b"LYB,LyondellBasell Industries N.V.,60.95,7.39,10.85,5.429,20.231,35.97,65.69,35.077,5.950,0.77,2.91,"
          b"http://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=LYB\n")


def test_sp500_layouts_money_suffixes_and_billions():
    t12 = sp500.parse_snapshot(SP2012, as_of=D("2012-12-27"), payload_hash="h").to_pylist()
    assert [(r["symbol"], r["market_cap"], r["ebitda"], r["dividend_yield_pct"], r["file_layout"]) for r in t12] == [
        ("MMM", 63_802_000_000.0, 7_569_000_000.0, 2.49, "2012"), ("XYZ", 503_100_000.0, 55_200_000.0, None, "2012")]
    assert t12[0]["sector"] is None and t12[1]["price_book"] is None
    t13 = sp500.parse_snapshot(SP2013, as_of=D("2013-05-05"), payload_hash="h").to_pylist()
    mmm, lyb = sorted(t13, key=lambda r: r["symbol"], reverse=True)
    assert (mmm["market_cap"], mmm["ebitda"], mmm["sector"], mmm["row_note"]) == (
        70_537_000_000.0, 7_758_000_000.0, "Industrials", None)
    # the short LYB row is aligned on its trailing SEC link: the sector is what is missing
    assert (lyb["sector"], lyb["price"], lyb["market_cap"], lyb["price_book"]) == (None, 60.95, 35_077_000_000.0, 2.91)
    assert lyb["row_note"] == "14 of 15 fields; aligned on the trailing SEC link, sector missing"


def test_sp500_errors_and_file_names():
    for body, match in [
        (b"Ticker,Company\nMMM,3M\n", "field header: unknown snapshot layout"),
        (SP2012 + SP2012.split(b"\n")[1] + b"\n", "field Symbol: ticker MMM listed twice"),
        (SP2012.replace(b"63.802B", b"63.802X"), "field market_cap: row 1: not an amount like 63.802B: '63.802X'"),
        (SP2012.replace(b"MMM,", b"mmm;,"), "field Symbol: row 1: not a ticker"),
    ]:
        with pytest.raises(SourceError, match=match):
            sp500.parse_snapshot(body, as_of=D("2012-12-27"), payload_hash="h")
    assert sp500.snapshot_date("constituents-financials_2026-08-22_44d0ca3075.csv") == D("2026-08-22")
    assert sp500.snapshot_date("constituents-financials_2026-08-22.csv") == D("2026-08-22")
    assert sp500.snapshot_date("constituents-financials_2026-13-22.csv") is None
    assert sp500.snapshot_date("../constituents-financials_2026-08-22.csv") is None


def test_two_different_snapshots_of_one_date_are_refused(tmp_path):
    root = _copy_drop(tmp_path)
    copy = root / "sp500" / "constituents-financials_2025-06-30.csv"
    copy.write_bytes(copy.read_bytes().replace(b"205.17", b"205.18"))
    with pytest.raises(SourceError, match="two different snapshots dated 2025-06-30"):
        list(files.acquire(AcquireContext("files", Landing(tmp_path / "home"), 1, root)))


# --------------------------------------------------------------------------- the real downloads


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    if not SHARED_REAL.exists():
        pytest.skip(f"real data folder {SHARED_REAL} is absent (it sits beside the repo in CI)")
    home = tmp_path_factory.mktemp("real")
    con = duckdb.connect(str(home / "w.duckdb"))
    reports = ingest_drop(con, home / "home", SHARED_REAL)
    yield con, reports, home
    con.close()


def test_real_last_sofr_of_the_2025_11_23_folder(real_db):
    con, _, _ = real_db
    row = con.execute("SELECT obs_date, value, value_status, realtime_end FROM raw.fred__observations "
                      "WHERE series_id = 'SOFR' AND realtime_start = '2025-11-23' AND value IS NOT NULL "
                      "ORDER BY obs_date DESC LIMIT 1").fetchone()
    # closed by the 2026-06-28 download, which covers 2021-06-23 .. 2026-06-23
    assert row == (D("2025-11-20"), 3.91, "ok", D("2026-06-27"))


def test_real_october_2025_cpi_and_unemployment_are_cancelled(real_db):
    con, _, _ = real_db
    rows = con.execute("SELECT series_id, value, value_status, status_reason FROM raw.fred__observations "
                       "WHERE realtime_start = '2026-01-02' AND obs_date = '2025-10-01' "
                       "AND series_id IN ('CPIAUCSL', 'UNRATE') ORDER BY 1").fetchall()
    assert [(s, v, st) for s, v, st, _ in rows] == [("CPIAUCSL", None, "cancelled"), ("UNRATE", None, "cancelled")]
    assert rows[0][3].startswith("BLS: the October 2025 CPI will not be published")
    # U6 comes from the same household survey: the maintained list covers it too
    u6 = con.execute("SELECT value_status, status_reason FROM raw.fred__observations WHERE series_id = 'U6RATE' "
                     "AND obs_date = '2025-10-01'").fetchone()
    assert u6[0] == "cancelled" and "U-6" in u6[1]


def test_real_stlfsi4_revisions_are_two_vintages(real_db):
    con, _, _ = real_db
    rows = con.execute("""
        SELECT a.obs_date, a.value, a.realtime_end, b.value, b.realtime_start, b.realtime_end
        FROM raw.fred__observations a JOIN raw.fred__observations b USING (source, series_id, obs_date)
        WHERE series_id = 'STLFSI4' AND a.realtime_start = '2026-01-02' AND b.realtime_start = '2026-08-21'
        ORDER BY obs_date""").fetchall()
    assert len(rows) == 1670  # every week of the earlier download is also in the later one
    revised = [r for r in rows if r[1] != r[3]]
    assert len(revised) > 1000  # the index is re-estimated: most of its history moved
    first = revised[0]
    assert first == (D("1993-12-31"), -0.2966, D("2026-08-20"), -0.2898, D("2026-08-21"), FAR)


def test_real_row_counts_match_the_manifest(real_db):
    con, reports, _ = real_db
    declared = fred_drop.manifest_rows(SHARED_REAL / "fred")
    loaded = dict(((str(a), s), n) for a, s, n in con.execute(
        "SELECT realtime_start, series_id, count(*) FROM raw.fred__observations GROUP BY ALL").fetchall())
    assert loaded == {k: v for k, v in declared.items()}
    assert reports["fred"].payloads == len(declared) == 61


def test_real_sp500_snapshots_count_alphabet_once(real_db):
    con, reports, _ = real_db
    assert reports["files"].payloads == 32  # the FSI and 31 snapshot dates (2026-08-22 is there twice, identical)
    n, dates = con.execute("SELECT count(*), count(DISTINCT as_of_date) FROM raw.files__sp500_constituents").fetchone()
    assert (n, dates) == (15538, 31)
    goog = con.execute("SELECT symbol, company_key, market_cap FROM raw.files__sp500_constituents "
                       "WHERE as_of_date = '2026-08-22' AND symbol LIKE 'GOOG%' ORDER BY symbol").fetchall()
    assert goog == [("GOOG", "GOOGL", 4179580420096.0), ("GOOGL", "GOOGL", 4217126256640.0)]
    mmm = con.execute("SELECT market_cap FROM raw.files__sp500_constituents WHERE symbol = 'MMM' "
                      "ORDER BY as_of_date LIMIT 2").fetchall()
    assert mmm == [(63_802_000_000.0,), (70_537_000_000.0,)]  # "63.802B" (2012), 70.537 billions (2013)


def test_real_ofr_fsi_and_gold(real_db):
    con, _, _ = real_db
    assert con.execute("SELECT count(*), min(date), max(date) FROM raw.files__ofr_fsi").fetchone() == (
        6292, D("2000-01-03"), D("2024-11-29"))
    assert con.execute("SELECT count(*), min(date), max(date) FROM raw.gold__prices WHERE source = 'files'"
                       ).fetchone() == (2322, D("1833-01-01"), D("2026-06-01"))
    assert con.execute("SELECT price_usd, realtime_start FROM raw.gold__prices WHERE date = '2025-10-01'"
                       ).fetchone() == (4058.33, D("2025-11-01"))


def test_real_drop_loaded_twice_changes_nothing(real_db):
    con, _, home = real_db
    before = table_digest(con)
    again = ingest_drop(con, home / "home", SHARED_REAL)
    assert all(r.skipped == r.payloads and not r.rows_inserted for r in again.values())
    assert table_digest(con) == before
