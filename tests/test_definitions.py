"""The code location loads, with every layer in place and GX kept off the import path."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pytest


def test_definitions_load_with_all_layers(dbt_manifest):
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    keys = {"/".join(k.path) for k in repo.asset_graph.get_all_asset_keys()}
    for expected in ("raw/fred__observations", "raw/catalog__series", "staging/stg_fred__observations",
                     "intermediate/int_series_timeline", "marts/fct_fragility_daily", "marts/fct_data_fog",
                     "warehouse/published"):
        assert expected in keys
    groups = {repo.asset_graph.get(dg.AssetKey(k.split("/"))).group_name for k in keys}
    assert {"raw", "staging", "intermediate", "marts", "publish"} <= groups
    check_names = {c.name for c in repo.asset_graph.asset_check_keys}
    assert "gx_raw_fred_observations" in check_names
    assert any(name.startswith("unique_") or name.startswith("not_null_") for name in check_names)
    assert defs.resolve_job_def("full_build")


def test_loading_the_code_location_does_not_import_great_expectations(dbt_manifest):
    code = "import sys, orchestration.definitions; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_dagster_definitions_validate(dbt_manifest, tmp_path):
    out = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-m",
                          "orchestration.definitions"], capture_output=True, text=True,
                         env={**__import__("os").environ, "FRAGILITY_HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Validation successful" in out.stderr + out.stdout


def test_a_failing_step_releases_the_warehouse_file(tmp_path):
    """dagster-duckdb closes its connection only on success; ours closes it on error too, so another
    process (the next run, the publish step's checkpoint) can open the file right away."""
    import subprocess
    import sys

    from orchestration.resources import WarehouseDuckDB

    db = tmp_path / "w.duckdb"
    resource = WarehouseDuckDB(database=str(db))
    with pytest.raises(ValueError, match="boom"), resource.get_connection() as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        raise ValueError("boom")
    probe = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('INSERT INTO t VALUES (1)'); print('written')"
    out = subprocess.run([sys.executable, "-c", probe, str(db)], capture_output=True, text=True)
    assert out.stdout.strip() == "written", out.stderr[-300:]
