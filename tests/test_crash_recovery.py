"""kill -9 in the middle of `fragility run` (ingest, dbt, publish), then a re-run: the warehouse stays consistent.

Real runs: `python -m orchestration run --home H` in its own process group, killed with SIGKILL to the group
(dbt runs as a child process), at a moment picked from the run's own progress lines or from the files it
writes. After each kill: the published file is byte-identical to before and opens read-only; the working
database opens and every table reads. After the final re-run: no duplicate natural key in any raw table, no
load recorded twice, the same tables with the same content as the reference build, a parseable landing
manifest, and no run left "started" in the Dagster instance.

Publish is also killed at function level, at three points (mid-copy, mid-verify, just after the rename),
in a child process that slows or pauses that point; and the landing manifest is checked against a torn
last line (a writer killed mid-append).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tests.conftest import expect_work
from tests.tablecompare import content, same_content, tables

REPO = Path(__file__).resolve().parents[1]
HANG_GUARD = 1200  # seconds: only stops a run that never gets anywhere (hanging is one of the failures tested)
VOLATILE = {("main", "dq_results"), ("main", "dq_validated"), ("main", "dbt_build_plan"),  # stamped per run
            ("raw", "_loads")}
LOADS = "SELECT load_id, table_name, source, rows_in, rows_inserted FROM raw._loads"


# --------------------------------------------------------------------------- running and killing


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment without the settings fixtures exported (the child reads --home)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAGILITY_", "DAGSTER_"))}
    return {**env, **extra}


def holders(path: Path) -> dict[int, str]:
    """Live processes with ``path`` open: pid -> command line."""
    out, target = {}, str(path.resolve())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) == target for fd in (entry / "fd").iterdir()):
                out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return out


def group_members(pgid: int) -> dict[int, str]:
    """Live (non-zombie) processes of a process group: pid -> command line."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out[int(entry.name)] = cmd
    return out


class Run:
    """A subprocess in its own process group whose output is read line by line (stderr folded in)."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(argv, cwd=REPO, env=env or child_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self._ended = False

    @classmethod
    def fragility(cls, home: Path, *args: str) -> Run:
        return cls([sys.executable, "-m", "orchestration", "run", "--home", str(home), *args])

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def _drain(self, block_for: float) -> bool:
        """Collect output lines; False once the output has ended."""
        try:
            line = self._queue.get(timeout=block_for)
            while True:
                if line is None:
                    self._ended = True
                    return False
                self.lines.append(line)
                line = self._queue.get_nowait()
        except queue.Empty:
            return not self._ended

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until(self, condition: Callable[[], bool], what: str, *, poll: float = 0.005) -> None:
        """Return as soon as ``condition()`` holds; fail if the run ends (or never progresses) first."""
        deadline = time.monotonic() + HANG_GUARD
        while not condition():
            if not self._drain(poll):
                if condition():
                    return
                pytest.fail(f"the run ended (rc={self.proc.wait()}) before {what}:\n{self.output}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {HANG_GUARD}s (hung?):\n{self.output}")

    def wait_for_line(self, pattern: str, what: str) -> None:
        rx = re.compile(pattern)
        self.wait_until(lambda: any(rx.search(x) for x in self.lines), what, poll=0.05)

    def kill(self) -> dict[int, str]:
        """SIGKILL the whole process group; returns who was in it. Waits until every member is gone."""
        members = group_members(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 60
        while group_members(self.proc.pid):
            assert time.monotonic() < deadline, f"survivors after SIGKILL: {group_members(self.proc.pid)}"
            time.sleep(0.05)
        while self._drain(0.2):
            pass
        return members

    def finish(self) -> int:
        deadline = time.monotonic() + HANG_GUARD
        while self._drain(0.5):
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the run did not finish within {HANG_GUARD}s (hung?):\n{self.output}")
        return self.proc.wait()


# --------------------------------------------------------------------------- what a consistent warehouse is


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_published(path: Path, sha_before: str, reference: dict) -> None:
    """Byte-identical to the last good file, opens read-only, answers PRAGMAs and queries."""
    assert sha256(path) == sha_before, "the published file changed after a killed run"
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("PRAGMA database_size").fetchone()[0] == path.stem
        assert con.execute("SELECT count(*) FROM marts.fct_fragility_daily").fetchone()[0] == \
            reference[("marts", "fct_fragility_daily")][0]
    finally:
        con.close()


def check_all_or_nothing(db: Path, reference: dict) -> dict[tuple[str, str], int]:
    """The working copy opens and reads; every raw table holds all of its reference rows or none."""
    got = content(db)  # reads every table of the working copy in full
    raw = {k: v[0] for k, v in got.items() if k[0] == "raw" and k not in VOLATILE}
    for key, rows in raw.items():
        assert rows in (0, reference[key][0]), f"{key}: {rows} rows, a partial load (reference {reference[key][0]})"
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM (SELECT load_id, table_name FROM raw._loads "
                           "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0] == 0
    finally:
        con.close()
    return raw


def check_consistent(home: Path, reference: dict, reference_home: Path) -> None:
    """After a successful re-run: everything as in the reference build, nothing twice, nothing left over."""
    from ingestion.registry import SOURCES

    published = home / "fragility.duckdb"
    got = content(published)
    assert sorted(got) == sorted(reference), "a table is missing or left over (e.g. a dbt __dbt_tmp table)"
    differs = {k: (got[k], reference[k]) for k in reference
               if k not in VOLATILE and not same_content(got[k], reference[k])}
    assert not differs, f"tables whose content differs from the reference build: {differs}"
    con = duckdb.connect(str(published), read_only=True)
    try:
        for source in SOURCES:
            for t in source.tables:
                keys = ", ".join(t.key)
                dupes = con.execute(f"SELECT count(*) FROM (SELECT {keys} FROM {t.name} GROUP BY ALL "
                                    "HAVING count(*) > 1)").fetchone()[0]
                assert dupes == 0, f"{t.name}: {dupes} duplicate natural keys ({keys})"
        assert con.execute("SELECT count(*) FROM (SELECT load_id, table_name FROM raw._loads "
                           "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0] == 0
        loads = sorted(con.execute(LOADS).fetchall())
    finally:
        con.close()
    ref = duckdb.connect(str(reference_home / "fragility.duckdb"), read_only=True)
    try:
        assert loads == sorted(ref.execute(LOADS).fetchall())  # every load once, as in the reference
    finally:
        ref.close()
    # the landing manifest: every line a record, the same payloads as the reference build's
    lines = (home / "landing" / "manifest.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b""
    hashes = {json.loads(x)["content_hash"] for x in lines[:-1]}
    ref_lines = (reference_home / "landing" / "manifest.jsonl").read_text().splitlines()
    assert hashes == {json.loads(x)["content_hash"] for x in ref_lines}
    from ingestion.landing import Landing

    assert len(Landing(home).payloads()) == len(hashes)


def dagster_runs(home: Path) -> list[str]:
    """Status of every run in the home's Dagster instance, oldest first (in a child: a clean instance)."""
    code = textwrap.dedent("""
        import sys, dagster as dg
        with dg.DagsterInstance.from_config(sys.argv[1]) as instance:
            runs = instance.get_runs()
            print(",".join(r.status.value for r in reversed(runs)))
            print(len(instance.event_log_storage.get_concurrency_run_ids()))
    """)
    out = subprocess.run([sys.executable, "-c", code, str(home / "dagster")], cwd=REPO, env=child_env(),
                         capture_output=True, text=True, timeout=300, check=True).stdout.split()
    assert out[1] == "0", "a run still holds or waits for a pool slot"
    return out[0].split(",")


@pytest.fixture(scope="module")
def reference(built_home) -> dict:
    return content(built_home / "fragility.duckdb")


# --------------------------------------------------------------------------- kill -9 during real runs

# publish copies with publish._copy (copy_file_range in the kernel): that is the copy slowed here. Slowing
# anything else (shutil.copyfileobj, only its fallback) left the kernel copy to finish before the kill.
SLOW_PUBLISH_RUN = """
import sys, time
import orchestration.publish as publish

def slow_copy(src, dst):  # the real copy, a megabyte at a time, slowly: a window to kill in
    while chunk := src.read(1 << 20):
        dst.write(chunk)
        dst.flush()
        time.sleep(0.25)

publish._copy = slow_copy
from orchestration.cli import main
main(["run", "--home", sys.argv[1]], prog_name="fragility")
"""


def test_kill_during_ingest_dbt_and_publish_then_rerun(scratch_home, built_home, reference):
    home = scratch_home
    published, build = home / "fragility.duckdb", home / "build" / "fragility.duckdb"
    good = sha256(published)
    # Give ingest real work: empty every raw table of the working copy (the landing zone stays).
    con = duckdb.connect(str(build))
    for schema, table in tables(con):
        if schema == "raw":
            con.execute(f"DELETE FROM raw.{table}")
    con.close()

    # 1. kill -9 during ingest: FRED has committed, later sources have not.
    expect_work(home)
    run = Run.fragility(home)
    run.wait_for_line(r"\[ok  \] ingest +fred_raw", "the FRED ingest step")
    run.kill()
    assert not any("dbt build" in x for x in run.lines)
    check_published(published, good, reference)
    raw = check_all_or_nothing(build, reference)
    assert raw[("raw", "fred__observations")] == reference[("raw", "fred__observations")][0]
    assert any(rows == 0 < reference[k][0] for k, rows in raw.items()), "the kill came after ingest finished"

    # 2. kill -9 during dbt (the dbt child process included), once dbt is building tables.
    log = home / "logs" / "last_run.log"
    table_built = re.compile(r"OK created sql table model (intermediate|marts)\.")
    expect_work(home)  # ingest reloads exactly what was there: without this the build would (rightly) be skipped
    run = Run.fragility(home)
    run.wait_until(lambda: log.exists() and bool(table_built.search(log.read_text(errors="replace"))),
                   "dbt building a table", poll=0.1)
    assert "[....] recover" in run.output  # the run killed in step 1 was marked failed, its pool slot freed
    members = run.kill()
    assert any("dbt" in cmd for cmd in members.values()), members  # the dbt child was running, and is gone
    # dbt itself runs in a process of the warm dbt (orchestration/warm_dbt.py), outside the run's group: it
    # dies with its killed client, and nothing holds the working copy afterwards
    deadline = time.monotonic() + 60
    while holders(build):
        assert time.monotonic() < deadline, f"still holding {build} after the kill: {holders(build)}"
        time.sleep(0.05)
    assert not any("[ok  ] dbt build" in x for x in run.lines)
    check_published(published, good, reference)
    check_all_or_nothing(build, reference)

    # 3. kill -9 during publish: a real run whose copy to the published file is slowed; killed mid-copy.
    run = Run([sys.executable, "-c", SLOW_PUBLISH_RUN, str(home)])  # rebuilds: the last run died mid-build
    stray = []

    def copying() -> bool:
        stray[:] = [p for p in home.glob(".fragility.duckdb.*.tmp") if p.stat().st_size >= 2 << 20]
        return bool(stray)

    run.wait_until(copying, "the publish copy in progress", poll=0.02)
    run.kill()
    assert any("[ok  ] dbt build" in x for x in run.lines) and not any("] publish" in x for x in run.lines)
    assert stray[0].exists() and stray[0].stat().st_size < build.stat().st_size  # a half-written copy...
    check_published(published, good, reference)  # ...that never replaced anything

    # A writer killed mid-append leaves a torn last line in the landing manifest.
    manifest = home / "landing" / "manifest.jsonl"
    text = manifest.read_bytes()
    last = text.rstrip(b"\n").rfind(b"\n") + 1
    manifest.write_bytes(text[: last + (len(text) - last) // 2])

    # 4. the re-run: succeeds, republishes, and the warehouse is as if nothing had happened.
    run = Run.fragility(home)
    assert run.finish() == 0, run.output
    assert "[....] recover" in run.output
    assert any("[ok  ] publish" in x for x in run.lines) and f"published: {published}" in run.output
    assert not stray[0].exists(), "the dead publisher's half-written copy was left behind"
    assert not list(home.glob(".fragility.duckdb.*.tmp"))
    check_consistent(home, reference, built_home)
    runs = dagster_runs(home)  # the three killed runs were marked failed; none is left "started"
    assert runs.count("FAILURE") == 3 and set(runs) == {"SUCCESS", "FAILURE"} and runs[-1] == "SUCCESS", runs


# --------------------------------------------------------------------------- publish killed at function level

KILLED_PUBLISH = """
import os, sys, time, types
from pathlib import Path
import orchestration.publish as publish

build, published, marker, point = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]

def reached():
    marker.write_text(str(os.getpid()))
    time.sleep(600)  # killed here

if point == "copy":  # mid-copy: a first megabyte is written, the rest never comes
    def copy(src, dst, length=0):
        dst.write(src.read(1 << 20))
        dst.flush()
        reached()
    publish.shutil = types.SimpleNamespace(copyfileobj=copy)
elif point == "verify":  # the copy is complete and synced, not yet checked
    publish._verify = lambda candidate, connect: reached()
elif point == "renamed":  # the rename is done, the directory not yet synced
    real = os.replace
    def replace(src, dst):
        real(src, dst)
        reached()
    os.replace = replace
publish.publish(build, published)
"""


def _small_warehouse(path: Path, rows: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute("CREATE OR REPLACE TABLE marts.fct_t AS SELECT range AS i, md5(range::VARCHAR) AS h "
                f"FROM range({rows})")
    con.close()


@pytest.mark.parametrize("point, survivor", [("copy", "old"), ("verify", "old"), ("renamed", "new")])
def test_publish_killed_at_each_step_leaves_a_whole_published_file(tmp_path, point, survivor):
    from orchestration.publish import publish

    build, published = tmp_path / "build" / "w.duckdb", tmp_path / "w.duckdb"
    build.parent.mkdir()
    _small_warehouse(build, 200_000)
    publish(build, published)
    old = sha256(published)
    _small_warehouse(build, 400_000)  # the next version, several megabytes
    from orchestration.publish import checkpoint

    checkpoint(build)
    marker = tmp_path / "reached"
    run = Run([sys.executable, "-c", KILLED_PUBLISH, str(build), str(published), str(marker), point])
    run.wait_until(marker.exists, f"publish reaching {point}")
    run.kill()

    new = sha256(build)
    assert sha256(published) == (old if survivor == "old" else new)
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.fct_t").fetchone()[0] == (200_000 if survivor == "old" else 400_000)
    con.close()
    strays = list(tmp_path.glob(".w.duckdb.*.tmp"))
    assert [p.name for p in strays] == ([] if point == "renamed" else [f".w.duckdb.{run.proc.pid}.tmp"])
    # the next publish clears the dead publisher's copy and ships the new version
    publish(build, published)
    assert sha256(published) == sha256(build) != old and not list(tmp_path.glob(".w.duckdb.*.tmp"))


def test_publish_leaves_a_live_publishers_copy_alone(tmp_path):
    from orchestration.publish import publish

    build, published = tmp_path / "build" / "w.duckdb", tmp_path / "w.duckdb"
    build.parent.mkdir()
    _small_warehouse(build, 1000)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        theirs = tmp_path / f".w.duckdb.{live.pid}.tmp"
        theirs.write_bytes(b"in progress")
        odd = tmp_path / ".w.duckdb.notapid.tmp"
        odd.write_bytes(b"?")
        publish(build, published)
        assert theirs.exists() and odd.exists()
    finally:
        live.kill()
        live.wait()


# --------------------------------------------------------------------------- a torn landing manifest


def _landing_with_torn_tail(tmp_path: Path):
    import datetime as dt

    from ingestion.landing import Landing

    landing = Landing(tmp_path)
    when, day = dt.datetime(2025, 11, 21, 12, tzinfo=dt.UTC), dt.date(2025, 11, 21)
    for i in range(3):
        landing.store("fred", {"endpoint": "fred/series", "series_id": f"S{i}"}, f"body {i}".encode(),
                      fetched_at=when, as_of=day)
    text = landing.manifest.read_bytes()
    cut = text.rstrip(b"\n").rfind(b"\n") + 1 + 40  # the third record, 40 bytes of it
    landing.manifest.write_bytes(text[:cut])
    return landing, when, day


def test_a_torn_last_manifest_line_is_not_a_record_and_is_repaired_by_the_next_append(tmp_path):
    from ingestion.landing import Landing

    landing, when, day = _landing_with_torn_tail(tmp_path)
    again = Landing(tmp_path)  # used to crash: json.loads on the torn line
    assert sorted(p.request["series_id"] for p in again.payloads()) == ["S0", "S1"]
    # The next fetch of the torn record's bytes records it again, after cutting the torn line.
    again.store("fred", {"endpoint": "fred/series", "series_id": "S2"}, b"body 2", fetched_at=when, as_of=day)
    lines = landing.manifest.read_text().split("\n")
    assert lines[-1] == "" and [json.loads(x)["request"]["series_id"] for x in lines[:-1]] == ["S0", "S1", "S2"]
    assert len(Landing(tmp_path).payloads()) == 3


def test_a_torn_tail_is_cut_before_any_other_append(tmp_path):
    from ingestion.landing import Landing

    _, when, day = _landing_with_torn_tail(tmp_path)
    landing = Landing(tmp_path)
    landing.store("nyfed", {"endpoint": "x"}, b"other", fetched_at=when, as_of=day)
    records = [json.loads(x) for x in landing.manifest.read_text().splitlines()]
    assert [r["source"] for r in records] == ["fred", "fred", "nyfed"]


def test_a_manifest_that_is_all_one_torn_line(tmp_path):
    import datetime as dt

    from ingestion.landing import Landing

    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "manifest.jsonl").write_bytes(b'{"as_of": "2025-')
    landing = Landing(tmp_path)
    assert landing.payloads() == []
    landing.store("fred", {"endpoint": "e"}, b"x", fetched_at=dt.datetime(2025, 1, 1), as_of=dt.date(2025, 1, 1))
    assert len(landing.manifest.read_text().splitlines()) == 1 and len(Landing(tmp_path).payloads()) == 1


def test_a_damaged_line_inside_the_manifest_is_named(tmp_path):
    from ingestion.landing import Landing

    landing, _, _ = _landing_with_torn_tail(tmp_path)
    landing.manifest.write_bytes(landing.manifest.read_bytes() + b"\n" + b'{"source": "fred"}\n')
    with pytest.raises(ValueError, match=r"manifest.jsonl line 3 is not a manifest record"):
        Landing(tmp_path)
