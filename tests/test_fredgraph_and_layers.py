"""FRED graph downloads with several series (``fredgraph.csv``) in a file drop, and the one-way ingestion layers:
``ingestion/files`` and the source packages whose file-drop formats used to live there (FRED, gold) import
nothing of each other."""

from __future__ import annotations

import ast
import datetime as dt
import shutil
import sys
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest

from ingestion.catalog import fred_series
from ingestion.errors import SourceError
from ingestion.fred import FRED, graph_csv
from ingestion.ingest import AcquireContext, run_source
from ingestion.landing import Landing

ROOT = Path(__file__).resolve().parents[1]
SHARED_REAL = ROOT.parent / "shared" / "data" / "real" / "fred"
AS_OF = dt.date(2026, 8, 21)

# FRED's documented graph-download layout (observation_date, one column per series, the union of their dates):
# FEDFUNDS is monthly (the 1st), MORTGAGE30US weekly (Thursdays).
FREDGRAPH = b"""observation_date,FEDFUNDS,MORTGAGE30US
2024-01-01,5.33,
2024-01-04,,6.62
2024-01-11,,6.66
2024-01-18,,6.60
2024-01-25,,6.69
2024-02-01,5.33,6.63
2024-02-08,,
2024-02-15,,6.77
2024-03-01,,
2024-03-07,,6.88
2024-04-01,5.33,
"""


def series(*ids: str):
    return [fred_series()[s] for s in ids]


def test_a_graph_download_of_two_series_is_split_into_them():
    rows = graph_csv.parse_graph_csv(FREDGRAPH, series=series("FEDFUNDS", "MORTGAGE30US"), as_of=dt.date(2024, 4, 5),
                                     payload_hash="h").to_pylist()
    got = [(r["series_id"], r["obs_date"], r["value"], r["value_status"]) for r in rows]
    assert got == [
        ("FEDFUNDS", dt.date(2024, 1, 1), 5.33, "ok"), ("FEDFUNDS", dt.date(2024, 2, 1), 5.33, "ok"),
        ("FEDFUNDS", dt.date(2024, 3, 1), None, "missing"),  # the 1st of a month between two values: missing
        ("FEDFUNDS", dt.date(2024, 4, 1), 5.33, "ok"),
        ("MORTGAGE30US", dt.date(2024, 1, 4), 6.62, "ok"), ("MORTGAGE30US", dt.date(2024, 1, 11), 6.66, "ok"),
        ("MORTGAGE30US", dt.date(2024, 1, 18), 6.60, "ok"), ("MORTGAGE30US", dt.date(2024, 1, 25), 6.69, "ok"),
        ("MORTGAGE30US", dt.date(2024, 2, 1), 6.63, "ok"),
        ("MORTGAGE30US", dt.date(2024, 2, 8), None, "missing"),  # a Thursday between two values: missing
        ("MORTGAGE30US", dt.date(2024, 2, 15), 6.77, "ok"), ("MORTGAGE30US", dt.date(2024, 3, 7), 6.88, "ok"),
    ]  # Thursdays are not FEDFUNDS periods, nor the 1st of March and April MORTGAGE30US ones: left out
    assert {(r["realtime_start"], r["realtime_end"], r["source"]) for r in rows} == {
        (dt.date(2024, 4, 5), dt.date(9999, 12, 31), "files")}


def test_the_file_drop_lands_fredgraph_csv_once_and_loads_every_series(tmp_path):
    drop = tmp_path / "drop" / "fred" / "2024-04-05"
    drop.mkdir(parents=True)
    (drop / "fredgraph.csv").write_bytes(FREDGRAPH)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    landing = Landing(tmp_path / "home")
    report = run_source(con, FRED, AcquireContext("files", landing, files_dir=tmp_path / "drop"))
    assert report.payloads == 1 and report.rows_inserted == {"raw.fred__observations": 12}
    (payload,) = landing.payloads("fred")
    assert payload.request == {"endpoint": "files/fredgraph_csv", "series_ids": ["FEDFUNDS", "MORTGAGE30US"],
                               "as_of": "2024-04-05", "file": "2024-04-05/fredgraph.csv",
                               "later": {"FEDFUNDS": [], "MORTGAGE30US": []}}
    assert con.execute("select series_id, count(*) from raw.fred__observations group by 1 order by 1").fetchall() == [
        ("FEDFUNDS", 4), ("MORTGAGE30US", 8)]
    # a later one-series download of FEDFUNDS closes the graph's FEDFUNDS vintage where it covers it, not the other
    later = tmp_path / "drop" / "fred" / "2024-05-06"
    later.mkdir()
    (later / "FEDFUNDS.csv").write_bytes(b"observation_date,FEDFUNDS\n2024-02-01,5.33\n2024-03-01,5.33\n")
    run_source(con, FRED, AcquireContext("files", landing, files_dir=tmp_path / "drop"))
    assert con.execute("""select series_id, obs_date, realtime_end from raw.fred__observations
                          where realtime_start = '2024-04-05' and realtime_end < '9999-12-31'
                          order by 1, 2""").fetchall() == [
        ("FEDFUNDS", dt.date(2024, 2, 1), dt.date(2024, 5, 5)), ("FEDFUNDS", dt.date(2024, 3, 1), dt.date(2024, 5, 5))]


def test_a_series_given_twice_in_one_folder_is_refused(tmp_path):
    drop = tmp_path / "fred" / "2024-04-05"
    drop.mkdir(parents=True)
    (drop / "fredgraph.csv").write_bytes(FREDGRAPH)
    (drop / "FEDFUNDS.csv").write_bytes(b"observation_date,FEDFUNDS\n2024-01-01,5.33\n")
    with pytest.raises(SourceError, match=r"^files: series FEDFUNDS: field file: series FEDFUNDS is given twice in "
                                          r"folder 2024-04-05: FEDFUNDS.csv and fredgraph.csv$"):
        list(FRED.acquire(AcquireContext("files", Landing(tmp_path / "home"), files_dir=tmp_path)))


def test_an_unknown_series_in_a_graph_download_is_refused_naming_it(tmp_path):
    drop = tmp_path / "fred" / "2024-04-05"
    drop.mkdir(parents=True)
    (drop / "fredgraph.csv").write_bytes(FREDGRAPH.replace(b"MORTGAGE30US", b"NOTASERIES"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(SourceError, match="fred: series NOTASERIES: field series_id: unknown series"):
        run_source(con, FRED, AcquireContext("files", Landing(tmp_path / "home"), files_dir=tmp_path))


@pytest.mark.skipif(not (SHARED_REAL / "2026-08-21").is_dir(), reason="../shared/data/real is not here")
def test_real_downloads_merged_into_one_graph_give_the_same_rows(tmp_path):
    """UNRATE (monthly), ICSA (weekly) and DGS10 (daily), real downloads, merged as FRED merges a graph."""
    ids = ["UNRATE", "ICSA", "DGS10"]
    cols = {}
    for sid in ids:
        lines = (SHARED_REAL / "2026-08-21" / f"{sid}.csv").read_text().splitlines()[1:]
        cols[sid] = dict(line.split(",", 1) for line in lines if line)
    dates = sorted(set().union(*cols.values()))
    merged = ("observation_date," + ",".join(ids) + "\n"
              + "".join(d + "," + ",".join(cols[s].get(d, "") for s in ids) + "\n" for d in dates)).encode()
    table = graph_csv.parse_graph_csv(merged, series=series(*ids), as_of=AS_OF, payload_hash="h")
    for sid in ids:
        one = graph_csv.parse_fred_csv((SHARED_REAL / "2026-08-21" / f"{sid}.csv").read_bytes(), series_id=sid,
                                       as_of=AS_OF, payload_hash="h").to_pylist()
        split = table.filter(pc.equal(table["series_id"], sid)).to_pylist()
        listed = {x["obs_date"] for x in one}
        assert [r for r in split if r["obs_date"] in listed] == one  # every row, as is
        extra = [r for r in split if r["obs_date"] not in listed]
        # what the merge adds: empty cells on the series' own calendar that its download does not list
        # (October 2025 for UNRATE, never published; early New Year's Days for DGS10)
        assert all(r["value"] is None and r["value_status"] == "missing" for r in extra), sid
        assert len(extra) == {"UNRATE": 1, "ICSA": 0, "DGS10": 58}[sid]
    assert [r["obs_date"] for r in table.to_pylist() if r["series_id"] == "UNRATE" and r["value"] is None] == [
        dt.date(2025, 10, 1)]


# --------------------------------------------------------------------------- one-way layers (issue #16)

SEPARATE = {"files": {"fred", "gold"}, "fred": {"files"}, "gold": {"files"}}


def _imports(package: str) -> set[tuple[str, str]]:
    """(file, imported module) of every ``ingestion.*`` import in a package, at any depth (lazy imports too)."""
    out = set()
    for path in (ROOT / "ingestion" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            out |= {(path.relative_to(ROOT).as_posix(), n) for n in names if n.startswith("ingestion.")}
    return out


@pytest.mark.parametrize("package", sorted(SEPARATE))
def test_file_drop_and_source_packages_do_not_import_each_other(package):
    crossing = sorted((f, m) for f, m in _imports(package) if m.split(".")[1] in SEPARATE[package])
    assert crossing == [], f"ingestion/{package} imports {crossing}: formats belong in their source's package"


def test_the_layer_check_sees_a_lazy_import(tmp_path, monkeypatch):
    """The check walks function bodies too: the old ``from ingestion.files import acquire_fred`` inside
    ``fred.acquire`` is what it must catch."""
    fake = tmp_path / "ingestion" / "fred"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("def acquire(ctx):\n    from ingestion.files import acquire_fred\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert ("ingestion/fred/__init__.py", "ingestion.files") in _imports("fred")
    shutil.rmtree(tmp_path / "ingestion")
