"""Run GX 1.x suites against DataFrames read from DuckDB and return plain results.

GX cannot validate DuckDB through SQLAlchemy, so each suite reads only its slice into a DataFrame
(DuckDB does the scanning and aggregating) and GX validates that. Results are plain dataclasses
(shared by the Dagster checks, the CLI, the bench and the HTML report) and are appended to the
``main.dq_results`` table. ``great_expectations`` is imported only when a suite runs.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from expectations.suites import SUITES, Suite

DQ_RESULTS_DDL = """CREATE TABLE IF NOT EXISTS main.dq_results (
    run_id VARCHAR, suite VARCHAR, expectation VARCHAR, table_name VARCHAR, column_name VARCHAR,
    observed_value VARCHAR, unexpected_count BIGINT, success BOOLEAN, blocking BOOLEAN,
    rows_checked BIGINT, checked_at TIMESTAMPTZ DEFAULT now())"""
# columns added since the first version (older working copies get them on the next run)
DQ_RESULTS_EXTRA = (("rows_scanned", "BIGINT"), ("seconds", "DOUBLE"), ("skipped", "BOOLEAN"),
                    ("reused_from", "VARCHAR"))
# Which suite passed on exactly which inputs (see ``inputs_digest``): a suite is a pure function of its
# definition and the content of the tables it reads, so the same inputs need not be validated twice.
# One row per suite (kept so by delete-then-insert: DuckLake has no primary keys).
DQ_VALIDATED_DDL = """CREATE TABLE IF NOT EXISTS main.dq_validated (
    suite VARCHAR NOT NULL, inputs_digest VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
    validated_at TIMESTAMPTZ DEFAULT now())"""
SUITE_CODE = (Path(__file__).with_name("suites.py"), Path(__file__))
TABLE_REF = re.compile(r"\b(raw|staging|intermediate|marts|seeds|main)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)


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
        """One line naming the check, the table (and column) and what was observed."""
        col = f".{self.column}" if self.column else ""
        return f"gx_{self.suite}: {self.expectation} on {self.table}{col}: observed {self.observed}"


@dataclass(frozen=True)
class SuiteResult:
    suite: Suite
    rows_checked: int  # rows handed to GX
    outcomes: tuple[ExpectationOutcome, ...]
    rows_scanned: int = 0  # rows of the table the suite's slice covers (DuckDB read them)
    seconds: float = 0.0
    skipped: str | None = None  # why the suite did not run (a required table is absent)
    reused_from: str | None = None  # the run whose pass on the very same inputs this result repeats
    timings: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def description(self, limit: int = 10) -> str | None:
        """One line per failed expectation (for the Dagster check and the CLI summary)."""
        if self.skipped:
            return f"gx_{self.suite.name}: skipped: {self.skipped}"
        lines = [f.line() for f in self.failures]
        if not lines:
            return None
        if len(lines) > limit:
            lines = lines[:limit] + [f"gx_{self.suite.name}: ... and {len(lines) - limit} more failed expectations"]
        return "\n".join(lines)


@cache
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # several seconds: only when a suite runs

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    return gx, ctx, ctx.data_sources.add_pandas("duckdb_slices")


# GX's BASIC result has the observed values and unexpected counts but not the rows that break an expectation,
# which cost GX a second pass over the data per expectation: a clean slice is validated at BASIC (27% less
# GX time over every suite), and only a slice with an unexpected row or an error again at DETAILED, for the
# rows to name. Either way the outcomes are those DETAILED alone gives (tests/test_expectations.py).
BASIC: dict = {"result_format": "BASIC"}
DETAILED: dict = {"result_format": "SUMMARY", "partial_unexpected_count": 5}


def _clean(result) -> bool:
    return all(r.success and not (r.result or {}).get("unexpected_count")
               and not (r.exception_info or {}).get("raised_exception") for r in result.results)


def validate_frame(suite: Suite, frame, *, quick_first: bool = True) -> SuiteResult:
    gx, ctx, source = _context()
    asset = source.add_dataframe_asset(name=f"{suite.name}_{id(frame)}")
    try:
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": frame})
        cols = list(frame.columns)
        gx_suite = gx.ExpectationSuite(name=suite.name, expectations=suite.build(gx, frame))
        # rows are named by the suite's id columns, and by "<column>_detail" for that column's expectation
        index_cols = [c for c in suite.id_columns if c in cols] + [c for c in cols if c.endswith("_detail")]
        result = batch.validate(gx_suite, result_format=BASIC) if quick_first else None
        if result is None or not _clean(result):
            fmt = {**DETAILED, **({"unexpected_index_column_names": index_cols} if index_cols else {})}
            result = batch.validate(gx_suite, result_format=fmt)
    finally:
        source.delete_asset(asset.name)
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        kwargs = cfg.kwargs
        column = kwargs.get("column") or ",".join(
            kwargs.get("column_list", []) or [kwargs.get("column_A", ""), kwargs.get("column_B", "")]).strip(",")
        res = r.result or {}
        outcomes.append(ExpectationOutcome(
            suite.name, cfg.type, suite.table, column or None, _observed(res, r, index_cols, column),
            res.get("unexpected_count"), bool(r.success),
        ))
    return SuiteResult(suite, len(frame), tuple(outcomes))


def _observed(res: dict, r, index_cols: list[str], column: str) -> str:
    if r.exception_info and r.exception_info.get("raised_exception"):
        return "error: " + str(r.exception_info.get("exception_message") or "").splitlines()[0][:180]
    if "observed_value" in res:
        return _short(res["observed_value"])
    n, total = res.get("unexpected_count") or 0, res.get("element_count")
    head = f"{n} of {total} rows unexpected" if total is not None else f"{n} unexpected"
    if not n:
        return head
    examples = []
    detail = f"{column}_detail"
    for item in res.get("partial_unexpected_index_list") or []:
        if _present(item.get(detail)):
            examples.append(str(item[detail]))
            continue
        named = [str(item[c]) for c in index_cols if c in item and not c.endswith("_detail") and _present(item[c])]
        value = item.get(column)
        text = "; ".join(named) if named else _fmt(value)
        shown = _fmt(value)
        if named and _present(value) and column not in index_cols and not re.search(
                rf"(?<![\w.-]){re.escape(shown)}(?![\w.])", text):
            text += f" = {shown}"
        examples.append(text)
    if not examples:
        examples = [_fmt(v) for v in (res.get("partial_unexpected_list") or [])]
    return _short(f"{head}, e.g. " + " | ".join(dict.fromkeys(examples))[:400])


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _short(value: object, limit: int = 500) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".", 1)
    return con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2) "
        "+ (SELECT count(*) FROM duckdb_views() WHERE schema_name = $1 AND view_name = $2)",
        [schema, name]).fetchone()[0] > 0


class WorkerGone(RuntimeError):
    """The validation worker (expectations.gx_worker) is gone; the caller validates in its own process."""


def evaluate(con: duckdb.DuckDBPyConnection, suite: Suite, worker=None) -> SuiteResult:
    """Read the suite's slice and validate it (no recording), in ``worker`` (a ``GxWorker``) when it serves
    the suite: GX was imported there while the pipeline ran its earlier steps."""
    with worker.session() if worker is not None else contextlib.nullcontext():
        read = _read(con, suite, worker)
        return read if isinstance(read, SuiteResult) else read.finish()


@dataclass
class _Slice:
    """A suite's slice, read; validated in the worker (sent by ``send``) or in this process."""

    suite: Suite
    data: object  # an Arrow table for the worker, a DataFrame for this process
    worker: object | None
    scanned: int
    t0: float
    t_read: float
    sent: bool = False
    lane: int = 0

    def send(self) -> None:
        if self.worker is None:
            return
        try:
            self.lane = self.worker.submit(self.suite, self.data)
            self.sent = True
        except WorkerGone:  # validated here by finish()
            self.data, self.worker = duckdb.from_arrow(self.data).df(), None

    def finish(self) -> SuiteResult:
        if self.worker is not None and not self.sent:
            self.send()
        validated = None  # the lane's own time: from read to collected would count its wait in the queue
        if self.worker is not None:
            with contextlib.suppress(WorkerGone):  # validated here, below
                rows, outcomes, validated = self.worker.collect(self.lane)
        if validated is None:
            started = time.perf_counter()
            frame = self.data if self.worker is None else duckdb.from_arrow(self.data).df()
            rows, outcomes = _in_process(self.suite, frame)
            validated = time.perf_counter() - started
        read = self.t_read - self.t0
        return SuiteResult(self.suite, rows, outcomes, rows_scanned=self.scanned, seconds=read + validated,
                           timings={"read": read, "validate": validated})


def _read(con: duckdb.DuckDBPyConnection, suite: Suite, worker=None) -> _Slice | SuiteResult:
    t0 = time.perf_counter()
    absent = [t for t in suite.tables if not table_exists(con, t)]
    if absent:
        return SuiteResult(suite, 0, (), skipped=f"{', '.join(absent)} absent", seconds=time.perf_counter() - t0)
    scanned = con.execute(suite.scan_query()).fetchone()[0]
    if worker is not None and worker.serves(suite):
        return _Slice(suite, con.execute(suite.query(con)).to_arrow_table(), worker, scanned, t0,
                      time.perf_counter())
    return _Slice(suite, con.execute(suite.query(con)).df(), None, scanned, t0, time.perf_counter())


def _in_process(suite: Suite, frame) -> tuple[int, tuple[ExpectationOutcome, ...]]:
    result = validate_frame(suite, frame)
    return result.rows_checked, result.outcomes


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, run_id: str, *, reuse: bool = True,
              worker=None) -> SuiteResult:
    """Validate the suite and record the result. With ``reuse``, a suite that already passed on exactly these
    inputs (same suite code, same content of every table it reads) is not validated again: its passing
    outcomes are recorded once more under this run, marked with the run they come from."""
    (_, result), = run_suites(con, [suite], run_id, reuse=reuse, worker=worker)  # run to its end: session closed
    return result


def run_suites(con: duckdb.DuckDBPyConnection, suites, run_id: str, *, reuse: bool = True, worker=None):
    """(suite, result) of ``run_suite`` for each suite: those reused or skipped at once, the others in the order
    they were sent. Each of the worker's lanes validates a slice while this process reads the next one (and
    looks for an earlier pass on the same inputs), so DuckDB's reads and GX's validations share the cores
    instead of taking turns."""
    with worker.session() if worker is not None else contextlib.nullcontext():
        yield from _run_suites(con, suites, run_id, reuse, worker)


def _run_suites(con: duckdb.DuckDBPyConnection, suites, run_id: str, reuse: bool, worker):
    waiting: collections.deque = collections.deque()  # (suite, slice, digest) sent to a lane, oldest first
    for suite in suites:
        digest, done = _earlier_pass(con, suite, run_id) if reuse else (None, None)
        if done is None:
            try:
                read = _read(con, suite, worker)
            except _ERRORS as exc:
                read = _error(suite, exc)
            if isinstance(read, SuiteResult):
                done = _recorded(con, read, digest, run_id)
        if done is not None:
            yield suite, done
            continue
        if read.worker is not None and len(waiting) >= worker.lanes:  # every lane busy: the oldest first
            yield _taken(con, waiting.popleft(), run_id)
        read.send()
        if read.sent:
            waiting.append((suite, read, digest))
        else:  # validated in this process
            yield suite, _finish(con, suite, read, digest, run_id)
    while waiting:
        yield _taken(con, waiting.popleft(), run_id)


def _taken(con: duckdb.DuckDBPyConnection, waiting: tuple, run_id: str) -> tuple[Suite, SuiteResult]:
    suite, read, digest = waiting
    return suite, _finish(con, suite, read, digest, run_id)


def _earlier_pass(con: duckdb.DuckDBPyConnection, suite: Suite, run_id: str) -> tuple[str | None, SuiteResult | None]:
    """(inputs digest, the earlier pass on them recorded again under ``run_id``, or None)."""
    try:
        t0 = time.perf_counter()
        digest = inputs_digest(con, suite)
        return digest, (_reusable(con, suite, digest, run_id, time.perf_counter() - t0) if digest else None)
    except duckdb.Error:
        return None, None


_ERRORS = (duckdb.Error, KeyError, ValueError, TypeError)  # a suite's error: one clear line, not a traceback


def _error(suite: Suite, exc: Exception) -> SuiteResult:
    message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return SuiteResult(suite, 0, (ExpectationOutcome(
        suite.name, "suite_ran", suite.table, None, f"error: {type(exc).__name__}: {message}", None, False),))


def _finish(con: duckdb.DuckDBPyConnection, suite: Suite, read: _Slice, digest: str | None,
            run_id: str) -> SuiteResult:
    try:
        result = read.finish()
    except _ERRORS as exc:
        result = _error(suite, exc)
    return _recorded(con, result, digest, run_id)


def _recorded(con: duckdb.DuckDBPyConnection, result: SuiteResult, digest: str | None, run_id: str) -> SuiteResult:
    record(con, result, run_id)
    if digest and result.success and not result.skipped:
        con.execute(DQ_VALIDATED_DDL)
        con.execute("DELETE FROM main.dq_validated WHERE suite = ?", [result.suite.name])
        con.execute("INSERT INTO main.dq_validated (suite, inputs_digest, run_id) VALUES (?, ?, ?)",
                    [result.suite.name, digest, run_id])
    return result


@cache
def _suite_code() -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in SUITE_CODE)).hexdigest()


def input_tables(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[str]:
    """Every table the suite reads: those it declares and those its query names (always schema-qualified)."""
    named = {f"{m.group(1)}.{m.group(2)}".lower() for m in TABLE_REF.finditer(suite.query(con))}
    return sorted(named | {t.lower() for t in suite.tables})


def inputs_digest(con: duckdb.DuckDBPyConnection, suite: Suite) -> str | None:
    """Hash of the suite's code and of the content of every table it reads (an order-independent hash of
    every row, as the build fingerprint takes it); None when an input is a view or absent (always validate)."""
    tables = input_tables(con, suite)
    base = {f"{r[0]}.{r[1]}" for r in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
    if not set(tables) <= base:
        return None
    parts = [_suite_code(), suite.name, suite.query(con)]
    for table in tables:
        schema, name = table.split(".")
        rows, digest = con.execute(
            f'SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM "{schema}"."{name}" AS t').fetchone()
        parts.append(f"{table}:{rows}:{digest}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _reusable(con: duckdb.DuckDBPyConnection, suite: Suite, digest: str, run_id: str,
              seconds: float) -> SuiteResult | None:
    """The earlier pass on the same inputs, recorded again under ``run_id``; None when there is none."""
    if not table_exists(con, "main.dq_validated"):
        return None
    row = con.execute("SELECT run_id FROM main.dq_validated WHERE suite = ? AND inputs_digest = ?",
                      [suite.name, digest]).fetchone()
    if row is None:
        return None
    earlier = row[0]
    rows = con.execute(
        "SELECT expectation, table_name, column_name, observed_value, unexpected_count, rows_checked, "
        "coalesce(rows_scanned, 0) FROM main.dq_results WHERE run_id = ? AND suite = ? AND success "
        "AND NOT coalesce(skipped, false)", [earlier, suite.name]).fetchall()
    if not rows:
        return None  # its outcomes are gone: validate
    outcomes = tuple(ExpectationOutcome(suite.name, r[0], r[1], r[2], r[3], r[4], True) for r in rows)
    result = SuiteResult(suite, rows[0][5], outcomes, rows_scanned=rows[0][6], seconds=seconds,
                         reused_from=earlier)
    record(con, result, run_id)
    return result


def run_all(con: duckdb.DuckDBPyConnection, run_id: str, suites: tuple[Suite, ...] = SUITES) -> list[SuiteResult]:
    return [result for _, result in run_suites(con, suites, run_id)]


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DQ_RESULTS_DDL)
    for name, kind in DQ_RESULTS_EXTRA:
        con.execute(f"ALTER TABLE main.dq_results ADD COLUMN IF NOT EXISTS {name} {kind}")


RECORD_COLUMNS = (("run_id", "string"), ("suite", "string"), ("expectation", "string"), ("table_name", "string"),
                  ("column_name", "string"), ("observed_value", "string"), ("unexpected_count", "int64"),
                  ("success", "bool_"), ("blocking", "bool_"), ("rows_checked", "int64"), ("rows_scanned", "int64"),
                  ("seconds", "float64"), ("skipped", "bool_"), ("reused_from", "string"))


def record(con: duckdb.DuckDBPyConnection, result: SuiteResult, run_id: str) -> None:
    import pyarrow as pa

    ensure_results_table(con)
    s = result.suite
    rows = [[run_id, o.suite, o.expectation, o.table, o.column, o.observed, o.unexpected_count, o.success,
             s.blocking, result.rows_checked, result.rows_scanned, result.seconds, False, result.reused_from]
            for o in result.outcomes]
    if result.skipped:
        rows = [[run_id, s.name, "suite_skipped", s.table, None, result.skipped, None, True, s.blocking, 0, 0,
                 result.seconds, True, None]]
    if not rows:  # a suite with no expectation for this slice has nothing to record
        return
    # one INSERT of an Arrow table: executemany ran a statement per row (55 ms for a 33-expectation suite)
    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in RECORD_COLUMNS])
    con.register("dq_outcomes", pa.Table.from_pylist([dict(zip(schema.names, row, strict=True)) for row in rows],
                                                     schema=schema))
    try:
        con.execute(f"INSERT INTO main.dq_results ({', '.join(schema.names)}) SELECT * FROM dq_outcomes")
    finally:
        con.unregister("dq_outcomes")
