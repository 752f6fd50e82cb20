"""Identifiers from configuration and from the file drop are validated before they reach SQL or the file system.

* Series ids (catalog lines, file-drop file names), tickers, CIKs: a malformed one, SQL in it, a path in it,
  or a trailing newline (``re.match`` with ``$`` lets ``"SOFR\\n"`` through) is refused in one line.
* The file drop: a file named like SQL is refused and the warehouse is left as it was, through the ingest
  path and through `fragility run --source files`; anything that resolves outside the drop folder (a
  symlinked folder or file of any source, a symlink loop) is refused before a byte of it is read;
  MANIFEST.csv entries that look like paths are only ever compared, never opened.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion import files, fred, gold, holdings
from ingestion.catalog import validate_series_id
from ingestion.errors import SourceError
from ingestion.ingest import AcquireContext, run_source
from ingestion.landing import Landing
from ingestion.sec import bdc, companyfacts

REPO = Path(__file__).resolve().parents[1]
PAYLOADS = REPO / "tests" / "payloads"
DROP = PAYLOADS / "files" / "drop"
INJECTION = "X'); DROP TABLE raw.fred__observations;--"
BAD_IDS = [INJECTION, "../../etc/passwd", "..", "SOFR\n", "SOFR\nX", "sofr", "SO FR", "", "A" * 41, "SOFR;",
           "SOFR'", "ＳＯＦＲ", "SOFR\x00", "-SOFR", "_SOFR"]


def one_line(exc: BaseException) -> str:
    msg = str(exc)
    assert "\n" not in msg, msg
    return msg


# --------------------------------------------------------------------------- series ids, tickers, CIKs


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_series_ids_are_refused(bad):
    with pytest.raises(SourceError, match="invalid series id") as err:
        validate_series_id(bad)
    one_line(err.value)
    assert validate_series_id("BAMLH0A0HYM2") == "BAMLH0A0HYM2"


@pytest.fixture
def catalog_copy(tmp_path, monkeypatch):
    """A private copy of ingestion/catalog that the catalog loader reads instead (caches cleared around)."""
    from ingestion import catalog

    folder = tmp_path / "catalog"
    shutil.copytree(catalog.CATALOG_DIR, folder)
    monkeypatch.setattr(catalog, "CATALOG_DIR", folder)
    catalog.fred_series.cache_clear()
    catalog.cancelled_releases.cache_clear()
    yield folder
    catalog.fred_series.cache_clear()
    catalog.cancelled_releases.cache_clear()


def _append_row(path: Path, **values: str) -> None:
    with open(path, newline="") as fh:
        header = next(csv.reader(fh))
    with open(path, "a", newline="") as fh:
        csv.writer(fh).writerow([values.get(h, "") for h in header])


@pytest.mark.parametrize("bad", [INJECTION, "SOFR\n", "../../etc/passwd"])
def test_a_catalog_line_with_a_bad_series_id_stops_the_catalog_load(catalog_copy, bad):
    from ingestion.catalog import catalog_tables

    _append_row(catalog_copy / "fred_series.csv", series_id=bad, loop="policy_error", unit="Percent", frequency="D",
                release="x", release_id="1", revisable="false", title="t")
    with pytest.raises(SourceError, match="field series_id: invalid series id") as err:
        catalog_tables()  # what the catalog asset loads into raw.catalog__series
    one_line(err.value)


def test_a_cancelled_release_line_with_sql_in_its_series_id_is_refused(catalog_copy):
    from ingestion.catalog import cancelled_releases

    _append_row(catalog_copy / "cancelled_releases.csv", source="fred", series_id=INJECTION, period="2025-10-01",
                scheduled_on="2025-11-13", announced_on="2025-11-12", statement="s")
    with pytest.raises(SourceError, match="invalid series id"):
        cancelled_releases()


@pytest.mark.parametrize("bad", ["AAPL\n", "AAPL'--", "aapl", "../X", "AAPL; DROP", ""])
def test_bad_tickers_are_refused(bad):
    from ingestion.sec.companies import validate_ticker

    with pytest.raises(SourceError, match="invalid ticker") as err:
        validate_ticker(bad)
    one_line(err.value)


@pytest.mark.parametrize("column, bad", [("ticker", "MSFT\n"), ("ticker", INJECTION), ("cik", "../1"),
                                         ("cik", "1 OR 1=1"), ("company_key", "MSFT\n"), ("fiscal_year_end", "0630\n")])
def test_a_company_line_with_a_bad_identifier_is_refused(tmp_path, column, bad):
    from ingestion.sec.companies import CATALOG, ai_bigtech

    path = tmp_path / "ai_bigtech.csv"
    shutil.copyfile(CATALOG, path)
    _append_row(path, **{"ticker": "ZZZZ", "cik": "99999", "entity_name": "Z Corp", "company_key": "ZZZZ",
                         "in_magnificent_7": "false", "fiscal_year_end": "1231", column: bad})
    with pytest.raises(SourceError, match=f"field {column}") as err:
        ai_bigtech(path)
    one_line(err.value)


# --------------------------------------------------------------------------- the file drop: names


def copy_drop(tmp_path: Path) -> Path:
    root = tmp_path / "drop"
    shutil.copytree(DROP, root)
    return root


def ingest_files(con, home: Path, root: Path, *sources):
    ctx = AcquireContext("files", Landing(home), 1, root)
    return {s.name: run_source(con, s, ctx) for s in sources}


def raw_state(con) -> dict[str, int]:
    names = [r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                                       "ORDER BY 1").fetchall()]
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def test_a_drop_file_named_like_sql_is_refused_and_the_warehouse_is_unchanged(tmp_path):
    root = copy_drop(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_files(con, tmp_path / "home", root, fred.FRED)
    before = raw_state(con)
    assert before["raw.fred__observations"] == 12
    (root / "fred" / "2026-01-05" / f"{INJECTION}.csv").write_text("observation_date,X\n2025-11-01,1\n")
    with pytest.raises(SourceError, match=r"field file: file .* is not <SERIES_ID>.csv") as err:
        ingest_files(con, tmp_path / "home", root, fred.FRED)
    assert "DROP TABLE" in one_line(err.value)  # named, quoted, never executed
    assert raw_state(con) == before
    con.close()


def test_a_drop_file_named_with_a_trailing_newline_is_refused_by_name(tmp_path):
    root = copy_drop(tmp_path)
    (root / "fred" / "2026-01-05" / "UNRATE\n.csv").write_text("observation_date,UNRATE\n2025-11-01,4.6\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(SourceError, match=r"is not <SERIES_ID>.csv"):
        ingest_files(con, tmp_path / "home", root, fred.FRED)
    con.close()


def test_fragility_run_refuses_such_a_drop_in_one_line_and_publishes_nothing(tmp_path):
    root = copy_drop(tmp_path)
    (root / "fred" / "2026-01-05" / f"{INJECTION}.csv").write_text("observation_date,X\n2025-11-01,1\n")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAGILITY_", "DAGSTER_"))}
    out = subprocess.run([sys.executable, "-m", "orchestration", "run", "--source", "files", "--files-dir", str(root),
                          "--home", str(home)], cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    assert out.returncode != 0
    assert "FAILED: the published warehouse was left unchanged." in out.stdout
    reason = [x for x in out.stdout.splitlines() if "fred_raw:" in x]
    assert len(reason) == 1 and "is not <SERIES_ID>.csv" in reason[0] and "DROP TABLE" in reason[0], out.stdout
    assert not (home / "fragility.duckdb").exists()
    con = duckdb.connect(str(home / "build" / "fragility.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.fred__observations").fetchone()[0] == 0  # there, and empty
    finally:
        con.close()


# --------------------------------------------------------------------------- the file drop: paths


def _outside(tmp_path: Path) -> Path:
    """Files outside the drop that a symlink might lead to, each valid for its source."""
    out = tmp_path / "outside"
    (out / "fred" / "2025-12-01").mkdir(parents=True)
    (out / "fred" / "2025-12-01" / "UNRATE.csv").write_text("observation_date,UNRATE\n2025-11-01,4.6\n")
    shutil.copytree(DROP / "ofr", out / "ofr")
    shutil.copytree(DROP / "gold", out / "gold")
    (out / "sp500").mkdir()
    shutil.copyfile(DROP / "sp500" / "constituents-financials_2025-06-30.csv",
                    out / "sp500" / "constituents-financials_2025-07-31.csv")
    (out / "holdings").mkdir()
    name = "IVV_holdings_2025-10-31.csv"
    shutil.copyfile(PAYLOADS / "holdings" / name, out / "holdings" / name)
    (out / "sec" / "companyfacts").mkdir(parents=True)
    shutil.copyfile(PAYLOADS / "sec" / "companyfacts_CIK0001341439_tail.json",
                    out / "sec" / "companyfacts" / "CIK0001341439.json")
    (out / "sec" / "bdc").mkdir()
    shutil.copyfile(PAYLOADS / "sec" / "bdc" / "2025_10_bdc.zip", out / "sec" / "bdc" / "2025_10_bdc.zip")
    (out / "MANIFEST.csv").write_text("as_of,series_id,rows\n2026-01-05,UNRATE,4\n")
    for path in out.rglob("*"):  # bytes found nowhere inside the drop, so a landed copy would show
        if path.is_file():
            path.write_bytes(path.read_bytes() + f"\n{path.name} from outside\n".encode())
    return out


def _link(link: Path, target: Path) -> None:
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    elif link.exists() or link.is_symlink():
        link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)


# (what is a symlink, where it leads, the source that reads it, what the refusal says)
ESCAPES = [
    ("fred", "fred", fred.FRED, "'fred' resolves outside"),
    ("fred/2025-12-01", "fred/2025-12-01", fred.FRED, "'2025-12-01' resolves outside"),
    ("fred/2026-01-05/PAYEMS.csv", "fred/2025-12-01/UNRATE.csv", fred.FRED, "'PAYEMS.csv' resolves outside"),
    ("fred/2026-01-05/PAYEMS.csv", "/etc/passwd", fred.FRED, "'PAYEMS.csv' resolves outside"),
    ("fred/MANIFEST.csv", "MANIFEST.csv", fred.FRED, "'MANIFEST.csv' resolves outside"),
    ("ofr", "ofr", files.FILES, "'fsi.csv' resolves outside"),
    ("ofr/fsi.csv", "ofr/fsi.csv", files.FILES, "'fsi.csv' resolves outside"),
    ("gold", "gold", gold.GOLD, "'monthly.csv' resolves outside"),
    ("gold/monthly.csv", "gold/monthly.csv", gold.GOLD, "'monthly.csv' resolves outside"),
    ("sp500", "sp500", files.FILES, "'sp500' resolves outside"),
    ("sp500/constituents-financials_2025-07-31.csv", "sp500/constituents-financials_2025-07-31.csv", files.FILES,
     "resolves outside"),
    ("holdings", "holdings", holdings.HOLDINGS, "'holdings' resolves outside"),
    ("sec", "sec", companyfacts.SEC_COMPANYFACTS, "'companyfacts' resolves outside"),
    ("sec/companyfacts", "sec/companyfacts", companyfacts.SEC_COMPANYFACTS, "'companyfacts' resolves outside"),
    ("sec/bdc", "sec/bdc", bdc.SEC_BDC, "'bdc' resolves outside"),
]


@pytest.mark.parametrize("link, target, source, message", ESCAPES, ids=[f"{e[0]}->{e[1]}" for e in ESCAPES])
def test_anything_resolving_outside_the_drop_is_refused_before_it_is_read(tmp_path, link, target, source, message):
    root = copy_drop(tmp_path)
    outside = _outside(tmp_path)
    _link(root / link, Path(target) if target.startswith("/") else outside / target)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    home = tmp_path / "home"
    with pytest.raises(SourceError, match=message) as err:
        ingest_files(con, home, root, source)
    assert one_line(err.value).startswith("files: ")
    assert all(n == 0 for n in raw_state(con).values())
    con.close()
    # not one byte from outside the drop reached the landing zone
    outside_bytes = {p.read_bytes() for p in outside.rglob("*") if p.is_file()}
    landed = [p for p in (home / "landing").rglob("*") if p.is_file() and p.name != "manifest.jsonl"]
    assert not [p for p in landed if p.read_bytes() in outside_bytes]


def test_a_symlinked_file_in_a_holdings_or_sec_folder_is_skipped(tmp_path):
    root = tmp_path / "drop"
    outside = _outside(tmp_path)
    for folder, name in (("holdings", "IVV_holdings_2025-10-31.csv"), ("sec/companyfacts", "CIK0001341439.json"),
                         ("sec/bdc", "2025_10_bdc.zip")):
        _link(root / folder / name, outside / folder / name)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    reports = ingest_files(con, tmp_path / "home", root, holdings.HOLDINGS, companyfacts.SEC_COMPANYFACTS, bdc.SEC_BDC)
    assert all(r.payloads == 0 for r in reports.values())
    con.close()


def test_a_symlink_loop_is_refused_in_one_line(tmp_path):
    root = copy_drop(tmp_path)
    folder = root / "fred" / "2026-01-05"
    os.symlink(folder / "PAYEMS.csv", folder / "SOFR.csv")
    os.symlink(folder / "SOFR.csv", folder / "PAYEMS.csv")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(SourceError, match="field path: 'PAYEMS.csv' is a symlink loop") as err:
        ingest_files(con, tmp_path / "home", root, fred.FRED)
    one_line(err.value)
    con.close()


def test_manifest_entries_that_look_like_paths_are_never_opened(tmp_path):
    root = copy_drop(tmp_path)
    with open(root / "fred" / "MANIFEST.csv", "a") as fh:
        fh.write("../../etc,passwd,3,,,,\n2026-01-05,../UNRATE,1,,,,\n/etc,shadow,1,,,,\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest_files(con, tmp_path / "home", root, fred.FRED)["fred"]
    assert report.rows_inserted == {"raw.fred__observations": 12}  # the drop loads as without those lines
    landing = Landing(tmp_path / "home")
    assert sorted(p.request["file"] for p in landing.payloads("fred")) == [
        "2025-11-15/CPIAUCSL.csv", "2026-01-05/CPIAUCSL.csv", "2026-01-05/UNRATE.csv"]
    assert all(Path(p.path).resolve().is_relative_to(landing.root.resolve()) for p in landing.payloads())
    con.close()
