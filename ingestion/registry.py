"""Every source the pipeline ingests. Adding a source is one line here (plus its module)."""

from __future__ import annotations

from ingestion.fred import FRED
from ingestion.ingest import Source
from ingestion.nyfed import NYFED
from ingestion.ofr import OFR

SOURCES: tuple[Source, ...] = (FRED, NYFED, OFR)
