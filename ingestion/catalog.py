"""The series catalog (one CSV line per series) and the maintained list of cancelled releases.

Adding a FRED series is one line in ``catalog/fred_series.csv``. Identifiers that reach SQL or the
file system are validated here, once, so nothing downstream has to trust configuration.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG_DIR = Path(__file__).parent / "catalog"
SERIES_ID = re.compile(r"^[A-Z0-9][A-Z0-9_]{0,39}$")
# The loop a series feeds (each series feeds one loop at most): the four stress loops, the four vulnerability
# loops, the hedge check, benchmarks (comparison only, never an input) and the x-scale replicas.
STRESS_LOOPS = ("funding", "credit", "volatility", "policy_error")
VULNERABILITY_LOOPS = ("ai_leverage", "private_credit", "k_shape", "concentration")
LOOPS = {*STRESS_LOOPS, *VULNERABILITY_LOOPS, "hedge", "benchmark", "scale_replica"}
FREQUENCIES = {"D", "W", "M", "Q", "A"}


def validate_series_id(series_id: str, *, source: str = "catalog") -> str:
    from ingestion.errors import SourceError

    if not isinstance(series_id, str) or not SERIES_ID.fullmatch(series_id):
        raise SourceError(source, f"invalid series id {series_id!r} (expected A-Z, 0-9, _)",
                          field="series_id")
    return series_id


@dataclass(frozen=True)
class Series:
    series_id: str
    loop: str
    unit: str
    frequency: str
    release: str
    release_id: int
    revisable: bool
    title: str
    discontinued_on: dt.date | None = None
    # Typical days from a period's end to its first release (next weekday when it falls on a weekend):
    # the pseudo-real-time rule for history that arrived without its vintages (a file drop, ALFRED's first
    # vintage). Negative for projections published ahead of the period (CBO's NROU).
    publication_lag_days: int = 1


@cache
def fred_series() -> dict[str, Series]:
    out: dict[str, Series] = {}
    with open(CATALOG_DIR / "fred_series.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            sid = validate_series_id(row["series_id"])
            if row["loop"] not in LOOPS or row["frequency"] not in FREQUENCIES:
                raise ValueError(f"catalog: series {sid}: bad loop or frequency")
            ended = dt.date.fromisoformat(row["discontinued_on"]) if row.get("discontinued_on") else None
            out[sid] = Series(sid, row["loop"], row["unit"], row["frequency"], row["release"],
                              int(row["release_id"]), row["revisable"] == "true", row["title"], ended,
                              int(row["publication_lag_days"]))
    return out


def replica(s: Series, k: int) -> Series:
    """Replica ``k`` of a catalog series: same shape, its own id, loop ``scale_replica``."""
    return Series(f"{s.series_id}_X{k:03d}", "scale_replica", s.unit, s.frequency, s.release, s.release_id,
                  s.revisable, f"{s.title} (scale replica {k})", s.discontinued_on, s.publication_lag_days)


def with_replicas(scale: int) -> dict[str, Series]:
    """The catalog, plus ``scale - 1`` replicas of every series (benchmark load, never in a mart)."""
    base = fred_series()
    out = dict(base)
    for k in range(2, scale + 1):
        for s in base.values():
            r = replica(s, k)
            out[r.series_id] = r
    return out


@dataclass(frozen=True)
class CancelledRelease:
    source: str
    series_id: str
    period: dt.date
    scheduled_on: dt.date
    announced_on: dt.date
    statement: str


@cache
def cancelled_releases() -> tuple[CancelledRelease, ...]:
    with open(CATALOG_DIR / "cancelled_releases.csv", newline="") as fh:
        return tuple(
            CancelledRelease(r["source"], validate_series_id(r["series_id"]),
                             dt.date.fromisoformat(r["period"]), dt.date.fromisoformat(r["scheduled_on"]),
                             dt.date.fromisoformat(r["announced_on"]), r["statement"])
            for r in csv.DictReader(fh)
        )


def cancellation(series_id: str, period: dt.date) -> CancelledRelease | None:
    for c in cancelled_releases():
        if c.series_id == series_id and c.period == period:
            return c
    return None


def catalog_tables(scale: int = 1):
    """The registries as Arrow tables, for ``raw.catalog__*`` (replaced whole on every load)."""
    import pyarrow as pa

    series = list(with_replicas(scale).values())
    return {
        "raw.catalog__series": pa.table({
            "source": ["fred"] * len(series),
            "series_id": [s.series_id for s in series],
            "loop_name": [s.loop for s in series],
            "unit": [s.unit for s in series],
            "frequency": [s.frequency for s in series],
            "release_name": [s.release for s in series],
            "release_id": pa.array([s.release_id for s in series], pa.int32()),
            "is_revisable": [s.revisable for s in series],
            "title": [s.title for s in series],
            "discontinued_on": pa.array([s.discontinued_on for s in series], pa.date32()),
            "publication_lag_days": pa.array([s.publication_lag_days for s in series], pa.int32()),
        }),
        "raw.catalog__cancelled_releases": pa.table({
            "source": [c.source for c in cancelled_releases()],
            "series_id": [c.series_id for c in cancelled_releases()],
            "period": [c.period for c in cancelled_releases()],
            "scheduled_on": [c.scheduled_on for c in cancelled_releases()],
            "announced_on": [c.announced_on for c in cancelled_releases()],
            "statement": [c.statement for c in cancelled_releases()],
        }),
    }
