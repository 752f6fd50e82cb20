"""Every source the pipeline ingests. Adding a source is one line here (plus its module)."""

from __future__ import annotations

from ingestion.files import FILES
from ingestion.fred import FRED
from ingestion.gold import GOLD
from ingestion.holdings import HOLDINGS
from ingestion.ingest import Source
from ingestion.nyfed import NYFED
from ingestion.ofr import OFR
from ingestion.sec import SEC_BDC, SEC_COMPANYFACTS

SOURCES: tuple[Source, ...] = (FRED, NYFED, OFR, SEC_COMPANYFACTS, SEC_BDC, HOLDINGS, GOLD, FILES)
