"""`fragility run`: the ingest job, then the build job on what the planner selects, in this process.

These are the jobs the UI shows and the daemon launches (orchestration.jobs), planned by the same code
(orchestration.planning): the CLI's only differences are that it runs them in its own process and prints a
line per finished step. The daemon's path is a schedule's ingest run, then the ``build_on_new_data``
sensor's build run (orchestration.build_sensor).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.constants import BUILD_JOB, INGEST_JOB, RAW_CHECKS_JOB, TRIGGER_TAG
from orchestration.settings import Settings
from orchestration.summary import Outcome, stage_of, summarise, write_dq_report

RUN_TAG = "fragility/launched_by"  # marks the runs `fragility run` executes in its own process


class _Progress(logging.Handler):
    """Turns Dagster step events into one progress line per finished step (in the step's own process, when
    steps run in processes of their own). What the outcome keeps is read from the run's events afterwards."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        super().__init__(logging.DEBUG)  # Dagster logs its events at DEBUG
        self.echo = echo
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
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            took = time.perf_counter() - self.started.get(step, time.perf_counter())
            mark = {"STEP_SUCCESS": "ok  ", "STEP_FAILURE": "FAIL", "STEP_SKIPPED": "skip"}[kind]
            n, days = len(self.materialized.get(step, ())), len(self.partitions.get(step, ()))
            extra = (f", {n} assets" if n else "") + (f" x {days} daily partitions" if days else "")
            self.echo(f"  [{mark}] {stage_of(step):<9} {step} ({took:.1f}s{extra})")


def _progress_logger(echo: Callable[[str], None]) -> dg.LoggerDefinition:
    @dg.logger(description="One line per finished step (used by `fragility run`).")
    def progress(_init_context):
        log = logging.Logger("fragility.progress", level=logging.DEBUG)
        log.addHandler(_Progress(echo))
        return log

    return progress


def absorb(outcome: Outcome, entries) -> None:
    """Stage times, failed steps and failed checks of a finished run, from its event log entries."""
    started: dict[str, float] = {}
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        step, kind = event.step_key or "", event.event_type_value
        if kind == "STEP_START":
            started[step] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED") and step in started:
            stage = stage_of(step)
            outcome.stage_seconds[stage] = outcome.stage_seconds.get(stage, 0.0) + entry.timestamp - started[step]
        if kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                key = "/".join(data.asset_key.path)
                lines = [x for x in (data.description or "").splitlines() if x.strip()] or [""]
                outcome.failed_checks.append(f"check {data.check_name} on {key} failed: {lines[0]}".rstrip(": "))
                outcome.failed_checks += [f"  {x}" for x in lines[1:]]
        elif kind == "STEP_FAILURE" and "gx_" not in step:  # a failed check says it better above
            err = event.event_specific_data.error
            while err is not None and err.cause is not None:  # the user's error, not Dagster's wrapper
                err = err.cause
            reason = (err.message if err else "failed").strip().splitlines()
            outcome.failed_steps.append(f"{step}: {reason[-1] if reason else 'failed'}")


def parallel_ingest_job(home: str, source: str, files_dir: str | None, scale: int, as_of: str | None,
                        lake_data: str | None) -> dg.JobDefinition:
    """The ingest job as the parallel ingest's step processes load it (``dg.execute_job``): the settings come as
    arguments, which Dagster keeps with the run, so the catalog string (it may hold a password) is not among
    them: it comes from FRAGILITY_LAKE_CATALOG, or the local server of `fragility lake up` in the home."""
    import datetime as dt

    from orchestration.assembly import build_ingest_defs

    settings = Settings(Path(home), source, Path(files_dir) if files_dir else None, scale,
                        dt.date.fromisoformat(as_of) if as_of else None, "ducklake",
                        os.environ.get("FRAGILITY_LAKE_CATALOG") or None, Path(lake_data) if lake_data else None)
    if settings not in _BUILT:  # the forkserver built them before forking this step (``preload_definitions``)
        _BUILT[settings] = build_ingest_defs(settings)  # no manifest: dbt may be parsing
    job = _BUILT[settings].resolve_job_def(INGEST_JOB)
    return job.with_logger_defs({"progress": _progress_logger(_stdout_echo), "console": dg.colored_console_logger})


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
    from orchestration.dbt_parse import Parse, manifest_is_stale
    from orchestration.resources import WarehouseDuckDB

    t0 = time.perf_counter()
    outcome = Outcome(success=False, run_id="")
    echo(f"fragility: source={settings.source} scale={settings.scale} home={settings.home}")
    parsing = None
    if manifest_is_stale():  # dbt parses in its own process while this one imports and ingests
        from orchestration import warm_dbt
        from orchestration.dbt_client import WARM_KEY

        echo("  [....] prepare   dbt parse, during the ingest (manifest missing or out of date)")
        prepared = WarehouseDuckDB.for_settings(settings)
        warm = warm_dbt.ensure()  # the parse forks from it: dbt's imports are paid once, for it and the build
        env = {**prepared.dbt_env(), **({WARM_KEY: warm} if warm else {})}
        parsing = Parse(settings.dbt_target, env, prepared.dbt_target).start()
    try:
        return _run_parsing(settings, echo, verbose, rebuild, outcome, t0, parsing)
    finally:
        if parsing is not None:
            parsing.stop()  # a run that ended before it needed the parse (ingest failed, interrupted)


def _run_parsing(settings: Settings, echo: Callable[[str], None], verbose: bool, rebuild: bool,
                 outcome: Outcome, t0: float, parsing) -> Outcome:
    from orchestration import planning, warm_dbt
    from orchestration.assembly import build_defs, build_ingest_defs
    from orchestration.checks import REVALIDATE_TAG
    from orchestration.dagster_storage import instance_for, write_instance_config
    from orchestration.jobs import BUILD, RAW
    from orchestration.partitions import ingest_partitions, range_tags

    outcome.stage_seconds["prepare"] = time.perf_counter() - t0
    if parsing is None:  # (a parse asked for it already: asking again would wait for its imports to answer)
        warm_dbt.ensure()  # dbt's imports in its own process now, during ingest, not in the dbt step

    t = time.perf_counter()
    # The ingest job needs no dbt manifest: while dbt parses it runs from the ingest part of the definitions
    # (tests/test_definitions.py checks it is the code location's ingest job), and the build loads them all.
    ingest_defs = build_ingest_defs(settings) if parsing is not None else build_defs(settings)
    outcome.stage_seconds["load definitions"] = time.perf_counter() - t
    loggers = {"progress": _progress_logger(echo), "console": dg.colored_console_logger}
    run_config = {"loggers": {"progress": {}, **({"console": {}} if verbose else {})}}
    # dbt echoes its own log to stdout; keep it in HOME/logs unless --verbose.
    log_dir = settings.home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    write_instance_config(settings.dagster_home, settings)
    warehouse = ingest_defs.resources["duckdb"]
    with instance_for(settings.dagster_home) as instance, open(log_dir / "last_run.log", "w") as log_file:
        _fail_dead_runs(instance, echo)
        sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(log_file)
        tags = {RUN_TAG: "fragility run", TRIGGER_TAG: "cli", **({REVALIDATE_TAG: "true"} if rebuild else {})}

        def execute(defs: dg.Definitions, name: str, selection=None, config: dict | None = None,
                    extra_tags: dict | None = None):
            started = time.perf_counter()
            try:
                return _execute(defs, name, selection, config, extra_tags)
            finally:
                outcome.run_seconds[name] = time.perf_counter() - started

        def _execute(defs: dg.Definitions, name: str, selection=None, config: dict | None = None,
                     extra_tags: dict | None = None):
            selected = sorted(selection) if selection is not None else None
            config, run_tags = {**run_config, **(config or {})}, {**tags, **(extra_tags or {})}
            if name == INGEST_JOB and settings.warehouse == "ducklake":  # its executor runs sources at once
                job = dg.build_reconstructable_job("orchestration.execution", "parallel_ingest_job",
                                                   reconstructable_kwargs=_job_kwargs(settings))
                # By ops, not assets: execute_job has no asset_check_selection, and an asset selection brings
                # every check of the selected assets into this run, one process each (they run in RAW_CHECKS_JOB).
                ops = sorted({defs.resolve_assets_def(key).op.name for key in selected}) if selected else None
                with (sink, _scoped_env({PARALLEL_ENV: json.dumps(_job_kwargs(settings))}),
                      dg.execute_job(job, instance, run_config=config, tags=run_tags, raise_on_error=False,
                                     op_selection=ops) as finished):
                    result = types.SimpleNamespace(success=finished.success, run_id=finished.run_id)
            else:
                job = defs.resolve_job_def(name).with_logger_defs(loggers)
                with sink:
                    result = job.execute_in_process(run_config=config, instance=instance, asset_selection=selected,
                                                    raise_on_error=False, tags=run_tags)
            absorb(outcome, instance.all_logs(result.run_id))
            return result

        # Two runs: ingest first, so that a re-run with nothing new stops there, and a new day builds only
        # what it feeds.
        ingest_graph = ingest_defs.resolve_asset_graph()
        days, daily = ingest_partitions(ingest_graph, instance, warehouse, settings)
        ingest = None
        if days:
            echo(f"  [....] partitions daily sources: publication days {days.start}..{days.end} (America/New_York)")
        elif daily:  # every publication day is loaded: the daily sources sit this run out
            echo("  [skip] partitions daily sources: every publication day up to the as-of day is loaded")
            ingest = RAW.resolve(ingest_graph) - set(daily)
        result = execute(ingest_defs, INGEST_JOB, ingest, extra_tags=range_tags(days) if days else None)
        if result.success and settings.warehouse == "ducklake":  # the parallel ingest's checks, in one process
            result = execute(ingest_defs, RAW_CHECKS_JOB)
        if result.success:
            if parsing is not None:
                t = time.perf_counter()
                parsing.finish()
                outcome.stage_seconds["prepare"] += time.perf_counter() - t  # what the ingest did not hide
            t = time.perf_counter()
            defs = build_defs(settings) if parsing is not None else ingest_defs
            graph = defs.resolve_asset_graph()
            outcome.stage_seconds["load definitions"] += time.perf_counter() - t
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
                result = execute(defs, BUILD_JOB, selection, config)
    outcome.run_id = result.run_id
    outcome.success = result.success
    outcome.dq_report = None if outcome.skipped_build else write_dq_report(warehouse, settings, result.run_id)
    outcome.total_seconds = time.perf_counter() - t0
    outcome.summary = summarise(warehouse, outcome)
    return outcome


_BUILT: dict = {}  # settings -> Definitions, in a parallel ingest's processes


def preload_definitions() -> None:
    """In the parallel ingest's forkserver (orchestration.jobs.PRELOAD imports this module): build the
    definitions of the run's settings once, so that no step process builds them again. The settings are the
    environment's at the forkserver's start, which `fragility run` sets for its parallel ingest (PARALLEL_ENV)."""
    if os.environ.get(PARALLEL_ENV):
        kwargs = json.loads(os.environ[PARALLEL_ENV])
        with contextlib.suppress(Exception):  # a miss only costs the step its own build
            parallel_ingest_job(**kwargs)


PARALLEL_ENV = "FRAGILITY_PARALLEL_INGEST"


@contextlib.contextmanager
def _scoped_env(values: dict[str, str]):
    """``values`` in this process's environment for the length of a run whose step processes read them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _job_kwargs(settings: Settings) -> dict:
    if settings.lake_catalog and os.environ.get("FRAGILITY_LAKE_CATALOG") != settings.lake_catalog:
        raise RuntimeError("a parallel ingest's step processes read the lake's catalog from FRAGILITY_LAKE_CATALOG: "
                           "set it to the catalog of these settings")
    return {"home": str(settings.home), "source": settings.source,
            "files_dir": str(settings.files_dir) if settings.files_dir else None, "scale": settings.scale,
            "as_of": settings.as_of.isoformat() if settings.as_of else None,
            "lake_data": str(settings.lake_data) if settings.lake_data else None}


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


preload_definitions()
