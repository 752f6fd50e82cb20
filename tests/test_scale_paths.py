"""The paths that keep x100 within time and memory: sample replay, DuckDB-side staging, reused validations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingestion import gold, sample_memo
from ingestion.errors import SourceError
from ingestion.ingest import AcquireContext, Source, ingest, run_source
from ingestion.landing import Landing
from ingestion.loader import RawTable
from tests.conftest import settings_for

# --------------------------------------------------------------------------- sample replay


def counting(source: Source) -> tuple[Source, list[int]]:
    """The source with an acquire that counts how often the generator really runs."""
    calls: list[int] = []

    def acquire(ctx):
        calls.append(1)
        yield from source.acquire(ctx)

    return dataclasses.replace(source, acquire=acquire), calls


def test_a_second_sample_run_replays_the_landed_payloads_without_generating(tmp_path):
    src, calls = counting(gold.GOLD)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ctx = AcquireContext("sample", Landing(tmp_path))
    first = run_source(con, src, ctx)
    again = run_source(con, src, AcquireContext("sample", Landing(tmp_path)))
    assert calls == [1]  # the generator ran once
    assert first.payloads == again.payloads == again.skipped == 1 and first.rows_inserted["raw.gold__prices"] > 2000
    memo = json.loads(next((tmp_path / "landing" / "sample_memo").glob("gold-*.json")).read_text())
    assert [p["content_hash"] for p in memo] == [p.content_hash for p in Landing(tmp_path).payloads("gold")]


def test_another_scale_or_a_missing_payload_file_generates_again(tmp_path):
    src, calls = counting(gold.GOLD)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    run_source(con, src, AcquireContext("sample", Landing(tmp_path)))
    run_source(con, src, AcquireContext("sample", Landing(tmp_path), scale=2))  # another key
    assert len(calls) == 2
    for payload in Landing(tmp_path).payloads("gold"):  # a pruned landing zone: the memo cannot be trusted
        (tmp_path / "landing" / payload.path.split("/landing/", 1)[1]).unlink()
    report = run_source(con, src, AcquireContext("sample", Landing(tmp_path)))
    assert len(calls) == 3 and report.skipped == 1  # regenerated (same bytes, so already loaded)


def test_a_replay_records_every_payload_and_repairs_a_torn_manifest_line(tmp_path):
    import shutil

    src, calls = counting(gold.GOLD)
    home = tmp_path / "home"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    run_source(con, src, AcquireContext("sample", Landing(home)))
    manifest = home / "landing" / "manifest.jsonl"
    complete = manifest.read_bytes()
    manifest.write_bytes(complete[: len(complete) // 2])  # a writer killed mid-append
    assert Landing(home).payloads() == []
    run_source(con, src, AcquireContext("sample", Landing(home)))
    assert calls == [1] and manifest.read_bytes() == complete  # replayed, and recorded again in full
    # a copied home replays its own landing zone, not the original's files
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    shutil.rmtree(home)
    report = run_source(con, src, AcquireContext("sample", Landing(copy)))
    assert calls == [1] and report.skipped == 1


def test_a_generator_that_fails_half_way_leaves_no_memo(tmp_path):
    def acquire(ctx):
        yield from gold.GOLD.acquire(ctx)
        raise SourceError("gold", "the generator broke after its first payload", field="body")

    src = dataclasses.replace(gold.GOLD, acquire=acquire)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(SourceError, match="broke"):
        run_source(con, src, AcquireContext("sample", Landing(tmp_path)))
    assert not list((tmp_path / "landing").glob("sample_memo/*.json"))
    assert con.execute("SELECT count(*) FROM raw.gold__prices").fetchone()[0] == 0  # rolled back


def test_the_memo_key_covers_every_file_of_the_ingestion_package(tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "ingestion"
    shutil.copytree(sample_memo.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(sample_memo, "PACKAGE", copy)
    landing = Landing(tmp_path)
    key = {"scale": 1, "window": None}
    sample_memo.generator_digest.cache_clear()
    try:
        before = sample_memo.memo_path(landing, "holdings", key)
        with open(copy / "holdings" / "company_keys.csv", "a") as fh:  # a catalog, not only code
            fh.write("ZZZZ,ZZZZ\n")
        sample_memo.generator_digest.cache_clear()
        assert sample_memo.memo_path(landing, "holdings", key) != before
        assert sample_memo.memo_path(landing, "holdings", {"scale": 1, "window": ["2025-11-21", "2025-11-21"]}) \
            != sample_memo.memo_path(landing, "holdings", key)
    finally:
        sample_memo.generator_digest.cache_clear()


# --------------------------------------------------------------------------- staging in DuckDB

WIDE = RawTable("raw.test__wide", "k BIGINT, part INTEGER, payload VARCHAR", key=("k",))


def wide_source(n_payloads: int, rows: int, seen: list[int]) -> tuple[Source, list]:
    """A source whose every payload parses to ``rows`` rows of 200-byte strings; records Arrow memory per parse."""

    def parse(payload, _content):
        seen.append(pa.total_allocated_bytes())
        i = int(payload.request["part"])
        table = pa.table({"k": pa.array(range(i * rows, (i + 1) * rows), pa.int64()),
                          "part": pa.array([i] * rows, pa.int32()),
                          "payload": pa.array(["x" * 200] * rows, pa.string())})
        return [(WIDE, table)]

    src = Source("wide", (WIDE,), acquire=lambda ctx: iter(()), parse=parse)
    return src, list(range(n_payloads))


def test_staged_payloads_do_not_stay_in_python_memory_until_the_commit(tmp_path, monkeypatch):
    from ingestion.loader import Staging

    monkeypatch.setattr(Staging, "BATCH_ROWS", 40_000)  # two payloads per INSERT into the stage
    seen: list[int] = []
    rows = 20_000  # about 4.5 MB of Arrow strings per payload
    src, parts = wide_source(12, rows, seen)
    landing = Landing(tmp_path)
    payloads = [landing.store("wide", {"part": i}, f"part {i}".encode(), fetched_at=dt.datetime(2025, 1, 1),
                              as_of=dt.date(2025, 1, 1)) for i in parts]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, landing, src, payloads)
    assert report.rows_inserted == {"raw.test__wide": 12 * rows}
    one_payload = 20_000 * 200
    # At most one batch (two payloads) waits in Python. With con.register() inside the transaction every
    # batch stayed alive until the commit: 11 payloads' worth by the last parse.
    assert max(seen) - seen[0] < 3 * one_payload, [round((s - seen[0]) / one_payload, 1) for s in seen]
    assert con.execute("SELECT count(*), count(DISTINCT part) FROM raw.test__wide").fetchone() == (12 * rows, 12)
    loads = con.execute("SELECT count(*), count(DISTINCT load_id) FROM raw._loads").fetchone()
    assert loads == (12, 12)
    assert not con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()  # stages dropped


def test_a_single_payload_merge_records_its_inserted_rows(tmp_path):
    from ingestion.loader import ensure_raw_schema, load, transaction

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_raw_schema(con, (WIDE,))
    rows = pa.table({"k": pa.array([1, 2, 2, 3], pa.int64()), "part": pa.array([0, 0, 1, 0], pa.int32()),
                     "payload": pa.array(["a", "b", "c", "d"])})
    with transaction(con):
        assert load(con, WIDE, rows, "h1:part=0", "wide") == 3  # the first of the two k=2 rows wins
    assert con.execute("SELECT payload FROM raw.test__wide WHERE k = 2").fetchone() == ("b",)
    assert con.execute("SELECT rows_in, rows_inserted FROM raw._loads").fetchall() == [(4, 3)]


# --------------------------------------------------------------------------- reused validations


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    """The FRED sample loaded into a fresh DuckDB (raw tables only)."""
    from ingestion import fred
    from ingestion.catalog import catalog_tables
    from ingestion.loader import replace_tables

    home = tmp_path_factory.mktemp("checks")
    con = duckdb.connect(str(home / "w.duckdb"))
    replace_tables(con, catalog_tables(1))
    ingest(con, Landing(home), fred.FRED, fred.acquire_sample(Landing(home)))
    con.close()
    return home / "w.duckdb"


def suite(name: str):
    from expectations.suites import SUITES

    return next(s for s in SUITES if s.name == name)


def test_a_suite_that_passed_on_the_same_tables_is_reused_and_recorded_again(small_db, tmp_path):
    from expectations.runner import run_suite

    db = tmp_path / "w.duckdb"
    db.write_bytes(small_db.read_bytes())
    con = duckdb.connect(str(db))
    first = run_suite(con, suite("raw_fred_observations"), "run-1")
    second = run_suite(con, suite("raw_fred_observations"), "run-2")
    assert first.success and first.reused_from is None and first.rows_scanned > 50_000
    assert second.success and second.reused_from == "run-1"
    assert [o.expectation for o in second.outcomes] == [o.expectation for o in first.outcomes]
    got = con.execute("SELECT count(*), bool_and(success), any_value(reused_from) FROM main.dq_results "
                      "WHERE run_id = 'run-2'").fetchone()
    assert got == (len(first.outcomes), True, "run-1")


def test_a_changed_input_table_is_validated_again_and_a_failure_is_never_reused(small_db, tmp_path):
    from expectations.runner import input_tables, run_suite

    db = tmp_path / "w.duckdb"
    db.write_bytes(small_db.read_bytes())
    con = duckdb.connect(str(db))
    s = suite("raw_fred_observations")
    assert input_tables(con, s) == ["raw.catalog__cancelled_releases", "raw.fred__observations"]
    assert run_suite(con, s, "run-1").success
    # a duplicated vintage, written behind the loader's back: the content hash changes
    con.execute("INSERT INTO raw.fred__observations SELECT * FROM raw.fred__observations "
                "WHERE series_id = 'UNRATE' ORDER BY obs_date, realtime_start LIMIT 1")
    failed = run_suite(con, s, "run-2")
    assert not failed.success and failed.reused_from is None
    again = run_suite(con, s, "run-3")
    assert not again.success and again.reused_from is None  # failures are validated every time


def test_a_change_to_a_table_read_only_by_the_suite_query_is_validated_again(small_db, tmp_path):
    from expectations.runner import run_suite

    db = tmp_path / "w.duckdb"
    db.write_bytes(small_db.read_bytes())
    con = duckdb.connect(str(db))
    s = suite("raw_fred_observations")
    assert run_suite(con, s, "run-1").success
    assert run_suite(con, s, "run-2").reused_from == "run-1"
    con.execute("UPDATE raw.catalog__cancelled_releases SET statement = statement || ' (amended)'")
    third = run_suite(con, s, "run-3")
    assert third.success and third.reused_from is None


def test_a_rebuild_validates_every_suite_again(scratch_home):
    """`fragility run --rebuild` tags its runs to revalidate: no suite result is reused from an earlier run."""
    from orchestration.execution import run_pipeline

    outcome = run_pipeline(settings_for(scratch_home), echo=lambda _l: None, rebuild=True)
    assert outcome.success, outcome.summary
    con = duckdb.connect(str(scratch_home / "build" / "fragility.duckdb"), read_only=True)
    runs = [r[0] for r in con.execute("SELECT DISTINCT run_id FROM main.dq_results ORDER BY 1").fetchall()]
    reused = con.execute("SELECT count(*) FROM main.dq_results r JOIN (SELECT run_id FROM main.dq_results "
                         "GROUP BY run_id ORDER BY max(checked_at) DESC LIMIT 2) last USING (run_id) "
                         "WHERE r.reused_from IS NOT NULL").fetchone()[0]
    con.close()
    assert len(runs) >= 3  # the session's build, and this rebuild's ingest and build runs
    assert reused == 0


# --------------------------------------------------------------------------- dbt per warehouse


def _dbt(args: list[str], target: Path, env: dict | None) -> str:
    """dbt through the project's dbt resource and the fragility-dbt client, in ``target``; what dbt logged."""
    from orchestration.assets.dbt import ENV_FILE, FragilityDbtCli, dbt_project
    from orchestration.dbt_client import executable

    target.mkdir(parents=True, exist_ok=True)
    if env is not None:
        (target / ENV_FILE).write_text(json.dumps(env))
    invocation = FragilityDbtCli(project_dir=dbt_project, dbt_executable=executable()).cli(args, target_path=target)
    invocation.wait()
    return "\n".join(json.loads(line)["info"]["msg"] for line in (target / "dbt.log").open())


def test_the_client_gives_dbt_the_warehouse_of_its_target_folder(tmp_path):
    db = tmp_path / "home" / "build" / "fragility.duckdb"
    db.parent.mkdir(parents=True)
    said = _dbt(["debug"], tmp_path / "t", {"FRAGILITY_BUILD_DB": str(db), "FRAGILITY_DUCKDB_MEMORY_LIMIT": "1GB"})
    assert f"path: {db}" in said and "All checks passed!" in said


def test_a_build_keeps_dbt_s_state_and_log_in_the_home_and_leaves_no_settings_file(built_home):
    from orchestration.assets.dbt import DBT_PROJECT_DIR, ENV_FILE

    target = built_home / "build" / "dbt"
    assert (target / "partial_parse.msgpack").is_file()
    assert not (target / ENV_FILE).exists()  # the settings dbt read are gone with the invocation
    assert not list((DBT_PROJECT_DIR / "target").glob("fragility_dbt-*"))  # nothing per run in the project
    messages = [json.loads(line)["info"]["msg"] for line in (target / "dbt.log").open()]
    assert any("Completed successfully" in m for m in messages)
    # dagster-dbt reads dbt's events: dbt writes no manifest.json or run_results.json (2 MB, twice per build)
    assert any("running dbt with arguments" in m and "'write_json': 'False'" in m for m in messages)


# --------------------------------------------------------------------------- publish copy


@pytest.mark.parametrize("kernel", ["whole", "fails_half_way", "absent"])
def test_publish_copies_every_byte_in_the_kernel_or_in_python(tmp_path, monkeypatch, kernel):
    import os

    from orchestration import publish

    data = os.urandom(3 * 1024 * 1024 + 17)
    (tmp_path / "src").write_bytes(data)
    real = os.copy_file_range
    calls = []

    def half_then_fail(src, dst, count, *args):
        calls.append(count)
        if len(calls) > 1:
            raise OSError(18, "Invalid cross-device link")
        return real(src, dst, min(count, 1024 * 1024), *args)

    if kernel == "fails_half_way":
        monkeypatch.setattr(os, "copy_file_range", half_then_fail)
    elif kernel == "absent":
        monkeypatch.delattr(os, "copy_file_range")
    with open(tmp_path / "src", "rb") as src, open(tmp_path / "dst", "wb") as dst:
        publish._copy(src, dst)
    assert (tmp_path / "dst").read_bytes() == data
    assert len(calls) == (2 if kernel == "fails_half_way" else 0)


# --------------------------------------------------------------------------- the cold start's parse


def test_a_parse_in_the_home_target_is_reused_by_the_next_invocation_with_the_same_profile(tmp_path):
    from orchestration.dbt_parse import ENV_FILE, Parse

    target, manifest = tmp_path / "target", tmp_path / "project_target" / "manifest.json"
    env = {"FRAGILITY_BUILD_DB": str(tmp_path / "fragility.duckdb"), "FRAGILITY_DUCKDB_MEMORY_LIMIT": "1GB"}
    Parse(target, env, "dev", manifest=manifest).start().finish()
    assert "Starting full parse" in (target / "dbt.log").read_text()
    assert json.loads(manifest.read_text()) == json.loads((target / "manifest.json").read_text())
    assert not (target / ENV_FILE).exists()

    Parse(target, env, "dev", manifest=manifest).start().finish()  # what the first build does, in effect
    again = (target / "dbt.log").read_text()
    assert "Starting full parse" not in again and "Unable to do partial parsing" not in again
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed" in again


def test_a_failed_parse_names_dbt_s_error_and_leaves_the_manifest_and_no_settings_file(tmp_path):
    import shutil

    from orchestration.constants import DBT_PROJECT_DIR
    from orchestration.dbt_parse import ENV_FILE, Parse

    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "models" / "staging" / "broken_model.sql").write_text("select {{ ref('no_such_model') }}")
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")
    target = tmp_path / "target"
    parse = Parse(target, {"FRAGILITY_BUILD_DB": str(tmp_path / "x.duckdb")}, "dev", project_dir=project,
                  manifest=manifest).start()
    with pytest.raises(RuntimeError, match=r"dbt parse failed: .*no_such_model.*\(see .*dbt.log\)"):
        parse.finish()
    assert manifest.read_text() == "{}"
    assert not (target / ENV_FILE).exists()


def test_a_model_edited_while_dbt_parses_leaves_the_manifest_stale(tmp_path):
    """The cold start's parse is copied to the project only after the ingest; the copy is dated when the parse
    started, so an edit made meanwhile (which the parse may have missed) makes the next run parse again."""
    import os
    import shutil
    import time

    from orchestration.constants import DBT_PROJECT_DIR
    from orchestration.dbt_parse import Parse, manifest_is_stale

    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    manifest = project / "target" / "manifest.json"
    parse = Parse(tmp_path / "target", {"FRAGILITY_BUILD_DB": str(tmp_path / "x.duckdb")}, "dev",
                  project_dir=project, manifest=manifest).start()
    edited = next((project / "models" / "marts").rglob("*.sql"))
    later = time.time() + 1  # after the parse started, whatever the clock's resolution
    os.utime(edited, (later, later))
    parse.finish()
    assert manifest.exists() and manifest.stat().st_mtime < later
    assert manifest_is_stale(project, manifest)
    os.utime(edited, (later - 3600, later - 3600))  # the same project with no edit since: current
    assert not manifest_is_stale(project, manifest)
