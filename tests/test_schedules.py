"""Schedules timed to publication (explicit timezones), the build by its sensor, freshness policies on the marts.

Evaluated with Dagster's own utilities: ``build_schedule_context`` ticks and cron iteration in the schedule's
timezone. The build sensor has its own tests (tests/test_build_sensor.py).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator

from ingestion.ingest import Source
from ingestion.loader import RawTable
from ingestion.registry import SOURCES
from orchestration import schedules

NY = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def repo(defs):
    return defs.get_repository_def()


def firing(repo, when: dt.datetime) -> set[str]:
    """Names of the schedules with a tick exactly at ``when`` (cron evaluated in each schedule's timezone)."""
    out = set()
    for s in repo.schedule_defs:
        crons = [s.cron_schedule] if isinstance(s.cron_schedule, str) else list(s.cron_schedule)
        for cron in crons:
            start = (when - dt.timedelta(minutes=1)).timestamp()
            if next(cron_string_iterator(start, cron, s.execution_timezone)).timestamp() == when.timestamp():
                out.add(s.name)
    return out


def targets(repo, name: str) -> set[str]:
    job = repo.get_job(repo.get_schedule_def(name).job_name)
    return {"/".join(k.path) for k in job.asset_layer.selected_asset_keys}


def at(day: str, hhmm: str, tz=NY) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), tzinfo=tz)


def test_every_schedule_states_its_timezone_and_targets_raw_assets_only(repo):
    assert repo.schedule_defs
    for s in repo.schedule_defs:
        assert s.execution_timezone, s.name
        ZoneInfo(s.execution_timezone)
        assert all(t.startswith("raw/") for t in targets(repo, s.name)), s.name
        assert s.default_status == dg.DefaultScheduleStatus.STOPPED


@pytest.mark.parametrize(("when", "expected"), [
    (at("2025-11-24", "08:30"), {"nyfed_on_publication"}),            # Monday: SOFR, BGCR, TGCR are out
    (at("2025-11-24", "09:15"), {"nyfed_on_publication"}),            # and EFFR
    (at("2025-11-22", "08:30"), set()),                               # Saturday: no reference rates
    (at("2025-11-20", "16:45"), {"fred_h41_thursday"}),               # Thursday afternoon: H.4.1
    (at("2025-11-19", "16:45"), set()),                               # not on Wednesday
    (at("2025-07-07", "12:30", dt.UTC), {"nyfed_on_publication"}),    # 08:30 Eastern in summer (EDT) ...
    (at("2025-11-24", "13:30", dt.UTC), {"nyfed_on_publication"}),    # ... and in winter (EST)
    (at("2025-11-24", "12:30", dt.UTC), set()),
])
def test_the_right_schedules_fire_at_the_right_time(repo, when, expected):
    assert firing(repo, when) & {"nyfed_on_publication", "fred_h41_thursday"} == expected


def test_sec_filings_daily_including_weekends(repo):
    sec = {s.name for s in SOURCES if s.name.startswith("sec")}
    assert sec, "no SEC source registered"
    for day in ("2025-11-22", "2025-11-24"):  # Saturday, Monday
        assert {f"{n}_on_publication" for n in sec} <= firing(repo, at(day, "06:15"))
    for n in sec:
        assert targets(repo, f"{n}_on_publication") == {"/".join(t.asset_path) for t in
                                                       next(s for s in SOURCES if s.name == n).tables}


def test_schedule_targets_are_one_source_each(repo):
    assert targets(repo, "nyfed_on_publication") == {"raw/nyfed__reference_rates"}
    assert targets(repo, "fred_h41_thursday") == {"raw/fred__observations", "raw/fred__series",
                                                  "raw/fred__release_dates"}
    assert "fred_on_publication" not in {s.name for s in repo.schedule_defs}  # FRED follows its calendar


def test_schedule_tick_requests_a_run_tagged_with_its_source(repo):
    with dg.DagsterInstance.ephemeral() as instance:
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=at("2025-11-20", "16:45"))
        data = repo.get_schedule_def("fred_h41_thursday").evaluate_tick(ctx)
    assert len(data.run_requests) == 1
    tags = data.run_requests[0].tags
    assert tags["fragility/source"] == "fred" and tags["fragility/release_id"] == "20"


def _nyfed_tick(repo, instance, when, pipeline):
    from orchestration.resources import PipelineSettings

    with dg.build_schedule_context(instance=instance, scheduled_execution_time=when, repository_def=repo,
                                   resources={"pipeline": PipelineSettings(**pipeline)}) as ctx:
        (request,) = repo.get_schedule_def("nyfed_on_publication").evaluate_tick(ctx).run_requests
    return request


def test_daily_source_tick_requests_the_partition_of_its_publication_day(repo):
    """01:30 UTC on Tuesday is still Monday evening in New York: the partition is Eastern Monday's."""
    live = {"home": "/nowhere", "source": "live"}
    with dg.DagsterInstance.ephemeral() as instance:
        for when, day in ((at("2025-11-24", "08:30"), "2025-11-24"), (at("2026-07-06", "12:30", dt.UTC), "2026-07-06")):
            request = _nyfed_tick(repo, instance, when, live)
            assert request.partition_key == day
            assert request.tags["fragility/source"] == "nyfed"
        request = _nyfed_tick(repo, instance, at("2025-11-25", "01:30", dt.UTC), live)
        assert request.partition_key == "2025-11-24"
        # a warehouse held at an as-of day (or the sample world, which ends on 2025-11-21) ticks for that day
        held = _nyfed_tick(repo, instance, at("2026-07-06", "08:30"), {**live, "as_of": "2025-11-20"})
        assert held.partition_key == "2025-11-20"
        sample = _nyfed_tick(repo, instance, at("2026-07-06", "08:30"), {"home": "/nowhere"})
        assert sample.partition_key == "2025-11-21"


def test_a_new_source_gets_a_schedule_without_code_changes():
    table = RawTable("raw.newsrc__things", "id INTEGER NOT NULL", key=("id",), description="things")
    new = Source("newsrc", (table,), acquire=lambda ctx: iter(()), parse=lambda p, c: [])
    (sched,) = schedules.build_schedules((new,))
    assert sched.name == "newsrc_on_publication"
    assert (sched.cron_schedule, sched.execution_timezone) == ("0 7 * * *", "America/New_York")


def test_policies_raw_on_schedules_build_by_its_sensor_dashboard_by_automation(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name == "reports":
            assert node.automation_condition is not None, key  # the dashboard follows publish
        else:  # raw: schedules and sensors; the build: the build_on_new_data sensor, planned as the CLI plans
            assert node.automation_condition is None, key
        if key.path[0] == "marts":
            policy = node.freshness_policy
            assert policy is not None and policy.timezone == "America/New_York", key
    assert graph.get(dg.AssetKey(["reports", "dashboard"])).group_name == "reports"
    sensors = {s.name: s for s in defs.get_repository_def().sensor_defs}
    assert sensors["build_on_new_data"].default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["build_on_new_data"].job_name == "build_and_publish"
