"""The code location of tests/test_daemon_e2e.py: the product's definitions, with two clocks made faster.

The NY Fed schedule is the product's own (``daily_source_schedule``) with a cron of every minute instead of
08:30 on business days, and the build sensor looks every 5 s instead of 30 s, so the daemon ticks within
the test. Everything else (assets, checks, jobs, the planner, resources) is ``build_defs`` unchanged.
"""

import dagster as dg

from ingestion.registry import SOURCES
from orchestration.assembly import build_defs
from orchestration.build_sensor import build_sensor
from orchestration.constants import EASTERN
from orchestration.schedules import Publication, daily_source_schedule
from orchestration.settings import Settings


def _faster(product: dg.Definitions) -> dg.Definitions:
    nyfed = next(s for s in SOURCES if s.name == "nyfed")
    raw_keys = [dg.AssetKey(t.asset_path) for s in SOURCES for t in s.tables] + [
        dg.AssetKey(["raw", "catalog__series"]), dg.AssetKey(["raw", "catalog__cancelled_releases"])]
    return dg.Definitions(
        assets=product.assets, asset_checks=product.asset_checks, jobs=product.jobs, resources=product.resources,
        executor=product.executor,
        schedules=[daily_source_schedule(nyfed, Publication(("* * * * *",), EASTERN, "every minute, for the test"))],
        sensors=[build_sensor(raw_keys, minimum_interval_seconds=5)],
    )


defs = _faster(build_defs(Settings.from_env()))  # the module's only Definitions (Dagster loads exactly one)
