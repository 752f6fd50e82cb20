"""Execute the full_build job in-process with progress per stage, then summarise the result.

The CLI, the benchmark and the end-to-end tests all run the pipeline through here, i.e. through the
same Definitions object the UI shows, so there is one code path.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.partitions import range_tags
from orchestration.settings import Settings

RUN_TAG = "fragility/launched_by"  # marks the runs `fragility run` executes in its own process
# The jobs `fragility run` executes, in order (orchestration.definitions defines them).
INGEST_JOB, BUILD_JOB = "ingest", "build_and_publish"
STAGES = (("ingest", ("catalog",)), ("dbt build", ("fragility_dbt",)), ("publish", ("warehouse",)))


def stage_of(step_key: str) -> str:
    if "gx_" in step_key:
        return "checks"
    if step_key.endswith("_raw"):
        return "ingest"
    for stage, prefixes in STAGES:
        if step_key.startswith(prefixes):
            return stage
    return "ingest" if step_key.startswith("raw") else "checks"


@dataclass
class Outcome:
    success: bool
    run_id: str
    stage_seconds: dict[str, float] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    dq_report: object = None  # Path of the data-quality HTML report, when checks ran
    plan: object = None  # the fingerprint.Plan the build followed (None when it was skipped or ingest failed)
    skipped_build: bool = False  # nothing changed since the last publish: dbt, checks and publish did not run
    total_seconds: float = 0.0


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


@contextlib.contextmanager
def home_lock(settings: Settings):
    """An exclusive, non-blocking lock on HOME/run.lock for the whole run (released if the process dies)."""
    import fcntl
    import os

    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.home / "run.lock"
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


def run_pipeline(
    settings: Settings, *, echo: Callable[[str], None] = _stdout_echo, verbose: bool = False, rebuild: bool = False
) -> Outcome:
    """Ingest; then, unless nothing changed since the last publish (or ``rebuild``), dbt, checks, publish."""
    from expectations import gx_worker

    with home_lock(settings), gx_worker.running():  # GX imports in the worker while this process ingests
        return _run_locked(settings, echo, verbose, rebuild)


def _run_locked(settings: Settings, echo: Callable[[str], None], verbose: bool, rebuild: bool = False) -> Outcome:
    from orchestration import fingerprint

    t0 = time.perf_counter()
    outcome = Outcome(success=False, run_id="")
    echo(f"fragility: source={settings.source} scale={settings.scale} home={settings.home}")
    from orchestration.assets.dbt import dbt_project, ensure_manifest, manifest_is_stale

    t = time.perf_counter()
    if manifest_is_stale():
        echo("  [....] prepare   dbt parse (manifest missing or out of date)")
        ensure_manifest()
    outcome.stage_seconds["prepare"] = time.perf_counter() - t
    manifest = Path(dbt_project.manifest_path)

    t = time.perf_counter()
    from orchestration.definitions import build_defs

    defs = build_defs(settings)
    outcome.stage_seconds["load definitions"] = time.perf_counter() - t
    loggers = {"progress": _progress_logger(echo, outcome), "console": dg.colored_console_logger}
    run_config = {"loggers": {"progress": {}, **({"console": {}} if verbose else {})}}
    # dbt echoes its own log to stdout; keep it in HOME/logs unless --verbose.
    log_dir = settings.home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    from orchestration import dbt_warm
    from orchestration.dagster_storage import instance_for

    # dbt's import starts now, on the other core, where the GX worker's import has mostly finished: started
    # with it, both slowed this process's own start down
    with (instance_for(settings.dagster_home) as instance, open(log_dir / "last_run.log", "w") as log_file,
          dbt_warm.running()):
        _fail_dead_runs(instance, echo)
        sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(log_file)

        def execute(job: dg.JobDefinition, config: dict | None = None, tags: dict | None = None):
            job = job.with_logger_defs(loggers)
            with sink:
                return job.execute_in_process(run_config={**run_config, **(config or {})}, instance=instance,
                                              raise_on_error=False, tags={RUN_TAG: "fragility run", **(tags or {})})

        if rebuild:  # everything recomputed, every suite validated again
            _forget_validations(settings)
        # Two runs: ingest first, so that a re-run with nothing new stops there (see orchestration.fingerprint),
        # and a new day rebuilds only what it feeds.
        days, daily = daily_range(defs, instance, settings)
        ingest = defs.resolve_job_def(INGEST_JOB)
        if days:
            echo(f"  [....] partitions daily sources: publication days {days.start}..{days.end} (America/New_York)")
        elif daily:  # every publication day is loaded: the daily sources sit this run out
            echo("  [skip] partitions daily sources: every publication day up to the as-of day is loaded")
            ingest = ingest.get_subset(asset_selection=set(ingest.asset_layer.selected_asset_keys) - set(daily),
                                       asset_check_selection=set())  # as the job: no checks
        result = execute(ingest, tags=range_tags(days) if days else None)
        plan = None
        if result.success:
            plan = fingerprint.Plan("full", reasons=["--rebuild"]) if rebuild else fingerprint.plan(settings, manifest)
        if plan and plan.kind == "skip":
            outcome.skipped_build = True
            echo("  [skip] dbt build, checks, publish: no new data and no change to the models or checks since "
                 "the last publish (fragility run --rebuild forces them)")
        elif plan:
            outcome.plan = plan
            fingerprint.forget(settings)  # a run that dies from here on must not look current
            job, dbt_config = build_job_for(defs, plan)
            echo(f"  [....] plan      {describe(plan)}")
            result = execute(job, {"ops": {DBT_OP: {"config": dbt_config}}})
            if result.success:
                fingerprint.record(settings, manifest, plan.state)
    outcome.run_id = result.run_id
    outcome.success = result.success
    outcome.dq_report = None if outcome.skipped_build else _write_dq_report(settings, result.run_id)
    outcome.total_seconds = time.perf_counter() - t0
    outcome.summary = summarise(settings, outcome)
    return outcome


DBT_OP = "fragility_dbt"


def daily_range(defs: dg.Definitions, instance: dg.DagsterInstance, settings: Settings):
    """The partitions of the daily sources this run ingests (None: none to fetch), and those sources' keys."""
    from orchestration.partitions import range_to_run

    graph = defs.resolve_asset_graph()
    daily = sorted(k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None)
    if not daily:
        return None, []
    return range_to_run(instance, daily[0], settings, _loaded_until(settings, daily[0])), daily


def _loaded_until(settings: Settings, key: dg.AssetKey):
    """The newest ``known_on`` day in a daily source's raw table, or None when it is empty or absent."""
    import duckdb

    from ingestion.registry import SOURCES

    table = next((t for s in SOURCES for t in s.tables if t.asset_path == list(key.path)), None)
    if table is None or table.known_on is None or not settings.build_db.exists():
        return None
    con = duckdb.connect(str(settings.build_db), read_only=True)  # the home lock keeps writers out
    try:
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name = ?",
                             [table.name]).fetchone()[0]
        return con.execute(f"SELECT max({table.known_on}) FROM {table.name}").fetchone()[0] if exists else None
    finally:
        con.close()


def build_job_for(defs: dg.Definitions, plan) -> tuple[dg.JobDefinition, dict]:
    """The build run for a plan: the whole build job, or (incremental) only what the changed raw tables feed."""
    job = defs.resolve_job_def(BUILD_JOB)
    if plan.kind == "full":
        return job, {"full_refresh": True}
    graph = defs.resolve_asset_graph()
    changed = dg.AssetSelection.assets(*(dg.AssetKey(t.split(".")) for t in plan.changed))
    downstream = (changed.downstream() - changed - dg.AssetSelection.groups("reports")).resolve(graph)
    checks = {c for c in job.asset_layer.asset_graph.asset_check_keys if c.asset_key in downstream
              or c.asset_key in changed.resolve(graph)}
    sub = job.get_subset(asset_selection=downstream, asset_check_selection=checks)
    return sub, {"recompute_from": plan.recompute_from.isoformat() if plan.recompute_from else None,
                 "unit_tests": False}  # the code is as the last publish's build tested it


def describe(plan) -> str:
    if plan.kind == "full":
        return "full build (" + "; ".join(plan.reasons) + ")"
    what = ", ".join(plan.changed)
    since = (f"as-known rows from {plan.recompute_from} on" if plan.recompute_from
             else "every row of the incremental models")
    return f"incremental: new rows in {what}; rebuilding what they feed, {since}"


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


def _forget_validations(settings: Settings) -> None:
    """Drop the record of which suite passed on which inputs (expectations.runner), so that every suite runs."""
    import duckdb

    if not settings.build_db.exists():
        return
    con = duckdb.connect(str(settings.build_db))  # the home lock keeps other writers out
    try:
        con.execute("DROP TABLE IF EXISTS main.dq_validated")
    finally:
        con.close()


def _write_dq_report(settings: Settings, run_id: str):
    """The Great Expectations results of this run as one HTML page (on failure too: that is when it matters)."""
    import duckdb

    from expectations.report import write_html

    try:
        con = duckdb.connect(str(settings.build_db), read_only=True)
    except duckdb.Error:
        return None
    try:
        has_results = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dq_results'").fetchone()[0]
        return write_html(con, settings.home / "reports" / "dq_report.html", run_id) if has_results else None
    finally:
        con.close()


def summarise(settings: Settings, outcome: Outcome) -> list[str]:
    import duckdb

    lines = ["stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in outcome.stage_seconds.items())
             + f"; total {outcome.total_seconds:.1f}s"]
    if not outcome.success:
        lines.append("FAILED: the published warehouse was left unchanged.")
        lines += [f"  {line}" for line in outcome.failed_steps + outcome.failed_checks]
        if settings.published_db.exists():
            lines.append(f"last good copy: {settings.published_db}")
        if outcome.dq_report:
            lines.append(f"data-quality report: {outcome.dq_report}")
        return lines
    # Read the working copy: it equals what was just published, and an analyst's CLI session may
    # hold a lock on the published file.
    from orchestration import headline

    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        lines += headline.lines(headline.latest(con))
    finally:
        con.close()
    lines.append(f"published: {settings.published_db}"
                 + (" (unchanged: nothing new since the last publish)" if outcome.skipped_build else ""))
    if outcome.dq_report:
        lines.append(f"data-quality report: {outcome.dq_report}")
    return lines
