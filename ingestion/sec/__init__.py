"""SEC EDGAR sources: companyfacts (AI / Big Tech leverage) and the BDC data sets (private-credit marks)."""

from ingestion.sec.bdc import SEC_BDC
from ingestion.sec.companyfacts import SEC_COMPANYFACTS

__all__ = ["SEC_BDC", "SEC_COMPANYFACTS"]
