"""`fragility run`: the ingest job, then the build job on what the planner selects, in this process.

These are the jobs the UI shows and the daemon launches (orchestration.jobs), planned by the same code
(orchestration.planning): the CLI's only differences are that it runs them in its own process and prints a
line per finished step. The daemon's path is a schedule's ingest run, then the ``build_on_new_data``
sensor's build run (orchestration.build_sensor).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.constants import BUILD_JOB, INGEST_JOB, TRIGGER_TAG
from orchestration.settings import Settings
from orchestration.summary import Outcome, stage_of, summarise, write_dq_report

RUN_TAG = "fragility/launched_by"  # marks the runs `fragility run` executes in its own process


class _Progress(logging.Handler):
    """Turns Dagster step events into one progress line per finished step."""

    def __init__(self, echo: Callable[[str], None], outcome: Outcome) -> None:
        super().__init__(logging.DEBUG)  # Dagster logs its events at DEBUG
        self.echo, self.outcome = echo, outcome
        self.started: dict[str, float] = {}
        self.materialized: dict[str, set] = {}  # step -> asset keys
        self.partitions: dict[str, set] = {}  # step -> partition keys (daily sources)

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.perf_counter()
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            self.materialized.setdefault(step, set()).add(materialization.asset_key)
            if materialization.partition:
                self.partitions.setdefault(step, set()).add(materialization.partition)
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                key = "/".join(data.asset_key.path)
                desc = data.description or ""
                lines = [x for x in desc.splitlines() if x.strip()] or [""]
                self.outcome.failed_checks.append(f"check {data.check_name} on {key} failed: {lines[0]}".rstrip(": "))
                self.outcome.failed_checks += [f"  {x}" for x in lines[1:]]
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            took = time.perf_counter() - self.started.get(step, time.perf_counter())
            stage = stage_of(step)
            self.outcome.stage_seconds[stage] = self.outcome.stage_seconds.get(stage, 0.0) + took
            mark = {"STEP_SUCCESS": "ok  ", "STEP_FAILURE": "FAIL", "STEP_SKIPPED": "skip"}[kind]
            n, days = len(self.materialized.get(step, ())), len(self.partitions.get(step, ()))
            extra = (f", {n} assets" if n else "") + (f" x {days} daily partitions" if days else "")
            self.echo(f"  [{mark}] {stage:<9} {step} ({took:.1f}s{extra})")
            if kind == "STEP_FAILURE" and "gx_" not in step:  # a failed check says it better below
                err = event.event_specific_data.error
                while err is not None and err.cause is not None:  # the user's error, not Dagster's wrapper
                    err = err.cause
                reason = (err.message if err else "failed").strip().splitlines()
                self.outcome.failed_steps.append(f"{step}: {reason[-1] if reason else 'failed'}")


def _progress_logger(echo: Callable[[str], None], outcome: Outcome) -> dg.LoggerDefinition:
    @dg.logger(description="One line per finished step (used by `fragility run`).")
    def progress(_init_context):
        log = logging.Logger("fragility.progress", level=logging.DEBUG)
        log.addHandler(_Progress(echo, outcome))
        return log

    return progress


def _stdout_echo(line: str) -> None:
    print(line, file=sys.__stdout__, flush=True)


class RunInProgress(RuntimeError):
    """Another `fragility run` holds this home: DuckDB has one writer, so this one does not start."""


def _lock_path(settings: Settings) -> Path:
    return settings.home / "run.lock"


@contextlib.contextmanager
def home_lock(settings: Settings):
    """An exclusive, non-blocking lock on HOME/run.lock for the whole run (released if the process dies)."""
    import fcntl

    settings.home.mkdir(parents=True, exist_ok=True)
    path = _lock_path(settings)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = path.read_text().strip() or "another process"
            raise RunInProgress(f"another fragility run (pid {holder}) is writing {settings.home}; "
                                "wait for it to finish or use another --home") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def home_busy(settings: Settings) -> str | None:
    """The pid of the `fragility run` that holds this home, or None (a probe: the lock is not kept)."""
    import fcntl

    path = _lock_path(settings)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return path.read_text().strip() or "?"
    finally:
        os.close(fd)  # closing drops the probe's own lock
    return None


def run_pipeline(
    settings: Settings, *, echo: Callable[[str], None] = _stdout_echo, verbose: bool = False, rebuild: bool = False
) -> Outcome:
    """Ingest; then build what the plan selects (nothing, when nothing changed since the last publish)."""
    with home_lock(settings):
        return _run_locked(settings, echo, verbose, rebuild)


def _run_locked(settings: Settings, echo: Callable[[str], None], verbose: bool, rebuild: bool) -> Outcome:
    from orchestration import planning
    from orchestration.assets.dbt import ensure_manifest, manifest_is_stale
    from orchestration.checks import REVALIDATE_TAG
    from orchestration.dagster_storage import instance_for, write_instance_config
    from orchestration.jobs import BUILD, RAW
    from orchestration.partitions import ingest_partitions, range_tags

    t0 = time.perf_counter()
    outcome = Outcome(success=False, run_id="")
    echo(f"fragility: source={settings.source} scale={settings.scale} home={settings.home}")
    t = time.perf_counter()
    if manifest_is_stale():
        echo("  [....] prepare   dbt parse (manifest missing or out of date)")
        ensure_manifest()
    outcome.stage_seconds["prepare"] = time.perf_counter() - t

    t = time.perf_counter()
    from orchestration.definitions import build_defs

    defs = build_defs(settings)
    outcome.stage_seconds["load definitions"] = time.perf_counter() - t
    loggers = {"progress": _progress_logger(echo, outcome), "console": dg.colored_console_logger}
    run_config = {"loggers": {"progress": {}, **({"console": {}} if verbose else {})}}
    # dbt echoes its own log to stdout; keep it in HOME/logs unless --verbose.
    log_dir = settings.home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    write_instance_config(settings.dagster_home, settings)
    warehouse = defs.resources["duckdb"]
    graph = defs.resolve_asset_graph()
    with instance_for(settings.dagster_home) as instance, open(log_dir / "last_run.log", "w") as log_file:
        _fail_dead_runs(instance, echo)
        sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(log_file)
        tags = {RUN_TAG: "fragility run", TRIGGER_TAG: "cli", **({REVALIDATE_TAG: "true"} if rebuild else {})}

        def execute(name: str, selection=None, config: dict | None = None, extra_tags: dict | None = None):
            job = defs.resolve_job_def(name).with_logger_defs(loggers)
            with sink:
                return job.execute_in_process(run_config={**run_config, **(config or {})}, instance=instance,
                                              asset_selection=sorted(selection) if selection is not None else None,
                                              raise_on_error=False, tags={**tags, **(extra_tags or {})})

        # Two runs: ingest first, so that a re-run with nothing new stops there, and a new day builds only
        # what it feeds.
        days, daily = ingest_partitions(graph, instance, warehouse, settings)
        ingest = None
        if days:
            echo(f"  [....] partitions daily sources: publication days {days.start}..{days.end} (America/New_York)")
        elif daily:  # every publication day is loaded: the daily sources sit this run out
            echo("  [skip] partitions daily sources: every publication day up to the as-of day is loaded")
            ingest = RAW.resolve(graph) - set(daily)
        result = execute(INGEST_JOB, ingest, extra_tags=range_tags(days) if days else None)
        if result.success:
            if rebuild:
                with warehouse.read_only() as con:
                    state = planning.read_state(con, planning.current_code(settings))
                build_plan = planning.Plan("full", reasons=("--rebuild",), state=state)
                selection = BUILD.resolve(graph)
            else:
                build_plan, selection = planning.next_build(instance, warehouse, settings, graph, BUILD.resolve(graph))
            if not selection:
                outcome.skipped_build = True
                echo("  [skip] dbt build, checks, publish: no new data and no change to the models or checks since "
                     "the last publish (fragility run --rebuild forces them)")
            else:
                outcome.plan = build_plan
                echo(f"  [....] plan      {build_plan.describe()}")
                config = {"ops": {"fragility_dbt": {"config": {"full_refresh": True}}}} if rebuild else None
                result = execute(BUILD_JOB, selection, config)
    outcome.run_id = result.run_id
    outcome.success = result.success
    outcome.dq_report = None if outcome.skipped_build else write_dq_report(warehouse, settings, result.run_id)
    outcome.total_seconds = time.perf_counter() - t0
    outcome.summary = summarise(warehouse, outcome)
    return outcome


def _fail_dead_runs(instance: dg.DagsterInstance, echo: Callable[[str], None]) -> None:
    """Runs of an earlier `fragility run` on this home that never finished: the process died (kill -9).

    The caller holds the home lock, so no other `fragility run` is alive here and such runs are dead.
    Mark them failed and free the "duckdb_writer" pool slot they held; otherwise this run's first step
    would wait for that slot forever.
    """
    live = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
            dg.DagsterRunStatus.CANCELING]
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=live, tags={RUN_TAG: "fragility run"})):
        instance.report_run_failed(run, "the fragility run process died before the run finished (killed?)")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        echo(f"  [....] recover   run {run.run_id[:8]} of an earlier fragility run never finished: marked failed")
