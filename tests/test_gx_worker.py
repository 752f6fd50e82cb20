"""The GX worker process (expectations.gx_worker) validates exactly as the pipeline's own process would."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pytest

from expectations import gx_worker
from expectations.runner import evaluate, run_suites
from expectations.suites import SUITES


@pytest.fixture
def db(scratch_home):
    con = duckdb.connect(str(scratch_home / "build" / "fragility.duckdb"))
    yield con
    con.close()


def outcomes(result) -> tuple:
    return result.rows_checked, result.skipped, result.outcomes


@contextlib.contextmanager
def running():
    worker = gx_worker.GxWorker()
    try:
        yield worker
    finally:
        worker.close()


def test_the_worker_gives_the_in_process_outcomes_for_every_suite_failures_included(db):
    # Failures too: their observed text is built from the DataFrame's values, so a dtype that differed
    # between the two paths would show here. A duplicate vintage, and a rate in basis points.
    db.execute("INSERT INTO raw.fred__observations SELECT * FROM raw.fred__observations "
               "WHERE series_id = 'UNRATE' AND obs_date = DATE '2024-05-01' ORDER BY realtime_start LIMIT 1")
    db.execute("UPDATE raw.fred__observations SET value = value * 100 "
               "WHERE series_id = 'EFFR' AND obs_date = DATE '2025-11-20'")
    local = {s.name: outcomes(evaluate(db, s)) for s in SUITES}
    with running() as worker:
        assert all(worker.serves(s) for s in SUITES)
        remote = {s.name: outcomes(evaluate(db, s, worker)) for s in SUITES}
        served = worker.served
    assert served == sum(1 for s in SUITES if not local[s.name][1])  # every suite that ran went to the worker
    assert remote == local
    failing = {name for name, (_, _, outs) in local.items() if not all(o.success for o in outs)}
    assert {"raw_fred_observations", "raw_fred_observations_units"} <= failing


def test_both_lanes_validate_at_once_and_give_the_in_process_outcomes(db):
    """run_suites keeps both lanes busy (the second is forked from the first once GX is imported): every suite's
    outcomes are those of validation in this process, and both lanes served."""
    db.execute("UPDATE raw.fred__observations SET value = value * 100 "
               "WHERE series_id = 'EFFR' AND obs_date = DATE '2025-11-20'")  # a failure, whose text names values
    local = {s.name: outcomes(evaluate(db, s)) for s in SUITES}
    with running() as worker:
        assert worker.lanes == 2
        remote = {s.name: outcomes(r) for s, r in run_suites(db, SUITES, "lanes", reuse=False, worker=worker)}
        assert not worker.broken and all(n > 0 for n in worker.served_by_lane)
        assert sum(worker.served_by_lane) == sum(1 for s in SUITES if not local[s.name][1])
    assert remote == local
    assert not all(o.success for o in local["raw_fred_observations_units"][2])  # the rate in basis points


def test_a_consumer_that_stops_early_leaves_no_answer_for_the_next_request(db):
    """A request sent but never collected (the step failed between two suites) would answer the next one: the
    worker is marked broken, and the process's next run gets a new one."""
    worker = gx_worker.shared_worker()
    try:
        results = run_suites(db, SUITES, "stopped", reuse=False, worker=worker)
        next(results)  # two slices sent, one taken
        results.close()
        assert worker.broken
        fresh = gx_worker.shared_worker()
        assert fresh is not worker and fresh.alive()
        suite = SUITES[0]
        assert outcomes(evaluate(db, suite, fresh)) == outcomes(evaluate(db, suite))
    finally:
        gx_worker._close_shared()


class _Interrupted:
    """A lane's pipe whose next receive is interrupted (Ctrl-C, a run's termination) before it reads the reply."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def send(self, message) -> None:
        self.conn.send(message)

    def recv(self):
        raise KeyboardInterrupt

    def close(self) -> None:
        self.conn.close()


def test_an_interrupted_receive_retires_the_worker_so_no_reply_answers_the_wrong_request(db):
    first, second = (next(s for s in SUITES if s.name == n) for n in ("raw_fred_observations", "raw_gold_prices_keys"))
    expected = outcomes(evaluate(db, second))
    with running() as worker:
        worker._conns = [_Interrupted(c) for c in worker._conns]
        with pytest.raises(KeyboardInterrupt):
            evaluate(db, first, worker)
        assert worker.broken and not worker.serves(second)  # its reply is still in the pipe
        assert outcomes(evaluate(db, second, worker)) == expected  # validated here, not answered by that reply


def test_a_worker_that_died_is_replaced_by_validation_in_process(db):
    suite = next(s for s in SUITES if s.name == "raw_fred_observations")
    expected = outcomes(evaluate(db, suite))
    with running() as worker:
        worker._proc.kill()
        worker._proc.join()
        assert outcomes(evaluate(db, suite, worker)) == expected
        assert worker.broken and not worker.serves(suite)
        assert outcomes(evaluate(db, suite, worker)) == expected  # and the next suites stay in process


def test_a_suite_outside_the_catalogue_is_validated_in_process(db):
    import dataclasses

    suite = dataclasses.replace(next(s for s in SUITES if s.name == "raw_fred_observations"))
    with running() as worker:
        assert not worker.serves(suite)  # the worker knows the catalogue's suites by name, not this one
        result = evaluate(db, suite, worker)
        assert worker.served == 0
    assert result.success and len(result.outcomes) >= 3 and result.rows_scanned > 10_000


RESOURCE_RUN = """
import sys
import dagster as dg
from orchestration.resources import GreatExpectations

if sys.argv[1] == "preloaded":
    import great_expectations  # noqa: F401 - as in a step forked from the parallel ingest's server
seen = []

@dg.asset(required_resource_keys={"gx"})
def checked(context) -> None:
    worker = context.resources.gx.worker()
    seen.append(worker)
    print("alive" if worker is not None and worker._proc.is_alive() else "none")

for _ in range(2):  # two runs in one process, as `fragility run` executes its ingest and its build
    assert dg.materialize([checked], resources={"gx": GreatExpectations()}).success
print("shared" if seen[0] is seen[1] else "not-shared")
print("worker-pid", seen[0]._proc.pid if seen[0] is not None else 0, flush=True)
"""


@pytest.mark.parametrize(("mode", "expected"), [("fresh", ["alive", "alive", "shared"]),
                                                ("preloaded", ["none", "none", "shared"])])
def test_the_runs_of_a_process_share_one_worker_which_ends_with_the_process(mode, expected):
    """The resource starts the worker when a process's first run with checks starts (the CLI's, a daemon-launched
    one, the UI's); the process's next run finds it, GX imported, and it ends when the process exits. A step
    whose process already imported GX (forked from a server that preloaded it) validates in place. In a child
    process: this one may have imported GX already."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    out = subprocess.run([sys.executable, "-c", RESOURCE_RUN, mode], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    words = out.stdout.split()
    assert words[-5:-2] == expected
    pid = int(words[-1])
    assert (pid > 0) == (mode == "fresh")
    if pid:  # gone with its process: it is not our child, so probe it by pid
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        proc = Path(f"/proc/{pid}")
        assert not proc.exists() or "zombie" in (proc / "status").read_text().lower() \
            or (proc / "cmdline").read_text() == "", "the worker outlived its process"


def test_a_worker_that_died_is_replaced_for_the_next_run():
    worker = gx_worker.shared_worker()
    try:
        assert gx_worker.shared_worker() is worker  # one per process
        worker._proc.kill()
        worker._proc.join()
        replacement = gx_worker.shared_worker()
        assert replacement is not worker and replacement.alive() and not worker.alive()
    finally:
        gx_worker._close_shared()
    assert not gx_worker._SHARED
