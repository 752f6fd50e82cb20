"""The dashboard (`fragility report` and the reports/dashboard asset), and `dbt docs generate` for SQL users."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from orchestration.report import PANELS
from orchestration.report import render_report as _render


def render_report(published, out):
    """The report of a published file, read through the warehouse resource as the CLI and the asset do."""
    from orchestration.resources import WarehouseDuckDB

    published = Path(published)
    return _render(WarehouseDuckDB(database=str(published.parent / "build" / published.name),
                                   published_database=str(published)), out)

REPO = Path(__file__).resolve().parents[1]


def latest_composite(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT as_of_date, composite_score FROM marts.fct_fragility_daily "
                           "WHERE composite_score IS NOT NULL ORDER BY as_of_date DESC LIMIT 1").fetchone()
    finally:
        con.close()


@pytest.fixture(scope="module")
def rendered(built_home, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return render_report(built_home / "fragility.duckdb", out), built_home / "fragility.duckdb"


def test_report_has_every_panel_self_contained(rendered):
    report, _ = rendered
    doc = report.html_path.read_text()
    for panel in PANELS:
        assert f'id="panel-{panel}"' in doc, panel
    assert report.panels == list(PANELS)
    # Every chart is inlined (self-contained) and also written as a PNG file beside the HTML.
    assert doc.count("data:image/png;base64,") == len(report.pngs)
    for panel in ("radar", "scores", "heatmap", "fog", "hedge"):
        png = report.pngs[panel]
        assert png.parent == report.html_path.parent and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", panel
    assert not re.search(r'(src|href)="https?://', doc)  # nothing to fetch: opens offline
    # Concentration is drawn when its mart exists and says "not available" otherwise.
    assert "concentration" in report.pngs or "not available" in doc.split('id="panel-concentration"')[1][:500]
    # Its time (target: 10 s) is measured by bench/report.py, not asserted: no test passes or fails with load.


def test_report_number_comes_from_the_marts(rendered):
    report, published = rendered
    day, composite = latest_composite(published)
    doc = report.html_path.read_text()
    m = re.search(r'id="latest-composite" data-value="([^"]+)">([0-9.]+)<', doc)
    assert m, "headline composite missing"
    assert float(m.group(1)) == pytest.approx(composite, abs=1e-9)
    assert m.group(2) == f"{composite:.1f}"
    assert f'id="latest-as-of">{day}<' in doc
    # The "last five days" table lists the marts' five latest composites.
    con = duckdb.connect(str(published), read_only=True)
    last5 = [r[0] for r in con.execute("SELECT composite_score FROM marts.fct_fragility_daily WHERE composite_score "
                                        "IS NOT NULL ORDER BY as_of_date DESC LIMIT 5").fetchall()]
    con.close()
    for value in last5:
        assert f"<td>{value:.2f}</td>" in doc


def test_cli_report(built_home, tmp_path):
    from orchestration.cli import main

    res = CliRunner().invoke(main, ["report", "--home", str(built_home), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert f"report: {tmp_path / 'fragility_report.html'}" in res.output
    assert (tmp_path / "scores.png").exists()


def test_cli_report_without_published_warehouse_is_one_clear_line(tmp_path):
    from orchestration.cli import main

    res = CliRunner().invoke(main, ["report", "--home", str(tmp_path)])
    assert res.exit_code == 1
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines == [f"fragility: no published warehouse at {tmp_path / 'fragility.duckdb'}; run `fragility run` "
                     "first"]


def test_report_reads_new_and_missing_marts_defensively(tmp_path):
    """Columns another mart may grow (revised inputs, a concentration mart) are picked up; missing ones degrade."""
    db = tmp_path / "fragility.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA marts")
    con.execute("""CREATE TABLE marts.fct_fragility_daily AS SELECT d::DATE AS as_of_date,
        50 + 10 * sin(i / 20.0) AS composite_score, 40.0 AS loop_policy_error, NULL::DOUBLE AS loop_ai_leverage,
        60.0 AS loop_k_shape, 55.0 AS repo_stress, 'risk-asset' AS hedge_regime, 1 AS loops_in_stress,
        CASE WHEN i > 80 THEN 0.7 ELSE 1.0 END AS confidence
        FROM (SELECT range AS i, DATE '2025-08-01' + range::INTEGER AS d FROM range(100))""")
    con.execute("""CREATE TABLE marts.fct_data_fog AS SELECT as_of_date, 34 AS inputs_total, 2 AS inputs_stale,
        1 AS inputs_cancelled, 3 AS inputs_revised, 'GDP' AS stale_inputs, 'CPIAUCSL 2025-10 cancelled'
        AS cancelled_inputs, 'PAYEMS 2025-09 revised' AS revised_inputs, 'confidence: low' AS fog_note
        FROM marts.fct_fragility_daily""")
    con.execute("""CREATE TABLE marts.fct_market_concentration AS SELECT as_of_date, src AS weights_source,
        503 AS companies, 0.38 AS top10_weight, 0.33 AS mag7_weight, 0.021 AS hhi, 47.5 AS effective_constituents,
        61.0 AS concentration_score FROM marts.fct_fragility_daily, (VALUES ('etf_holdings'), ('sp500_snapshot')) s(src)
        WHERE day(as_of_date) = 1""")
    con.close()
    report = render_report(db, tmp_path / "out")
    doc = report.html_path.read_text()
    assert set(report.unavailable) == {"radar", "hedge"}
    assert "concentration" in report.pngs
    assert "PAYEMS 2025-09 revised" in doc and "revised inputs" in doc
    assert report.composite == pytest.approx(50 + 10 * math.sin(99 / 20.0))


def test_dashboard_asset_materialises_with_metadata(built_home, tmp_path):
    from orchestration.assets.report import REPORT_KEY, build_report_asset
    from orchestration.resources import PipelineSettings

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_home / "fragility.duckdb", home / "fragility.duckdb")
    with dg.DagsterInstance.ephemeral() as instance:
        from orchestration.resources import WarehouseDuckDB
        from orchestration.settings import Settings

        result = dg.materialize([build_report_asset()], instance=instance,
                                resources={"pipeline": PipelineSettings(home=str(home)),
                                           "duckdb": WarehouseDuckDB.for_settings(Settings(home))})
        assert result.success
        (mat,) = [e.materialization for e in result.get_asset_materialization_events()
                  if e.materialization.asset_key == REPORT_KEY]
    _, composite = latest_composite(home / "fragility.duckdb")
    assert mat.metadata["latest_composite"].value == pytest.approx(composite)
    table = mat.metadata["last_5_composite"].value
    assert table.count("\n") == 6 and f"{composite:.2f}" in table
    assert (home / "reports" / "fragility_report.html").exists()


def test_dbt_docs_generate_into_a_temp_target(built_home, tmp_path):
    """`dbt docs generate` works for SQL users: the catalog holds the marts with their documented columns."""
    db = tmp_path / "fragility.duckdb"
    shutil.copy(built_home / "build" / "fragility.duckdb", db)
    target = tmp_path / "target"
    env = {**os.environ, "FRAGILITY_BUILD_DB": str(db)}
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    project = str(REPO / "dbt_project")
    out = subprocess.run([dbt, "docs", "generate", "--project-dir", project, "--profiles-dir", project,
                          "--target-path", str(target), "--log-path", str(tmp_path / "logs")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    node = catalog["nodes"]["model.fragility.fct_fragility_daily"]
    assert {"as_of_date", "composite_score", "confidence"} <= set(node["columns"])
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["nodes"]["model.fragility.fct_fragility_daily"]["columns"]["composite_score"]["description"]
