"""Great Expectations suites as Dagster asset checks (GX 1.x, imported only when a check runs).

One multi-asset check per layer (``gx_raw``, ``gx_marts``), subsettable: a run's suites of a layer share one
step and one DuckDB connection, and while the GX worker validates one suite's slice the step reads the next
(expectations.runner.run_suites); a step per asset cost about 65 ms of Dagster's bookkeeping each, and kept
the cores taking turns. Each suite is its own check, blocking or not: a failing blocking check fails the
step once every selected suite has reported, which stops everything downstream, publishing included. A
check's description has one line per failed expectation, naming the check, the table and the observed value
(the CLI prints them).
Suites whose asset (or an extra table they read) is not in the code location are left out; suites
whose tables are absent at run time pass and say they were skipped.
"""

from collections import defaultdict
from pathlib import Path

import dagster as dg

from expectations.suites import SUITES, Suite
from orchestration.constants import WRITER_POOL
from orchestration.resources import GreatExpectations, WarehouseDuckDB

DBT_MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"
# A run with this tag set to "true" validates every suite again, even on inputs that passed before
# (`fragility run --rebuild`).
REVALIDATE_TAG = "fragility/revalidate"


def known_asset_keys() -> set[tuple[str, ...]]:
    """Raw tables declared by the sources and the catalog, and every dbt model by layer (no dbt parse)."""
    from ingestion.registry import SOURCES

    keys = {("raw", "catalog__series"), ("raw", "catalog__cancelled_releases")}
    keys |= {tuple(t.asset_path) for s in SOURCES for t in s.tables}
    for layer in ("staging", "intermediate", "marts"):
        keys |= {(layer, p.stem) for p in (DBT_MODELS / layer).rglob("*.sql")}
    return keys


def _spec(suite: Suite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=f"gx_{suite.name}",
        asset=dg.AssetKey(list(suite.asset_key)),
        description=f"Great Expectations suite `{suite.name}` on {suite.table}: {suite.description}",
        blocking=suite.blocking,
        additional_deps=[dg.AssetKey(list(d)) for d in suite.deps],
    )


def _check_result(suite: Suite, result) -> dg.AssetCheckResult:
    failures = result.failures
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(list(suite.asset_key)),
        check_name=f"gx_{suite.name}",
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
        description=result.description(),
        metadata={
            "table": suite.table,
            "rows_scanned": result.rows_scanned,
            "rows_checked": result.rows_checked,
            "expectations": len(result.outcomes),
            "failed": len(failures),
            "seconds": round(result.seconds, 3),
            **({"skipped": result.skipped} if result.skipped else {}),
            # passed before on exactly these table contents: not validated again (expectations.runner)
            **({"reused_from_run": result.reused_from} if result.reused_from else {}),
            **{f"failed.{i}": f.line() for i, f in enumerate(failures[:5])},
        },
    )


def _gx_checks(layer: str, suites: list[Suite]) -> dg.AssetChecksDefinition:
    keys = {dg.AssetCheckKey(dg.AssetKey(list(s.asset_key)), f"gx_{s.name}"): s for s in suites}

    @dg.multi_asset_check(
        name=f"gx_{layer}",
        specs=[_spec(s) for s in suites],
        description=f"Great Expectations suites on the {layer} tables.",
        can_subset=True,
        pool=WRITER_POOL,
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: WarehouseDuckDB, gx: GreatExpectations):
        from expectations.runner import run_suites

        selected = [suite for key, suite in keys.items() if key in context.selected_asset_check_keys]
        reuse = context.run.tags.get(REVALIDATE_TAG) != "true"
        with duckdb.get_connection() as con:
            for suite, result in run_suites(con, selected, context.run.run_id, reuse=reuse, worker=gx.worker()):
                yield _check_result(suite, result)

    return _check


def build_gx_checks(suites: tuple[Suite, ...] = SUITES) -> list[dg.AssetChecksDefinition]:
    known = known_asset_keys()
    by_layer: dict[str, list[Suite]] = defaultdict(list)
    for s in suites:
        if s.asset_key in known and all(d in known for d in s.deps):
            by_layer[s.asset_key[0]].append(s)
    return [_gx_checks(layer, group) for layer, group in by_layer.items()]


gx_checks = build_gx_checks()
