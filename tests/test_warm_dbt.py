"""The warm dbt (orchestration.warm_dbt) changes when dbt's imports happen, never what dbt does.

Each test runs dbt through the ``fragility-dbt`` client with the warm dbt's address in its settings file, as
the dbt resource does, and compares it with plain ``dbt``: the same output, the same exit code, the same
tables; a new process per invocation; the client's death ends its dbt; a dead address falls back to dbt.
A small dbt project of its own keeps each invocation to a second or two.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration import warm_dbt
from orchestration.dbt_client import ENV_FILE, WARM_KEY

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WAIT_S = 120  # generous bounds for a slow machine: they only stop a hung test, nothing is timed

PROJECT = {
    "dbt_project.yml": """
        name: warmcheck
        version: "1.0"
        profile: warmcheck
        model-paths: ["models"]
        macro-paths: ["macros"]
    """,
    "profiles.yml": """
        warmcheck:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: "{{ env_var('WARMCHECK_DB') }}"
              threads: 1
    """,
    "models/answers.sql": "select 42 as answer, '{{ env_var('WARMCHECK_WORD', 'none') }}' as word\n",
    "macros/ops.sql": """
        {% macro greet(name) %}{{ print("hello " ~ name ~ " from " ~ env_var("WARMCHECK_WORD", "none")) }}{% endmacro %}
        {% macro fail() %}{{ exceptions.raise_compiler_error("this macro fails on purpose") }}{% endmacro %}
        {% macro nap() %}{% do run_query("select sum(range) from range(1000000000000)") %}{% endmacro %}
    """,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("warmcheck")
    for name, text in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    return root


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A warm dbt of this test's own (not the installation's shared one), stopped at the end."""
    address = str(tmp_path_factory.mktemp("warm") / warm_dbt.SOCKET_NAME)
    proc = warm_dbt.start(address)
    deadline = time.monotonic() + WAIT_S
    while warm_dbt.probe(address) is not True:
        assert proc.poll() is None, "the warm dbt exited before it served (a thread at import? see PREIMPORT)"
        assert time.monotonic() < deadline, "the warm dbt did not answer"
        time.sleep(0.1)
    yield address, proc
    proc.kill()
    proc.wait(timeout=WAIT_S)


def _env(project: Path, target: Path, db: Path, word: str = "warm") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "FRAGILITY_", "WARMCHECK_"))}
    return {**env, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target), "DBT_PROFILES_DIR": str(project),
            "WARMCHECK_DB": str(db), "WARMCHECK_WORD": word}


def _target(tmp_path: Path, name: str, address: str | None) -> Path:
    target = tmp_path / name
    target.mkdir()
    if address is not None:
        (target / ENV_FILE).write_text(json.dumps({WARM_KEY: address}))
    return target


def _dbt(program: str, args: list[str], project: Path, env: dict, umask: int = -1) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / program), *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=WAIT_S * 3, umask=umask)


def _record(target: Path) -> dict | None:
    path = target / warm_dbt.RECORD
    return json.loads(path.read_text()) if path.exists() else None


def _plain(text: str) -> str:
    """dbt's output without what differs between any two runs: clock times and durations."""
    text = re.sub(r"(?<!\d)\d\d:\d\d:\d\d(?!\d)", "HH:MM:SS", text)  # after a colour code: no \b
    return re.sub(r"(?<![\d.])\d+(\.\d+)? ?(s|seconds)\b", "Ns", text)


@pytest.mark.parametrize("args", [
    ["no-such-command"],  # click's usage error: the program's name and exit code 2
    ["--version"],
    ["run-operation", "greet", "--args", "{name: analyst}", "--quiet"],
    ["run-operation", "fail"],  # a dbt error: exit code 1, the message on dbt's stdout
], ids=["usage-error", "version", "macro", "failing-macro"])
def test_an_invocation_through_the_warm_dbt_is_plain_dbt(args, project, warm, tmp_path):
    address, proc = warm
    plain_target, warm_target = _target(tmp_path, "plain", None), _target(tmp_path, "warm", address)
    plain = _dbt("dbt", args, project, _env(project, plain_target, tmp_path / "plain.duckdb"))
    got = _dbt("fragility-dbt", args, project, _env(project, warm_target, tmp_path / "warm.duckdb"))
    assert (got.returncode, _plain(got.stdout), _plain(got.stderr)) == \
        (plain.returncode, _plain(plain.stdout), _plain(plain.stderr))
    assert "terminate called" not in got.stderr  # a forked child that aborts at exit (see PREIMPORT)
    record = _record(warm_target)
    assert record is not None, "the invocation did not run in a process of the warm dbt"
    assert (record["warm_dbt"], record["args"], record["exit_code"]) == (proc.pid, args, plain.returncode)


def test_a_build_through_the_warm_dbt_makes_the_same_table_in_a_new_process(project, warm, tmp_path):
    address, proc = warm
    results, modes = {}, {}
    for name, program, word in (("plain", "dbt", "plain"), ("warm1", "fragility-dbt", "first"),
                                ("warm2", "fragility-dbt", "second")):
        target = _target(tmp_path, name, address if program == "fragility-dbt" else None)
        db = tmp_path / f"{name}.duckdb"
        done = _dbt(program, ["build"], project, _env(project, target, db, word), umask=0o027)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "terminate called" not in done.stderr
        modes[name] = db.stat().st_mode & 0o777  # the client's umask, not the warm dbt's
        con = duckdb.connect(str(db), read_only=True)  # opens: dbt closed the file before its process ended
        results[name] = (con.execute("select answer, word from main.answers").fetchall(), _record(target))
        con.close()
    assert modes == {"plain": 0o640, "warm1": 0o640, "warm2": 0o640}
    assert results["plain"] == ([(42, "plain")], None)
    # each invocation saw its own environment (the word), in its own process forked from the same warm dbt
    (first, rec1), (second, rec2) = results["warm1"], results["warm2"]
    assert (first, second) == ([(42, "first")], [(42, "second")])
    assert rec1["warm_dbt"] == rec2["warm_dbt"] == proc.pid
    assert len({rec1["pid"], rec2["pid"], proc.pid}) == 3
    assert rec1["exit_code"] == rec2["exit_code"] == 0


def test_a_dead_address_runs_dbt_itself_with_one_line_said(project, tmp_path):
    gone = str(tmp_path / "nobody-here.sock")
    plain_target, warm_target = _target(tmp_path, "plain", None), _target(tmp_path, "warm", gone)
    args = ["run-operation", "greet", "--args", "{name: fallback}", "--quiet"]
    plain = _dbt("dbt", args, project, _env(project, plain_target, tmp_path / "p.duckdb"))
    got = _dbt("fragility-dbt", args, project, _env(project, warm_target, tmp_path / "w.duckdb"))
    assert (got.returncode, got.stdout) == (plain.returncode, plain.stdout) == (0, "hello fallback from warm\n")
    assert got.stderr == "fragility-dbt: the warm dbt is not available (FileNotFoundError); starting dbt\n"
    assert _record(warm_target) is None


def _children(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _wait(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["client kill -9", "client SIGTERM", "dbt kill -9"])
def test_the_dbt_process_ends_with_its_client(how, project, warm, tmp_path):
    """kill -9 of the client (a killed run) kills its dbt; a signal the client can catch is passed on to its
    dbt; and the client ends as its dbt did, whatever ended dbt (here a kill -9 from outside, as an abort at
    exit would be reported: the status comes from the kernel, not from dbt). The warm dbt keeps serving and
    the DuckDB file is released. (SIGINT, dagster-dbt's stop, is passed on the same way, but neither plain dbt
    nor this one acts on it inside a DuckDB query, so it has no deterministic outcome to compare here.)"""
    address, proc = warm
    target, db = _target(tmp_path, "warm", address), tmp_path / "nap.duckdb"
    before = _children(proc.pid)
    client = subprocess.Popen([str(BIN / "fragility-dbt"), "run-operation", "nap"], cwd=project,
                              env=_env(project, target, db), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait(lambda: _children(proc.pid) - before, "no process was forked for the client")
        (reaper,) = _children(proc.pid) - before
        _wait(lambda: _children(reaper), "the reaper did not fork dbt")
        (dbt,) = _children(reaper)
        # the invocation runs in the warm dbt's session, not the launcher's: a Ctrl-C meant for whoever started
        # the warm dbt cannot reach it
        assert os.getsid(dbt) == os.getsid(proc.pid) == proc.pid != os.getsid(0)
        log = target / "dbt.log"
        _wait(lambda: log.exists() and "range(1000000000000)" in log.read_text(errors="replace"),
              "dbt did not start the long query")
        if how == "dbt kill -9":
            os.kill(dbt, signal.SIGKILL)
        else:
            client.send_signal(signal.SIGKILL if how == "client kill -9" else signal.SIGTERM)
        _wait(lambda: not Path(f"/proc/{dbt}").exists(), "the dbt process outlived its client")
        _wait(lambda: reaper not in _children(proc.pid), "the reaper outlived its dbt")
        client.communicate(timeout=WAIT_S)
    finally:
        client.kill()  # a failed test leaves no query running: its dbt dies with it
    assert client.returncode == {"client kill -9": -signal.SIGKILL, "client SIGTERM": -signal.SIGTERM,
                                 "dbt kill -9": -signal.SIGKILL}[how]  # as `dbt` ended by that signal
    record = _record(target)
    assert (record["pid"], record["reaper"], record["exit_code"]) == (dbt, reaper, client.returncode)
    con = duckdb.connect(str(db))  # a writer's lock: nobody holds the file any more
    con.close()
    assert warm_dbt.probe(address) is True and proc.poll() is None


def test_probe_tells_a_dead_warm_dbt_from_a_busy_one(tmp_path):
    """Only a dead one is replaced: one still importing dbt on a loaded machine is waited for."""
    import socket

    assert warm_dbt.probe(str(tmp_path / "missing.sock")) is False
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    stale.bind(str(tmp_path / "stale.sock"))
    stale.close()  # the file stays, nobody listens: a warm dbt that was killed
    assert warm_dbt.probe(str(tmp_path / "stale.sock")) is False
    busy = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    busy.bind(str(tmp_path / "busy.sock"))
    busy.listen(1)  # connections wait in the backlog, as while the warm dbt imports
    try:
        assert warm_dbt.probe(str(tmp_path / "busy.sock"), timeout=0.2) is None
    finally:
        busy.close()


def test_the_warm_dbt_imports_nothing_that_starts_a_thread():
    """What makes a fork safe: after PREIMPORT, one thread and no native library that starts its own.
    This breaks if an upgrade of dbt makes one of those modules import duckdb, numpy or pyarrow."""
    code = ("import importlib, functools\nfrom orchestration import warm_dbt\n"
            "for name in warm_dbt.PREIMPORT: importlib.import_module(name)\n"
            "warm_dbt.build_schemas()\n"
            "from dbt_common.dataclass_schema import dbtClassMixin\n"
            "found = [d for d in warm_dbt.SCHEMAS if getattr(importlib.import_module(d.rpartition('.')[0]), "
            "d.rpartition('.')[2], None) is not None]\n"
            "print(warm_dbt.single_threaded(), len(found) == len(warm_dbt.SCHEMAS), "
            "dbtClassMixin.json_schema.cache_info().currsize >= len(warm_dbt.SCHEMAS))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=WAIT_S,
                         check=True).stdout
    # one thread, and every schema the parse and the build use found and built (a dbt upgrade that renames a
    # class would make its processes build that schema again: this says so)
    assert out == "True True True\n"
    code = "import duckdb\nfrom orchestration import warm_dbt\nprint(warm_dbt.single_threaded())\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=WAIT_S,
                         check=True).stdout
    assert out == "False\n"  # the check can fail: duckdb starts a thread at import


def _warm_children() -> list[int]:
    """This process's children that are warm dbts."""
    me = os.getpid()
    return [pid for pid in _children(me)
            if b"orchestration.warm_dbt" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def test_ensure_starts_one_warm_dbt_for_concurrent_callers_and_none_where_unsafe(tmp_path, monkeypatch):
    """Launchers call ensure() at the same moment (the CLI, the sensor, a run's dbt step): one warm dbt is
    started and all get its address. A warm dbt that found it could not fork safely is not started again."""
    import threading

    where = tmp_path / "installation"
    monkeypatch.setattr(warm_dbt, "folder", lambda: where)
    before = set(_warm_children())
    got: list[str | None] = []
    callers = [threading.Thread(target=lambda: got.append(warm_dbt.ensure())) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    started = set(_warm_children()) - before
    try:
        assert got == [str(where / warm_dbt.SOCKET_NAME)] * 4
        assert len(started) == 1
        assert oct(where.stat().st_mode & 0o777) == "0o700"
        _wait(lambda: warm_dbt.probe(got[0]) is True, "the warm dbt did not answer")
        assert warm_dbt.ensure() == got[0] and set(_warm_children()) - before == started  # reused, not restarted
    finally:
        for pid in started:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    (where / warm_dbt.UNSAFE).write_text("threads ['1', '2']\n")
    assert warm_dbt.ensure() is None and set(_warm_children()) - before == set()
