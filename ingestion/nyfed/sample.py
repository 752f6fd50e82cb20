"""Sample emitter: the scenario's reference rates as NY Fed Markets API ``search.json`` bytes.

Consistent with the FRED sample by construction: SOFR, its percentiles and volume are
``ingestion.fred.sample.truth`` of SOFR/SOFR1/SOFR25/SOFR75/SOFR99/SOFRVOL, and EFFR is FRED's EFFR, on
the same business days. TGCR and BGCR are derived from SOFR: tri-party general collateral trades one to
three basis points below SOFR (further below on stress days, when DVP specials and GCF lead the spike),
BGCR is TGCR or one basis point above it (it adds GCF), both with their own percentiles and volumes,
so the September 2019 spike and the October 2025 pressure show in them too. EFFR carries percentiles
and volume from 2016-03-01 (the FR 2420 median method) and the older brokered fields before that.

Payloads mirror the live client: one ``search.json`` per rate and calendar year. One TGCR rate is
revised on its publication day (``revisionIndicator`` set): an earlier payload, fetched between the
8:00 publication and the 14:30 revision, still has the first print, so the revision is a second version.
Every value is deterministic (seeded by the scenario).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np

from ingestion import scenario as sc
from ingestion.catalog import fred_series
from ingestion.fred.sample import _calendar_pressure, truth
from ingestion.nyfed.parser import EFFR_MEDIAN_METHOD_START, ENDPOINTS, ET, SOFR_METHOD_CHANGE, business_day_after
from ingestion.scenario import Scenario, d

SECURED_START = d("2018-04-02")
REVISION = ("TGCR", d("2023-06-30"), 0.02)  # rate, effective date, error of the first print (pp)
REVISION_INDICATOR = "R"
# (rate, effective date) -> footnoteId: the method changes and the first publication of each rate.
FOOTNOTES = {
    ("SOFR", SECURED_START): "1", ("BGCR", SECURED_START): "1", ("TGCR", SECURED_START): "1",
    ("SOFR", SOFR_METHOD_CHANGE): "2", ("EFFR", EFFR_MEDIAN_METHOD_START): "3",
}


@dataclass(frozen=True)
class RateTable:
    """One rate's history, column-wise (NaN where a field is absent on that day)."""

    rate_type: str
    dates: tuple[dt.date, ...]
    cols: dict[str, np.ndarray]  # wire field -> values


def on_rrp_rate(day: dt.date) -> float:
    """The Fed's overnight reverse repo offering rate: the bottom of the target range, plus 5 bp from
    2021-06-17 until it was reset to the bottom on 2024-12-19."""
    lower = sc.target_upper(day) - 0.25
    return round(lower + (0.05 if d("2021-06-17") <= day < d("2024-12-19") else 0.0), 2)


def _published_by_end(dates: list[dt.date]) -> np.ndarray:
    """Rates for D are published the next business day: keep the ones public by the scenario's end."""
    return np.array([business_day_after(x) <= sc.END for x in dates])


def _fred(sid: str, s: Scenario) -> tuple[list[dt.date], np.ndarray]:
    return truth(fred_series()[sid], s)


def _steps(s: Scenario, name: str, n: int, low: int, high: int) -> np.ndarray:
    """Whole basis points in [low, high], as percentage points."""
    return sc._rng(name, s.seed).integers(low, high + 1, n) * 0.01


@cache
def rate_tables(s: Scenario) -> dict[str, RateTable]:
    grid, sofr = _fred("SOFR", s)
    keep = _published_by_end(grid)
    grid = [g for g, k in zip(grid, keep, strict=True) if k]
    n = len(grid)
    sofr = sofr[keep]
    p = {sid: _fred(sid, s)[1][keep] for sid in ("SOFR1", "SOFR25", "SOFR75", "SOFR99", "SOFRVOL")}
    pressure = np.array([_calendar_pressure(g) for g in grid])
    tables = {"SOFR": RateTable("SOFR", tuple(grid), {
        "percentRate": sofr, "percentPercentile1": p["SOFR1"], "percentPercentile25": p["SOFR25"],
        "percentPercentile75": p["SOFR75"], "percentPercentile99": p["SOFR99"], "volumeInBillions": p["SOFRVOL"]})}

    # TGCR: a few bp below SOFR, further below when specials and GCF drive a spike, but not below the
    # ON RRP rate that floors tri-party cash (unless SOFR itself prints below it).
    floor = np.minimum(sofr, np.array([on_rrp_rate(g) for g in grid]))
    tgcr = np.round(np.maximum(sofr - _steps(s, "tgcr_gap", n, 1, 3) - 0.06 * pressure, floor), 2)
    t_p1 = np.round(tgcr - 0.05 - _steps(s, "tgcr_p1", n, 0, 6), 2)
    t_p25 = np.round(tgcr - _steps(s, "tgcr_p25", n, 0, 1), 2)
    t_p75 = np.round(tgcr + _steps(s, "tgcr_p75", n, 0, 1) + 0.15 * pressure, 2)
    t_p99 = np.round(tgcr + 0.03 + _steps(s, "tgcr_p99", n, 0, 5) + 0.6 * pressure, 2)
    # SOFR's 2024-11-25 method trims DVP volume, so tri-party's share of it steps up.
    share = np.where(np.array(grid) >= SOFR_METHOD_CHANGE, 0.40, 0.37)
    t_vol = np.round(p["SOFRVOL"] * share * np.exp(s.noise("tgcr_vol", n, 0.03)), 0)
    tables["TGCR"] = RateTable("TGCR", tuple(grid), {
        "percentRate": tgcr, "percentPercentile1": t_p1, "percentPercentile25": t_p25,
        "percentPercentile75": t_p75, "percentPercentile99": t_p99, "volumeInBillions": t_vol})

    # BGCR = tri-party plus GCF: equal to TGCR or one bp above, with a slightly fatter upper tail.
    lift = np.where(tgcr + 0.01 > sofr, 0.0, _steps(s, "bgcr_lift", n, 0, 1))  # BGCR stays at or below SOFR
    b_vol = np.round(t_vol + p["SOFRVOL"] * 0.035 * np.exp(s.noise("bgcr_vol", n, 0.05)), 0)
    tables["BGCR"] = RateTable("BGCR", tuple(grid), {
        "percentRate": np.round(tgcr + lift, 2), "percentPercentile1": t_p1,
        "percentPercentile25": np.round(t_p25 + lift, 2), "percentPercentile75": np.round(t_p75 + lift, 2),
        "percentPercentile99": np.round(t_p99 + lift + _steps(s, "bgcr_p99", n, 0, 2), 2),
        "volumeInBillions": b_vol})

    tables["EFFR"] = _effr(s)
    return tables


def _effr(s: Scenario) -> RateTable:
    grid, effr = _fred("EFFR", s)
    keep = _published_by_end(grid)
    grid = [g for g, k in zip(grid, keep, strict=True) if k]
    effr = effr[keep]
    n = len(grid)
    pressure = np.array([_calendar_pressure(g) for g in grid])
    upper = np.array([sc.target_upper(g) for g in grid])
    median = np.array([g >= EFFR_MEDIAN_METHOD_START for g in grid])
    nan = np.full(n, np.nan)
    anchors = [("2015-01-01", 75.0), ("2016-03-01", 75.0), ("2019-09-30", 90.0), ("2020-06-30", 50.0),
               ("2022-06-30", 85.0), ("2024-06-28", 110.0), ("2025-11-21", 95.0)]
    volume = np.round(sc._interp(anchors, grid, False) * np.exp(s.noise("effr_vol", n, 0.06)), 0)
    cols = {
        "percentRate": effr,
        "percentPercentile1": np.where(median, np.round(effr - 0.03 - _steps(s, "effr_p1", n, 0, 4), 2), nan),
        "percentPercentile25": np.where(median, np.round(effr - _steps(s, "effr_p25", n, 0, 1), 2), nan),
        "percentPercentile75": np.where(median, np.round(effr + _steps(s, "effr_p75", n, 0, 1), 2), nan),
        "percentPercentile99": np.where(
            median, np.round(effr + 0.03 + _steps(s, "effr_p99", n, 0, 7) + 0.25 * pressure, 2), nan),
        "volumeInBillions": np.where(median, volume, nan),
        "targetRateFrom": upper - 0.25,
        "targetRateTo": upper,
        "intraDayLow": np.where(
            median, nan, np.round(np.maximum(effr - 0.10 - _steps(s, "effr_lo", n, 0, 5), 0.01), 2)),
        "intraDayHigh": np.where(median, nan, np.round(effr + 0.15 + _steps(s, "effr_hi", n, 0, 20), 2)),
        "stdDeviation": np.where(median, nan, np.round(0.03 + np.abs(s.noise("effr_sd", n, 0.01)), 2)),
    }
    return RateTable("EFFR", tuple(grid), cols)


# --------------------------------------------------------------------------- wire format


_PERCENT_FIELDS = ("percentRate", "percentPercentile1", "percentPercentile25", "percentPercentile75",
                   "percentPercentile99")


def _wire_columns(table: RateTable) -> dict[str, list]:
    """Each field as the API writes it (None where absent): volumes in whole billions, rates to 2 decimals."""
    out = {}
    for name, values in table.cols.items():
        if name == "volumeInBillions":
            out[name] = [None if v != v else int(round(v)) for v in values.tolist()]
        else:
            out[name] = [None if v != v else round(v, 2) for v in values.tolist()]
    return out


def _row(table: RateTable, wire: dict[str, list], i: int, *, first_print: bool = False) -> dict:
    day = table.dates[i]
    row: dict = {"effectiveDate": day.isoformat(), "type": table.rate_type}
    for name, values in wire.items():
        if values[i] is not None:
            row[name] = values[i]
    rate, when, error = REVISION
    revised = (table.rate_type, day) == (rate, when)
    if revised and first_print:  # the first print was off by `error` across the distribution
        for name in _PERCENT_FIELDS:
            row[name] = round(row[name] + error, 2)
    note = FOOTNOTES.get((table.rate_type, day))
    if note is not None:
        row["footnoteId"] = note
    row["revisionIndicator"] = REVISION_INDICATOR if revised and not first_print else ""
    return row


def search_payload(table: RateTable, start: dt.date, end: dt.date, wire: dict[str, list] | None = None) -> bytes:
    """The answer to ``search.json?startDate=start&endDate=end`` (newest first, as the API sorts)."""
    wire = wire if wire is not None else _wire_columns(table)
    idx = [i for i, x in enumerate(table.dates) if start <= x <= end]
    doc = {"refRates": [_row(table, wire, i) for i in reversed(idx)]}
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SamplePayload:
    request: dict
    content: bytes
    fetched_at: dt.datetime


def request(rate_type: str, start: dt.date, end: dt.date) -> dict:
    return {"endpoint": ENDPOINTS[rate_type], "rate_type": rate_type, "startDate": start.isoformat(),
            "endDate": end.isoformat(), "knowledge": "release_schedule"}


def published_on(day: dt.date) -> dt.date:
    """Rates for ``day`` are published at 08:00 Eastern on the next business day."""
    return business_day_after(day)


def emit(
    s: Scenario, fetched_at: dt.datetime, *, published_from: dt.date | None = None, published_until: dt.date = sc.END,
) -> Iterator[SamplePayload]:
    """The payloads for the rates published in ``[published_from, published_until]`` (Eastern days).

    With no start (the whole backlog): one payload per rate and calendar year, as the live client asks.
    With a start (a daily partition, or a range of them): one payload per rate for the effective dates
    published in the window. Either way the first print of the revised rate comes along if its
    publication day is in the window.
    """
    for rate_type, table in rate_tables(s).items():
        wire = _wire_columns(table)
        first = published_from or dt.date.min
        shown = [x for x in table.dates if first <= published_on(x) <= published_until]
        if not shown:
            continue
        if published_from is None:
            for year in range(shown[0].year, shown[-1].year + 1):
                start, end = max(shown[0], dt.date(year, 1, 1)), min(dt.date(year, 12, 31), shown[-1])
                yield SamplePayload(request(rate_type, start, end), search_payload(table, start, end, wire),
                                    fetched_at)
        else:
            yield SamplePayload(request(rate_type, shown[0], shown[-1]),
                                search_payload(table, shown[0], shown[-1], wire), fetched_at)
    rate, when, _ = REVISION
    if not (published_from or dt.date.min) <= published_on(when) <= published_until:
        return
    table = rate_tables(s)[rate]
    row = _row(table, _wire_columns(table), table.dates.index(when), first_print=True)
    # fetched at 10:00 ET on the publication day: after the 8:00 print, before the 14:30 revision
    morning = dt.datetime.combine(sc.next_business_day(when), dt.time(10), tzinfo=ET).astimezone(dt.UTC)
    yield SamplePayload(request(rate, when, when), json.dumps({"refRates": [row]}, separators=(",", ":")).encode(),
                        morning)
