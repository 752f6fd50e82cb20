"""The UI/daemon path and `fragility run` do the same work and end in the same tables.

Two copies of one home built as of 2025-11-20. On one, `fragility run` moves to 2025-11-21. On the other,
``dagster-webserver`` and ``dagster-daemon`` run on 127.0.0.1 (tests/daemon_location.py: the product's
definitions with the NY Fed schedule ticking every minute); the test turns the schedule on through the UI's
GraphQL API, the daemon's tick ingests the new NY Fed day, the build sensor plans and requests the build, and
the run publishes. Then: the same plan, the same dbt invocation, and the same published tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import settings_for
from tests.tablecompare import content, same_content

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
NEW_DAY = dt.date(2025, 11, 21)
LOCATION = "tests.daemon_location"


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def _cli(home: Path, as_of: dt.date):
    from orchestration.execution import run_pipeline

    outcome = run_pipeline(dataclasses.replace(settings_for(home), as_of=as_of), echo=lambda _l: None)
    assert outcome.success, outcome.summary
    return outcome


def _start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = open(log, "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _dbt_args(home: Path) -> dict:
    """The arguments dbt logged for the last build of a home (HOME/build/dbt/dbt.log), the home's path as HOME."""
    import ast

    for line in (home / "build" / "dbt" / "dbt.log").open():
        msg = json.loads(line)["info"]["msg"]
        if "running dbt with arguments" in msg:
            args = ast.literal_eval(msg.split("arguments", 1)[1].strip())
            args = {k: str(v).replace(str(home), "HOME") for k, v in args.items()}
            words = args["invocation_command"].split()  # dagster-dbt lists a subset's models in set order
            at = words.index("--select") + 1 if "--select" in words else len(words)
            end = next((i for i in range(at, len(words)) if words[i].startswith("--")), len(words))
            args["invocation_command"] = " ".join(words[:at] + sorted(words[at:end]) + words[end:])
            return args
    raise AssertionError("no dbt invocation logged")


@pytest.fixture(scope="module")
def both(tmp_path_factory, dbt_manifest):
    from tests.test_ui_e2e import free_port

    base = tmp_path_factory.mktemp("daemon")
    cli_home, daemon_home = base / "cli", base / "daemon"
    _cli(cli_home, NEW_DAY - dt.timedelta(days=1))
    shutil.copytree(cli_home, daemon_home)
    settings_for(daemon_home)  # its dagster.yaml now points at its own history

    started = time.monotonic()
    cli = _cli(cli_home, NEW_DAY)
    cli_seconds = time.monotonic() - started

    env = {**os.environ, "FRAGILITY_HOME": str(daemon_home), "FRAGILITY_AS_OF": NEW_DAY.isoformat(),
           "DAGSTER_HOME": str(daemon_home / "dagster"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    bin_dir = Path(sys.executable).parent
    port = free_port()
    web = _start([str(bin_dir / "dagster-webserver"), "-m", LOCATION, "-h", "127.0.0.1", "-p", str(port)], env,
                 base / "webserver.log")
    daemon = _start([str(bin_dir / "dagster-daemon"), "run", "-m", LOCATION], env, base / "daemon.log")
    try:
        deadline = time.monotonic() + 240
        while True:  # the UI is up with the location loaded
            assert web.poll() is None, (base / "webserver.log").read_text()[-3000:]
            try:
                if _graphql(port, "{ assetNodes { id } }")["data"]["assetNodes"]:
                    break
            except Exception:  # not up yet
                pass
            assert time.monotonic() < deadline, "the webserver did not come up"
            time.sleep(1)
        turned_on = _graphql(port, """mutation($s: ScheduleSelector!) { startSchedule(scheduleSelector: $s) {
            __typename ... on ScheduleStateResult { scheduleState { status } } } }""",
                             {"s": {"repositoryLocationName": LOCATION, "repositoryName": "__repository__",
                                    "scheduleName": "nyfed_on_publication"}})
        assert turned_on["data"]["startSchedule"]["scheduleState"]["status"] == "RUNNING", turned_on
        with dg.DagsterInstance.from_config(str(daemon_home / "dagster")) as instance:
            before = {r.run_id for r in instance.get_runs()}
            deadline = time.monotonic() + 480
            while True:  # the tick's ingest run, then the sensor's build run, both finished
                runs = [r for r in instance.get_runs() if r.run_id not in before]
                builds = [r for r in runs if r.job_name == "build_and_publish" and r.is_finished]
                if builds:
                    break
                assert daemon.poll() is None, (base / "daemon.log").read_text()[-3000:]
                assert time.monotonic() < deadline, f"no build after the tick: {[(r.job_name, r.status) for r in runs]}"
                time.sleep(2)
            records = {r.dagster_run.run_id: r for r in instance.get_run_records(
                filters=dg.RunsFilter(run_ids=[r.run_id for r in runs]))}
    finally:
        _stop(daemon)
        _stop(web)
    return {"cli": (cli_home, cli, cli_seconds), "daemon": (daemon_home, runs, records)}


def test_the_daemon_ingested_the_new_day_and_built_and_published_it(both):
    home, runs, records = both["daemon"]
    ingest = [r for r in runs if r.job_name != "build_and_publish"]
    build = [r for r in runs if r.job_name == "build_and_publish"]
    assert len(build) == 1 and build[0].status == dg.DagsterRunStatus.SUCCESS
    assert ingest and all(r.status == dg.DagsterRunStatus.SUCCESS for r in ingest)
    assert ingest[0].tags["fragility/trigger"] == "schedule" and ingest[0].tags["dagster/partition"] == "2025-11-21"
    assert build[0].tags["fragility/trigger"] == "new_data" and build[0].tags["fragility/plan"] == "incremental"
    # the build ran after the ingest, in a run of its own launched by the daemon
    assert records[build[0].run_id].start_time >= records[ingest[0].run_id].end_time


def test_the_daemon_s_build_went_through_the_cli_s_planning_and_dbt_invocation(both):
    cli_home, cli, _ = both["cli"]
    daemon_home, runs, _ = both["daemon"]
    assert cli.plan.kind == "incremental" and cli.plan.recompute_from == NEW_DAY
    with dg.DagsterInstance.from_config(str(daemon_home / "dagster")) as instance:
        build = next(r for r in runs if r.job_name == "build_and_publish")
        built = {tuple(m.asset_key.path) for m in (
            e.event_log_entry.asset_materialization for e in instance.get_records_for_run(
                build.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records)}
    with dg.DagsterInstance.from_config(str(cli_home / "dagster")) as instance:
        cli_built = {tuple(m.asset_key.path) for m in (
            e.event_log_entry.asset_materialization for e in instance.get_records_for_run(
                cli.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records)}
    assert built == cli_built and ("warehouse", "published") in built
    # the CLI home's second build reused the parse its first build kept in HOME/build/dbt
    said = [json.loads(line)["info"]["msg"] for line in (cli_home / "build" / "dbt" / "dbt.log").open()]
    assert any(m.startswith("Partial parsing enabled") for m in said)
    assert not any(m.startswith("Unable to do partial parsing") for m in said)
    daemon_args, cli_args = _dbt_args(daemon_home), _dbt_args(cli_home)
    assert daemon_args == cli_args
    # both ran in a dbt process forked from the installation's warm dbt (orchestration/warm_dbt.py), with the
    # same arguments: the daemon's runs get it as `fragility run` does
    warm = [json.loads((home / "build" / "dbt" / "warm_dbt.json").read_text()) for home in (daemon_home, cli_home)]
    selected = [[" ".join(sorted(arg.split())) for arg in w["args"]] for w in warm]  # dagster-dbt's order varies
    assert selected[0] == selected[1] and warm[0]["args"][0] == "build"
    assert warm[0]["exit_code"] == warm[1]["exit_code"] == 0
    assert "--exclude-resource-type unit_test" in cli_args["invocation_command"]
    assert "--select" in cli_args["invocation_command"]  # the same subset: what the new NY Fed day feeds
    for home in (cli_home, daemon_home):
        import duckdb

        con = duckdb.connect(str(home / "build" / "fragility.duckdb"), read_only=True)
        row = con.execute("SELECT kind, recompute_from, completed FROM main.dbt_build_plan").fetchone()
        con.close()
        assert row == ("incremental", NEW_DAY, True)


def test_the_daemon_and_the_cli_published_the_same_tables(both):
    cli_home = both["cli"][0]
    daemon_home = both["daemon"][0]
    got = content(daemon_home / "fragility.duckdb")
    want = content(cli_home / "fragility.duckdb")
    # run ids and times; raw._loads is compared without its load times below
    skip = {("main", "dq_results"), ("main", "dq_validated"), ("main", "dbt_build_plan"), ("raw", "_loads")}
    assert got.keys() == want.keys()
    assert [k for k in sorted(want) if k not in skip and not same_content(got[k], want[k])] == []
    loads = []
    for home in (daemon_home, cli_home):
        import duckdb

        con = duckdb.connect(str(home / "fragility.duckdb"), read_only=True)
        loads.append(con.execute("SELECT load_id, table_name, source, rows_in, rows_inserted FROM raw._loads "
                                 "ORDER BY ALL").fetchall())
        con.close()
    assert loads[0] == loads[1] and loads[0]


def test_the_new_day_costs_about_the_same_on_both_paths(both, record_property):
    """Measured, not asserted (no test may pass or fail with machine load): bench/daemon.py reports the ratio."""
    _, _, cli_seconds = both["cli"]
    _, runs, records = both["daemon"]
    daemon_seconds = sum(records[r.run_id].end_time - records[r.run_id].start_time for r in runs)
    record_property("cli_new_day_seconds", round(cli_seconds, 1))
    record_property("daemon_new_day_run_seconds", round(daemon_seconds, 1))
    assert daemon_seconds > 0 and cli_seconds > 0
