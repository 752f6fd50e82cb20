"""Which daily partitions `fragility run` ingests: from the first day not loaded (in Dagster and in the
warehouse alike) to the as-of day, and the publication-day window each range fetches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from orchestration.partitions import DAILY, FIRST_DAY, range_to_run, window
from orchestration.settings import Settings

KEY = dg.AssetKey(["raw", "nyfed__reference_rates"])
d = dt.date.fromisoformat


def _instance_with(days: list[str]) -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    for day in days:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=KEY, partition=day))
    return instance


def _days(first: str, last: str) -> list[str]:
    n = (d(last) - d(first)).days + 1
    return [(d(first) + dt.timedelta(i)).isoformat() for i in range(n)]


def _range(done: list[str], loaded_until: str | None, as_of: str, source: str = "sample",
           today: str = "2026-11-30") -> tuple[str, str] | None:
    settings = Settings(Path("/nonexistent"), source, as_of=d(as_of))
    with _instance_with(done) as instance:
        keys = range_to_run(instance, KEY, settings, d(loaded_until) if loaded_until else None, today=d(today))
    return (keys.start, keys.end) if keys else None


def test_an_empty_warehouse_starts_at_the_first_partition_with_the_backlog():
    assert _range([], None, "2025-11-20") == ("2025-10-01", "2025-11-20")
    assert window(dg.PartitionKeyRange("2025-10-01", "2025-11-20")) == (None, d("2025-11-20"))  # everything


def test_the_next_day_is_only_the_next_day():
    assert _range(_days("2025-10-01", "2025-11-20"), "2025-11-20", "2025-11-21") == ("2025-11-21", "2025-11-21")
    assert window(dg.PartitionKeyRange("2025-11-21", "2025-11-21")) == (d("2025-11-21"), d("2025-11-21"))


def test_nothing_new_fetches_nothing_unless_the_last_day_is_today():
    loaded = _days("2025-10-01", "2025-11-21")
    assert _range(loaded, "2025-11-21", "2025-11-21") is None  # a past day is complete
    # today's partition again: the NY Fed corrects a rate at 14:30 on its publication day
    assert _range(loaded, "2025-11-21", "2025-11-21", today="2025-11-21") == ("2025-11-21", "2025-11-21")


def test_a_weekend_gap_is_fetched_as_one_range():
    # Friday the 14th was the last publication day loaded; on Monday the 17th, Saturday to Monday in one run
    assert _range(_days("2025-10-01", "2025-11-14"), "2025-11-14", "2025-11-17") == ("2025-11-15", "2025-11-17")


def test_a_warehouse_behind_dagster_is_fetched_from_the_first_day_it_lacks():
    assert _range(_days("2025-10-01", "2025-11-21"), "2025-11-10", "2025-11-21") == ("2025-11-11", "2025-11-21")
    assert _range(_days("2025-10-01", "2025-11-21"), None, "2025-11-21") == ("2025-10-01", "2025-11-21")


def test_a_file_drop_runs_one_empty_partition_not_the_whole_range():
    assert _range([], None, "2026-11-27", source="files") == ("2026-11-27", "2026-11-27")


def test_an_as_of_day_before_the_partitions_is_refused():
    with pytest.raises(ValueError, match="before the first daily partition"):
        _range([], None, "2025-09-30")


def test_partitions_are_eastern_publication_days_from_the_shutdown():
    assert DAILY.timezone == "America/New_York"
    assert DAILY.start.date() == FIRST_DAY == dt.date(2025, 10, 1)
