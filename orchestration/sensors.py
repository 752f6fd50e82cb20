"""Sensors: the FRED release calendar, and one-line run-failure reports.

Release calendar
    FRED publishes each release on the dates in ``raw.fred__release_dates``. Once a release's usual
    publication time (Eastern) plus a grace period has passed, the sensor looks for a new vintage in
    ``raw.fred__observations`` (``realtime_start >= scheduled date`` for any series of the release).

    * arrived: recorded (``arrived = true``), nothing requested;
    * not arrived, never tried: request the FRED ingest (``raw/fred__*``; the build follows through the
      ``build_on_new_data`` sensor, orchestration.build_sensor);
    * still not arrived an hour after a fetch: the release is **late**. Recorded (``arrived = false``) and
      requested again, up to ``MAX_ATTEMPTS`` fetches; between tries the tick is skipped with the reason.
      A late release is never a failure;
    * cancelled (the maintained list says it will never come, and says so by now): recorded, no more tries.

    Every verdict is a row of ``main.release_checks(release_id, scheduled_date, checked_at, arrived)`` in the
    working database. The sensor only reads the warehouse: the verdicts travel in the run it requests, and the
    ``main/release_checks`` asset writes them (one Arrow bulk insert) in the writer pool like every other
    write. ``checked_at`` is UTC. State between ticks lives in the cursor (JSON).

Run failures
    One line per failed run, naming the step and the innermost error, in the daemon's log and in
    ``HOME/logs/run_failures.log``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from ingestion.ingest import Source
from orchestration.constants import EASTERN as EASTERN_NAME
from orchestration.constants import SOURCE_TAG, TRIGGER_TAG
from orchestration.resources import WarehouseBusy, WarehouseDuckDB, WarehouseMissing

EASTERN = ZoneInfo(EASTERN_NAME)
RELEASE_CHECKS_KEY = dg.AssetKey(["main", "release_checks"])  # the asset that writes the verdicts
# Usual FRED posting time (Eastern) per release id; anything else: DEFAULT_RELEASE_TIME.
RELEASE_TIMES: dict[int, dt.time] = {
    10: dt.time(8, 30),   # CPI (BLS)
    50: dt.time(8, 30),   # Employment Situation (BLS)
    53: dt.time(8, 30),   # GDP (BEA)
    18: dt.time(16, 15),  # H.15 Selected Interest Rates
    20: dt.time(16, 30),  # H.4.1
    91: dt.time(10, 0),   # Surveys of Consumers
    289: dt.time(8, 30),  # NFCI (Wednesdays)
    276: dt.time(10, 0),  # STLFSI (Thursdays)
    306: dt.time(13, 15),  # ON RRP results
    379: dt.time(8, 0),   # SOFR
    416: dt.time(9, 0),   # EFFR
}
DEFAULT_RELEASE_TIME = dt.time(9, 0)
GRACE = dt.timedelta(minutes=45)
RETRY_AFTER = dt.timedelta(hours=1)
MAX_ATTEMPTS = 6
LOOKBACK_DAYS = 3
CANCELLATION_SLACK_DAYS = 3  # calendars and the maintained cancellation list may disagree by a day or two

RELEASE_CHECKS_DDL = """CREATE TABLE IF NOT EXISTS main.release_checks (
    release_id INTEGER NOT NULL, scheduled_date DATE NOT NULL, checked_at TIMESTAMP NOT NULL, arrived BOOLEAN NOT NULL
)"""
RELEASE_CHECKS_COMMENTS = {
    "": "FRED release-calendar sensor: one row per verdict on a scheduled release (arrived, or still late "
        "after a fetch, or cancelled). Late = any arrived=false row; arrival time = first arrived=true.",
    "release_id": "FRED release id (raw.fred__release_dates.release_id).",
    "scheduled_date": "The date the release calendar scheduled it for.",
    "checked_at": "When the sensor checked (UTC).",
    "arrived": "true when a vintage with realtime_start >= scheduled_date was in raw.fred__observations.",
}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Due:
    release_id: int
    release_name: str
    scheduled_date: dt.date

    @property
    def key(self) -> str:
        return f"{self.release_id}@{self.scheduled_date.isoformat()}"

    @property
    def label(self) -> str:
        return f"{self.release_name} (release {self.release_id}) scheduled {self.scheduled_date}"


def expected_at(release_id: int, day: dt.date) -> dt.datetime:
    """When a release should be on FRED: its usual posting time (Eastern) plus the grace period."""
    posted = dt.datetime.combine(day, RELEASE_TIMES.get(release_id, DEFAULT_RELEASE_TIME), tzinfo=EASTERN)
    return posted + GRACE


def release_series() -> dict[int, list[str]]:
    from ingestion.catalog import fred_series

    out: dict[int, list[str]] = {}
    for s in fred_series().values():
        out.setdefault(s.release_id, []).append(s.series_id)
    return out


def cancelled_keys(today: dt.date) -> set[tuple[int, dt.date]]:
    """(release id, scheduled date +- slack) of cancellations already announced by ``today``."""
    from ingestion.catalog import cancelled_releases, fred_series

    cat = fred_series()
    out = set()
    for c in cancelled_releases():
        if c.source == "fred" and c.series_id in cat and c.announced_on <= today:
            for d in range(-CANCELLATION_SLACK_DAYS, CANCELLATION_SLACK_DAYS + 1):
                out.add((cat[c.series_id].release_id, c.scheduled_on + dt.timedelta(days=d)))
    return out


def _table_exists(con, schema: str, name: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, name]).fetchone()[0] > 0


def due_releases(con, now: dt.datetime) -> list[Due]:
    """Releases scheduled in the lookback window whose expected time has passed, oldest first."""
    today = now.astimezone(EASTERN).date()
    rows = con.execute(
        "SELECT DISTINCT release_id, release_name, release_date FROM raw.fred__release_dates "
        "WHERE release_date BETWEEN ? AND ? ORDER BY release_date, release_id",
        [today - dt.timedelta(days=LOOKBACK_DAYS), today],
    ).fetchall()
    return [Due(int(r), n or f"release {r}", d) for r, n, d in rows if expected_at(int(r), d) <= now]


def arrived(con, dues: list[Due]) -> set[str]:
    """Keys of the due releases for which a vintage dated on or after the scheduled date is loaded."""
    import pyarrow as pa

    if not dues:
        return set()
    by_release = release_series()
    pairs = [(d.release_id, sid) for d in {x.release_id: x for x in dues}.values() for sid in by_release.get(
        d.release_id, [])]
    release_map = pa.table({"release_id": pa.array([p[0] for p in pairs], pa.int32()),  # noqa: F841 (scanned)
                            "series_id": [p[1] for p in pairs]})
    latest = dict(con.execute(
        "SELECT m.release_id, max(o.realtime_start) FROM raw.fred__observations o "
        "JOIN release_map m ON m.series_id = o.series_id GROUP BY m.release_id"
    ).fetchall())
    return {d.key for d in dues if latest.get(d.release_id) is not None and latest[d.release_id] >= d.scheduled_date}


def record_checks(con, rows: list[tuple[int, dt.date, dt.datetime, bool]]) -> None:
    """Append verdicts to main.release_checks (created, and commented, on first use): one Arrow bulk insert."""
    import pyarrow as pa

    if not _table_exists(con, "main", "release_checks"):
        con.execute(RELEASE_CHECKS_DDL)
        for col, text in RELEASE_CHECKS_COMMENTS.items():
            target = "TABLE main.release_checks" if not col else f"COLUMN main.release_checks.{col}"
            con.execute(f"COMMENT ON {target} IS '{text.replace(chr(39), chr(39) * 2)}'")
    if not rows:
        return
    batch = pa.table({  # noqa: F841 (scanned by DuckDB below)
        "release_id": pa.array([r[0] for r in rows], pa.int32()),
        "scheduled_date": pa.array([r[1] for r in rows], pa.date32()),
        "checked_at": pa.array([r[2].astimezone(dt.UTC).replace(tzinfo=None) for r in rows], pa.timestamp("us")),
        "arrived": pa.array([r[3] for r in rows], pa.bool_()),
    })
    con.execute("INSERT INTO main.release_checks SELECT release_id, scheduled_date, checked_at, arrived FROM batch")


@dataclass
class Cursor:
    """``done``: key -> arrived|cancelled|gave_up; ``pending``: key -> {"attempts": n, "last": iso UTC}."""

    done: dict[str, str]
    pending: dict[str, dict]

    @classmethod
    def load(cls, raw: str | None) -> Cursor:
        data = json.loads(raw) if raw else {}
        return cls(dict(data.get("done", {})), dict(data.get("pending", {})))

    def dump(self, today: dt.date) -> str:
        oldest = today - dt.timedelta(days=LOOKBACK_DAYS + 1)

        def keep(key: str) -> bool:
            return dt.date.fromisoformat(key.split("@")[1]) >= oldest

        return json.dumps({"done": {k: v for k, v in sorted(self.done.items()) if keep(k)},
                           "pending": {k: v for k, v in sorted(self.pending.items()) if keep(k)}},
                          separators=(",", ":"))


def evaluate_calendar(con, cursor: Cursor, now: dt.datetime) -> tuple[list[Due], list[str], list[tuple]]:
    """One tick's decisions: (releases to fetch now, skip messages, release_checks rows). Mutates ``cursor``."""
    today = now.astimezone(EASTERN).date()
    dues = [d for d in due_releases(con, now) if d.key not in cursor.done]
    here = arrived(con, dues)
    cancelled = cancelled_keys(today)
    fetch: list[Due] = []
    waiting: list[str] = []
    rows: list[tuple] = []
    for d in dues:
        state = cursor.pending.get(d.key)
        if d.key in here:
            rows.append((d.release_id, d.scheduled_date, now, True))
            cursor.done[d.key] = "arrived"
            cursor.pending.pop(d.key, None)
        elif (d.release_id, d.scheduled_date) in cancelled:
            rows.append((d.release_id, d.scheduled_date, now, False))
            cursor.done[d.key] = "cancelled"
            cursor.pending.pop(d.key, None)
        elif state is None:
            cursor.pending[d.key] = {"attempts": 1, "last": now.isoformat()}
            fetch.append(d)
        else:
            retry_at = dt.datetime.fromisoformat(state["last"]) + RETRY_AFTER
            if now < retry_at:
                waiting.append(f"{d.label} is late after {state['attempts']} fetch(es); next try after "
                               f"{retry_at.astimezone(EASTERN):%Y-%m-%d %H:%M} America/New_York")
                continue
            rows.append((d.release_id, d.scheduled_date, now, False))  # a fetch came back without it: late
            if state["attempts"] >= MAX_ATTEMPTS:
                cursor.done[d.key] = "gave_up"
                cursor.pending.pop(d.key, None)
                waiting.append(f"{d.label} still missing after {state['attempts']} fetches; recorded as late, "
                               "no more tries")
                continue
            cursor.pending[d.key] = {"attempts": state["attempts"] + 1, "last": now.isoformat()}
            fetch.append(d)
    return fetch, waiting, rows


def fred_run_in_progress(instance: dg.DagsterInstance) -> str | None:
    """The id of a queued or running FRED ingest (schedule, sensor or manual runs tagged with the source)."""
    runs = instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
                                        dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED],
                              tags={"fragility/source": "fred"}),
        limit=1,
    )
    return runs[0].dagster_run.run_id if runs else None


def verdict_rows(rows: list[tuple[int, dt.date, dt.datetime, bool]]) -> list[list]:
    """Verdicts as run config for the ``main/release_checks`` asset (orchestration.assets.release_checks)."""
    return [[r[0], r[1].isoformat(), r[2].astimezone(dt.UTC).isoformat(), bool(r[3])] for r in rows]


def build_release_calendar_sensor(
    fred: Source, *, clock: Callable[[], dt.datetime] = _utcnow, minimum_interval_seconds: int = 300
) -> dg.SensorDefinition:
    """The FRED release-calendar sensor; ``clock`` is injectable so tests can set the time."""
    keys = [dg.AssetKey(t.asset_path) for t in fred.tables]
    op_config_key = "__".join(RELEASE_CHECKS_KEY.path)

    @dg.sensor(
        name="fred_release_calendar",
        target=dg.AssetSelection.assets(*keys, RELEASE_CHECKS_KEY),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Requests the FRED ingest when a release on FRED's calendar should be out (America/New_York "
        "posting times + 45 min); retries hourly while it is late and records each verdict in "
        "main.release_checks. The build follows through the build_on_new_data sensor.",
    )
    def fred_release_calendar(context: dg.SensorEvaluationContext, duckdb: WarehouseDuckDB):
        import duckdb as duckdb_lib

        now = clock()
        today = now.astimezone(EASTERN).date()
        cursor = Cursor.load(context.cursor)
        running = fred_run_in_progress(context.instance)
        if running:
            return dg.SkipReason(f"a FRED ingest is already running (run {running[:8]}); checking after it ends")
        try:
            with duckdb.read_only() as con:
                if not _table_exists(con, "raw", "fred__release_dates"):
                    return dg.SkipReason("no FRED release calendar loaded yet (raw.fred__release_dates); "
                                         "materialise the FRED ingest once")
                fetch, waiting, rows = evaluate_calendar(con, cursor, now)
        except WarehouseMissing as exc:
            return dg.SkipReason(str(exc))
        except WarehouseBusy as exc:
            return dg.SkipReason(f"working database busy ({exc}); checking again next tick")
        except duckdb_lib.Error as exc:  # a broken file: skip this tick, do not fail it
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            return dg.SkipReason(f"working database unavailable ({type(exc).__name__}: {first}); next tick")
        config = {"ops": {op_config_key: {"config": {"verdicts": verdict_rows(rows)}}}}
        stamp = f"{now.astimezone(EASTERN):%Y%m%dT%H%M}"
        if fetch:
            attempt = max(cursor.pending[d.key]["attempts"] for d in fetch)
            releases = ",".join(d.key for d in fetch)
            request = dg.RunRequest(
                run_key=f"fred-calendar:{stamp}:{releases}",
                asset_selection=[*keys, RELEASE_CHECKS_KEY], run_config=config,
                tags={TRIGGER_TAG: "release_calendar", SOURCE_TAG: "fred",
                      "fragility/releases": releases[:200],
                      "fragility/attempt": str(attempt)},
            )
            context.log.info(f"fetching FRED for {len(fetch)} release(s) due: " + "; ".join(d.label for d in fetch))
            return dg.SensorResult(run_requests=[request], cursor=cursor.dump(today))
        if rows:  # verdicts only: a small run records them
            arrived_now = sum(1 for r in rows if r[3])
            context.log.info(f"{arrived_now} due release(s) arrived, {len(rows) - arrived_now} late or cancelled; "
                             "recording them in main.release_checks")
            request = dg.RunRequest(run_key=f"fred-calendar-verdicts:{stamp}", asset_selection=[RELEASE_CHECKS_KEY],
                                    run_config=config, tags={TRIGGER_TAG: "release_calendar"})
            return dg.SensorResult(run_requests=[request], cursor=cursor.dump(today))
        if waiting:
            reason = "; ".join(waiting[:3]) + (f"; and {len(waiting) - 3} more" if len(waiting) > 3 else "")
        else:
            reason = f"no FRED release due as of {now.astimezone(EASTERN):%Y-%m-%d %H:%M} America/New_York"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor.dump(today))

    return fred_release_calendar


def _innermost(err) -> str:
    while getattr(err, "cause", None) is not None:
        err = err.cause
    lines = [ln.strip() for ln in (getattr(err, "message", "") or "").strip().splitlines() if ln.strip()]
    return lines[0] if lines else "failed"


def failure_line(context: dg.RunFailureSensorContext) -> str:
    """One line: which run, which step, the innermost error message."""
    run = context.dagster_run
    where, reason = "", ""
    for event in context.get_step_failure_events():
        data = event.event_specific_data
        where = f" at step {event.step_key}"
        reason = _innermost(data.error) if data is not None and data.error is not None else "failed"
        break
    if not reason:
        reason = (context.failure_event.message or "failed").strip().splitlines()[0]
    line = f"run {run.run_id[:8]} of {run.job_name} failed{where}: {reason}"
    return line if len(line) <= 400 else line[:397] + "..."


def build_run_failure_sensor(log_file: Path | None = None) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="run_failure_reporter",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Reports every failed run as one line (step and innermost error) in the daemon log and "
        "HOME/logs/run_failures.log.",
    )
    def run_failure_reporter(context: dg.RunFailureSensorContext) -> None:
        line = failure_line(context)
        context.log.error(line)
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            with open(log_file, "a") as fh:
                fh.write(f"{stamp} {line}\n")

    return run_failure_reporter
