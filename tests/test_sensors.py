"""The FRED release-calendar sensor and the run-failure reporter, evaluated with Dagster's test utilities.

A tiny working database holds a release calendar and a few observations; the clock is injected, so each tick
sees a chosen moment (America/New_York) and calendar state.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from ingestion.fred import FRED
from orchestration import sensors
from orchestration.assets.release_checks import build_release_checks_asset
from orchestration.resources import WarehouseDuckDB

NY = ZoneInfo("America/New_York")
FRED_KEYS = {dg.AssetKey(t.asset_path) for t in FRED.tables}


def at(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), tzinfo=NY)


@pytest.fixture
def working_db(tmp_path):
    """raw.fred__release_dates: H.4.1 (20) and SOFR (379) on Thu 2025-11-20, SOFR again on Fri 2025-11-21;
    raw.fred__observations: WALCL already has the 2025-11-20 vintage, SOFR only up to 2025-11-19."""
    db = tmp_path / "build" / "fragility.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA raw")
    con.execute("""CREATE TABLE raw.fred__release_dates AS SELECT * FROM (VALUES
        ('fred', 20, 'H.4.1 Factors Affecting Reserve Balances', DATE '2025-11-20', 'h'),
        ('fred', 379, 'Secured Overnight Financing Rate', DATE '2025-11-20', 'h'),
        ('fred', 379, 'Secured Overnight Financing Rate', DATE '2025-11-21', 'h'),
        ('fred', 379, 'Secured Overnight Financing Rate', DATE '2025-10-01', 'h')
    ) t(source, release_id, release_name, release_date, payload_hash)""")
    con.execute("""CREATE TABLE raw.fred__observations AS SELECT * FROM (VALUES
        ('fred', 'WALCL', DATE '2025-11-19', 6.5e6, 'ok', NULL, DATE '2025-11-20', DATE '9999-12-31', 'p'),
        ('fred', 'SOFR', DATE '2025-11-18', 3.9, 'ok', NULL, DATE '2025-11-19', DATE '9999-12-31', 'p')
    ) t(source, series_id, obs_date, value, value_status, status_reason, realtime_start, realtime_end,
        payload_hash)""")
    con.close()
    return db


def add_sofr_vintage(db, realtime_start: str) -> None:
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO raw.fred__observations VALUES ('fred', 'SOFR', DATE '2025-11-19', 3.92, 'ok', NULL, "
                "?::DATE, DATE '9999-12-31', 'p2')", [realtime_start])
    con.close()


def checks(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT release_id, scheduled_date, arrived FROM main.release_checks "
                           "ORDER BY checked_at, release_id").fetchall()
    finally:
        con.close()


class Clock:
    def __init__(self, when: dt.datetime) -> None:
        self.when = when

    def __call__(self) -> dt.datetime:
        return self.when.astimezone(dt.UTC)


def tick(sensor, db, instance, cursor=None):
    """One tick; the verdicts it hands to its run are then written by that run's release_checks asset."""
    with dg.build_sensor_context(instance=instance, cursor=cursor,
                                 resources={"duckdb": WarehouseDuckDB(database=str(db))}) as ctx:
        data = sensor.evaluate_tick(ctx)
    for request in data.run_requests or []:
        assert sensors.RELEASE_CHECKS_KEY in request.asset_selection
        result = dg.materialize([build_release_checks_asset()], run_config=request.run_config,
                                resources={"duckdb": WarehouseDuckDB(database=str(db))})
        assert result.success
    return data


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def test_due_release_requests_only_the_fred_ingest_and_records_arrivals(working_db, instance):
    clock = Clock(at("2025-11-20", "17:20"))  # H.4.1 (16:30 + 45 min) and SOFR (08:00 + 45 min) are due
    sensor = sensors.build_release_calendar_sensor(FRED, clock=clock)
    data = tick(sensor, working_db, instance)
    assert len(data.run_requests) == 1
    req = data.run_requests[0]
    # the FRED ingest, and the verdicts' writer (the build follows through its own sensor)
    assert set(req.asset_selection) == FRED_KEYS | {sensors.RELEASE_CHECKS_KEY}
    assert req.tags["fragility/releases"] == "379@2025-11-20"
    assert req.tags["fragility/attempt"] == "1" and req.tags["fragility/source"] == "fred"
    # H.4.1 had already arrived (the Thursday schedule brought it): recorded, not requested.
    assert checks(working_db) == [(20, dt.date(2025, 11, 20), True)]
    cursor = json.loads(data.cursor)
    assert cursor["done"] == {"20@2025-11-20": "arrived"}
    assert cursor["pending"]["379@2025-11-20"]["attempts"] == 1
    # The 2025-10-01 calendar entry is outside the lookback; 2025-11-21 is not due yet.
    assert "379@2025-10-01" not in data.cursor and "379@2025-11-21" not in data.cursor


def test_nothing_due_before_the_posting_time(working_db, instance):
    sensor = sensors.build_release_calendar_sensor(FRED, clock=Clock(at("2025-11-20", "08:30")))
    data = tick(sensor, working_db, instance)  # SOFR is due at 08:45, H.4.1 at 17:15
    assert not data.run_requests
    assert "no FRED release due as of 2025-11-20 08:30 America/New_York" in data.skip_message


def test_late_release_is_retried_later_not_failed(working_db, instance):
    clock = Clock(at("2025-11-20", "17:20"))
    sensor = sensors.build_release_calendar_sensor(FRED, clock=clock)
    first = tick(sensor, working_db, instance)
    assert len(first.run_requests) == 1

    clock.when = at("2025-11-20", "17:50")  # the fetch ran; SOFR still has no 2025-11-20 vintage
    waiting = tick(sensor, working_db, instance, first.cursor)
    assert not waiting.run_requests
    assert "Secured Overnight Financing Rate (release 379) scheduled 2025-11-20 is late" in waiting.skip_message
    assert "next try after 2025-11-20 18:20 America/New_York" in waiting.skip_message
    assert waiting.cursor == first.cursor

    clock.when = at("2025-11-20", "18:25")  # retry: recorded as late, fetched again
    retry = tick(sensor, working_db, instance, waiting.cursor)
    assert len(retry.run_requests) == 1 and retry.run_requests[0].tags["fragility/attempt"] == "2"
    assert retry.run_requests[0].run_key != first.run_requests[0].run_key
    assert checks(working_db)[-1] == (379, dt.date(2025, 11, 20), False)

    add_sofr_vintage(working_db, "2025-11-20")  # it finally arrives
    clock.when = at("2025-11-20", "19:30")
    done = tick(sensor, working_db, instance, retry.cursor)
    (record,) = done.run_requests  # no fetch: a run that only records the verdict
    assert record.asset_selection == [sensors.RELEASE_CHECKS_KEY]
    assert checks(working_db) == [(20, dt.date(2025, 11, 20), True), (379, dt.date(2025, 11, 20), False),
                                  (379, dt.date(2025, 11, 20), True)]
    assert json.loads(done.cursor)["done"]["379@2025-11-20"] == "arrived"

    quiet = tick(sensor, working_db, instance, done.cursor)
    assert not quiet.run_requests and "no FRED release due" in quiet.skip_message


def test_gives_up_after_max_attempts(working_db, instance, monkeypatch):
    monkeypatch.setattr(sensors, "MAX_ATTEMPTS", 2)
    clock = Clock(at("2025-11-20", "09:00"))
    sensor = sensors.build_release_calendar_sensor(FRED, clock=clock)
    cursor = None
    requests = 0
    for hour in range(9, 13):
        clock.when = at("2025-11-20", f"{hour:02d}:00")
        data = tick(sensor, working_db, instance, cursor)
        requests += len(data.run_requests)
        cursor = data.cursor
    assert json.loads(cursor)["done"]["379@2025-11-20"] == "gave_up"
    assert checks(working_db) == [(379, dt.date(2025, 11, 20), False)] * 2
    assert requests == 2 + 1  # two fetches, then the run that records the last verdict


def test_announced_cancellation_stops_the_retries(working_db, instance, monkeypatch):
    # October 2025 CPI: scheduled 2025-11-13, cancelled by BLS on 2025-11-19 (ingestion/catalog/cancelled_releases.csv)
    con = duckdb.connect(str(working_db))
    con.execute("INSERT INTO raw.fred__release_dates VALUES ('fred', 10, 'Consumer Price Index', DATE '2025-11-13', "
                "'h')")
    con.close()
    monkeypatch.setattr(sensors, "LOOKBACK_DAYS", 10)
    clock = Clock(at("2025-11-14", "10:00"))
    sensor = sensors.build_release_calendar_sensor(FRED, clock=clock)
    late = tick(sensor, working_db, instance)
    assert late.run_requests and "10@2025-11-13" in late.run_requests[0].tags["fragility/releases"]
    clock.when = at("2025-11-19", "10:00")  # announced: recorded, no more fetches for it
    data = tick(sensor, working_db, instance, late.cursor)
    assert json.loads(data.cursor)["done"]["10@2025-11-13"] == "cancelled"
    assert (10, dt.date(2025, 11, 13), False) in checks(working_db)
    assert all("10@" not in r.tags.get("fragility/releases", "") for r in data.run_requests)


def test_no_second_fetch_while_a_fred_ingest_runs(working_db, instance):
    instance.add_run(dg.DagsterRun(job_name="fred_h41_thursday_job", run_id="0123456789abcdef",
                                   status=dg.DagsterRunStatus.STARTED, tags={"fragility/source": "fred"}))
    sensor = sensors.build_release_calendar_sensor(FRED, clock=Clock(at("2025-11-20", "17:20")))
    data = tick(sensor, working_db, instance)
    assert not data.run_requests
    assert "a FRED ingest is already running (run 01234567)" in data.skip_message


def test_missing_database_or_calendar_is_a_skip(tmp_path, instance):
    sensor = sensors.build_release_calendar_sensor(FRED, clock=Clock(at("2025-11-20", "12:00")))
    data = tick(sensor, tmp_path / "absent.duckdb", instance)
    assert not data.run_requests and "no working database" in data.skip_message
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    data = tick(sensor, empty, instance)
    assert not data.run_requests and "no FRED release calendar" in data.skip_message


def test_busy_writer_is_a_skip_not_a_failure(working_db, instance):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(60)", str(working_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        sensor = sensors.build_release_calendar_sensor(FRED, clock=Clock(at("2025-11-20", "17:20")))
        data = tick(sensor, working_db, instance)
        assert not data.run_requests
        assert "working database busy" in data.skip_message
    finally:
        holder.kill()
        holder.wait()


def test_sensor_is_registered_with_the_code_location(dbt_manifest):
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    sensor = repo.get_sensor_def("fred_release_calendar")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    names = {s.name for s in repo.sensor_defs}
    assert {"run_failure_reporter", "build_on_new_data", "dashboard_after_publish"} <= names


def test_run_failure_is_reported_as_one_line(tmp_path, instance):
    from ingestion.errors import SourceError

    @dg.op
    def ingest_fred():
        raise SourceError("fred", "HTTP 503 after 5 tries", series="SOFR", field="request")

    @dg.job
    def nightly():
        ingest_fred()

    result = nightly.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    log = tmp_path / "logs" / "run_failures.log"
    sensor = sensors.build_run_failure_sensor(log)
    ctx = dg.build_run_status_sensor_context(sensor_name=sensor.name, dagster_event=failure,
                                             dagster_instance=instance,
                                             dagster_run=result.dagster_run).for_run_failure()
    sensor(ctx)
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    assert f"run {result.run_id[:8]} of nightly failed at step ingest_fred: " in lines[0]
    assert lines[0].endswith(str(SourceError("fred", "HTTP 503 after 5 tries", series="SOFR", field="request")))
