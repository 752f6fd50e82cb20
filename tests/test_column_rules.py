"""The `column_rules` data test (dbt_project/tests/generic/column_rules.sql): every rule of a model in one test.

It replaced a test per column and rule (269 nodes) to take dbt's per-node cost out of every build, so it must
catch exactly what those tests caught: each broken rule once, with the number of rows (for keys: values) that
break it. Checked here by breaking a copy of the session's built warehouse in known ways and running the real
`dbt test` on it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from tests.dbt_test_run import dbt_test

MODEL = "fct_data_fog"


def _dbt_test(db: Path, target: Path, select: str) -> dict:
    results = [r for r in dbt_test(db, target, select)["results"] if r["unique_id"].startswith("test.")]
    assert len(results) == 1, results
    return results[0]


def _rules(dbt_manifest: str) -> dict:
    manifest = json.loads(Path(dbt_manifest).read_text())
    (kwargs,) = [n["test_metadata"]["kwargs"] for n in manifest["nodes"].values()
                 if n["resource_type"] == "test" and n["name"] == f"column_rules_{MODEL}"]
    return kwargs


def test_each_broken_rule_is_reported_once_with_the_rows_that_break_it(built_home, dbt_manifest, tmp_path):
    rules = _rules(dbt_manifest)
    null_col = rules["not_null"][0]
    key = rules["unique"][0]
    (range_col, (low, high)), *_ = rules["between"].items()
    (label_col, accepted), *_ = rules["accepted_values"].items()
    assert "bogus" not in accepted

    db = tmp_path / "fragility.duckdb"
    shutil.copyfile(built_home / "build" / "fragility.duckdb", db)
    with duckdb.connect(str(db)) as con:
        days = [r[0] for r in con.execute(f"select {key} from marts.{MODEL} order by {key} limit 7").fetchall()]
        assert len(days) == 7

        def update(assignment: str, chosen: list) -> None:
            con.execute(f"update marts.{MODEL} set {assignment} where {key} in ({', '.join('?' * len(chosen))})",
                        chosen)

        # distinct rows for each rule, so that each count is that rule's alone
        update(f"{range_col} = {high} + 1", days[2:4])
        update(f"{range_col} = {low} - 1", days[4:5])
        update(f"{label_col} = 'bogus'", days[5:6])
        con.execute(f"insert into marts.{MODEL} select * from marts.{MODEL} where {key} = ?", [days[6]])
        update(f"{null_col} = null", days[0:2])  # last: the key itself may be the not-null column

    result = _dbt_test(db, tmp_path / "target", f"column_rules_{MODEL}")
    assert result["status"] == "fail"
    assert result["failures"] == 2 + 3 + 1 + 1

    # what a data engineer runs to see which rule broke: the test's compiled SQL
    compiled = next((tmp_path / "target" / "compiled").rglob(f"column_rules_{MODEL}.sql")).read_text()
    with duckdb.connect(str(db), read_only=True) as con:
        broken = dict(con.execute(compiled).fetchall())
    assert broken == {
        f"not_null({null_col})": 2,
        f"between({range_col}, {low}, {high})": 3,
        f"accepted_values({label_col})": 1,
        f"unique({key})": 1,
    }


def test_an_intact_model_passes_with_no_rows(built_home, tmp_path):
    db = tmp_path / "fragility.duckdb"
    shutil.copyfile(built_home / "build" / "fragility.duckdb", db)
    result = _dbt_test(db, tmp_path / "target", f"column_rules_{MODEL}")
    assert (result["status"], result["failures"]) == ("pass", 0)


def test_every_model_rule_is_one_test_per_model(dbt_manifest):
    """No test per column and rule crept back (each is a dbt node: 20-50 ms of every build)."""
    manifest = json.loads(Path(dbt_manifest).read_text())
    per_model: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith(("model.", "seed.")):
                per_model.setdefault(parent, []).append((node.get("test_metadata") or {}).get("name", "singular"))
    assert per_model, "no data tests on any model"
    folded = {"not_null", "unique", "accepted_values", "unique_combination", "value_between"}
    assert not {m: kinds for m, kinds in per_model.items() if folded & set(kinds)}
    assert all(kinds.count("column_rules") == 1 for kinds in per_model.values()), per_model


def test_the_ui_describes_each_model_s_rules_on_its_check(dbt_manifest):
    """One check per model in Dagster: its description lists the rules, so nobody opens the yml to see them."""
    import dagster as dg

    from orchestration.definitions import defs

    rules = _rules(dbt_manifest)
    graph = defs.get_repository_def().asset_graph
    key = dg.AssetCheckKey(dg.AssetKey(["marts", MODEL]), f"column_rules_{MODEL}")
    lines = graph.get_check_spec(key).description.splitlines()
    (range_col, (low, high)), *_ = rules["between"].items()
    (label_col, accepted), *_ = rules["accepted_values"].items()
    assert f"not_null: {', '.join(rules['not_null'])}" in lines
    assert f"unique: {', '.join(rules['unique'])}" in lines
    assert f"between: {low} <= {range_col} <= {high}" in lines
    assert f"accepted_values: {label_col} in {{{', '.join(accepted)}}}" in lines
    assert len(lines) == 1 + 2 + len(rules["between"]) + len(rules["accepted_values"])
