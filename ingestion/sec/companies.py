"""The AI / Big Tech company set (``ingestion/catalog/ai_bigtech.csv``): one line per company.

Adding a company is one line: ticker, CIK, the SEC entity name, the company key shared with the index
holdings (the primary share class's ticker: GOOG and GOOGL are both ``GOOGL``), Magnificent-7
membership and the fiscal year end (MMDD, as in EDGAR's submissions API). Every field is validated here, once.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingestion.errors import SourceError

CATALOG = Path(__file__).resolve().parents[1] / "catalog" / "ai_bigtech.csv"
TICKER = re.compile(r"^[A-Z][A-Z0-9]{0,5}(?:\.[A-Z])?$")
CIK = re.compile(r"^[0-9]{1,10}$")
COMPANY_KEY = re.compile(r"^[A-Z][A-Z0-9]{0,5}(?:\.[A-Z])?$")  # the primary share class's ticker
FISCAL_YEAR_END = re.compile(r"^(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$")


@dataclass(frozen=True)
class Company:
    ticker: str
    cik: str  # ten digits, zero-padded, as in the companyfacts URL
    entity_name: str
    company_key: str
    in_magnificent_7: bool
    fiscal_year_end: str  # MMDD

    @property
    def label(self) -> str:
        return f"CIK{self.cik}"


def pad_cik(value: object, *, source: str = "catalog") -> str:
    text = str(value).strip()
    if not CIK.match(text):
        raise SourceError(source, f"invalid CIK {value!r} (expected 1 to 10 digits)", field="cik")
    return text.zfill(10)


def validate_ticker(value: object, *, source: str = "catalog") -> str:
    if not isinstance(value, str) or not TICKER.fullmatch(value):
        raise SourceError(source, f"invalid ticker {value!r} (expected A-Z, 0-9 and one optional .CLASS)",
                          field="ticker")
    return value


@cache
def ai_bigtech(path: Path = CATALOG) -> dict[str, Company]:
    """The company set keyed by ten-digit CIK (validated; duplicates refused)."""
    out: dict[str, Company] = {}
    with open(path, newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name} line {i}"
            ticker = validate_ticker(row.get("ticker"), source=where)
            cik = pad_cik(row.get("cik"), source=where)
            key = row.get("company_key") or ""
            if not COMPANY_KEY.fullmatch(key):
                raise SourceError(where, f"invalid company_key {key!r}", field="company_key")
            flag = row.get("in_magnificent_7")
            if flag not in ("true", "false"):
                raise SourceError(where, f"in_magnificent_7 must be true or false, got {flag!r}",
                                  field="in_magnificent_7")
            fye = row.get("fiscal_year_end") or ""
            if not FISCAL_YEAR_END.fullmatch(fye):
                raise SourceError(where, f"invalid fiscal_year_end {fye!r} (expected MMDD)", field="fiscal_year_end")
            name = (row.get("entity_name") or "").strip()
            if not name:
                raise SourceError(where, "empty entity_name", field="entity_name")
            if cik in out or ticker in {c.ticker for c in out.values()}:
                raise SourceError(where, f"duplicate company {ticker} / CIK {cik}", field="cik")
            out[cik] = Company(ticker, cik, name, key, flag == "true", fye)
    return out


def by_ticker() -> dict[str, Company]:
    return {c.ticker: c for c in ai_bigtech().values()}
