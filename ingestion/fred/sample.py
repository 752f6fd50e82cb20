"""Sample emitter: the scenario's truths written as FRED/ALFRED JSON, byte for byte the live format.

Publication timing follows each release (next business day for H.15-style dailies, Thursday for
H.4.1, CPI mid-month, the jobs report on the first Friday). Revisable series get several vintages
(first print, then revisions). The 2025 shutdown delays BLS releases and cancels October's CPI and
household-survey rates, which appear as "." once the cancellation is announced.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np

from ingestion import scenario as sc
from ingestion.catalog import Series, cancellation
from ingestion.scenario import Scenario, d

FAR = "9999-12-31"
SOFR_START = d("2018-04-02")

# BLS releases moved by the 2025 lapse in appropriations: period -> actual first-release date.
SHUTDOWN_DELAYS = {
    "Consumer Price Index": {d("2025-09-01"): d("2025-10-24")},
    "Employment Situation": {d("2025-09-01"): d("2025-11-20")},
}
# Periods whose release was still outstanding at the scenario's end (late, not cancelled).
OUTSTANDING = {
    "Employment Situation": {d("2025-10-01")},  # payrolls for October: published later with November
    "Gross Domestic Product": {d("2025-07-01")},  # Q3 2025 advance estimate postponed
}


@dataclass(frozen=True)
class Vintage:
    obs_date: dt.date
    value: float | None
    start: dt.date


# --- release timing ----------------------------------------------------------------------------

def scheduled_release(series: Series, period: dt.date) -> dt.date:
    """When the first print of `period` is scheduled (before any shutdown delay)."""
    f, rel = series.frequency, series.release
    if f == "D":
        same_day = rel in {"Federal Funds Target Range", "Interest Rates on Reserve Balances",
                           "Temporary Open Market Operations"}
        return period if same_day else sc.next_business_day(period)
    if f == "W":
        if rel.startswith("H.4.1"):
            return period + dt.timedelta(1)  # Wednesday level, published Thursday
        return period + dt.timedelta(5 if "St. Louis" in rel else 4)
    if f == "M":
        nxt = sc.add_months(period, 1)
        if rel == "Consumer Price Index":
            day = dt.date(nxt.year, nxt.month, 12)
        elif rel == "Employment Situation":
            day = nxt + dt.timedelta((4 - nxt.weekday()) % 7)  # first Friday
            return day
        else:  # surveys: final reading at the end of the same month
            day = sc.add_months(period, 1) - dt.timedelta(3)
        while not sc.is_business_day(day):
            day += dt.timedelta(1)
        return day
    if f == "Q":
        if rel == "Budget and Economic Outlook":
            return max(sc.START, dt.date(period.year - 1, 1, 28))  # projections are published ahead
        lag = {"Gross Domestic Product": 28, "Distributional Financial Accounts": 80}.get(rel, 50)
        return sc.next_business_day(sc.add_months(period, 3) + dt.timedelta(lag - 1))
    raise ValueError(series.frequency)


def first_release(series: Series, period: dt.date) -> dt.date | None:
    """The actual first-print date, or None when not published by the end of the scenario."""
    if period in OUTSTANDING.get(series.release, set()):
        return None
    if cancellation(series.series_id, period):
        return None
    actual = SHUTDOWN_DELAYS.get(series.release, {}).get(period) or scheduled_release(series, period)
    return actual if actual <= sc.END else None


# --- truths per series ------------------------------------------------------------------------

@cache
def _grid(series: Series) -> list[dt.date]:
    f = series.frequency
    if f == "D":
        if series.series_id in {"DFEDTARU", "DFEDTARL"}:
            return [sc.START + dt.timedelta(i) for i in range((sc.END - sc.START).days + 1)]
        grid = sc.business_days()
        if series.series_id.startswith("SOFR"):
            grid = [g for g in grid if g >= SOFR_START]
        if series.series_id == "IOER":
            grid = [g for g in grid if g < sc.IORB_START]
        if series.series_id == "IORB":
            grid = [g for g in grid if g >= sc.IORB_START]
        return grid
    if f == "W":
        return sc.weekly_wednesdays() if series.release.startswith("H.4.1") else sc.weekly_fridays()
    if f == "M":
        return sc.month_starts()
    if f == "Q":
        return sc.quarter_starts()
    raise ValueError(f)


@cache
def _sofr_median(s: Scenario, grid: tuple[dt.date, ...]) -> np.ndarray:
    ior = np.array([sc.interest_on_reserves(g) for g in grid])
    spread = s.path("sofr_spread", grid)
    bumps = np.array([_calendar_pressure(g) for g in grid])
    # SOFR stayed a few basis points above zero while reserves were abundant (2020-2021).
    return np.round(np.maximum(ior + spread + bumps, 0.01), 2)


@cache
def _calendar_pressure(day: dt.date) -> float:
    """Month- and quarter-end pressure, and the September 2019 spike (SOFR 5.25%, p99 9%)."""
    spikes = {d("2019-09-16"): 0.33, d("2019-09-17"): 3.15, d("2019-09-18"): 0.45, d("2019-09-19"): 0.05,
              # March 2020: the dash for cash; SOFR traded above IOER right after the emergency cut
              d("2020-03-12"): 0.12, d("2020-03-13"): 0.15, d("2020-03-16"): 0.20, d("2020-03-17"): 0.22,
              d("2020-03-18"): 0.12, d("2020-03-19"): 0.06}
    if day in spikes:
        return spikes[day]
    nxt = sc.next_business_day(day)
    if nxt.month != day.month:
        return 0.08 if day.month in (3, 6, 9, 12) else 0.03
    return 0.0


def truth(series: Series, s: Scenario) -> tuple[list[dt.date], np.ndarray]:
    sid = series.series_id.split("_X")[0]  # scale replicas share the original's path
    grid = tuple(_grid(series))
    n = len(grid)
    if sid == "DFEDTARU":
        v = np.array([sc.target_upper(g) for g in grid])
    elif sid == "DFEDTARL":
        v = np.array([sc.target_upper(g) - 0.25 for g in grid])
    elif sid in {"IOER", "IORB"}:
        v = np.array([sc.interest_on_reserves(g) for g in grid])
    elif sid == "EFFR":
        lower = np.array([sc.target_upper(g) - 0.25 for g in grid])
        spread = np.array([_effr_spread(g) for g in grid]) + s.noise("effr", n, 0.004)
        v = np.round(lower + spread, 2)
    elif sid == "SOFR":
        v = _sofr_median(s, grid)
    elif sid in {"SOFR1", "SOFR25", "SOFR75", "SOFR99"}:
        v = _sofr_median(s, grid) + _sofr_offsets(sid, s, grid)
    elif sid == "SOFRVOL":
        v = np.round(s.path("sofr_volume", grid), 0)
    elif sid == "DGS2":
        v = _two_year(s, grid)
    else:
        name, digits, scale = _SIMPLE[sid]
        v = np.round(s.path(name, grid) * scale + _OFFSETS.get(sid, 0.0), digits)
    return list(grid), v


def _effr_spread(day: dt.date) -> float:
    if day in {d("2019-09-17"), d("2019-09-18")}:
        return 0.30
    if d("2018-03-01") <= day < d("2019-10-01"):
        return 0.17
    if day >= d("2025-09-01"):
        return 0.11
    return 0.08 if day >= d("2020-03-16") else 0.12


def _sofr_offsets(sid: str, s: Scenario, grid: tuple[dt.date, ...]) -> np.ndarray:
    n = len(grid)
    stress = np.array([abs(_calendar_pressure(g)) for g in grid])
    base = {"SOFR1": -0.12, "SOFR25": -0.02, "SOFR75": 0.02, "SOFR99": 0.09}[sid]
    jitter = np.abs(s.noise(sid, n, {"SOFR1": 0.05, "SOFR25": 0.01, "SOFR75": 0.01, "SOFR99": 0.04}[sid]))
    sign = 1.0 if base > 0 else -1.0
    widen = {"SOFR1": 0.0, "SOFR25": 0.0, "SOFR75": 0.6, "SOFR99": 1.2}[sid]
    out = np.round(base + sign * jitter + widen * stress, 2)
    if sid in {"SOFR1", "SOFR25"}:  # the low tail never went more than a few bp below zero
        out = np.maximum(out, -0.05 - _sofr_median(s, grid))
    spike = [i for i, g in enumerate(grid) if g == d("2019-09-17")]
    if spike and sid == "SOFR99":
        out[spike[0]] = 9.00 - 5.25  # p99 reached 9% on the day SOFR printed 5.25%
    return out


def _two_year(s: Scenario, grid: tuple[dt.date, ...]) -> np.ndarray:
    mid = np.array([sc.target_upper(g) - 0.125 for g in grid])
    ahead = np.array([mid[min(i + 500, len(mid) - 1)] for i in range(len(mid))])
    return np.round(0.35 * mid + 0.65 * ahead + 0.10 + s.path("sofr_spread", grid) * 0 +
                    np.cumsum(s.noise("dgs2", len(grid), 0.01)) * 0.1, 2)


_SIMPLE = {  # series -> (scenario path, rounding digits, multiplier)
    "CPIAUCSL": ("cpi", 3, 1.0), "CPILFESL": ("core_cpi", 3, 1.0), "UNRATE": ("unrate", 1, 1.0),
    "PAYEMS": ("payems", 0, 1.0), "NROU": ("nrou", 2, 1.0), "GDP": ("gdp", 3, 1.0),
    "WALCL": ("fed_assets_mn", 0, 1.0), "WSHOSHO": ("securities_mn", 0, 1.0),
    "WRESBAL": ("reserves_bn", 0, 1000.0), "WTREGEN": ("tga_mn", 0, 1.0), "RRPONTSYD": ("on_rrp_bn", 3, 1.0),
    "BAMLC0A0CM": ("ig_oas", 2, 1.0), "BAMLH0A0HYM2": ("hy_oas", 2, 1.0),
    "LNS14024887": ("youth_excess", 1, 1.0), "LNS14000060": ("unrate", 1, 1.0),
    "DRCLACBS": ("consumer_delinq", 2, 1.0), "WFRBST01134": ("top1_share", 1, 1.0),
    "WFRBSB50215": ("bottom50_share", 1, 1.0), "MICH": ("mich", 1, 1.0), "UMCSENT": ("umcsent", 1, 1.0),
    "NASDAQCOM": ("nasdaq", 2, 1.0), "SP500": ("sp500", 2, 1.0), "CBBTCUSD": ("btc", 2, 1.0),
    "VIXCLS": ("vix", 2, 1.0), "STLFSI4": ("stlfsi", 4, 1.0), "NFCI": ("nfci", 5, 1.0),
}
_OFFSETS = {"LNS14000060": -0.6}


def _with_youth(series: Series, s: Scenario, grid: list[dt.date], values: np.ndarray) -> np.ndarray:
    if series.series_id.split("_X")[0] == "LNS14024887":
        return np.round(values + s.path("unrate", tuple(grid)), 1)
    return values


# --- vintages ------------------------------------------------------------------------------------

_REVISION_NOISE = {"WFRBST01134": 0.004, "WFRBSB50215": 0.02, "CPIAUCSL": 0.0006, "CPILFESL": 0.0005,
                   "PAYEMS": 0.0004, "GDP": 0.004, "DRCLACBS": 0.02, "STLFSI4": 0.03, "NFCI": 0.01}
_REVISION_POINTS = {"UNRATE": 0.1, "LNS14024887": 0.2, "LNS14000060": 0.1}


def vintages(series: Series, s: Scenario) -> list[Vintage]:
    grid, values = truth(series, s)
    values = _with_youth(series, s, grid, values)
    base = series.series_id.split("_X")[0]
    out: list[Vintage] = []
    releases = [first_release(series, p) for p in grid]
    for i, (period, value, rel) in enumerate(zip(grid, values, releases, strict=True)):
        cancelled = cancellation(base, period)
        if cancelled:
            if cancelled.announced_on <= sc.END:
                out.append(Vintage(period, None, cancelled.announced_on))
            continue
        if rel is None:
            continue
        if not series.revisable:
            out.append(Vintage(period, float(value), rel))
            continue
        # First print, then one revision at each of the next two releases of the same series.
        # (distinct dates: projections such as NROU share one outlook between several periods)
        later = sorted({r for r in releases[i + 1 : i + 3] if r is not None and r > rel})
        noise = s.noise(f"rev:{base}:{period}", 2, 1.0)
        digits = 1 if base in _REVISION_POINTS else (0 if base == "PAYEMS" else 3)
        if base in _REVISION_POINTS:
            prints = [value + noise[0] * _REVISION_POINTS[base], value + noise[1] * _REVISION_POINTS[base] / 2]
        else:
            rel_noise = _REVISION_NOISE.get(base, 0.001)
            prints = [value * (1 + noise[0] * rel_noise), value * (1 + noise[1] * rel_noise / 2)]
        out.append(Vintage(period, round(float(prints[0]), digits), rel))
        for k, when in enumerate(later):
            final = k == len(later) - 1 and len(later) == 2
            v = float(value) if final else prints[1]
            out.append(Vintage(period, round(float(v), digits), when))
    return out


def observations_payload(series: Series, s: Scenario) -> bytes:
    vs = vintages(series, s)
    # ALFRED closes each vintage the day before the next one for the same period starts.
    by_period: dict[dt.date, list[Vintage]] = {}
    for v in vs:
        by_period.setdefault(v.obs_date, []).append(v)
    rows = []
    for period in sorted(by_period):
        chain = sorted(by_period[period], key=lambda v: v.start)
        for j, v in enumerate(chain):
            end = (chain[j + 1].start - dt.timedelta(1)).isoformat() if j + 1 < len(chain) else FAR
            value = "." if v.value is None else _fmt(v.value)
            rows.append({"realtime_start": v.start.isoformat(), "realtime_end": end,
                         "date": period.isoformat(), "value": value})
    doc = {
        "realtime_start": "1776-07-04", "realtime_end": FAR, "observation_start": "1600-01-01",
        "observation_end": FAR, "units": "lin", "output_type": 1, "file_type": "json",
        "order_by": "observation_date", "sort_order": "asc", "count": len(rows), "offset": 0,
        "limit": 100000, "observations": rows,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _fmt(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:.1f}"


def series_payload(series: Series, s: Scenario) -> bytes:
    grid = _grid(series)
    doc = {"realtime_start": sc.END.isoformat(), "realtime_end": sc.END.isoformat(), "seriess": [{
        "id": series.series_id, "realtime_start": sc.END.isoformat(), "realtime_end": sc.END.isoformat(),
        "title": series.title, "observation_start": grid[0].isoformat(),
        "observation_end": grid[-1].isoformat(), "frequency": series.frequency,
        "frequency_short": series.frequency, "units": series.unit, "units_short": series.unit,
        "seasonal_adjustment": "Not Seasonally Adjusted", "seasonal_adjustment_short": "NSA",
        "last_updated": f"{sc.END.isoformat()} 07:50:01-06", "popularity": 50, "notes": "sample",
    }]}
    return json.dumps(doc, separators=(",", ":")).encode()


def release_dates_payload(release_id: int, members: list[Series]) -> bytes:
    """The release's schedule: every scheduled date, including ones that came late or not at all."""
    dates: set[dt.date] = set()
    horizon = sc.END + dt.timedelta(45)  # FRED lists upcoming dates with no data yet
    for series in members:
        for period in _grid(series):
            when = scheduled_release(series, period)
            if when <= horizon:
                dates.add(when)
        for period in sc.month_starts(sc.END, horizon):
            if series.frequency == "M":
                dates.add(scheduled_release(series, period))
    rows = [{"release_id": release_id, "date": x.isoformat()} for x in sorted(dates)]
    doc = {"realtime_start": sc.END.isoformat(), "realtime_end": sc.END.isoformat(),
           "order_by": "release_date", "sort_order": "asc", "count": len(rows), "offset": 0,
           "limit": 10000, "release_dates": rows}
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SamplePayload:
    kind: str  # observations | series | release_dates
    key: str  # series id or release id
    request: dict
    content: bytes


_COMPUTED = {"DFEDTARU", "DFEDTARL", "IOER", "IORB", "EFFR", "SOFR", "SOFR1", "SOFR25", "SOFR75", "SOFR99",
             "SOFRVOL", "DGS2"}


def has_sample_path(series: Series) -> bool:
    """Whether the sample world models the series (catalog lines added for live or file-drop use may not)."""
    base = series.series_id.split("_X")[0]
    return base in _COMPUTED or base in _SIMPLE


def emit(catalog: dict[str, Series], s: Scenario) -> Iterator[SamplePayload]:
    catalog = {k: v for k, v in catalog.items() if has_sample_path(v)}
    bodies: dict[str, bytes] = {}  # scale replicas answer with their original's bytes
    for series in catalog.values():
        base = series.series_id.split("_X")[0]
        if base not in bodies:
            bodies[base] = observations_payload(catalog.get(base, series), s)
        yield SamplePayload("observations", series.series_id, {
            "endpoint": "fred/series/observations", "series_id": series.series_id,
            "realtime_start": "1776-07-04", "realtime_end": FAR, "output_type": 1}, bodies[base])
        yield SamplePayload("series", series.series_id, {"endpoint": "fred/series",
                            "series_id": series.series_id}, series_payload(series, s))
    releases: dict[int, list[Series]] = {}
    for series in catalog.values():
        if series.loop != "scale_replica":
            releases.setdefault(series.release_id, []).append(series)
    for rid, members in sorted(releases.items()):
        yield SamplePayload("release_dates", str(rid), {
            "endpoint": "fred/release/dates", "release_id": rid, "include_release_dates_with_no_data": True},
            release_dates_payload(rid, members))
