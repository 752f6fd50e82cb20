"""The CLI speaks in one line when something is wrong, and its help is readable."""

from __future__ import annotations

import subprocess
import sys


def fragility(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "orchestration", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_help_lists_the_commands():
    out = fragility("--help")
    assert out.returncode == 0
    for word in ("run", "dev", "sql", "FRAGILITY_HOME"):
        assert word in out.stdout


def test_files_source_without_dir_is_one_clear_line(tmp_path):
    out = fragility("run", "--source", "files", "--home", str(tmp_path))
    assert out.returncode != 0
    assert out.stderr.strip().count("\n") == 0
    assert "--files-dir" in out.stderr


def test_sql_without_published_warehouse_is_one_clear_line(tmp_path):
    out = fragility("sql", "select 1", "--home", str(tmp_path))
    assert out.returncode != 0
    assert out.stderr.strip() == f"fragility: no published warehouse at {tmp_path}/fragility.duckdb; " \
                                 "run `fragility run` first"


def test_sql_reads_the_published_copy(built_home):
    out = fragility("sql", "select count(*) as n from marts.fct_fragility_daily", "--home", str(built_home))
    assert out.returncode == 0, out.stderr
    assert "3978" in out.stdout


def test_a_second_run_on_the_same_home_is_refused_in_one_line(tmp_path):
    import multiprocessing as mp

    from orchestration.execution import home_lock
    from orchestration.settings import Settings

    # Another process holds the home's run lock, as a running `fragility run` does.
    ready, release = mp.Event(), mp.Event()

    def hold() -> None:
        with home_lock(Settings(tmp_path)):
            ready.set()
            release.wait(120)

    holder = mp.get_context("fork").Process(target=hold)
    holder.start()
    try:
        assert ready.wait(30)
        out = fragility("run", "--home", str(tmp_path))
        assert out.returncode != 0
        assert out.stderr.strip().count("\n") == 0
        assert f"another fragility run (pid {holder.pid}) is writing {tmp_path}" in out.stderr
    finally:
        release.set()
        holder.join(30)
    assert not (tmp_path / "build").exists()  # nothing was written by the refused run
