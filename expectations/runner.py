"""Run GX 1.x suites against DataFrames read from DuckDB and return plain results.

GX cannot validate DuckDB through SQLAlchemy, so each suite reads only its slice into a DataFrame
and validates that. Results are plain dataclasses (shared by Dagster checks and the CLI) and are
appended to the ``dq_results`` table.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache

import duckdb

from expectations.suites import Suite

DQ_RESULTS_DDL = """CREATE TABLE IF NOT EXISTS main.dq_results (
    run_id VARCHAR, suite VARCHAR, expectation VARCHAR, table_name VARCHAR, column_name VARCHAR,
    observed_value VARCHAR, unexpected_count BIGINT, success BOOLEAN, blocking BOOLEAN,
    rows_checked BIGINT, checked_at TIMESTAMPTZ DEFAULT now())"""


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str
    table: str
    column: str | None
    observed: str
    unexpected_count: int | None
    success: bool

    def line(self) -> str:
        col = f".{self.column}" if self.column else ""
        return f"{self.suite}: {self.expectation} on {self.table}{col}: observed {self.observed}"


@dataclass(frozen=True)
class SuiteResult:
    suite: Suite
    rows_checked: int
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


@cache
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # several seconds: only when a suite runs

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    return gx, ctx, ctx.data_sources.add_pandas("duckdb_slices")


def validate_frame(suite: Suite, frame) -> SuiteResult:
    gx, ctx, source = _context()
    asset = source.add_dataframe_asset(name=f"{suite.name}_{id(frame)}")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
    gx_suite = gx.ExpectationSuite(name=suite.name, expectations=suite.build(gx))
    result = batch.validate(gx_suite)
    source.delete_asset(asset.name)
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        kwargs = cfg.kwargs
        column = kwargs.get("column") or ",".join(kwargs.get("column_list", []) or
                                                  [kwargs.get("column_A", ""), kwargs.get("column_B", "")]).strip(",")
        res = r.result or {}
        observed = res.get("observed_value")
        if observed is None:
            sample = res.get("partial_unexpected_list") or []
            observed = f"{res.get('unexpected_count', 0)} unexpected, e.g. {sample[:3]}"
        outcomes.append(ExpectationOutcome(
            suite.name, cfg.type, suite.table, column or None, _short(observed),
            res.get("unexpected_count"), bool(r.success),
        ))
    return SuiteResult(suite, len(frame), tuple(outcomes))


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, run_id: str) -> SuiteResult:
    frame = con.execute(suite.query()).df()
    result = validate_frame(suite, frame)
    record(con, result, run_id)
    return result


def record(con: duckdb.DuckDBPyConnection, result: SuiteResult, run_id: str) -> None:
    con.execute(DQ_RESULTS_DDL)
    con.executemany(
        "INSERT INTO main.dq_results (run_id, suite, expectation, table_name, column_name, observed_value, "
        "unexpected_count, success, blocking, rows_checked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, o.suite, o.expectation, o.table, o.column, o.observed, o.unexpected_count, o.success,
          result.suite.blocking, result.rows_checked] for o in result.outcomes],
    )
