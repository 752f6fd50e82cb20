"""The Great Expectations suites, as code: what to read (only the slice a suite needs) and what to expect.

Expectations are built by functions that receive the ``gx`` module, so importing this file costs
nothing: ``great_expectations`` is imported only when a suite actually runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suite:
    name: str
    table: str  # schema.table in the working DuckDB
    asset_key: tuple[str, ...]  # the Dagster asset the suite checks
    columns: tuple[str, ...]  # only these columns are read
    build: Callable[[object], list]  # gx module -> list of expectations
    blocking: bool = True
    where: str | None = None  # the slice to read; None reads the whole table
    description: str = ""
    params: dict = field(default_factory=dict)

    def query(self) -> str:
        cols = ", ".join(self.columns)
        where = f" WHERE {self.where}" if self.where else ""
        return f"SELECT {cols} FROM {self.table}{where}"


def _raw_fred_observations(gx) -> list:
    e = gx.expectations
    return [
        e.ExpectCompoundColumnsToBeUnique(column_list=["series_id", "obs_date", "realtime_start"]),
        e.ExpectColumnValuesToNotBeNull(column="realtime_start"),
        e.ExpectColumnValuesToBeInSet(column="value_status", value_set=["ok", "missing", "cancelled"]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="realtime_end", column_B="realtime_start",
                                                  or_equal=True),
    ]


def _fct_fragility_daily(gx) -> list:
    e = gx.expectations
    return [
        e.ExpectColumnValuesToBeUnique(column="as_of_date"),
        e.ExpectColumnValuesToBeBetween(column="composite_score", min_value=0, max_value=100),
        e.ExpectColumnValuesToBeBetween(column="confidence", min_value=0, max_value=1),
        e.ExpectColumnValuesToBeBetween(column="loops_in_stress", min_value=0, max_value=5),
    ]


SUITES: tuple[Suite, ...] = (
    Suite(
        name="raw_fred_observations",
        table="raw.fred__observations",
        asset_key=("raw", "fred__observations"),
        columns=("series_id", "obs_date", "realtime_start", "realtime_end", "value_status"),
        build=_raw_fred_observations,
        description="Vintage keys unique, vintages well ordered, statuses known.",
    ),
    Suite(
        name="fct_fragility_daily",
        table="marts.fct_fragility_daily",
        asset_key=("marts", "fct_fragility_daily"),
        columns=("as_of_date", "composite_score", "confidence", "loops_in_stress"),
        build=_fct_fragility_daily,
        description="One row per day; scores within 0..100; confidence within 0..1.",
    ),
)


def suites_for(asset_key: tuple[str, ...]) -> list[Suite]:
    return [s for s in SUITES if s.asset_key == asset_key]
