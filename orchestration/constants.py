"""Names shared across the code location, defined once."""

from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"  # `dbt parse`'s, which the definitions load

# Every time in the project is stated with its timezone: the sources publish on US Eastern time.
EASTERN = "America/New_York"

# DuckDB has one writer: every step that writes the warehouse declares this pool (dagster.yaml limits it to 1).
WRITER_POOL = "duckdb_writer"

# Asset groups, in the order data flows through them.
RAW_GROUP = "raw"
DBT_LAYERS = ("staging", "intermediate", "marts")
PUBLISH_GROUP = "publish"
REPORTS_GROUP = "reports"

# The jobs. Every launcher (the CLI, a schedule or sensor tick, the UI) runs these, in this order:
# ingest, then build_and_publish on what the planner selects (orchestration.planning).
INGEST_JOB = "ingest"
BUILD_JOB = "build_and_publish"
FULL_JOB = "full_build"
RAW_CHECKS_JOB = "raw_checks"  # DuckLake only: the raw checks after a parallel ingest

# Run tags.
TRIGGER_TAG = "fragility/trigger"  # cli | schedule | release_calendar | new_data
SOURCE_TAG = "fragility/source"
MONITORING_GROUP = "monitoring"
