"""The Great Expectations suites, as code: what to read (only the slice a suite needs) and what to expect.

A suite is one query and a list of expectations. The query reads the slice that can break the
expectations (``columns`` + ``where``, or ``sql`` that aggregates in DuckDB first), so GX gets a small
frame: for a key check, only the rows whose key repeats; for freshness, one row per series. The
verdict is the one GX would reach on the whole table; ``rows_scanned`` records what DuckDB read.

Expectations are built by functions that receive the ``gx`` module (and the frame), so
importing this file costs nothing: ``great_expectations`` is imported only when a suite runs.

Declaring a suite is a few lines: ``raw_key_suite`` covers every raw table a source declares (its
natural key, from ``ingestion.registry``), ``mart_suite`` a mart's key, ranges, sets and freshness.
Blocking suites stop everything downstream (and publishing) when they fail; the others warn.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.catalog import LOOPS as CATALOG_LOOPS

Build = Callable[[object, object], list]  # (gx module, the pandas frame to validate) -> expectations


@dataclass(frozen=True)
class Suite:
    name: str
    table: str  # the table the suite is about (schema.table), reported in dq_results
    asset_key: tuple[str, ...]  # the Dagster asset the suite checks (it runs after it)
    build: Build
    columns: tuple[str, ...] = ()  # only these columns are read (when there is no `sql`)
    where: str | None = None  # the slice to read; None reads every row
    sql: str | Callable[[object], str] | None = None  # a query of its own (str, or con -> str)
    blocking: bool = True
    id_columns: tuple[str, ...] = ()  # name an offending row in failure messages
    requires: tuple[str, ...] = ()  # tables that must exist; the suite is skipped (and says so) otherwise
    deps: tuple[tuple[str, ...], ...] = ()  # other assets the suite reads (Dagster additional deps)
    reads: str | None = None  # the relation the slice is taken from, when not `table` (for rows_scanned)
    description: str = ""
    params: dict = field(default_factory=dict)

    def query(self, con=None) -> str:
        if self.sql is not None:
            return self.sql(con) if callable(self.sql) else self.sql
        cols = ", ".join(self.columns) if self.columns else "*"
        where = f" WHERE {self.where}" if self.where else ""
        return f"SELECT {cols} FROM {self.table}{where}"

    def scan_query(self) -> str:
        """How many rows of the table the suite examines (its slice), for dq_results and the bench."""
        where = f" WHERE {self.where}" if self.where and self.sql is None else ""
        return f"SELECT count(*) FROM {self.reads or self.table}{where}"

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, *self.requires, *((self.reads,) if self.reads else ()))


def _asset(table: str) -> tuple[str, ...]:
    return tuple(table.split("."))


def _base_id(column: str) -> str:
    """Scale replicas (``CPIAUCSL_X002``) share the original's cancelled releases and catalog line."""
    return f"regexp_replace({column}, '_X[0-9]{{3}}$', '')"


# --- raw.fred__observations -----------------------------------------------------------------------

_OBS_NULL_RULE = """
    case
        when o.value is null and o.value_status = 'ok' then 'no value but status ok'
        when o.value is null and o.value_status = 'cancelled' and l.series_id is null
            then 'cancelled but not on the maintained list (ingestion/catalog/cancelled_releases.csv)'
        when o.value is not null and o.value_status <> 'ok' then 'a value with status ' || o.value_status
        when o.value is not null and l.series_id is not null then 'a value for a period on the cancelled list'
    end"""

OBSERVATIONS_SLICE = f"""
with o as (
    select
        series_id, obs_date, realtime_start, realtime_end, value, value_status,
        count(*) over (partition by source, series_id, obs_date, realtime_start) as n_key,
        lag(realtime_end) over (
            partition by source, series_id, obs_date order by realtime_start, realtime_end) as prev_realtime_end
    from raw.fred__observations
),
l as (select series_id, period from raw.catalog__cancelled_releases where source = 'fred'),
flagged as (
    select o.*, {_OBS_NULL_RULE} as null_rule_violation
    from o left join l on l.series_id = {_base_id('o.series_id')} and l.period = o.obs_date
)
select
    series_id, obs_date, realtime_start, realtime_end, prev_realtime_end, value_status, null_rule_violation,
    series_id || ' ' || obs_date || ' vintage ' || realtime_start
        || coalesce(' (' || null_rule_violation || ')', '') as row_id
from flagged
-- the slice: every row that could break an expectation below (the rest pass by construction)
where n_key > 1 or realtime_end < realtime_start or prev_realtime_end >= realtime_start
    or value_status is null or value_status not in ('ok', 'missing', 'cancelled')
    or null_rule_violation is not null
"""


def _raw_fred_observations(gx, _frame) -> list:
    e = gx.expectations
    return [
        e.ExpectCompoundColumnsToBeUnique(column_list=["series_id", "obs_date", "realtime_start"]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="realtime_end", column_B="realtime_start",
                                                  or_equal=True),
        # vintages of one period follow each other: each starts after the previous one ended
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="realtime_start", column_B="prev_realtime_end",
                                                  ignore_row_if="either_value_is_missing"),
        e.ExpectColumnValuesToNotBeNull(column="value_status"),
        e.ExpectColumnValuesToBeInSet(column="value_status", value_set=["ok", "missing", "cancelled"]),
        # NULL values only where the source said so ("." = missing) or the release was cancelled
        e.ExpectColumnValuesToBeNull(column="null_rule_violation"),
    ]


# A ×1000 unit change (millions reported as billions) shows as a jump against the series' own
# history: each value (latest vintage) against the median of the 20 periods before it, counted only
# when the value also leaves the range the series ever had before (a tenth of its earlier minimum to
# ten times its maximum), so a sparse series dropping back to near zero is not a unit change. Levels
# only: rates (Percent) and series that cross zero have no meaningful ratio; Percent series must
# stay within +/-100 instead (a rate in basis points fails).
UNITS_SQL = """
with latest as (
    select
        o.source, o.series_id, o.obs_date, o.value, c.unit,
        min(o.value) over (partition by o.source, o.series_id) as series_min
    from raw.fred__observations as o
    left join raw.catalog__series as c on c.series_id = o.series_id
    where o.value is not null and o.realtime_end = date '9999-12-31'
),
w as (
    select
        *,
        median(value) over recent as trailing_median,
        count(value) over recent as n_prior,
        min(value) over earlier as min_before,
        max(value) over earlier as max_before
    from latest
    window
        recent as (partition by source, series_id order by obs_date rows between 20 preceding and 1 preceding),
        earlier as (partition by source, series_id order by obs_date rows between unbounded preceding and 1 preceding)
),
judged as (
    select *, abs(log10(value / trailing_median)) as log10_jump
    from w
    where coalesce(unit, '') <> 'Percent' and series_min >= 0 and n_prior >= 5 and trailing_median > 0
        and value > 0 and (value < min_before / 10 or value > max_before * 10)
)
select
    s.series_id,
    any_value(s.unit) as unit,
    coalesce(max(j.log10_jump), 0) as worst_log10_jump,
    arg_max(s.series_id || ' ' || j.obs_date || ': ' || j.value || ' vs ' || j.trailing_median
        || ' (median of the 20 periods before, ratio ' || printf('%.4g', j.value / j.trailing_median)
        || '; earlier range ' || j.min_before || ' to ' || j.max_before || ')', j.log10_jump)
        as worst_log10_jump_detail,
    max(abs(s.value)) filter (where s.unit = 'Percent') as max_abs_percent,
    arg_max(s.series_id || ' ' || s.obs_date || ': ' || s.value || ' ' || s.unit, abs(s.value))
        filter (where s.unit = 'Percent') as max_abs_percent_detail
from latest as s
left join judged as j on j.source = s.source and j.series_id = s.series_id and j.obs_date = s.obs_date
group by s.series_id
"""


def _raw_fred_units(gx, _frame) -> list:
    e = gx.expectations
    return [
        # 2 = a factor of 100 between a value and its recent history: a ×1000 unit change is 3
        e.ExpectColumnValuesToBeBetween(column="worst_log10_jump", min_value=0, max_value=2),
        e.ExpectColumnValuesToBeBetween(column="max_abs_percent", min_value=0, max_value=100),
    ]


# Revisions: every later vintage against the first print of its period, bounded by a quarter of
# the series' own range (5th to 95th percentile of first prints). Scale-free, so it needs no
# per-series table, yet a revision the size of a regime change (or a unit change) fails.
REVISIONS_SQL = """
with v as (
    select
        series_id, obs_date, realtime_start, value,
        first_value(value) over (partition by source, series_id, obs_date order by realtime_start) as first_print,
        row_number() over (partition by source, series_id, obs_date order by realtime_start) as vintage_number
    from raw.fred__observations
    where value is not null
),
spread as (
    select series_id, quantile_cont(value, 0.95) - quantile_cont(value, 0.05) as spread
    from v where vintage_number = 1 group by series_id
),
r as (
    select v.*, s.spread, abs(v.value - v.first_print) / nullif(0.25 * s.spread, 0) as size_vs_bound
    from v join spread as s using (series_id)
    where v.vintage_number > 1
)
select
    series_id,
    count(*) as revisions,
    coalesce(max(size_vs_bound), 0) as worst_revision_vs_bound,
    arg_max(series_id || ' ' || obs_date || ': first print ' || first_print || ', vintage ' || realtime_start
        || ' says ' || value || ' (' || printf('%+.3g', value - first_print) || '; bound +/-'
        || printf('%.3g', 0.25 * spread) || ')', size_vs_bound) as worst_revision_vs_bound_detail
from r
group by series_id
"""


def _raw_fred_revisions(gx, _frame) -> list:
    return [gx.expectations.ExpectColumnValuesToBeBetween(column="worst_revision_vs_bound", min_value=0,
                                                          max_value=1)]


# --- other raw tables -----------------------------------------------------------------------------

SERIES_SQL = """
select
    s.series_id, s.realtime_start, s.units, s.frequency_short, c.unit as catalog_unit,
    c.frequency as catalog_frequency,
    s.series_id || ' fetched ' || s.realtime_start || ': ' || coalesce(s.units, 'NULL') || ' / '
        || coalesce(s.frequency_short, 'NULL') || ', catalog says ' || coalesce(c.unit, 'nothing') || ' / '
        || coalesce(c.frequency, 'nothing') as row_id
from raw.fred__series as s
left join raw.catalog__series as c on c.series_id = s.series_id
"""


def _raw_fred_series(gx, _frame) -> list:
    e = gx.expectations
    return [
        e.ExpectCompoundColumnsToBeUnique(column_list=["series_id", "realtime_start"]),
        e.ExpectColumnPairValuesToBeEqual(column_A="units", column_B="catalog_unit"),
        e.ExpectColumnPairValuesToBeEqual(column_A="frequency_short", column_B="catalog_frequency"),
    ]


def _key_build(key: tuple[str, ...]) -> Build:
    def build(gx, _frame) -> list:
        e = gx.expectations
        out = [e.ExpectCompoundColumnsToBeUnique(column_list=list(key))] if len(key) > 1 else [
            e.ExpectColumnValuesToBeUnique(column=key[0])]
        return out + [e.ExpectColumnValuesToNotBeNull(column=k) for k in key]
    return build


def raw_key_suite(table: str, key: tuple[str, ...], *, name: str | None = None) -> Suite:
    """Natural key unique and complete. Reads only the rows whose key repeats or has a NULL."""
    keys = ", ".join(key)
    label = " || ' ' || ".join(f"coalesce({k}::varchar, 'NULL')" for k in key)
    sql = (f"SELECT {keys}, {label} AS row_id FROM {table} "
           f"QUALIFY count(*) OVER (PARTITION BY {keys}) > 1 OR "
           + " OR ".join(f"{k} IS NULL" for k in key))
    return Suite(
        name=name or table.replace(".", "_").replace("__", "_") + "_keys",
        table=table, asset_key=_asset(table), build=_key_build(key), sql=sql, id_columns=("row_id",),
        description=f"Natural key ({keys}) unique and not null.",
    )


CALENDAR_COVERAGE_SQL = """
select c.release_id, any_value(c.release_name) as release_name, count(r.release_date) as scheduled_dates,
    'release ' || c.release_id || ' (' || any_value(c.release_name) || '): ' || count(r.release_date)
        || ' scheduled dates' as row_id
from (
    -- the releases of the series that have data: those are the ones whose timeliness needs a calendar
    select distinct release_id, release_name from raw.catalog__series
    where loop_name <> 'scale_replica'
        and series_id in (select distinct series_id from raw.fred__observations)
) as c
left join raw.fred__release_dates as r using (release_id)
group by c.release_id
"""


def _calendar_coverage(gx, _frame) -> list:
    return [gx.expectations.ExpectColumnValuesToBeBetween(column="scheduled_dates", min_value=1)]


LOOPS = sorted(CATALOG_LOOPS)


def _raw_catalog_series(gx, _frame) -> list:
    e = gx.expectations
    return [
        e.ExpectColumnValuesToBeUnique(column="series_id"),
        e.ExpectColumnValuesToNotBeNull(column="series_id"),
        e.ExpectColumnValuesToBeInSet(column="loop_name", value_set=LOOPS),
        e.ExpectColumnValuesToBeInSet(column="frequency", value_set=["D", "W", "M", "Q", "A"]),
        e.ExpectColumnValuesToNotBeNull(column="unit"),
        e.ExpectColumnValuesToNotBeNull(column="release_id"),
    ]


# A line for a series outside the catalog is allowed (the list may run ahead of the catalog): it
# applies to nothing until the series is added.
CANCELLED_SQL = """
select l.source, l.series_id, l.period, l.scheduled_on, l.announced_on, length(trim(l.statement)) as statement_chars,
    l.series_id || ' ' || l.period as row_id
from raw.catalog__cancelled_releases as l
"""


def _raw_cancelled(gx, _frame) -> list:
    e = gx.expectations
    return [
        e.ExpectCompoundColumnsToBeUnique(column_list=["source", "series_id", "period"]),
        e.ExpectColumnValuesToBeBetween(column="statement_chars", min_value=20),  # the source's statement
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="announced_on", column_B="period", or_equal=True),
    ]


def _nyfed_sofr_sql(con) -> str:
    """SOFR from the NY Fed (latest version per day) against FRED's SOFR (latest vintage) on common days."""
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'nyfed__reference_rates'"
    ).fetchall()}
    rate = "rate_pct" if "rate_pct" in cols else "percent_rate"
    order = "published_at DESC" if "published_at" in cols else f"{rate}"
    return f"""
with ny as (
    select effective_date, {rate} as nyfed_sofr
    from raw.nyfed__reference_rates
    where upper(rate_type) = 'SOFR'
    qualify row_number() over (partition by effective_date order by {order}) = 1
),
fred as (
    select obs_date, value as fred_sofr
    from raw.fred__observations
    where series_id = 'SOFR' and value is not null and realtime_end = date '9999-12-31'
)
select
    ny.effective_date, ny.nyfed_sofr, fred.fred_sofr, abs(ny.nyfed_sofr - fred.fred_sofr) as abs_diff_pct,
    'SOFR ' || ny.effective_date || ': NY Fed ' || ny.nyfed_sofr || '% vs FRED ' || fred.fred_sofr || '%' as row_id
from ny join fred on fred.obs_date = ny.effective_date
"""


def _nyfed_vs_fred(gx, _frame) -> list:
    e = gx.expectations
    return [
        # same published number: at most half a basis point apart (rounding), on 99% of days ...
        e.ExpectColumnValuesToBeBetween(column="abs_diff_pct", min_value=0, max_value=0.005, mostly=0.99),
        # ... and never more than 5 bp (a revision FRED has not picked up yet stays within that)
        e.ExpectColumnValuesToBeBetween(column="abs_diff_pct", min_value=0, max_value=0.05),
    ]


# --- the release registry (after dbt) ------------------------------------------------------------

FRESHNESS_SQL = """
select
    series_id, frequency, release_name, latest_period, latest_arrival, next_due_date, latest_status,
    days_late, releases_overdue,
    series_id || ': newest period ' || coalesce(latest_period::varchar, 'none') || ' (arrived '
        || coalesce(latest_arrival::varchar, '-') || '), ' || releases_overdue || ' scheduled release(s) of '
        || release_name || ' passed without new data' || coalesce('; due ' || next_due_date, '')
        || ', status ' || latest_status as row_id
from marts.dim_series
"""


def _freshness(gx, _frame) -> list:
    e = gx.expectations
    return [
        # one missed release is tolerated (a single late release, e.g. a shutdown); two is a series
        # that stopped updating
        e.ExpectColumnValuesToBeBetween(column="releases_overdue", min_value=0, max_value=1),
        # without a calendar, freshness falls back to the age the frequency allows
        e.ExpectColumnValuesToNotBeInSet(column="latest_status", value_set=["stale"]),
    ]


REGISTRY_SQL = """
select
    series_id, period, status, days_late, value, is_outstanding,
    case
        when value is null and status in ('on_time', 'revised', 'unscheduled') then 'no value while ' || status
        when value is null and status = 'late' and not is_outstanding then 'no value after arrival'
    end as unexplained_null,
    series_id || ' ' || period || ' ' || status || ': ' || coalesce(status_detail, '') as row_id
from marts.fct_series_release_status
where is_current and (status in ('missing', 'late', 'cancelled') or value is null)
    -- a daily series has no value on market holidays by design ("." in FRED, empty in a download)
    and not (frequency = 'D' and status = 'missing')
"""


def _registry(gx, _frame) -> list:
    e = gx.expectations
    return [
        # absent without a cancellation on the maintained list: add it there (with the statement) if
        # the source cancelled the release, otherwise the data is lost
        e.ExpectColumnValuesToNotBeInSet(column="status", value_set=["missing"]),
        # nulls only where the registry explains them (cancelled, missing, or due and not yet published)
        e.ExpectColumnValuesToBeNull(column="unexplained_null"),
        # an outstanding release more than two months late is no longer "late"
        e.ExpectColumnValuesToBeBetween(column="days_late", min_value=0, max_value=62),
    ]


# --- marts: key, ranges, sets, freshness ---------------------------------------------------------

def mart_suite(
    table: str,
    key: tuple[str, ...],
    *,
    ranges: dict[str, tuple[float | None, float | None]] | None = None,
    sets: dict[str, list] | None = None,
    not_null: tuple[str, ...] = (),
    ordered: tuple[tuple, ...] = (),
    days_behind: int | None = None,
    blocking: bool = True,
    description: str = "",
) -> Suite:
    """A mart's suite in one call.

    ``ranges`` keys may be globs (``loop_*``), matched against the mart's numeric columns when the
    suite runs, so new columns are covered; ``ordered`` entries (a, b[, min_gap]) expect
    a - b >= min_gap (default: >= 0 up to rounding); ``days_behind`` is the most the mart's newest
    as_of_date may trail the warehouse's newest knowledge date (freshness of the mart itself).
    """
    ranges, sets = ranges or {}, sets or {}
    schema, name = table.split(".")
    pairs = [(o[0], o[1], o[2] if len(o) > 2 else -1e-9) for o in ordered]

    def sql(con) -> str:
        cols = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "ORDER BY column_index", [schema, name]).fetchall()
        names = {c for c, _ in cols}
        numeric = {c for c, t in cols if t.split("(")[0] in _NUMERIC}
        wanted = set(key) | set(not_null) | set(sets)
        wanted |= {c for c in numeric for pattern in ranges if fnmatch.fnmatch(c, pattern)}
        select = [c for c, _ in cols if c in wanted]
        label = " || ' ' || ".join(f"coalesce({k}::varchar, 'NULL')" for k in key or [cols[0][0]])
        select.append(f"{label} AS row_id")
        select += [f"{a} - {b} AS {a}_minus_{b}" for a, b, _ in pairs if a in names and b in names]
        if days_behind is not None:
            select.append("(SELECT max(as_of_date) FROM intermediate.int_calendar_days) - max(as_of_date) OVER () "
                          "AS days_behind_calendar")
        return f"SELECT {', '.join(select)} FROM {table}"

    def build(gx, frame) -> list:
        e = gx.expectations
        cols = list(frame.columns)
        out = _key_build(key)(gx, frame) if key else []
        for c in cols:
            bounds = next((ranges[p] for p in ranges if fnmatch.fnmatch(c, p)), None)
            if bounds and c not in key and frame[c].dtype.kind in "iuf":
                out.append(e.ExpectColumnValuesToBeBetween(column=c, min_value=bounds[0], max_value=bounds[1]))
        out += [e.ExpectColumnValuesToBeInSet(column=c, value_set=v) for c, v in sets.items() if c in cols]
        out += [e.ExpectColumnValuesToNotBeNull(column=c) for c in not_null if c in cols]
        out += [e.ExpectColumnValuesToBeBetween(column=f"{a}_minus_{b}", min_value=gap)
                for a, b, gap in pairs if f"{a}_minus_{b}" in cols]
        if days_behind is not None:
            out.append(e.ExpectColumnMaxToBeBetween(column="days_behind_calendar", min_value=0,
                                                    max_value=days_behind))
        return out

    return Suite(name=name, table=table, asset_key=_asset(table), build=build, sql=sql, blocking=blocking,
                 id_columns=("row_id",), requires=("intermediate.int_calendar_days",) if days_behind is not None
                 else (), description=description or f"{name}: key {', '.join(key)} unique; ranges and sets.")


_NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
            "FLOAT", "DOUBLE", "DECIMAL", "REAL"}
SCORE = (0, 100)
UNIT = (0, 1)
CORR = (-1, 1)

READINGS = {"composite_score": SCORE, "stress_score": SCORE, "vulnerability_score": SCORE, "loop_*": SCORE,
            "confidence*": UNIT, "stress_confidence": UNIT, "vulnerability_confidence": UNIT,
            "loops_in_stress": (0, 8), "loops_covered": (0, 8), "stress_loops_covered": (0, 4),
            "vulnerability_loops_covered": (0, 4)}

MART_SUITES: tuple[Suite, ...] = (
    mart_suite("marts.fct_fragility_daily", ("as_of_date",), days_behind=0,
               not_null=("loops_in_stress", "composite_status", "loops_covered"),
               ranges=READINGS, sets={"composite_status": ["published", "insufficient data"]},
               description="One row per day up to the newest knowledge date; readings within 0..100; "
               "confidences within 0..1; a status every day."),
    mart_suite("marts.fct_fragility_daily_revised", ("as_of_date",), days_behind=0, ranges=READINGS,
               sets={"composite_status": ["published", "insufficient data"]}),
    mart_suite("marts.fct_data_fog", ("as_of_date",), days_behind=0,
               not_null=("fog_note", "confidence", "fog_index", "confidence_label"),
               ranges={"fog_index": UNIT, "confidence*": UNIT, "*_confidence": UNIT, "inputs_*": (0, None)},
               sets={"confidence_label": ["high", "medium", "low"]},
               ordered=(("inputs_total", "inputs_ok"),),
               description="One row per day; fog index and confidences within 0..1; a note every day."),
    mart_suite("marts.fct_validation", ("reading", "view_name", "benchmark", "window_name"),
               not_null=("spearman_rho", "weeks"),
               ranges={"spearman_rho": (-1.0001, 1.0001), "extreme_share": UNIT, "weeks": (8, None)},
               sets={"benchmark": ["NFCI", "ANFCI", "STLFSI4", "OFR_FSI"],
                     "reading": ["composite", "stress", "vulnerability"]},
               blocking=False,
               description="Readings against the published stress indices (comparison only)."),
    mart_suite("marts.dim_indicators", ("indicator",),
               not_null=("reading", "loop_name", "direction", "iqr_floor", "model_name"),
               sets={"reading": ["stress", "vulnerability"], "direction": [1, -1]},
               ranges={"iqr_floor": (0, None), "loop_weight_in_reading": UNIT, "loop_weight_in_composite": UNIT}),
    mart_suite("marts.fct_policy_error", ("as_of_date",), days_behind=0,
               ranges={"policy_error_score": SCORE, "policy_error_confidence": UNIT, "growth_fog_share": UNIT},
               sets={"policy_rate_series": ["EFFR", "DFF"], "inflation_series": ["CPILFESL", "CPIAUCSL"]}),
    mart_suite("marts.fct_policy_error_revised", ("as_of_date",), days_behind=0,
               ranges={"policy_error_score": SCORE, "growth_fog_share": UNIT}),
    mart_suite("marts.fct_market_stress", ("as_of_date",), days_behind=0,
               ranges={"credit_score": SCORE, "volatility_score": SCORE, "*_confidence": UNIT, "ig_oas": (0, 20),
                       "hy_oas": (0, 40), "vix": (0, 200), "nasdaq_realized_vol_21d": (0, 5)}),
    mart_suite("marts.fct_k_shape", ("as_of_date",), days_behind=0,
               ranges={"k_shape_score": SCORE, "k_shape_confidence": UNIT}),
    mart_suite("marts.fct_hedge_regime", ("as_of_date",), ranges={"*_corr_*": CORR},
               sets={"btc_regime": ["risk-asset", "hedge", "mixed"], "gold_regime": ["risk-asset", "hedge", "mixed"]}),
    mart_suite("marts.fct_hedge_stress_windows", ("window_name",),
               ranges={"*_max_drawdown": (-1, 0), "trading_days": (1, None)}),
    mart_suite("marts.fct_repo_radar", ("as_of_date", "rate_type"),
               ranges={"share_low": UNIT, "share_high": UNIT, "share_estimate": UNIT, "funding_score": SCORE},
               sets={"threshold_series": ["IORB", "IOER"]},
               ordered=(("share_high", "share_estimate"), ("share_estimate", "share_low"))),
    mart_suite("marts.fct_repo_radar_windows", ("window_name", "rate_type"),
               ranges={"share_low": UNIT, "share_high": UNIT, "share_estimate": UNIT, "*_norm": UNIT}),
    mart_suite("marts.fct_ai_leverage", ("as_of_date",), days_behind=0,
               ranges={"ai_leverage_score": SCORE, "ai_leverage_confidence": UNIT, "debt_funded_capex_share": (0, None),
                       "capex_to_operating_cash_flow": (0, 10), "companies_current": (0, None)},
               ordered=(("panel_size", "companies_current"),)),
    mart_suite("marts.fct_private_credit_marks", ("period_end", "loan_key", "bdc_cik"),
               not_null=("mark_pct", "is_divergent"),
               ranges={"mark_pct": (0, 200), "mark_range_pts": (0, 200), "mark_sd_pts": (0, 200), "holders": (2, None)},
               description="One row per loan (issuer + lien + maturity), BDC and period end, for loans held by "
               "two or more BDCs, in each period's latest snapshot."),
    mart_suite("marts.fct_private_credit_dispersion", ("period_end", "known_from"),
               ranges={"divergent_share": UNIT, "non_accrual_share": UNIT, "dispersion_sd_pts": (0, 200)},
               ordered=(("shared_loans", "divergent_loans"),)),
    mart_suite("marts.fct_market_concentration", ("as_of_date", "weights_source"),
               ranges={"top10_weight": UNIT, "mag7_weight": UNIT, "ai_set_weight": UNIT, "hhi": UNIT,
                       "concentration_score": SCORE, "*_change_12m": (-1, 1)},
               ordered=(("top10_weight", "mag7_weight", -1.0),)),
    mart_suite("marts.dim_series", ("series_id",),
               not_null=("loop_name", "unit", "frequency", "release_id"),
               sets={"latest_status": ["on_time", "late", "cancelled", "stale", "revised", "discontinued",
                                       "unknown"]},
               ranges={"releases_overdue": (0, None), "periods_*": (0, None)},
               description="One row per catalog series, with its registry status today."),
    mart_suite("marts.fct_series_release_status", ("series_id", "period", "known_from"),
               sets={"status": ["on_time", "late", "unscheduled", "estimated", "revised", "missing", "cancelled"]},
               ranges={"days_late": (0, None)},
               ordered=(("known_to", "known_from", 1),),
               description="Registry intervals: one status per series, period and day it became known."),
)


# Marts added later get a suite by naming convention until someone declares their key: scores
# within 0..100, confidences and shares within 0..1.
CONVENTIONS = {"*_score": SCORE, "loop_*": SCORE, "confidence*": UNIT, "share_*": UNIT}
DBT_MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"


def _convention_suites(declared: tuple[Suite, ...]) -> list[Suite]:
    have = {s.table for s in declared}
    found = sorted(f"marts.{p.stem}" for p in (DBT_MODELS / "marts").rglob("*.sql"))
    return [mart_suite(t, (), ranges=CONVENTIONS, description="Ranges by naming convention (no declared key).")
            for t in found if t not in have]


# --- the suites ----------------------------------------------------------------------------------

def _registry_raw_suites() -> list[Suite]:
    """Key suites for every raw table a source declares that has no hand-written suite."""
    from ingestion.registry import SOURCES  # no GX, no Dagster: plain declarations

    covered = {"raw.fred__observations", "raw.fred__series"}
    return [raw_key_suite(t.name, t.key) for s in SOURCES for t in s.tables if t.name not in covered]


SUITES: tuple[Suite, ...] = (
    Suite(
        name="raw_fred_observations", table="raw.fred__observations", asset_key=("raw", "fred__observations"),
        build=_raw_fred_observations, sql=OBSERVATIONS_SLICE, id_columns=("row_id",),
        requires=("raw.catalog__cancelled_releases",), deps=(("raw", "catalog__cancelled_releases"),),
        description="Vintage keys unique; vintages well ordered and not overlapping; statuses known; "
        "NULL values only where the source reported none or the release is on the cancelled list.",
    ),
    Suite(
        name="raw_fred_observations_units", table="raw.fred__observations",
        asset_key=("raw", "fred__observations"), build=_raw_fred_units, sql=UNITS_SQL,
        id_columns=("series_id",), requires=("raw.catalog__series",),
        deps=(("raw", "catalog__series"),),
        description="Units: no value jumps by a factor of 100 or more against the series' recent history "
        "while leaving its earlier range (a ×1000 unit change); percentages within +/-100.",
    ),
    Suite(
        name="raw_fred_observations_revisions", table="raw.fred__observations",
        asset_key=("raw", "fred__observations"), build=_raw_fred_revisions, sql=REVISIONS_SQL,
        id_columns=("series_id",),
        description="Revisions against the first print stay within a quarter of the series' own range.",
    ),
    Suite(
        name="raw_fred_series", table="raw.fred__series", asset_key=("raw", "fred__series"),
        build=_raw_fred_series, sql=SERIES_SQL, id_columns=("row_id",), requires=("raw.catalog__series",),
        deps=(("raw", "catalog__series"),),
        description="One metadata row per series and fetch; units and frequency match the catalog.",
    ),
    Suite(
        name="raw_fred_release_dates_coverage", table="raw.fred__release_dates",
        asset_key=("raw", "fred__release_dates"), build=_calendar_coverage, sql=CALENDAR_COVERAGE_SQL,
        id_columns=("row_id",), blocking=False, requires=("raw.catalog__series", "raw.fred__observations"),
        deps=(("raw", "catalog__series"), ("raw", "fred__observations")),
        description="Every release of a series with data has a release calendar (else timeliness is not judged).",
    ),
    Suite(
        name="raw_catalog_series", table="raw.catalog__series", asset_key=("raw", "catalog__series"),
        build=_raw_catalog_series,
        columns=("series_id", "loop_name", "frequency", "unit", "release_id"),
        id_columns=("series_id",),
        description="One line per series; loop, frequency, unit and release known.",
    ),
    Suite(
        name="raw_catalog_cancelled_releases", table="raw.catalog__cancelled_releases",
        asset_key=("raw", "catalog__cancelled_releases"), build=_raw_cancelled, sql=CANCELLED_SQL,
        id_columns=("row_id",),
        description="One line per cancelled release, with the source's statement, announced after the period began.",
    ),
    *_registry_raw_suites(),
    Suite(
        name="sofr_nyfed_vs_fred", table="raw.nyfed__reference_rates", asset_key=("raw", "nyfed__reference_rates"),
        build=_nyfed_vs_fred, sql=_nyfed_sofr_sql, id_columns=("row_id",),
        requires=("raw.fred__observations",), deps=(("raw", "fred__observations"),),
        description="Cross-source: SOFR from the NY Fed equals SOFR from FRED on the days both have.",
    ),
    Suite(
        name="fred_series_freshness", table="raw.fred__observations", asset_key=("marts", "dim_series"),
        build=_freshness, sql=FRESHNESS_SQL, id_columns=("row_id",), blocking=False,
        requires=("marts.dim_series",), reads="marts.dim_series",
        description="Freshness against the release calendar: no series has missed two scheduled releases.",
    ),
    Suite(
        name="release_registry", table="marts.fct_series_release_status",
        asset_key=("marts", "fct_series_release_status"), build=_registry, sql=REGISTRY_SQL,
        id_columns=("row_id",), blocking=False,
        description="As of today: no period missing without a cancellation; nulls explained; nothing "
        "outstanding for more than two months.",
    ),
    *MART_SUITES,
    *_convention_suites(MART_SUITES),
)


def suites_for(asset_key: tuple[str, ...]) -> list[Suite]:
    return [s for s in SUITES if s.asset_key == tuple(asset_key)]
