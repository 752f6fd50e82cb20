"""Pure parser for SEC EDGAR ``api/xbrl/companyfacts/CIK##########.json``: bytes in, Arrow out.

The wire shape (one JSON object per company)::

    {"cik": 789019, "entityName": "MICROSOFT CORPORATION",
     "facts": {"dei": {...},
               "us-gaap": {"PaymentsToAcquirePropertyPlantAndEquipment": {
                   "label": "...", "description": "...",
                   "units": {"USD": [{"start": "2024-07-01", "end": "2024-09-30", "val": 14923000000,
                                      "accn": "0000950170-24-118967", "fy": 2025, "fp": "Q1",
                                      "form": "10-Q", "filed": "2024-10-30", "frame": "CY2024Q3"}, ...]}}}}}

Only the us-gaap concepts in :data:`CONCEPTS` are kept, but every fact of them is: comparatives and
restatements (a later filing re-reporting an earlier period with another value) stay as separate rows,
each with its ``filed`` date, which is what makes the data point in time. The cover-page facts of the
``dei`` taxonomy in :data:`DEI_CONCEPTS` (shares outstanding, public float) are kept too, with
``taxonomy = 'dei'``.

``cik`` is an integer for older registrants and a zero-padded string (``"0002012383"``) for newer ones;
both are read. A filer without us-gaap facts (an IFRS filer reports under ``ifrs-full``) is not an error:
its dei facts load, and the reason its financial facts do not is counted (``SKIPPED_ROWS`` in the table's
schema metadata). A dei fact given twice for one date and filing with two values (one per share class,
whose axis companyfacts drops) is left out and counted the same way, never summed or guessed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import pyarrow as pa

from ingestion.errors import ParseError
from ingestion.sec.companies import Company
from ingestion.sec.jsonload import load_json_object

SOURCE = "sec_companyfacts"
TAXONOMY = "us-gaap"

# us-gaap concept -> the metric it measures. Alternatives for one metric are listed in order of preference.
CONCEPTS: dict[str, str] = {
    "PaymentsToAcquirePropertyPlantAndEquipment": "capex",
    "PaymentsToAcquireProductiveAssets": "capex",
    "NetCashProvidedByUsedInOperatingActivities": "operating_cash_flow",
    "LongTermDebt": "long_term_debt",
    "LongTermDebtNoncurrent": "long_term_debt_noncurrent",
    "LongTermDebtCurrent": "long_term_debt_current",
    "ProceedsFromIssuanceOfLongTermDebt": "debt_issued",
    "RepaymentsOfLongTermDebt": "debt_repaid",
    "OperatingLeaseLiability": "operating_lease_liability",
    "FinanceLeaseLiability": "finance_lease_liability",
    "CashAndCashEquivalentsAtCarryingValue": "cash",
    "OperatingIncomeLoss": "operating_income",
    "DepreciationDepletionAndAmortization": "depreciation_amortization",
    "DepreciationAndAmortization": "depreciation_amortization",
    "DepreciationAmortizationAndAccretionNet": "depreciation_amortization",
}
# dei (cover page) concept -> metric: for concentration (float-adjusted weights) and per-share figures.
DEI_CONCEPTS: dict[str, str] = {
    "EntityCommonStockSharesOutstanding": "shares_outstanding",
    "EntityPublicFloat": "public_float",
}
DEI = "dei"
SKIPPED_ROWS = b"fragility.skipped_rows"  # schema metadata read by ingestion.ingest: JSON {reason: count}
FACT_FIELDS = {"start", "end", "val", "accn", "fy", "fp", "form", "filed", "frame"}
REQUIRED_FIELDS = {"end", "val", "accn", "form", "filed"}
ACCN = re.compile(r"^[0-9]{10}-[0-9]{2}-[0-9]{6}$")
FRAME = re.compile(r"^CY[0-9]{4}(Q[1-4])?I?$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
CIK = re.compile(r"^[0-9]{1,10}$")
FISCAL_YEARS = (1900, 2999)  # XBRL filings start in 2009; anything outside this is not a year

SCHEMA = pa.schema([
    ("cik", pa.string()), ("ticker", pa.string()), ("entity_name", pa.string()), ("taxonomy", pa.string()),
    ("concept", pa.string()), ("metric", pa.string()), ("unit", pa.string()), ("period_start", pa.date32()),
    ("period_end", pa.date32()), ("duration_days", pa.int32()), ("fiscal_year", pa.int32()),
    ("fiscal_period", pa.string()), ("form", pa.string()), ("frame", pa.string()), ("filed", pa.date32()),
    ("value", pa.float64()), ("accession", pa.string()), ("payload_hash", pa.string()),
])


def _date(value: object, *, series: str, field: str) -> dt.date:
    if not isinstance(value, str):
        raise ParseError(SOURCE, f"expected a YYYY-MM-DD string, got {type(value).__name__} {str(value)[:40]!r}",
                         series=series, field=field)
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParseError(SOURCE, f"not a date: {value[:40]!r}", series=series, field=field) from None


def _finite(val: int | float) -> bool:
    try:
        return math.isfinite(val)
    except OverflowError:  # a JSON integer too large for a double
        return False


def parse_companyfacts(content: bytes, *, company: Company, payload_hash: str, fetched_on: dt.date) -> pa.Table:
    """Every fact of the configured us-gaap concepts, one row each (see module docstring)."""
    series = company.label
    doc = load_json_object(content, source=SOURCE, series=series, what="companyfacts")
    missing = sorted({"cik", "entityName", "facts"} - set(doc))
    if missing:
        raise ParseError(SOURCE, f"schema drift: missing top-level keys {missing}", series=series, field=missing[0])
    cik = doc["cik"]
    if isinstance(cik, bool) or not isinstance(cik, int | str) or (isinstance(cik, str) and not CIK.match(cik)):
        raise ParseError(SOURCE, f"cik is {type(cik).__name__} {str(cik)[:40]!r}, expected an integer or a string "
                         "of digits", series=series, field="cik")
    if str(cik).zfill(10) != company.cik:
        raise ParseError(SOURCE, f"payload is for CIK{str(cik).zfill(10)[:40]}, not the requested company",
                         series=series, field="cik")
    entity = doc["entityName"]
    if not isinstance(entity, str):
        raise ParseError(SOURCE, f"entityName is {type(entity).__name__}, expected a string", series=series,
                         field="entityName")
    facts = doc["facts"]
    if not isinstance(facts, dict):
        raise ParseError(SOURCE, "'facts' is not an object", series=series, field="facts")
    skipped: dict[str, int] = {}
    gaap = facts.get(TAXONOMY)
    if gaap is None:
        others = sorted(t for t in facts if t != DEI)
        skipped[f"no us-gaap facts (taxonomies: {', '.join(others) or 'none'}; an IFRS filer?)"] = 1
        gaap = {}
    elif not isinstance(gaap, dict):
        raise ParseError(SOURCE, f"'facts.{TAXONOMY}' is a {type(gaap).__name__}, expected an object", series=series,
                         field=f"facts.{TAXONOMY}")
    dei = facts.get(DEI) or {}
    if not isinstance(dei, dict):
        raise ParseError(SOURCE, f"'facts.{DEI}' is a {type(dei).__name__}, expected an object", series=series,
                         field=f"facts.{DEI}")

    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for taxonomy, concepts, chosen in ((TAXONOMY, gaap, CONCEPTS), (DEI, dei, DEI_CONCEPTS)):
        rows = _concept_rows(concepts, chosen, taxonomy=taxonomy, series=series, fetched_on=fetched_on,
                             skipped=skipped)
        for concept, unit, start, end, duration, fact, filed in rows:
            cols["cik"].append(company.cik)
            cols["ticker"].append(company.ticker)
            cols["entity_name"].append(entity)
            cols["taxonomy"].append(taxonomy)
            cols["concept"].append(concept)
            cols["metric"].append(chosen[concept])
            cols["unit"].append(unit)
            cols["period_start"].append(start)
            cols["period_end"].append(end)
            cols["duration_days"].append(duration)
            cols["fiscal_year"].append(fact.get("fy"))
            cols["fiscal_period"].append(fact.get("fp"))
            cols["form"].append(fact["form"])
            cols["frame"].append(fact.get("frame"))
            cols["filed"].append(filed)
            cols["value"].append(float(fact["val"]))
            cols["accession"].append(fact["accn"])
            cols["payload_hash"].append(payload_hash)
    if gaap and not any(t == TAXONOMY for t in cols["taxonomy"]):
        raise ParseError(SOURCE, f"none of the {len(CONCEPTS)} configured us-gaap concepts is in the payload",
                         series=series, field=f"facts.{TAXONOMY}")
    table = pa.table(cols, schema=SCHEMA)
    if skipped:
        table = table.replace_schema_metadata({SKIPPED_ROWS: json.dumps(skipped, sort_keys=True).encode()})
    return table


def _concept_rows(concepts: dict, chosen: dict[str, str], *, taxonomy: str, series: str, fetched_on: dt.date,
                  skipped: dict[str, int]) -> list[tuple]:
    """(concept, unit, start, end, duration, fact, filed) of every fact of the chosen concepts, checked."""
    out: list[tuple] = []
    seen: dict[tuple, float] = {}
    clashes: set[tuple] = set()
    for concept in sorted(set(concepts) & set(chosen)):
        entry = concepts[concept]
        where = f"facts.{taxonomy}.{concept}"
        if not isinstance(entry, dict) or not isinstance(entry.get("units"), dict):
            raise ParseError(SOURCE, "concept has no 'units' object", series=series, field=where)
        for unit, rows in entry["units"].items():
            if not isinstance(rows, list):
                raise ParseError(SOURCE, f"unit {unit!r} is not a list of facts", series=series,
                                 field=f"{where}.units.{unit}")
            for i, fact in enumerate(rows):
                at = f"{where}.units.{unit}[{i}]"
                start, end, filed = _checked_fact(fact, at=at, series=series, fetched_on=fetched_on)
                duration = 0 if start is None else (end - start).days + 1
                key = (concept, unit, end, duration, fact["accn"])
                val = float(fact["val"])
                if key in seen:
                    if seen[key] != val:
                        if taxonomy != DEI:
                            raise ParseError(SOURCE, f"duplicate fact for {end} in {fact['accn']} with two values "
                                             f"({seen[key]:g} and {val:g})", series=series, field=f"{at}.val")
                        clashes.add(key)
                    continue
                seen[key] = val
                out.append((concept, unit, start, end, duration, fact, filed))
    if clashes:
        out = [r for r in out if (r[0], r[1], r[3], r[4], r[5]["accn"]) not in clashes]
        skipped["dei fact given twice for one date and filing with two values (share classes?)"] = len(clashes)
    return out


def _checked_fact(fact: object, *, at: str, series: str, fetched_on: dt.date) -> tuple:
    """(start, end, filed) of one fact, every field checked (one-line error naming the fact's path)."""
    if not isinstance(fact, dict):
        raise ParseError(SOURCE, "fact is not an object", series=series, field=at)
    keys = set(fact)
    if not keys <= FACT_FIELDS or not keys >= REQUIRED_FIELDS:
        extra, lacking = sorted(keys - FACT_FIELDS), sorted(REQUIRED_FIELDS - keys)
        raise ParseError(SOURCE, f"schema drift: extra {extra}, missing {lacking}", series=series,
                         field=f"{at}.{(extra or lacking)[0]}")
    end = _date(fact["end"], series=series, field=f"{at}.end")
    start = _date(fact["start"], series=series, field=f"{at}.start") if "start" in fact else None
    if start is not None and start > end:
        raise ParseError(SOURCE, f"start {start} after end {end}", series=series, field=f"{at}.start")
    filed = _date(fact["filed"], series=series, field=f"{at}.filed")
    if filed > fetched_on:
        raise ParseError(SOURCE, f"filed {filed} is in the future (fetched {fetched_on})", series=series,
                         field=f"{at}.filed")
    val = fact["val"]
    if isinstance(val, bool) or not isinstance(val, int | float) or not _finite(val):
        raise ParseError(SOURCE, f"val is {type(val).__name__} {str(val)[:40]!r}, expected a number",
                         series=series, field=f"{at}.val")
    accn = fact["accn"]
    if not isinstance(accn, str) or not ACCN.match(accn):
        raise ParseError(SOURCE, f"accession {str(accn)[:40]!r} is not ##########-##-######",
                         series=series, field=f"{at}.accn")
    fy, fp, form, frame = fact.get("fy"), fact.get("fp"), fact["form"], fact.get("frame")
    if fy is not None and (isinstance(fy, bool) or not isinstance(fy, int)):
        raise ParseError(SOURCE, f"fy is {type(fy).__name__} {str(fy)[:40]!r}, expected an integer",
                         series=series, field=f"{at}.fy")
    if fy is not None and not FISCAL_YEARS[0] <= fy <= FISCAL_YEARS[1]:
        raise ParseError(SOURCE, f"fy {str(fy)[:40]} is not a fiscal year", series=series,
                         field=f"{at}.fy")
    if fp is not None and not isinstance(fp, str):
        raise ParseError(SOURCE, f"fp is {type(fp).__name__}, expected a string", series=series,
                         field=f"{at}.fp")
    if not isinstance(form, str) or not form:
        raise ParseError(SOURCE, f"form is {str(form)[:40]!r}, expected a form type", series=series,
                         field=f"{at}.form")
    if frame is not None and (not isinstance(frame, str) or not FRAME.match(frame)):
        raise ParseError(SOURCE, f"frame {str(frame)[:40]!r} is not CY####[Q#][I]", series=series,
                         field=f"{at}.frame")
    return start, end, filed
