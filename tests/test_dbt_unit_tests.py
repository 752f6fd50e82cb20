"""The dbt unit tests (the `unit_tests:` in each model's yml) run here, not in the pipeline.

They check a model's SQL against fixed fixtures, not the data, so they are the code's tests: dbt advises running
them in development and CI only, and the pipeline's builds exclude them (orchestration.assets.dbt.dbt_args).
dbt-duckdb reads the column types of a unit test's inputs from the warehouse, so they run against a copy of
the session's built warehouse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.dbt_test_run import dbt_test


@pytest.fixture(scope="module")
def unit_test_results(built_home, dbt_manifest, tmp_path_factory) -> tuple[dict, dict]:
    tmp = tmp_path_factory.mktemp("dbt_unit")
    db = tmp / "fragility.duckdb"
    shutil.copyfile(built_home / "build" / "fragility.duckdb", db)
    results = dbt_test(db, tmp / "target", "test_type:unit")
    manifest = json.loads(Path(dbt_manifest).read_text())
    return manifest, results


def test_every_unit_test_of_the_project_ran_and_passed(unit_test_results):
    manifest, results = unit_test_results
    declared = set(manifest["unit_tests"])
    # run_results also holds the project's on-run-end hook (persist_comments), an operation, not a test
    ran = {r["unique_id"]: r for r in results["results"] if r["unique_id"].startswith("unit_test.")}
    hooks = {r["unique_id"]: r["status"] for r in results["results"] if r["unique_id"].startswith("operation.")}
    assert len(declared) >= 19  # a yml that stopped being read would silently drop its unit tests
    assert set(ran) == declared
    assert {r["unique_id"] for r in results["results"]} == declared | set(hooks)
    assert all(status == "success" for status in hooks.values()), hooks
    failed = {uid: (r["status"], (r.get("message") or "")[:300]) for uid, r in ran.items() if r["status"] != "pass"}
    assert not failed


def test_unit_tests_sit_beside_the_model_they_test(dbt_manifest):
    """One yml per model (or small group): a unit test is declared in the yml beside its model's SQL."""
    manifest = json.loads(Path(dbt_manifest).read_text())
    for uid, test in manifest["unit_tests"].items():
        model = manifest["nodes"][f"model.fragility.{test['model']}"]
        assert Path(test["original_file_path"]).parent == Path(model["original_file_path"]).parent, uid
