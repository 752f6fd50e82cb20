"""Every source the pipeline ingests. Adding a source is one line here (plus its module)."""

from __future__ import annotations

from ingestion.fred import FRED
from ingestion.ingest import Source

SOURCES: tuple[Source, ...] = (FRED,)
