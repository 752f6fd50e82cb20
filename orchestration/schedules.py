"""When each asset runs: raw ingests on schedules timed to publication, the build after them, and freshness
policies on the marts.

Only raw assets are scheduled (one multi-asset per source, keyed ``raw/<source>__<entity>``). The build
(dbt models, their checks, ``warehouse/published``) follows through the ``build_on_new_data`` sensor
(orchestration.build_sensor), which plans it exactly as `fragility run` does after its ingest; the dashboard
follows publish through ``AutomationCondition.eager()``. FRED is driven by its release calendar instead
(``orchestration.sensors``), plus the H.4.1 schedule below.

Every time is stated with its timezone: sources publish on US Eastern time (America/New_York), not UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import dagster as dg

from ingestion.ingest import Source
from orchestration.constants import EASTERN, REPORTS_GROUP, SOURCE_TAG, TRIGGER_TAG
from orchestration.resources import PipelineSettings

# Marts must hold the morning's data on business days: materialised in the 24 h before 10:00 Eastern.
MARTS_FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron="0 10 * * 1-5", lower_bound_delta=dt.timedelta(hours=24),
                                          timezone=EASTERN)


@dataclass(frozen=True)
class Publication:
    """When a source publishes, as cron strings in an explicit timezone."""

    crons: tuple[str, ...]
    timezone: str
    why: str


# Keyed by source name, or by the prefix before "_" (sec_companyfacts and sec_bdc share "sec").
PUBLICATION: dict[str, Publication] = {
    "nyfed": Publication(("30 8 * * 1-5", "15 9 * * 1-5"), EASTERN,
                         "NY Fed reference rates: SOFR, BGCR and TGCR at about 08:00 Eastern, EFFR at about 09:00, "
                         "on business days"),
    "ofr": Publication(("0 11 * * 1-5",), EASTERN,
                       "OFR Short-term Funding Monitor: updated late morning Eastern on business days"),
    "sec": Publication(("15 6 * * *",), EASTERN,
                       "SEC EDGAR filings: daily, at 06:15 Eastern, after the previous day's dissemination ends"),
    "holdings": Publication(("0 20 * * 1-5",), EASTERN,
                            "ETF holdings files: posted in the evening Eastern after the close, business days"),
    "gold": Publication(("0 18 * * 1-5",), EASTERN,
                        "gold in US dollars: COMEX settles at 13:30 Eastern, daily closes are posted by the evening"),
    "files": Publication(("0 7 * * *",), EASTERN, "file drops (OFR FSI, S&P 500 constituents): picked up daily at "
                         "07:00 Eastern"),
}
DEFAULT_PUBLICATION = Publication(("0 7 * * *",), EASTERN, "no publication calendar known: daily at 07:00 Eastern")
# FRED has no plain schedule: its release calendar sensor requests it (orchestration.sensors).
CALENDAR_DRIVEN = ("fred",)
H41_RELEASE_ID = 20


def source_keys(source: Source) -> list[dg.AssetKey]:
    """The raw asset keys of one source (its multi-asset ``<source>_raw`` produces them all)."""
    return [dg.AssetKey(t.asset_path) for t in source.tables]


def source_selection(source: Source) -> dg.AssetSelection:
    return dg.AssetSelection.assets(*source_keys(source))


def publication_of(source: Source) -> Publication:
    return PUBLICATION.get(source.name) or PUBLICATION.get(source.name.split("_")[0]) or DEFAULT_PUBLICATION


def daily_source_schedule(source: Source, pub: Publication) -> dg.ScheduleDefinition:
    """A daily-partitioned source: each tick requests the partition of its own publication day (Eastern), or
    the settings' as-of day when that is earlier (the sample world, or a warehouse held at a past day)."""
    from zoneinfo import ZoneInfo

    crons = list(pub.crons)

    @dg.schedule(
        name=f"{source.name}_on_publication",
        cron_schedule=crons[0] if len(crons) == 1 else crons,
        execution_timezone=pub.timezone,
        target=source_selection(source),
        description=f"Ingest `{source.name}` ({pub.timezone}): {pub.why}. Each tick loads the partition of that "
        "publication day; the build follows (build_on_new_data).",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def _on_publication(context: dg.ScheduleEvaluationContext, pipeline: PipelineSettings) -> dg.RunRequest:
        from orchestration.partitions import last_day

        day = context.scheduled_execution_time.astimezone(ZoneInfo(pub.timezone)).date()
        if pipeline.as_of or pipeline.source == "sample":
            day = min(day, last_day(pipeline.settings()))
        return dg.RunRequest(partition_key=day.isoformat(), tags={TRIGGER_TAG: "schedule", SOURCE_TAG: source.name})

    return _on_publication


def source_schedule(source: Source) -> dg.ScheduleDefinition:
    pub = publication_of(source)
    if source.daily:
        return daily_source_schedule(source, pub)
    crons = list(pub.crons)
    return dg.ScheduleDefinition(
        name=f"{source.name}_on_publication",
        cron_schedule=crons[0] if len(crons) == 1 else crons,
        execution_timezone=pub.timezone,
        target=source_selection(source),
        tags={TRIGGER_TAG: "schedule", SOURCE_TAG: source.name},
        description=f"Ingest `{source.name}` ({pub.timezone}): {pub.why}. The build follows (build_on_new_data).",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )


def h41_schedule(fred: Source) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="fred_h41_thursday",
        cron_schedule="45 16 * * 4",
        execution_timezone=EASTERN,
        target=source_selection(fred),
        tags={TRIGGER_TAG: "schedule", SOURCE_TAG: fred.name,
              "fragility/release_id": str(H41_RELEASE_ID)},
        description="Ingest FRED after the Fed's H.4.1 (balance sheet, reserves, TGA), published Thursdays at "
        "16:30 America/New_York; holiday shifts are caught by the release-calendar sensor.",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )


def build_schedules(sources: tuple[Source, ...]) -> list[dg.ScheduleDefinition]:
    """One schedule per source timed to its publication (FRED: the H.4.1 one; its calendar does the rest)."""
    out = [source_schedule(s) for s in sources if s.name not in CALENDAR_DRIVEN]
    out += [h41_schedule(s) for s in sources if s.name == "fred"]
    return out


def with_policies(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Freshness policies on the marts; the dashboard follows publish by eager automation."""
    if spec.group_name == REPORTS_GROUP and spec.automation_condition is None:
        spec = spec.replace_attributes(automation_condition=dg.AutomationCondition.eager())
    if spec.group_name == "marts":
        spec = dg.apply_freshness_policy(spec, MARTS_FRESHNESS, overwrite_existing=False)
    return spec


def apply_policies(assets: list) -> list:
    """The assets with ``with_policies`` applied to every spec (multi-assets such as dbt's included)."""
    return list(dg.map_asset_specs(with_policies, assets))


def automation_sensor() -> dg.AutomationConditionSensorDefinition:
    """Evaluates the dashboard's automation condition (on by default: it only reacts to publish)."""
    return dg.AutomationConditionSensorDefinition(
        "dashboard_after_publish",
        target=dg.AssetSelection.groups(REPORTS_GROUP),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=60,
        description="Renders the dashboard once a new warehouse is published.",
    )
