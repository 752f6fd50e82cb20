"""Great Expectations suites as Dagster asset checks (GX 1.x, imported only when a check runs)."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from expectations.suites import SUITES, Suite


def _gx_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset_key)),
        name=f"gx_{suite.name}",
        description=f"Great Expectations suite `{suite.name}`: {suite.description}",
        blocking=suite.blocking,
        pool="duckdb_writer",
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        from expectations.runner import run_suite

        with duckdb.get_connection() as con:
            result = run_suite(con, suite, context.run.run_id)
        failures = result.failures
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            description="; ".join(f.line() for f in failures[:3]) if failures else None,
            metadata={"rows_checked": result.rows_checked, "expectations": len(result.outcomes),
                      "failed": len(failures),
                      **{f"failed.{i}": f.line() for i, f in enumerate(failures[:5])}},
        )

    return _check


gx_checks = [_gx_check(s) for s in SUITES]
