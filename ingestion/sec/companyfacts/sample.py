"""Sample emitter: the AI / Big Tech companies' XBRL facts in the companyfacts wire format, byte for byte.

The story (close to the public filings, deterministic, seeded from the scenario):

* capex grows far faster than operating cash flow from 2023 (MSFT, AMZN, GOOGL, META, ORCL);
* long-term debt issuance funds a rising share of capex in 2024-2025, ORCL and META most;
* filings look like EDGAR's: 10-Q cash-flow facts are year to date, income facts come as the quarter and
  the year to date, balance-sheet facts are instants; every filing re-reports comparatives (the prior
  year's period, the prior year end), and a few comparatives are restated with another value, so which
  value was known on a day depends on ``filed``; ``frame`` sits on the latest-filed fact of a calendar
  period only, as on EDGAR.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ingestion import scenario as sc
from ingestion.scenario import Scenario
from ingestion.sec.companies import Company, ai_bigtech

BN = 1e9
FIRST_FILED = dt.date(2015, 1, 1)

# 52/53-week fiscal years: the year ends on the last given weekday (Mon=0) of the month.
WEEK_BASED = {"AAPL": (9, 5), "NVDA": (1, 6)}
# Days from period end to the 10-Q and to the 10-K filing.
FILING_LAG = {"MSFT": (26, 30), "AMZN": (31, 35), "GOOGL": (27, 34), "META": (30, 33), "ORCL": (10, 20),
              "NVDA": (28, 30), "AAPL": (33, 37), "TSLA": (28, 30)}
FILER_AGENT = {"MSFT": 950170, "AMZN": 1018724, "GOOGL": 1652044, "META": 1326801, "ORCL": 950170,
               "NVDA": 1045810, "AAPL": 320193, "TSLA": 950170}

# $bn per quarter (flows) or $bn (levels), anchored mid-year; interpolated, then seeded noise.
ANCHORS: dict[str, dict[str, dict[int, float]]] = {
    "capex": {
        "MSFT": {2013: 1.2, 2015: 1.5, 2017: 2.0, 2019: 3.3, 2021: 5.5, 2022: 6.5, 2023: 8.0, 2024: 14.0, 2025: 21.0},
        "AMZN": {2013: 0.9, 2015: 1.2, 2017: 2.8, 2019: 4.2, 2021: 15.0, 2022: 16.0, 2023: 12.5, 2024: 20.0,
                 2025: 32.0},
        "GOOGL": {2013: 1.8, 2015: 2.5, 2017: 3.3, 2019: 6.0, 2021: 6.2, 2022: 7.9, 2023: 8.0, 2024: 13.0,
                  2025: 21.0},
        "META": {2013: 0.35, 2015: 0.6, 2017: 1.7, 2019: 3.9, 2021: 4.7, 2022: 7.9, 2023: 6.8, 2024: 9.5,
                 2025: 17.0},
        "ORCL": {2013: 0.16, 2015: 0.4, 2017: 0.5, 2019: 0.4, 2021: 0.6, 2022: 1.2, 2023: 2.2, 2024: 2.5,
                 2025: 8.0},
        "NVDA": {2013: 0.06, 2015: 0.04, 2017: 0.1, 2019: 0.15, 2021: 0.25, 2022: 0.45, 2023: 0.25, 2024: 0.8,
                 2025: 1.7},
        "AAPL": {2013: 2.1, 2015: 2.8, 2017: 3.1, 2019: 2.6, 2021: 2.8, 2022: 2.7, 2023: 2.7, 2024: 2.4,
                 2025: 3.2},
        "TSLA": {2013: 0.07, 2015: 0.4, 2017: 1.0, 2019: 0.35, 2021: 1.6, 2022: 1.8, 2023: 2.2, 2024: 2.8,
                 2025: 2.3},
    },
    "ocf": {
        "MSFT": {2013: 7.0, 2015: 7.5, 2017: 9.5, 2019: 13.0, 2021: 19.0, 2022: 22.0, 2023: 22.0, 2024: 30.0,
                 2025: 35.0},
        "AMZN": {2013: 1.4, 2015: 3.0, 2017: 4.6, 2019: 9.6, 2021: 11.5, 2022: 11.7, 2023: 21.0, 2024: 29.0,
                 2025: 31.0},
        "GOOGL": {2013: 4.7, 2015: 6.5, 2017: 9.3, 2019: 13.5, 2021: 23.0, 2022: 23.0, 2023: 25.5, 2024: 31.0,
                  2025: 36.0},
        "META": {2013: 1.0, 2015: 2.6, 2017: 6.0, 2019: 9.0, 2021: 14.3, 2022: 12.5, 2023: 17.8, 2024: 22.6,
                 2025: 26.0},
        "ORCL": {2013: 3.6, 2015: 3.5, 2017: 3.5, 2019: 3.6, 2021: 3.9, 2022: 2.7, 2023: 4.3, 2024: 4.7, 2025: 5.2},
        "NVDA": {2013: 0.2, 2015: 0.3, 2017: 0.9, 2019: 1.2, 2021: 2.5, 2022: 2.3, 2023: 7.0, 2024: 16.0,
                 2025: 24.0},
        "AAPL": {2013: 13.0, 2015: 20.0, 2017: 16.0, 2019: 17.0, 2021: 26.0, 2022: 30.0, 2023: 28.0, 2024: 29.0,
                 2025: 28.0},
        "TSLA": {2013: 0.07, 2015: -0.1, 2017: 0.0, 2019: 0.6, 2021: 2.9, 2022: 3.7, 2023: 3.3, 2024: 3.7,
                 2025: 3.5},
    },
    "opinc": {
        "MSFT": {2013: 6.8, 2015: 6.5, 2019: 11.0, 2021: 18.0, 2023: 22.0, 2025: 34.0},
        "AMZN": {2013: 0.2, 2015: 0.6, 2019: 3.5, 2021: 6.0, 2022: 3.0, 2023: 9.0, 2025: 18.0},
        "GOOGL": {2013: 3.5, 2015: 5.0, 2019: 8.5, 2021: 19.0, 2023: 21.0, 2025: 31.0},
        "META": {2013: 0.7, 2015: 1.6, 2019: 6.0, 2021: 12.0, 2022: 7.0, 2023: 12.0, 2025: 20.0},
        "ORCL": {2013: 4.3, 2015: 4.0, 2019: 3.8, 2021: 4.5, 2023: 3.4, 2025: 4.3},
        "NVDA": {2013: 0.1, 2015: 0.2, 2019: 0.8, 2021: 2.5, 2023: 2.0, 2024: 18.0, 2025: 33.0},
        "AAPL": {2013: 12.0, 2015: 17.0, 2019: 16.0, 2021: 28.0, 2023: 27.0, 2025: 30.0},
        "TSLA": {2013: -0.02, 2015: -0.2, 2019: 0.1, 2021: 2.0, 2022: 3.5, 2023: 2.3, 2025: 1.0},
    },
    "cash": {
        "MSFT": {2013: 8.0, 2017: 11.0, 2021: 14.0, 2023: 34.0, 2025: 30.0},
        "AMZN": {2013: 8.7, 2017: 20.0, 2021: 36.0, 2023: 73.0, 2025: 66.0},
        "GOOGL": {2013: 18.0, 2017: 10.0, 2021: 20.0, 2023: 24.0, 2025: 23.0},
        "META": {2013: 3.3, 2017: 8.0, 2021: 16.0, 2023: 41.0, 2025: 44.0},
        "ORCL": {2013: 20.0, 2017: 21.0, 2021: 30.0, 2023: 9.8, 2025: 10.8},
        "NVDA": {2013: 1.2, 2017: 4.0, 2021: 2.0, 2023: 3.4, 2025: 11.0},
        "AAPL": {2013: 14.0, 2017: 20.0, 2021: 34.0, 2023: 30.0, 2025: 36.0},
        "TSLA": {2013: 0.8, 2017: 3.4, 2021: 17.0, 2023: 16.0, 2025: 18.0},
    },
    "oplease": {
        "MSFT": {2019: 8.0, 2025: 19.0}, "AMZN": {2019: 25.0, 2025: 88.0}, "GOOGL": {2019: 10.0, 2025: 16.0},
        "META": {2019: 9.5, 2025: 25.0}, "ORCL": {2019: 2.5, 2025: 18.0}, "NVDA": {2019: 0.7, 2025: 2.0},
        "AAPL": {2019: 10.0, 2025: 12.0}, "TSLA": {2019: 1.0, 2025: 5.5},
    },
    "finlease": {
        "MSFT": {2019: 6.0, 2025: 50.0}, "AMZN": {2019: 40.0, 2025: 78.0}, "GOOGL": {2019: 0.3, 2025: 2.0},
        "META": {2019: 0.4, 2025: 1.5}, "ORCL": {2019: 0.2, 2025: 4.0}, "NVDA": {2019: 0.05, 2025: 0.1},
        "AAPL": {2019: 0.8, 2025: 1.2}, "TSLA": {2019: 2.5, 2025: 0.5},
    },
}
# Long-term debt at the start of 2013 ($bn), and issuances (date, $bn).
DEBT0 = {"MSFT": 13.0, "AMZN": 3.2, "GOOGL": 3.0, "META": 0.0, "ORCL": 38.0, "NVDA": 1.3, "AAPL": 0.0,
         "TSLA": 0.6}
ISSUANCE: dict[str, list[tuple[str, float]]] = {
    "MSFT": [("2013-05-01", 5.0), ("2015-02-10", 10.7), ("2015-11-03", 13.0), ("2016-08-08", 19.8),
             ("2017-01-30", 17.0)],
    "AMZN": [("2014-12-01", 6.0), ("2017-08-15", 16.0), ("2020-06-01", 10.0), ("2021-05-10", 18.5),
             ("2022-04-11", 12.75), ("2022-11-29", 8.25)],
    "GOOGL": [("2014-02-20", 1.0), ("2016-08-09", 2.0), ("2020-08-03", 10.0), ("2025-05-06", 5.0)],
    "META": [("2022-08-04", 10.0), ("2023-05-08", 8.5), ("2024-08-08", 10.5), ("2025-05-15", 8.0),
             ("2025-08-20", 26.0)],
    "ORCL": [("2014-06-30", 10.0), ("2015-04-28", 10.0), ("2016-07-07", 14.0), ("2017-11-09", 10.0),
             ("2020-03-30", 20.0), ("2021-03-24", 15.0), ("2023-02-06", 7.0), ("2024-01-30", 4.5), ("2024-05-01", 5.0),
             ("2024-09-23", 7.0), ("2025-01-30", 7.75), ("2025-04-15", 6.0), ("2025-07-30", 4.5),
             ("2025-09-24", 18.0)],
    "NVDA": [("2016-09-16", 2.0), ("2020-03-31", 5.0), ("2021-06-16", 5.0)],
    "AAPL": [("2013-05-03", 17.0), ("2014-05-06", 12.0), ("2015-02-09", 6.5), ("2015-05-13", 8.0),
             ("2016-02-23", 12.0), ("2016-08-04", 7.0), ("2017-02-09", 10.0), ("2017-11-13", 7.0),
             ("2020-05-11", 8.5), ("2020-08-20", 5.5), ("2021-08-05", 14.0), ("2022-08-08", 5.5),
             ("2023-05-10", 5.25), ("2025-05-12", 4.5)],
    "TSLA": [("2014-03-05", 2.0), ("2017-03-22", 1.0), ("2017-08-18", 1.8), ("2019-05-07", 1.8)],
}
SHARES_OUTSTANDING = {"MSFT": 7_433_038_381, "AMZN": 10_690_000_000, "GOOGL": 5_810_000_000, "META": 2_170_000_000,
                      "ORCL": 2_840_000_000, "NVDA": 24_300_000_000, "AAPL": 14_780_000_000, "TSLA": 3_320_000_000}
REPAY_RATE = 0.015  # scheduled maturities per quarter, share of outstanding debt

CAPEX_CONCEPT = {"AMZN": "PaymentsToAcquireProductiveAssets"}
DA_CONCEPT = {"META": "DepreciationAndAmortization", "ORCL": "DepreciationAmortizationAndAccretionNet"}
DA_FLOOR = {"MSFT": 0.8, "AMZN": 1.2, "GOOGL": 1.2, "META": 0.4, "ORCL": 0.7, "NVDA": 0.05, "AAPL": 2.5,
            "TSLA": 0.3}
REPORTS_TOTAL_DEBT = {"ORCL", "NVDA"}
REPORTS_CURRENT_DEBT = {"MSFT", "AAPL", "ORCL", "NVDA"}
# Named restatements: (ticker, concept, start, end) -> factor applied when a later filing re-reports it.
RESTATED = {
    ("ORCL", "PaymentsToAcquirePropertyPlantAndEquipment", "2024-06-01", "2024-08-31"): 1.06,
    ("META", "NetCashProvidedByUsedInOperatingActivities", "2023-01-01", "2023-12-31"): 0.97,
}

LABELS = {
    "PaymentsToAcquirePropertyPlantAndEquipment": ("Payments to Acquire Property, Plant, and Equipment",
        "The cash outflow associated with the acquisition of long-lived, physical assets that are used in the "
        "normal conduct of business to produce goods and services and not intended for resale."),
    "PaymentsToAcquireProductiveAssets": ("Payments to Acquire Productive Assets",
        "The cash outflow for purchases of and capital improvements on property, plant and equipment "
        "(capital expenditures), software, and other intangible assets."),
    "NetCashProvidedByUsedInOperatingActivities": ("Net Cash Provided by (Used in) Operating Activities",
        "Amount of cash inflow (outflow) from operating activities, including discontinued operations."),
    "LongTermDebt": ("Long-Term Debt", "Amount, after unamortized (discount) premium and debt issuance costs, "
                     "of long-term debt. Includes, but not limited to, notes payable, bonds payable, debentures."),
    "LongTermDebtNoncurrent": ("Long-Term Debt, Excluding Current Maturities",
        "Amount, after deduction of unamortized premium (discount) and debt issuance costs, of long-term debt "
        "classified as noncurrent."),
    "LongTermDebtCurrent": ("Long-Term Debt, Current Maturities",
        "Amount, after unamortized (discount) premium and debt issuance costs, of long-term debt classified as "
        "current."),
    "ProceedsFromIssuanceOfLongTermDebt": ("Proceeds from Issuance of Long-Term Debt",
        "The cash inflow from a debt initially having maturity due after one year or beyond the operating cycle."),
    "RepaymentsOfLongTermDebt": ("Repayments of Long-Term Debt",
        "The cash outflow for debt initially having maturity due after one year or beyond the normal operating "
        "cycle."),
    "OperatingLeaseLiability": ("Operating Lease, Liability",
                                "Present value of lessee's discounted obligation for lease payments."),
    "FinanceLeaseLiability": ("Finance Lease, Liability",
                              "Present value of lessee's discounted obligation for lease payments from finance lease."),
    "CashAndCashEquivalentsAtCarryingValue": ("Cash and Cash Equivalents, at Carrying Value",
        "Amount of currency on hand as well as demand deposits with banks or financial institutions."),
    "OperatingIncomeLoss": ("Operating Income (Loss)",
        "The net result for the period of deducting operating expenses from operating revenues."),
    "DepreciationDepletionAndAmortization": ("Depreciation, Depletion and Amortization",
        "The aggregate expense recognized in the current period that allocates the cost of tangible assets, "
        "intangible assets, or depleting assets to periods that benefit from use of the assets."),
    "DepreciationAndAmortization": ("Depreciation, Depletion and Amortization, Nonproduction",
        "The aggregate expense recognized in the current period that allocates the cost of assets."),
    "DepreciationAmortizationAndAccretionNet": ("Depreciation, Amortization and Accretion, Net",
        "The aggregate expense charged against earnings to allocate the cost of tangible and intangible assets."),
    "Revenues": ("Revenues", "Amount of revenue recognized from goods sold, services rendered, and other "
                 "activities that constitute an earning process."),
}


@dataclass(frozen=True)
class FiscalQuarter:
    fy: int
    q: int  # 1..4; 4 is the fiscal year end (10-K)
    start: dt.date  # start of the quarter
    end: dt.date
    fy_start: dt.date


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta((last.weekday() - weekday) % 7)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def fiscal_quarters(company: Company, first_year: int = 2012, last_year: int = 2027) -> list[FiscalQuarter]:
    out: list[FiscalQuarter] = []
    month = int(company.fiscal_year_end[:2])
    for fy in range(first_year, last_year + 1):
        if company.ticker in WEEK_BASED:
            m, wd = WEEK_BASED[company.ticker]
            prev_end, end = _last_weekday(fy - 1, m, wd), _last_weekday(fy, m, wd)
            ends = [prev_end + dt.timedelta(91 * k) for k in (1, 2, 3)] + [end]
        else:
            prev_end = _month_end(fy - 1, month)
            ends = []
            for k in (1, 2, 3, 4):
                y, mm = divmod(month - 1 + 3 * k, 12)
                ends.append(_month_end(fy - 1 + y, mm + 1))
        fy_start = prev_end + dt.timedelta(1)
        starts = [fy_start] + [e + dt.timedelta(1) for e in ends[:3]]
        out.extend(FiscalQuarter(fy, k + 1, starts[k], ends[k], fy_start) for k in range(4))
    return out


def _year_frac(day: dt.date) -> float:
    return day.year + (day.timetuple().tm_yday - 0.5) / 366.0


def _anchored(metric: str, ticker: str, days: list[dt.date]) -> np.ndarray:
    anchors = ANCHORS[metric][ticker]
    xs = np.array([y + 0.5 for y in anchors], dtype=float)
    ys = np.array(list(anchors.values()), dtype=float)
    return np.interp(np.array([_year_frac(d) for d in days]), xs, ys)


def _noise(s: Scenario, ticker: str, metric: str, n: int, scale: float) -> np.ndarray:
    rng = np.random.default_rng([s.seed, zlib.crc32(f"sec:{ticker}:{metric}".encode())])
    return rng.standard_normal(n) * scale


@dataclass
class Truth:
    quarters: list[FiscalQuarter]
    flows: dict[str, np.ndarray]  # concept -> value per quarter (USD)
    levels: dict[str, np.ndarray]  # concept -> value at quarter end (USD)


def truth(company: Company, s: Scenario) -> Truth:
    t = company.ticker
    qs = fiscal_quarters(company)
    mids = [q.start + (q.end - q.start) / 2 for q in qs]
    ends = [q.end for q in qs]
    n = len(qs)
    capex = _anchored("capex", t, mids) * np.exp(_noise(s, t, "capex", n, 0.05))
    ocf = _anchored("ocf", t, mids) + np.abs(_anchored("ocf", t, mids)) * _noise(s, t, "ocf", n, 0.05)
    opinc = _anchored("opinc", t, mids) + np.abs(_anchored("opinc", t, mids)) * _noise(s, t, "opinc", n, 0.05)
    avg_capex = np.array([capex[max(0, i - 8):i + 1].mean() for i in range(n)])
    da = np.maximum(0.6 * avg_capex, DA_FLOOR[t]) * np.exp(_noise(s, t, "da", n, 0.02))
    issued = np.zeros(n)
    for when, amount in ISSUANCE.get(t, []):
        day = sc.d(when)
        for i, q in enumerate(qs):
            if q.start <= day <= q.end:
                issued[i] += amount
    debt = np.zeros(n)
    repaid = np.zeros(n)
    level = DEBT0[t]
    for i, q in enumerate(qs):
        if q.end < dt.date(2013, 1, 1):
            debt[i] = level
            continue
        repaid[i] = round(level * REPAY_RATE, 2) if level > 0 else 0.0
        level = level + issued[i] - repaid[i]
        debt[i] = level
    cash = _anchored("cash", t, ends) * np.exp(_noise(s, t, "cash", n, 0.04))
    oplease = _anchored("oplease", t, ends) * np.exp(_noise(s, t, "oplease", n, 0.01))
    finlease = _anchored("finlease", t, ends) * np.exp(_noise(s, t, "finlease", n, 0.01))
    flows = {
        CAPEX_CONCEPT.get(t, "PaymentsToAcquirePropertyPlantAndEquipment"): capex,
        "NetCashProvidedByUsedInOperatingActivities": ocf,
        "OperatingIncomeLoss": opinc,
        DA_CONCEPT.get(t, "DepreciationDepletionAndAmortization"): da,
        "ProceedsFromIssuanceOfLongTermDebt": issued,
        "RepaymentsOfLongTermDebt": repaid,
    }
    levels = {
        "LongTermDebtNoncurrent": debt * 0.92,
        "CashAndCashEquivalentsAtCarryingValue": cash,
        "OperatingLeaseLiability": oplease,
        "FinanceLeaseLiability": finlease,
    }
    if t in REPORTS_CURRENT_DEBT:
        levels["LongTermDebtCurrent"] = debt * 0.08
    if t in REPORTS_TOTAL_DEBT:
        levels["LongTermDebt"] = debt
    return Truth(qs, {k: v * BN for k, v in flows.items()}, {k: v * BN for k, v in levels.items()})


def _filed(company: Company, q: FiscalQuarter) -> dt.date:
    lag = FILING_LAG[company.ticker][1 if q.q == 4 else 0]
    day = q.end + dt.timedelta(lag)
    while day.weekday() >= 5:
        day += dt.timedelta(1)
    return day


def _frame(start: dt.date | None, end: dt.date) -> str | None:
    """The calendar frame EDGAR would give this period, or None (6- and 9-month durations have none)."""
    if start is None:  # instant: the nearest calendar quarter end
        cands = [_month_end(y, m) for y in (end.year - 1, end.year, end.year + 1) for m in (3, 6, 9, 12)]
        near = min(cands, key=lambda c: abs((c - end).days))
        return f"CY{near.year}Q{(near.month - 1) // 3 + 1}I"
    days = (end - start).days + 1
    mid = start + (end - start) / 2
    if 84 <= days <= 98:
        return f"CY{mid.year}Q{(mid.month - 1) // 3 + 1}"
    if 350 <= days <= 380:
        return f"CY{mid.year}"
    return None


def _restate(ticker: str, concept: str, start: dt.date | None, end: dt.date, value: float) -> float:
    key = (ticker, concept, "" if start is None else start.isoformat(), end.isoformat())
    if key in RESTATED:
        return value * RESTATED[key]
    h = zlib.crc32(":".join(key).encode())
    if h % 23 == 0:  # a few comparatives come back with another value (1% to 6% either way)
        return value * (1 + ((h >> 8) % 6 + 1) / 100 * (1 if h & 1 else -1))
    return value


def _emit_facts(company: Company, s: Scenario, end_date: dt.date) -> dict[str, list[dict]]:
    tr = truth(company, s)
    qs = tr.quarters
    index = {(q.fy, q.q): i for i, q in enumerate(qs)}
    facts: dict[str, dict[tuple, dict]] = {}

    def add(concept: str, start: dt.date | None, end: dt.date, value: float, filing: FiscalQuarter,
            accn: str, filed: dt.date, comparative: bool) -> None:
        if comparative:
            value = _restate(company.ticker, concept, start, end, value)
        fact = {"start": start.isoformat()} if start is not None else {}
        fact.update({"end": end.isoformat(), "val": int(round(value / 1e6)) * 1_000_000, "accn": accn,
                     "fy": filing.fy, "fp": "FY" if filing.q == 4 else f"Q{filing.q}",
                     "form": "10-K" if filing.q == 4 else "10-Q", "filed": filed.isoformat()})
        facts.setdefault(concept, {})[(start, end, accn)] = fact

    for q in qs:
        filed = _filed(company, q)
        if filed < FIRST_FILED or filed > end_date:
            continue
        serial = zlib.crc32(f"{company.ticker}{filed}".encode()) % 900000 + 100000
        accn = f"{FILER_AGENT[company.ticker]:010d}-{filed.year % 100:02d}-{serial:06d}"
        i = index[(q.fy, q.q)]
        prior_fy = [k for k in (1, 2) if (q.fy - k, q.q) in index] if q.q == 4 else [1]
        for concept, series in tr.flows.items():
            income = concept == "OperatingIncomeLoss"
            ytd_idx = [index[(q.fy, k)] for k in range(1, q.q + 1)]
            ytd = float(series[ytd_idx].sum())
            if concept.startswith(("Proceeds", "Repayments")) and ytd <= 0:
                continue
            add(concept, q.fy_start, q.end, ytd, q, accn, filed, False)
            for k in prior_fy:
                pq = qs[index[(q.fy - k, q.q)]]
                pv = float(series[[index[(q.fy - k, j)] for j in range(1, q.q + 1)]].sum())
                if not (concept.startswith(("Proceeds", "Repayments")) and pv <= 0):
                    add(concept, pq.fy_start, pq.end, pv, q, accn, filed, True)
            if income and 1 < q.q < 4:  # the quarter alone, this year and last
                add(concept, q.start, q.end, float(series[i]), q, accn, filed, False)
                pq = qs[index[(q.fy - 1, q.q)]]
                add(concept, pq.start, pq.end, float(series[index[(q.fy - 1, q.q)]]), q, accn, filed, True)
        prior_end = qs[index[(q.fy - 1, 4)]]
        for concept, series in tr.levels.items():
            if "Lease" in concept and q.end < dt.date(2019, 3, 1):
                continue
            add(concept, None, q.end, float(series[i]), q, accn, filed, False)
            if not ("Lease" in concept and prior_end.end < dt.date(2019, 3, 1)):
                add(concept, None, prior_end.end, float(series[index[(q.fy - 1, 4)]]), q, accn, filed, True)
        if q.q == 4:  # a concept the parser does not keep, as real payloads have hundreds
            add("Revenues", q.fy_start, q.end, float(tr.flows["OperatingIncomeLoss"][index[(q.fy, 1)]:i + 1].sum())
                * 3.2, q, accn, filed, False)

    out: dict[str, list[dict]] = {}
    for concept, by_key in facts.items():
        rows = sorted(by_key.values(), key=lambda f: (f["end"], f.get("start", ""), f["filed"], f["accn"]))
        latest: dict[str, dict] = {}
        for f in rows:
            frame = _frame(dt.date.fromisoformat(f["start"]) if "start" in f else None, dt.date.fromisoformat(f["end"]))
            if frame and (frame not in latest or (f["filed"], f["accn"]) >= (latest[frame]["filed"],
                                                                              latest[frame]["accn"])):
                latest[frame] = f
        for frame, f in latest.items():
            f["frame"] = frame
        out[concept] = rows
    return out


def companyfacts_payload(company: Company, s: Scenario, end_date: dt.date = sc.END) -> bytes:
    gaap = {
        concept: {"label": LABELS[concept][0], "description": LABELS[concept][1], "units": {"USD": rows}}
        for concept, rows in sorted(_emit_facts(company, s, end_date).items())
    }
    latest = max((f for rows in gaap.values() for f in rows["units"]["USD"]), key=lambda f: (f["filed"], f["accn"]))
    cover = dt.date.fromisoformat(latest["filed"]) - dt.timedelta(7)
    dei = {"EntityCommonStockSharesOutstanding": {
        "label": "Entity Common Stock, Shares Outstanding",
        "description": "Indicate number of shares or other units outstanding of each of registrant's classes.",
        "units": {"shares": [{"end": cover.isoformat(), "val": SHARES_OUTSTANDING[company.ticker],
                              "accn": latest["accn"], "fy": latest["fy"], "fp": latest["fp"], "form": latest["form"],
                              "filed": latest["filed"], "frame": _frame(None, cover)}]},
    }}
    doc = {"cik": int(company.cik), "entityName": company.entity_name, "facts": {"dei": dei, "us-gaap": gaap}}
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SamplePayload:
    request: dict
    content: bytes


def emit(s: Scenario, end_date: dt.date = sc.END) -> Iterator[SamplePayload]:
    for company in ai_bigtech().values():
        yield SamplePayload({"endpoint": "api/xbrl/companyfacts", "cik": company.cik},
                            companyfacts_payload(company, s, end_date))
