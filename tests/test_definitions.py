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
    assert any(name.startswith("column_rules_") for name in check_names)
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


def test_a_run_opens_the_warehouse_once_and_lets_go_of_it_after_a_failed_step_and_at_the_end(tmp_path, monkeypatch):
    """Steps of one run share one handle on the file (a cursor each); a failed step and the run's end close it."""
    import dagster as dg
    import duckdb

    from orchestration.resources import WarehouseDuckDB

    opened: list[int] = []
    real_open = WarehouseDuckDB._open

    def counting_open(self):
        opened.append(1)
        return real_open(self)

    monkeypatch.setattr(WarehouseDuckDB, "_open", counting_open)

    # (resources through the context: this module's annotations are strings, and the class is imported locally)
    @dg.asset(required_resource_keys={"duckdb"})
    def first(context) -> None:
        with context.resources.duckdb.get_connection() as con:
            con.execute("CREATE TABLE main.t AS SELECT 1 AS x")

    @dg.asset(deps=[first], required_resource_keys={"duckdb"})
    def second(context) -> None:
        with context.resources.duckdb.get_connection() as con:
            assert con.execute("SELECT x FROM main.t").fetchone() == (1,)  # the first step's commit is visible
            con.execute("INSERT INTO main.t VALUES (2)")

    @dg.asset(deps=[second], required_resource_keys={"duckdb"})
    def broken(context) -> None:
        with context.resources.duckdb.get_connection() as con:
            con.execute("BEGIN")
            con.execute("INSERT INTO main.t VALUES (3)")
            raise ValueError("boom")

    @dg.asset(deps=[second], required_resource_keys={"duckdb"})
    def after(context) -> None:  # not downstream of the failure: it runs, from a fresh handle
        with context.resources.duckdb.get_connection() as con:
            con.execute("INSERT INTO main.t VALUES (4)")

    db = tmp_path / "w.duckdb"
    result = dg.materialize([first, second, broken, after], resources={"duckdb": WarehouseDuckDB(database=str(db))},
                            raise_on_error=False, selection=["first", "second", "broken", "after"])
    assert not result.success and result.is_node_failed("broken") and result.is_node_success("after")
    started = [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]
    assert started[:2] == ["first", "second"]
    # once for the steps up to the failure, once more for a step after it
    assert len(opened) == (2 if started.index("broken") < started.index("after") else 1)
    # The run's end closed the file: this process opens it with another configuration (DuckDB refuses that
    # while a handle is open), and the failed step's insert was rolled back.
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT x FROM main.t").fetchall()) == [1, 2, 4]
    con.close()


@pytest.mark.parametrize("warehouse", ["file", "ducklake"])
def test_the_ingest_definitions_define_the_ingest_job_of_the_code_location(dbt_manifest, tmp_path, warehouse):
    """`fragility run` ingests with ``build_ingest_defs`` while dbt parses: its ingest job must be the code
    location's, step for step (the same assets, checks, ops, pools, policies and resources)."""
    from orchestration.assembly import build_defs, build_ingest_defs
    from orchestration.constants import INGEST_JOB, RAW_CHECKS_JOB
    from orchestration.settings import Settings

    settings = Settings(tmp_path, warehouse=warehouse,
                        **({"lake_catalog": "postgres:dbname=x", "lake_data": tmp_path / "lake"}
                           if warehouse == "ducklake" else {}))
    full, ingest = build_defs(settings), build_ingest_defs(settings)
    names = [INGEST_JOB, RAW_CHECKS_JOB] if warehouse == "ducklake" else [INGEST_JOB]
    assert sorted(j.name for j in ingest.resolve_all_job_defs() if not j.name.startswith("__")) == sorted(names)

    def shape(defs, name):
        job, graph = defs.resolve_job_def(name), defs.resolve_asset_graph()
        layer = job.asset_layer
        # an op's outputs name the assets and checks it yields in this job
        nodes = {n.name: (sorted(n.definition.required_resource_keys), n.definition.pool,
                          sorted(n.definition.output_dict)) for n in job.graph.nodes}
        specs = {k.to_user_string(): (str(graph.get(k).automation_condition), graph.get(k).partitions_def,
                                      graph.get(k).code_version, graph.get(k).group_name)
                 for k in layer.selected_asset_keys}
        return nodes, specs, job.executor_def.name

    assert shape(ingest, INGEST_JOB) == shape(full, INGEST_JOB)
    nodes, specs, _ = shape(ingest, INGEST_JOB)
    assert "raw/fred__observations" in specs and "fred_raw" in nodes
    checks = {o for _, _, outputs in nodes.values() for o in outputs if "gx_raw" in o}
    assert bool(checks) == (warehouse == "file"), "a parallel ingest's checks run in their own job"
    for name in names[1:]:
        assert shape(ingest, name) == shape(full, name)
    assert ingest.resources.keys() == full.resources.keys()
    assert all(ingest.resources[k] == full.resources[k] for k in full.resources)
