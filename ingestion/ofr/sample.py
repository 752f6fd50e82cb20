"""Sample emitter: the scenario's repo segments as OFR ``/v1/series/full`` bytes, one payload per mnemonic.

Consistent with the other samples: rates sit on the NY Fed sample's SOFR and TGCR (DVP a basis point
above SOFR, GCF a few above, tri-party about TGCR, each spiking with the scenario's calendar pressure, so
September 2019 and October 2025 show) and volumes split FRED's SOFR volume (DVP ~55 %, tri-party ~42 %,
GCF ~4.5 %, in dollars as the OFR publishes them). The preliminary (``-P``) vintage covers every day
published by the scenario's end; the final (``-F``) one differs by a hair and stops a few business
days earlier, so the latest days exist only as preliminary. Two GCF days are masked by disclosure edits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np

from ingestion import scenario as sc
from ingestion.fred.sample import _calendar_pressure
from ingestion.nyfed.sample import rate_tables
from ingestion.ofr.parser import Mnemonic, mnemonics, published_on
from ingestion.scenario import Scenario, d

START = d("2019-01-02")
DISCLOSURE_EDITS = {("GCF", d("2020-11-27")), ("GCF", d("2021-12-24"))}
SEGMENT_RATE = {  # segment -> (base series, spread over it in pp, extra per unit of calendar pressure)
    "DVP": ("SOFR", 0.01, 0.10), "GCF": ("SOFR", 0.04, 0.25), "TRI": ("TGCR", -0.005, 0.0),
}
SEGMENT_VOLUME_SHARE = {"DVP": 0.55, "GCF": 0.045, "TRI": 0.42}


@dataclass(frozen=True)
class SamplePayload:
    request: dict
    content: bytes


@cache
def _base(s: Scenario) -> tuple[tuple[dt.date, ...], dict[str, np.ndarray], np.ndarray]:
    tables = rate_tables(s)
    sofr, tgcr = tables["SOFR"], tables["TGCR"]
    keep = np.array([x >= START for x in sofr.dates])
    dates = tuple(x for x in sofr.dates if x >= START)
    pressure = np.array([_calendar_pressure(x) for x in dates])
    base = {"SOFR": sofr.cols["percentRate"][keep], "TGCR": tgcr.cols["percentRate"][keep],
            "SOFRVOL": sofr.cols["volumeInBillions"][keep]}
    return dates, base, pressure


@cache
def values(m: Mnemonic, s: Scenario) -> tuple[tuple[dt.date, ...], np.ndarray]:
    """(dates published by the scenario's end, values with NaN for masked days) for one mnemonic."""
    dates, base, pressure = _base(s)
    n = len(dates)
    key = f"ofr:{m.segment}:{m.measure}"
    if m.measure == "rate":
        series, spread, stress = SEGMENT_RATE[m.segment]
        v = base[series] + spread + stress * pressure + s.noise(key, n, 0.004)
        if not m.is_preliminary:
            v = v + s.noise(key + ":final", n, 0.0015)
        v = np.round(np.maximum(v, np.minimum(base[series], 0.0)), 3) + 0.0  # >= 0 unless the base is; no -0.0
    else:
        v = base["SOFRVOL"] * 1e9 * SEGMENT_VOLUME_SHARE[m.segment] * np.exp(s.noise(key, n, 0.04))
        if not m.is_preliminary:
            v = v * (1 + s.noise(key + ":final", n, 0.003))
        v = np.round(v, -6)
    for segment, day in DISCLOSURE_EDITS:
        if segment == m.segment and day in dates:
            v[dates.index(day)] = np.nan
    keep = [i for i, x in enumerate(dates) if published_on(m, x) <= sc.END]
    return tuple(dates[i] for i in keep), v[keep]


def _metadata(m: Mnemonic, last: dt.date) -> dict:
    rate = m.measure == "rate"
    vintage = "Preliminary" if m.is_preliminary else "Final"
    return {
        "mnemonic": m.mnemonic,
        "description": {
            "name": m.name,
            "description": f"{m.name.split(':')[0]}: {'volume-weighted average rate' if rate else 'transaction volume'}"
                           f" of {'overnight/open' if m.tenor == 'OO' else 'all'} repo transactions.",
            "notes": "Missing values represent observation periods in which either no trading took place or in "
                     "which disclosure edits were applied to protect business-confidential information.",
            "vintage_approach": vintage, "vintage": vintage, "subsetting": "Tenor",
            "subtype": "Interest Rate" if rate else "Transaction Volume",
        },
        "schedule": {"observation_period": "Single Day", "observation_frequency": "Daily",
                     "seasonal_adjustment": "None", "start_date": START.isoformat(),
                     "last_update": f"{last.isoformat()} 14:00:00"},
        "release": {"long_name": "OFR U.S. Repo Markets Data Release", "short_name": "U.S. Repo Markets",
                    "href": "/short-term-funding-monitor/datasets/repo/", "frequency": "Daily"},
        "unit": {"type": "Rate" if rate else "Volume", "magnitude": 0, "display_magnitude": 0,
                 "name": m.unit, "precision": 3 if rate else 0},
        "rights": {"description": ""}, "parents": [], "children": [],
    }


def _value(m: Mnemonic, v: float) -> float | int | None:
    if np.isnan(v):
        return None
    return round(float(v), 3) if m.measure == "rate" else int(v)


def full_payload(m: Mnemonic, s: Scenario) -> bytes:
    dates, v = values(m, s)
    points = [[x.isoformat(), _value(m, y)] for x, y in zip(dates, v, strict=True)]
    series: dict = {"aggregation": points}
    edits = [[x.isoformat(), None] for seg, x in sorted(DISCLOSURE_EDITS) if seg == m.segment and x in dates]
    if edits:
        series["disclosure_edits"] = edits
    doc = {m.mnemonic: {"timeseries": series, "metadata": _metadata(m, published_on(m, dates[-1]))}}
    return json.dumps(doc, separators=(",", ":")).encode()


def timeseries_payload(m: Mnemonic, s: Scenario) -> bytes:
    dates, v = values(m, s)
    return json.dumps([[x.isoformat(), _value(m, y)] for x, y in zip(dates, v, strict=True)],
                      separators=(",", ":")).encode()


def emit(s: Scenario) -> Iterator[SamplePayload]:
    for m in mnemonics().values():
        yield SamplePayload({"endpoint": "series/full", "mnemonic": m.mnemonic, "knowledge": "release_schedule"},
                            full_payload(m, s))
