"""The warm dbt (orchestration.dbt_warm): the same dbt, the same output and exit code, with or without the server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration import dbt_warm

REPO = Path(__file__).resolve().parents[1]
CLIENT = Path(sys.executable).parent / "fragility-dbt"

pytestmark = pytest.mark.skipif(not CLIENT.exists(), reason="fragility-dbt is not installed (uv sync installs it)")


def dbt(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`fragility-dbt <args>` as dagster-dbt starts it: from the dbt project, stdout and stderr on one pipe."""
    return subprocess.run([str(CLIENT), *args], cwd=REPO / "dbt_project", env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)


def debug_lines(out: str) -> list[str]:
    """`dbt debug`'s findings without the timestamps."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", out)
    return [re.sub(r"^\d\d:\d\d:\d\d\s+", "", line) for line in text.splitlines()
            if re.search(r"path:|Connection test|profiles.yml file|dbt_project.yml file|checks? (passed|failed)", line)]


def test_warm_dbt_runs_dbt_with_the_client_s_arguments_environment_and_folder(tmp_path):
    db = tmp_path / "w" / "fragility.duckdb"
    db.parent.mkdir()
    env = {**os.environ, "FRAGILITY_BUILD_DB": str(db)}
    env.pop(dbt_warm.SERVER_ENV, None)
    cold = dbt(["debug", "--profiles-dir", "."], env)  # no server: the client execs dbt
    with dbt_warm.running() as server:
        assert server is not None and os.environ[dbt_warm.SERVER_ENV] == server.socket
        warm_env = {**env, dbt_warm.SERVER_ENV: server.socket}
        warm = dbt(["debug", "--profiles-dir", "."], warm_env)
        usage = dbt(["no-such-command"], warm_env)
        server_pid = server._proc.pid
    assert cold.returncode == warm.returncode == 0, warm.stdout[-2000:]
    found = debug_lines(warm.stdout)
    assert found == debug_lines(cold.stdout)
    assert f"path: {db}" in found and "Connection test: [OK connection ok]" in found  # env and cwd reached dbt
    assert usage.returncode == 2 and "No such command 'no-such-command'" in usage.stdout  # dbt's own exit code
    # the run's end takes the server and its socket away
    assert dbt_warm.SERVER_ENV not in os.environ and not Path(server.folder).exists()
    with pytest.raises(ProcessLookupError):
        os.kill(server_pid, 0)


def test_without_a_live_server_the_client_is_plain_dbt(tmp_path):
    # a socket path nobody listens on (a server that died): the client falls back to exec'ing dbt
    env = {**os.environ, dbt_warm.SERVER_ENV: str(tmp_path / "gone.sock")}
    out = dbt(["--version"], env)
    assert out.returncode == 0 and re.search(r"installed: 1\.11\.\d+", out.stdout), out.stdout


def test_a_signal_to_the_client_reaches_dbt(tmp_path):
    """dagster-dbt stops dbt with SIGINT to the process it started: the client; the forked dbt must stop too."""
    import signal
    import time

    with dbt_warm.running() as server:
        env = {**os.environ, dbt_warm.SERVER_ENV: server.socket, "FRAGILITY_BUILD_DB": str(tmp_path / "x.duckdb")}
        # `dbt parse` of the whole project with no parse state takes seconds: long enough to interrupt
        proc = subprocess.Popen([str(CLIENT), "parse", "--no-partial-parse", "--target-path", str(tmp_path / "t")],
                                cwd=REPO / "dbt_project", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        first = proc.stdout.readline()  # dbt has started (the server's import is done)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    assert "Running with dbt=" in first
    assert proc.returncode != 0, out[-2000:]
    assert not (tmp_path / "t" / "manifest.json").exists()  # dbt stopped before it finished
