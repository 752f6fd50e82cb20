"""Sample emitter: BDC schedules of investments in the SEC's BDC data-set wire format (zips of TSVs).

Each zip is one filing window (``2016q1_bdc.zip`` ... ``2025q3_bdc.zip``, then monthly
``2025_10_bdc.zip``) holding ``datasets/sub.tsv`` (one row per filing) and ``soi.tsv`` (the schedule
of investments: one row per position and date, columns named by XBRL element labels, axis members
decorated with `` [Member]``), as the SEC publishes them. 10-K schedules also re-report the prior year end.

The sample world (fictional BDCs and borrowers, CIKs 9990001+ that EDGAR has not assigned):

* about 12 BDCs x 40 quarter ends (2015Q4..2025Q3) at scale 1, ~100 BDCs at scale 100; a few hundred
  borrowers, most held by two or more BDCs, each BDC spelling names its own way;
* marks (fair value / principal) follow credit spreads (the scenario's HY OAS: 2016, March 2020, 2022),
  a few borrowers deteriorate into non-accrual, and holders disagree more in 2020Q1-Q2 and in 2025;
* THE EPISODE: "Zenith Software Holdings, LLC" (spelled three ways) is marked near 99 by its three
  holders until mid-2024, then about 70 by one manager and about 90 by another through 2025.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingestion import scenario as sc
from ingestion.scenario import Scenario
from ingestion.sec.arrowutil import from_numpy

FIRST_PERIOD = dt.date(2015, 12, 31)
N_QUARTERS = 40  # 2015Q4 .. 2025Q3
CIK_BASE = 9990000
EPISODE_BORROWER = "Zenith Software Holdings, LLC"
EPISODE_SPELLINGS = {0: "Zenith Software Holdings, LLC", 3: "ZENITH SOFTWARE HOLDINGS, L.L.C.",
                     7: "Zenith Software Holdings LLC"}
EPISODE_FIRST_QUARTER = 21  # 2021Q1
# Marks of the episode borrower by quarter index, for its holders (BDC 0, 3, 7).
EPISODE_MARKS = {35: (97.5, 96.0, 97.0), 36: (96.0, 91.0, 95.0), 37: (93.0, 80.0, 91.0),
                 38: (91.0, 73.5, 89.5), 39: (90.0, 70.0, 88.5)}
EPISODE_NON_ACCRUAL = {(3, 39)}  # (bdc, quarter): the low marker stops accruing in 2025Q3

BDC_WORDS = ["Northbridge", "Harbor Point", "Granite Peak", "Riverstone", "Bluewater", "Summit Ridge",
             "Ironclad", "Lakeshore", "Redwood", "Silver Arch", "Crescent Bay", "Tallgrass"]
BDC_FORMS = ["Capital Corp", "Lending Fund", "Credit Company", "Private Credit Fund", "Specialty Lending Corp",
             "Direct Lending Corp"]
PREFIXES = ["Apex", "Beacon", "Cedar", "Harbor", "Ironwood", "Juniper", "Keystone", "Lumen", "Meridian",
            "Northstar", "Oakmont", "Pinnacle", "Quarry", "Ridgeline", "Sterling", "Trident", "Upland", "Vantage",
            "Willow", "Yellowstone", "Alder", "Bristol", "Coral", "Delta", "Everest", "Falcon", "Granite",
            "Hawthorne", "Indigo", "Jasper"]
SECTORS = [("Dental", "Health Care Providers"), ("Software", "Software"), ("Analytics", "Software"),
           ("Logistics", "Transportation"), ("Packaging", "Containers and Packaging"),
           ("Veterinary", "Health Care Providers"), ("Insurance Services", "Insurance"),
           ("Pest Control", "Commercial Services"), ("HVAC Services", "Commercial Services"),
           ("Learning", "Education"), ("Payments", "IT Services"), ("Labs", "Life Sciences"),
           ("Foods", "Food Products"), ("Aerospace", "Aerospace and Defense"), ("Media", "Media"),
           ("Fitness", "Consumer Services"), ("Chemicals", "Chemicals"), ("Data Centers", "IT Services")]
TAILS = ["", "Group", "Partners", "Intermediate", "Buyer", "Parent", "Topco", "Acquisition"]
LEGAL = [("LLC", "LLC", "L.L.C."), ("Inc.", "Inc", "Inc."), ("L.P.", "LP", "L.P."), ("Corp.", "Corp", "Corp.")]
INSTRUMENTS = [  # (description, investment type member, lien share of draws, spread range bp)
    ("First Lien Senior Secured Term Loan", "First Lien Debt", 0.62, (475, 700)),
    ("Unitranche Term Loan", "First Lien Debt", 0.10, (550, 725)),
    ("First Lien Revolving Loan", "First Lien Debt", 0.08, (450, 650)),
    ("Second Lien Term Loan", "Second Lien Debt", 0.10, (750, 975)),
    ("Subordinated Notes", "Subordinated Debt", 0.05, (0, 0)),
    ("Common Equity", "Equity", 0.05, (0, 0)),
]
SUB_COLUMNS = ["adsh", "cik", "name", "sic", "countryba", "stprba", "cityba", "form", "period", "fy", "fp",
               "filed", "accepted", "prevrpt", "instance", "nciks"]
SOI_COLUMNS = ["adsh", "cik", "name", "ddate", "form", "filed", "period", "inlineurl", "cstm",
               "Industry Sector Axis", "Investment, Identifier Axis", "Investment, Issuer Name Axis",
               "Investment Type Axis", "Investment Interest Rate", "Investment, Basis Spread, Variable Rate",
               "Investment Maturity Date", "Investment Owned, Balance, Principal Amount", "Investment Owned, Cost",
               "Investment Owned, Fair Value", "Investment Owned, Net Assets, Percentage"]


def n_bdcs(scale: int = 1) -> int:
    """12 at scale 1, rising linearly to 100 at scale 100."""
    return 12 + (88 * (max(scale, 1) - 1)) // 99


def quarter_ends() -> list[dt.date]:
    out, y, m = [], FIRST_PERIOD.year, FIRST_PERIOD.month
    for _ in range(N_QUARTERS):
        out.append(dt.date(y, m, 31 if m in (3, 12) else 30))
        y, m = (y + 1, 3) if m == 12 else (y, m + 3)
    return out


def bdc_names(n: int) -> list[str]:
    out = []
    for b in range(n):
        word = BDC_WORDS[b % len(BDC_WORDS)]
        form = BDC_FORMS[(b // len(BDC_WORDS) + b) % len(BDC_FORMS)]
        suffix = "" if b < len(BDC_WORDS) else f" {b // len(BDC_WORDS) + 1}"
        out.append(f"{word} {form}{suffix}".upper())
    return out


@dataclass(frozen=True)
class Borrower:
    base: str  # name without legal form
    legal: int  # index into LEGAL
    industry: str


def borrowers(n: int) -> list[Borrower]:
    out = [Borrower("Zenith Software Holdings", 0, "Software")]
    i = 0
    while len(out) < n:
        p = PREFIXES[i % len(PREFIXES)]
        word, industry = SECTORS[(i // len(PREFIXES) + 7 * i) % len(SECTORS)]
        tail = TAILS[(i // (len(PREFIXES) * len(SECTORS))) % len(TAILS)]
        k = i // (len(PREFIXES) * len(SECTORS) * len(TAILS))
        base = " ".join(x for x in (p, word, tail, f"{k + 1}" if k else "") if x)
        out.append(Borrower(base, i % len(LEGAL), industry))
        i += 1
    return out


def spelling(b: Borrower, style: int) -> str:
    """How BDC style ``style`` (0..3) writes the borrower's legal name."""
    canonical, bare, dotted = LEGAL[b.legal]
    if style == 0:
        return f"{b.base}, {canonical}"
    if style == 1:
        return f"{b.base} {bare}"
    if style == 2:
        return f"{b.base}, {canonical}".upper()
    return f"{b.base}, {dotted}" if b.legal != 0 else f"{b.base}, L.L.C."


def identifier(issuer: str, instrument: str, style: int) -> str:
    if style == 0:
        return f"{issuer} | {instrument}"
    if style == 2:
        return f"{issuer} - {instrument}"
    if style == 3:
        return f"{issuer}, {instrument.lower()}"
    return f"{issuer}, {instrument}"


def _rng(s: Scenario, name: str) -> np.random.Generator:
    return np.random.default_rng([s.seed, zlib.crc32(f"bdc:{name}".encode())])


def _filed(period: dt.date, b: int) -> dt.date:
    lag = (55 if period.month == 12 else 25) + b % 7
    day = period + dt.timedelta(lag)
    while day.weekday() >= 5:
        day += dt.timedelta(1)
    return day


def dataset_name(filed: dt.date) -> str:
    """The data-set zip a filing lands in: quarterly through 2025q3, monthly after."""
    if filed <= dt.date(2025, 9, 30):
        return f"{filed.year}q{(filed.month - 1) // 3 + 1}_bdc.zip"
    return f"{filed.year}_{filed.month:02d}_bdc.zip"


def dataset_published(name: str) -> dt.date:
    """Data sets come out a few days after their window closes."""
    if "q" in name:
        y, q = int(name[:4]), int(name[5])
        end = dt.date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    else:
        y, m = int(name[:4]), int(name[5:7])
        end = dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1)
    return end + dt.timedelta(4)


@dataclass
class Book:
    """Every position (BDC x borrower x quarter), as flat numpy arrays."""

    bdc: np.ndarray
    borrower: np.ndarray
    quarter: np.ndarray
    rel: np.ndarray  # relationship index
    principal: np.ndarray  # USD, NaN for equity
    cost: np.ndarray
    fair_value: np.ndarray
    mark: np.ndarray
    non_accrual: np.ndarray
    rel_instrument: np.ndarray  # per relationship
    rel_spread_bp: np.ndarray
    rel_maturity: list[dt.date]
    rel_bdc: np.ndarray
    rel_borrower: np.ndarray


def book(s: Scenario, scale: int = 1) -> Book:
    nb = n_bdcs(scale)
    names = borrowers(30 * nb + 1)
    nk = len(names)
    rng = _rng(s, f"book:{scale}")
    # Relationships: each BDC lends to ~440 borrowers over the decade, popular names more often.
    per_bdc = 440
    weights = 1.0 / (np.arange(1, nk) + 10.0) ** 0.5
    weights /= weights.sum()
    r_bdc = np.repeat(np.arange(nb), per_bdc)
    r_borrower = rng.choice(np.arange(1, nk), size=nb * per_bdc, p=weights)
    r_start = rng.integers(-16, N_QUARTERS, size=nb * per_bdc)
    r_life = rng.integers(8, 25, size=nb * per_bdc)
    pairs = r_bdc * nk + r_borrower
    _, first = np.unique(pairs, return_index=True)
    keep = np.sort(first)
    r_bdc, r_borrower, r_start, r_life = r_bdc[keep], r_borrower[keep], r_start[keep], r_life[keep]
    r_end = np.minimum(r_start + r_life - 1, N_QUARTERS - 1)
    r_start = np.maximum(r_start, 0)
    live = r_end >= r_start
    r_bdc, r_borrower, r_start, r_end = r_bdc[live], r_borrower[live], r_start[live], r_end[live]
    # The episode borrower and its three holders.
    ep_bdcs = np.array([b for b in EPISODE_SPELLINGS if b < nb])
    r_bdc = np.concatenate([ep_bdcs, r_bdc])
    r_borrower = np.concatenate([np.zeros(len(ep_bdcs), int), r_borrower])
    r_start = np.concatenate([np.full(len(ep_bdcs), EPISODE_FIRST_QUARTER), r_start])
    r_end = np.concatenate([np.full(len(ep_bdcs), N_QUARTERS - 1), r_end])
    nr = len(r_bdc)

    draw = rng.random(nr)
    cum = np.cumsum([x[2] for x in INSTRUMENTS])
    r_inst = np.searchsorted(cum, draw * cum[-1], side="right")
    r_inst[: len(ep_bdcs)] = 0
    lo = np.array([x[3][0] for x in INSTRUMENTS])[r_inst]
    hi = np.array([x[3][1] for x in INSTRUMENTS])[r_inst]
    r_spread = np.round((lo + (hi - lo) * rng.random(nr)) / 25) * 25
    r_spread[: len(ep_bdcs)] = 575
    size = np.exp(rng.normal(np.log(2.0e7), 0.8, nr)) * (1 + 0.5 * (r_bdc % 3))
    r_principal0 = np.round(size / 1000) * 1000
    r_principal0[: len(ep_bdcs)] = np.array([4.5e7, 3.0e7, 2.2e7])[: len(ep_bdcs)]
    r_oid = rng.uniform(0.01, 0.025, nr)
    q_ends = quarter_ends()
    r_maturity = [q_ends[max(int(st), 0)] + dt.timedelta(int(365.25 * (5 + (k % 3)))) for k, st in
                  enumerate(r_start)]
    if len(ep_bdcs):
        for j in range(len(ep_bdcs)):
            r_maturity[j] = dt.date(2028, 6, 30)

    # Expand relationships to positions (one row per relationship and quarter held).
    lengths = r_end - r_start + 1
    rel = np.repeat(np.arange(nr), lengths)
    offsets = np.arange(len(rel)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    quarter = r_start[rel] + offsets
    bdc, borrower = r_bdc[rel], r_borrower[rel]
    age = offsets.astype(float)

    # Marks: market factor (HY OAS at quarter end) + borrower credit + holder disagreement.
    grid = tuple(sc.business_days())
    hy = s.path("hy_oas", grid)
    pos = {day: i for i, day in enumerate(grid)}
    hy_q = np.array([hy[pos[max(x for x in grid if x <= qe)]] for qe in q_ends])
    market = -1.4 * np.maximum(hy_q - 4.0, 0.0) + 0.3
    crng = _rng(s, f"credit:{scale}")
    credit = np.cumsum(crng.normal(0, 0.35, (nk, N_QUARTERS)), axis=1)
    credit -= credit.mean(axis=1, keepdims=True)
    credit = np.clip(credit, -2.5, 1.0)
    distressed = crng.random(nk) < 0.08
    distressed[0] = False
    onset = crng.integers(0, N_QUARTERS, nk)
    speed = crng.uniform(3.0, 8.0, nk)
    qidx = np.arange(N_QUARTERS)[None, :]
    decline = np.where(distressed[:, None], -np.maximum(qidx - onset[:, None], 0) * speed[:, None], 0.0)
    credit = credit + np.maximum(decline, -65.0)
    dispersion = np.full(N_QUARTERS, 0.7)
    dispersion[q_ends.index(dt.date(2020, 3, 31))] = 3.0
    dispersion[q_ends.index(dt.date(2020, 6, 30))] = 2.5
    for qe, v in ((dt.date(2025, 3, 31), 2.0), (dt.date(2025, 6, 30), 2.4), (dt.date(2025, 9, 30), 2.8)):
        dispersion[q_ends.index(qe)] = v
    hrng = _rng(s, f"holder:{scale}")
    troubled = credit[borrower, quarter] < -10
    noise = hrng.standard_normal(len(rel)) * dispersion[quarter] * np.where(troubled, 3.0, 1.0)
    mark = 99.0 + market[quarter] + credit[borrower, quarter] + noise
    ep = borrower == 0
    ep_holder = np.searchsorted(ep_bdcs, bdc[ep]) if len(ep_bdcs) else np.zeros(0, int)
    ep_marks = np.array([EPISODE_MARKS.get(int(t), (98.6, 98.4, 98.5))[h] for t, h in
                         zip(quarter[ep], ep_holder, strict=True)])
    mark[ep] = ep_marks + np.where(quarter[ep] < 35, market[quarter[ep]] * 0.5, 0.0)
    mark = np.clip(mark, 2.0, 101.5)
    non_accrual = (credit[borrower, quarter] < -35) & (r_inst[rel] < 5)
    for b, t in EPISODE_NON_ACCRUAL:
        non_accrual |= ep & (bdc == b) & (quarter == t)

    equity = r_inst[rel] == 5
    principal = np.round(r_principal0[rel] * (1 - 0.0025 * age) / 1000) * 1000
    oid_left = np.clip(1 - age / 20.0, 0, 1)
    cost = np.round(principal * (1 - r_oid[rel] * oid_left))
    fair_value = np.round(principal * mark / 100.0)
    eq_cost = np.round(r_principal0[rel] * 0.1)
    cost = np.where(equity, eq_cost, cost)
    fair_value = np.where(equity, np.round(eq_cost * np.clip(mark / 90.0, 0.05, 3.0) ** 3), fair_value)
    principal = np.where(equity, np.nan, principal)
    return Book(bdc, borrower, quarter, rel, principal, cost, fair_value, mark, non_accrual, r_inst, r_spread,
                r_maturity, r_bdc, r_borrower)


@dataclass(frozen=True)
class SamplePayload:
    request: dict
    content: bytes
    published: dt.date


def _tsv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(delimiter="\t", quoting_style="none", quoting_header="none"))
    return sink.getvalue()


def emit(s: Scenario, scale: int = 1, end_date: dt.date = sc.END) -> Iterator[SamplePayload]:
    bk = book(s, scale)
    nb = n_bdcs(scale)
    names = borrowers(30 * nb + 1)
    bdc_name = bdc_names(nb)
    q_ends = quarter_ends()
    style = np.arange(nb) % 4
    # Per relationship strings: identifier (plain and non-accrual), issuer name axis, industry, type.
    nr = len(bk.rel_bdc)
    ident, ident_na, issuer_axis, industry, inv_type = [], [], [], [], []
    for r in range(nr):
        b, k = int(bk.rel_bdc[r]), int(bk.rel_borrower[r])
        st = int(style[b])
        issuer = EPISODE_SPELLINGS.get(b, spelling(names[0], st)) if k == 0 else spelling(names[k], st)
        inst = INSTRUMENTS[int(bk.rel_instrument[r])]
        text = identifier(issuer, inst[0], st)
        ident.append(text)
        ident_na.append(text + " (Non-accrual)")
        issuer_axis.append(issuer if st == 0 else None)
        industry.append(f"{names[k].industry} [Member]")
        inv_type.append(f"{inst[1]} [Member]")
    rel_ident = pa.array(ident)
    rel_ident_na = pa.array(ident_na)

    # Filings: one per BDC and quarter end.
    f_bdc = np.repeat(np.arange(nb), N_QUARTERS)
    f_q = np.tile(np.arange(N_QUARTERS), nb)
    f_period = [q_ends[t] for t in f_q]
    f_filed = [_filed(p, int(b)) for p, b in zip(f_period, f_bdc, strict=True)]
    f_accn = [f"{CIK_BASE + 1 + int(b):010d}-{fd.year % 100:02d}-{100000 + int(t) * 1000 + int(b):06d}"
              for b, t, fd in zip(f_bdc, f_q, f_filed, strict=True)]
    f_dataset = [dataset_name(fd) for fd in f_filed]

    # Rows: own-period positions, plus the prior year end re-reported in each 10-K (filing index b * 40 + t).
    pos_filing = bk.bdc * N_QUARTERS + bk.quarter
    year_end = np.array([q.month == 12 for q in q_ends])
    re_reported = year_end[bk.quarter] & (bk.quarter + 4 < N_QUARTERS)
    comp_src = np.nonzero(re_reported)[0]
    comp_filing = pos_filing[comp_src] + 4  # the next 10-K of the same BDC
    rows = np.concatenate([np.arange(len(pos_filing)), comp_src])
    row_filing = np.concatenate([pos_filing, comp_filing])
    row_ddate_q = bk.quarter[rows]

    base_rate = np.array([sc.interest_on_reserves(q) for q in q_ends]) / 100.0
    spread = bk.rel_spread_bp[bk.rel[rows]] / 10000.0
    floating = spread > 0
    rate = np.where(floating, np.round(base_rate[row_ddate_q] + spread, 4),
                    np.where(bk.rel_instrument[bk.rel[rows]] == 4, 0.1125, np.nan))
    fv = bk.fair_value[rows]
    nav = np.bincount(bk.bdc[rows], weights=fv, minlength=nb) / N_QUARTERS * 0.55
    pct_nav = np.round(fv / nav[bk.bdc[rows]], 6)

    rel_rows = from_numpy(bk.rel[rows].astype(np.int64))
    ident_rows = from_numpy(bk.non_accrual[rows])
    ident_col = pc.if_else(ident_rows, rel_ident_na.take(rel_rows), rel_ident.take(rel_rows))
    maturity = pa.array([bk.rel_maturity[r] for r in range(nr)], pa.date32()).take(rel_rows)
    yyyymmdd = [d.strftime("%Y%m%d") for d in q_ends]
    f_cik = [str(CIK_BASE + 1 + int(b)) for b in f_bdc]
    f_name = [bdc_name[int(b)] for b in f_bdc]
    f_form = ["10-K" if p.month == 12 else "10-Q" for p in f_period]
    f_period_s = [p.strftime("%Y%m%d") for p in f_period]
    f_filed_s = [d.strftime("%Y%m%d") for d in f_filed]
    take_f = from_numpy(row_filing.astype(np.int64))
    soi = pa.table({
        "adsh": pa.array(f_accn).take(take_f),
        "cik": pa.array(f_cik).take(take_f),
        "name": pa.array(f_name).take(take_f),
        "ddate": pa.array(yyyymmdd).take(from_numpy(row_ddate_q.astype(np.int64))),
        "form": pa.array(f_form).take(take_f),
        "filed": pa.array(f_filed_s).take(take_f),
        "period": pa.array(f_period_s).take(take_f),
        "inlineurl": pa.array([f"https://www.sec.gov/ix?doc=/Archives/edgar/data/{c}/{a.replace('-', '')}/"
                               f"bdc-{p}.htm" for c, a, p in zip(f_cik, f_accn, f_period_s, strict=True)]).take(take_f),
        "cstm": pa.array(["0"] * len(rows)),
        "Industry Sector Axis": pa.array(industry).take(rel_rows),
        "Investment, Identifier Axis": ident_col,
        "Investment, Issuer Name Axis": pa.array(issuer_axis, pa.string()).take(rel_rows),
        "Investment Type Axis": pa.array(inv_type).take(rel_rows),
        "Investment Interest Rate": _nan_to_null(rate),
        "Investment, Basis Spread, Variable Rate": _nan_to_null(np.where(floating, spread, np.nan)),
        "Investment Maturity Date": pc.if_else(from_numpy(bk.rel_instrument[bk.rel[rows]] == 5),
                                               pa.nulls(len(rows), pa.date32()), maturity),
        "Investment Owned, Balance, Principal Amount": _nan_to_null(bk.principal[rows]).cast(pa.int64()),
        "Investment Owned, Cost": _nan_to_null(bk.cost[rows]).cast(pa.int64()),
        "Investment Owned, Fair Value": _nan_to_null(fv).cast(pa.int64()),
        "Investment Owned, Net Assets, Percentage": _nan_to_null(pct_nav),
    })
    row_dataset = pa.array(f_dataset).take(take_f)
    sub = pa.table({
        "adsh": f_accn, "cik": f_cik, "name": f_name, "sic": ["6726"] * len(f_accn),
        "countryba": ["US"] * len(f_accn), "stprba": ["NY"] * len(f_accn), "cityba": ["NEW YORK"] * len(f_accn),
        "form": f_form, "period": f_period_s, "fy": [str(p.year) for p in f_period],
        "fp": ["FY" if p.month == 12 else f"Q{p.month // 3}" for p in f_period], "filed": f_filed_s,
        "accepted": [f"{d.isoformat()} 16:05:00.0" for d in f_filed], "prevrpt": ["0"] * len(f_accn),
        "instance": [f"bdc-{p}_htm.xml" for p in f_period_s], "nciks": ["1"] * len(f_accn),
    })
    f_dataset_arr = pa.array(f_dataset)
    for name in sorted(set(f_dataset), key=dataset_published):
        published = dataset_published(name)
        if published > end_date:
            continue
        soi_part = soi.filter(pc.equal(row_dataset, name))
        sub_part = sub.filter(pc.equal(f_dataset_arr, name))
        sink = io.BytesIO()
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for member, data in (("datasets/sub.tsv", _tsv(sub_part)), ("soi.tsv", _tsv(soi_part)),
                                 ("readme.htm", README)):
                info = zipfile.ZipInfo(member, date_time=(published.year, published.month, published.day, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data, compresslevel=1)
        yield SamplePayload({"endpoint": "bdc-data-sets", "file": name}, sink.getvalue(), published)


def _nan_to_null(values: np.ndarray) -> pa.Array:
    return from_numpy(np.asarray(values, dtype=np.float64))




README = (b"<html><body><h1>Business Development Company (BDC) Data Set</h1><p>Sample data set emitted by "
          b"the Fragility Radar sample generator in the layout of the SEC's BDC data sets: sub, soi.</p>"
          b"</body></html>")
