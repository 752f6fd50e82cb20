"""Concurrent use of one home: analysts reading the published file during a run, and two runs at once.

* An analyst's read-only sessions on the published file (a Python DuckDB connection and the `duckdb` CLI)
  stay open for a whole `fragility run`: the run succeeds, both sessions keep answering during and after
  it, and a fresh connection afterwards sees the new file.
* Two `fragility run`s started together on one home: one runs and succeeds, the other is refused at once
  with one line naming the first one's pid, and the warehouse is whole afterwards. (tests/test_cli.py
  checks the refusal against a lock held by a helper process; here both are real runs.)
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.conftest import expect_work

REPO = Path(__file__).resolve().parents[1]
HANG_GUARD = 1200  # seconds: only stops a run that never ends


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("FRAGILITY_", "DAGSTER_"))}


def fragility_run(home: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orchestration", "run", "--home", str(home)], cwd=REPO,
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def duckdb_cli() -> str:
    exe = Path(sys.executable).parent / "duckdb"
    assert exe.exists(), "the duckdb-cli package (dev dependency) provides the `duckdb` binary"
    return str(exe)


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                                           "WHERE schema_name IN ('raw', 'marts') ORDER BY 1").fetchall()]
        return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        con.close()


def ask(cli: subprocess.Popen, sql: str) -> str:
    """One query to the analyst's `duckdb` CLI session, one answer line back (it flushes per statement)."""
    cli.stdin.write(sql + ";\n")
    cli.stdin.flush()
    ready, _, _ = select.select([cli.stdout], [], [], 120)
    assert ready, f"the analyst's CLI session stopped answering: {cli.stderr.read() if cli.poll() is not None else ''}"
    return cli.stdout.readline().strip()


def test_read_only_analyst_sessions_survive_a_whole_run(scratch_home):
    published = scratch_home / "fragility.duckdb"
    old_inode = published.stat().st_ino
    query = "SELECT count(*) FROM marts.fct_fragility_daily"
    stamp = "SELECT max(checked_at)::VARCHAR FROM main.dq_results"
    analyst = duckdb.connect(str(published), read_only=True)
    days = analyst.execute(query).fetchone()[0]
    first_stamp = analyst.execute(stamp).fetchone()[0]
    cli = subprocess.Popen([duckdb_cli(), "-readonly", "-csv", "-noheader", str(published)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert ask(cli, query) == str(days)
        expect_work(scratch_home)
        run = fragility_run(scratch_home)
        answers, cli_answers = [], []
        deadline = time.monotonic() + HANG_GUARD
        while run.poll() is None:  # both sessions answer, over and over, while the run goes on
            answers.append(analyst.execute(query).fetchone()[0])
            cli_answers.append(ask(cli, query))
            if time.monotonic() > deadline:
                os.killpg(run.pid, 9)
                raise AssertionError("the run did not finish (hung?)")
            time.sleep(2)
        out, err = run.communicate()
        assert run.returncode == 0, out + err
        assert f"published: {published}" in out
        assert published.stat().st_ino != old_inode  # a new file was renamed over the old one
        assert len(answers) > 10 and set(answers) == {days} and set(cli_answers) == {str(days)}
        # after the run both sessions still answer, from the file they opened
        assert analyst.execute(query).fetchone()[0] == days
        assert analyst.execute(stamp).fetchone()[0] == first_stamp
        assert ask(cli, query) == str(days) and ask(cli, stamp) == first_stamp
    finally:
        cli.stdin.close()
        cli.wait(timeout=60)
        analyst.close()
    assert cli.returncode == 0 and cli.stderr.read() == ""
    # a fresh session (in a new process: DuckDB shares an open database within a process) sees the new file
    fresh = subprocess.run([duckdb_cli(), "-readonly", "-csv", "-noheader", str(published), "-c", stamp],
                           capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert fresh > first_stamp


def test_two_runs_started_together_one_is_refused_in_one_line(scratch_home, built_home):
    expect_work(scratch_home)  # the first run is busy for a while: a full build
    a, b = fragility_run(scratch_home), fragility_run(scratch_home)
    try:
        results = {}
        deadline = time.monotonic() + HANG_GUARD
        while len(results) < 2:
            for p in (a, b):
                if p.pid not in results and p.poll() is not None:
                    results[p.pid] = (p.returncode, *p.communicate())
            assert time.monotonic() < deadline, "the runs did not finish (hung?)"
            time.sleep(0.5)
    finally:
        for p in (a, b):
            if p.poll() is None:
                os.killpg(p.pid, 9)
                p.wait()
    winners = [pid for pid, (rc, _, _) in results.items() if rc == 0]
    assert len(winners) == 1, f"expected exactly one run to succeed: {results}"
    winner = winners[0]
    _, out_w, err_w = results[winner]
    rc_l, out_l, err_l = next(r for pid, r in results.items() if pid != winner)
    assert rc_l != 0 and out_l == ""
    assert err_l.count("\n") == 1, err_l  # one line
    assert err_l.strip() == (f"fragility: another fragility run (pid {winner}) is writing {scratch_home}; "
                             "wait for it to finish or use another --home")
    assert f"published: {scratch_home / 'fragility.duckdb'}" in out_w, out_w + err_w
    assert (scratch_home / "run.lock").read_text() == str(winner)
    # the warehouse is whole: the same tables and row counts as the reference build, nothing doubled
    assert counts(scratch_home / "fragility.duckdb") == counts(built_home / "fragility.duckdb")
    con = duckdb.connect(str(scratch_home / "fragility.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM (SELECT load_id, table_name FROM raw._loads "
                           "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0] == 0
    finally:
        con.close()
    assert re.search(r"\[ok  \] publish", out_w)
