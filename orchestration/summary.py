"""What `fragility run` prints at the end: stage times, the headline or what failed, and where things are."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    stage_seconds: dict[str, float] = field(default_factory=dict)  # summed step times per stage
    run_seconds: dict[str, float] = field(default_factory=dict)  # wall time of each Dagster run (job -> s)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    dq_report: object = None  # Path of the data-quality HTML report, when checks ran
    plan: object = None  # the planning.Plan the build followed (None when it was skipped or ingest failed)
    skipped_build: bool = False  # nothing changed since the last publish: dbt, checks and publish did not run
    total_seconds: float = 0.0


def write_dq_report(warehouse, settings, run_id: str):
    """The Great Expectations results of this run as one HTML page (on failure too: that is when it matters)."""
    import duckdb

    from expectations.report import write_html
    from orchestration.resources import WarehouseBusy, WarehouseMissing

    try:
        with warehouse.read_only() as con:
            has_results = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dq_results'").fetchone()[0]
            return write_html(con, settings.home / "reports" / "dq_report.html", run_id) if has_results else None
    except (WarehouseBusy, WarehouseMissing, duckdb.Error):
        return None


def summarise(warehouse, outcome: Outcome) -> list[str]:
    lines = ["stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in outcome.stage_seconds.items())
             + f"; total {outcome.total_seconds:.1f}s"]
    if outcome.run_seconds:
        lines.append("runs: " + ", ".join(f"{k} {v:.1f}s" for k, v in outcome.run_seconds.items()))
    published = warehouse.describe()
    if not outcome.success:
        lines.append("FAILED: the published warehouse was left unchanged.")
        lines += [f"  {line}" for line in outcome.failed_steps + outcome.failed_checks]
        if warehouse.published_exists():
            lines.append(f"last good copy: {published}")
        if outcome.dq_report:
            lines.append(f"data-quality report: {outcome.dq_report}")
        return lines
    # Read the working copy: it equals what was just published, and an analyst's CLI session may
    # hold a lock on the published file.
    from orchestration import headline

    with warehouse.read_only() as con:
        lines += headline.lines(headline.latest(con))
    where = published if not warehouse.is_lake else f"snapshot {warehouse.published_snapshot()} of the {published}"
    lines.append(f"published: {where}"
                 + (" (unchanged: nothing new since the last publish)" if outcome.skipped_build else ""))
    if outcome.dq_report:
        lines.append(f"data-quality report: {outcome.dq_report}")
    return lines
