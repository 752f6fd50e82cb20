"""The embedded sample world: deterministic "true" paths for every series, 2015-01-01 to 2025-11-21.

Each path is a piecewise-linear interpolation through dated anchors (the episodes that matter,
close to history), plus seeded noise that is pinned back to the anchors (a Brownian bridge), so the
episodes always land where the tests expect them. Wire-format emitters (``ingestion.fred`` etc.)
turn these truths into payloads with release dates and vintages; nothing here knows about JSON.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

START = dt.date(2015, 1, 1)
END = dt.date(2025, 11, 21)
SHUTDOWN = (dt.date(2025, 10, 1), dt.date(2025, 11, 12))
DEFAULT_SEED = 20251112


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


# --- calendars -------------------------------------------------------------------------------

_HOLIDAYS = {  # the fixed-date federal holidays are enough for a plausible business calendar
    (1, 1), (7, 4), (11, 11), (12, 25),
}


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS


@cache
def business_days(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    n = (end - start).days + 1
    return [start + dt.timedelta(i) for i in range(n) if is_business_day(start + dt.timedelta(i))]


def next_business_day(day: dt.date, after: int = 1) -> dt.date:
    out = day
    for _ in range(after):
        out += dt.timedelta(1)
        while not is_business_day(out):
            out += dt.timedelta(1)
    return out


def weekly_wednesdays(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    first = start + dt.timedelta((2 - start.weekday()) % 7)
    return [first + dt.timedelta(7 * i) for i in range(((end - first).days // 7) + 1)]


def weekly_fridays(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    first = start + dt.timedelta((4 - start.weekday()) % 7)
    return [first + dt.timedelta(7 * i) for i in range(((end - first).days // 7) + 1)]


def month_starts(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    while dt.date(y, m, 1) <= end:
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def quarter_starts(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    return [m for m in month_starts(start, end) if m.month in (1, 4, 7, 10)]


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


# --- the policy-rate regime (close to history) ------------------------------------------------

TARGET_UPPER = [  # effective date, upper bound of the federal funds target range
    ("2015-01-01", 0.25), ("2015-12-17", 0.50), ("2016-12-15", 0.75), ("2017-03-16", 1.00),
    ("2017-06-15", 1.25), ("2017-12-14", 1.50), ("2018-03-22", 1.75), ("2018-06-14", 2.00),
    ("2018-09-27", 2.25), ("2018-12-20", 2.50), ("2019-08-01", 2.25), ("2019-09-19", 2.00),
    ("2019-10-31", 1.75), ("2020-03-04", 1.25), ("2020-03-16", 0.25), ("2022-03-17", 0.50),
    ("2022-05-05", 1.00), ("2022-06-16", 1.75), ("2022-07-28", 2.50), ("2022-09-22", 3.25),
    ("2022-11-03", 4.00), ("2022-12-15", 4.50), ("2023-02-02", 4.75), ("2023-03-23", 5.00),
    ("2023-05-04", 5.25), ("2023-07-27", 5.50), ("2024-09-19", 5.00), ("2024-11-08", 4.75),
    ("2024-12-19", 4.50), ("2025-09-18", 4.25), ("2025-10-30", 4.00),
]
# Interest on reserves sits below the top of the range after the 2018-2021 technical adjustments.
IOR_BELOW_UPPER = [
    ("2015-01-01", 0.00), ("2018-06-14", 0.05), ("2018-12-20", 0.10), ("2019-05-02", 0.15),
    ("2019-09-19", 0.20), ("2020-01-30", 0.15), ("2021-06-17", 0.10),
]
IORB_START = d("2021-07-29")  # IOER was replaced by IORB on this date


def step_value(schedule: list[tuple[str, float]], day: dt.date) -> float:
    value = schedule[0][1]
    for start, v in schedule:
        if d(start) <= day:
            value = v
        else:
            break
    return value


def target_upper(day: dt.date) -> float:
    return step_value(TARGET_UPPER, day)


def interest_on_reserves(day: dt.date) -> float:
    return round(target_upper(day) - step_value(IOR_BELOW_UPPER, day), 2)


# --- anchored paths ----------------------------------------------------------------------------

# Each entry: anchors (date, level), noise scale per sqrt(step), floor, multiplicative (log) or not.
ANCHORS: dict[str, tuple[list[tuple[str, float]], float, bool]] = {
    # spread of SOFR's median over interest on reserves, percentage points
    "sofr_spread": ([
        ("2015-01-01", -0.10), ("2018-04-02", -0.08), ("2018-07-01", 0.00), ("2018-09-30", 0.03),
        ("2019-01-02", 0.03), ("2019-03-29", 0.02), ("2019-06-28", 0.05), ("2019-08-30", 0.10),
        ("2019-09-13", 0.12), ("2019-09-30", 0.20), ("2019-10-31", 0.02), ("2020-01-31", -0.02),
        ("2020-03-31", -0.08), ("2021-03-01", -0.12), ("2021-12-31", -0.10), ("2022-06-30", -0.09),
        ("2023-12-29", -0.08), ("2024-12-31", -0.06), ("2025-06-02", -0.10), ("2025-06-30", -0.08),
        ("2025-08-29", -0.04), ("2025-09-30", 0.03), ("2025-10-15", 0.08), ("2025-10-31", 0.14),
        ("2025-11-21", 0.04),
    ], 0.006, False),
    # SOFR volume, $bn
    "sofr_volume": ([("2015-01-01", 750.0), ("2018-04-02", 800.0), ("2019-09-30", 1250.0),
                     ("2021-06-30", 900.0), ("2022-12-30", 1050.0), ("2024-06-28", 2000.0),
                     ("2025-11-21", 2900.0)], 0.01, True),
    "reserves_bn": ([("2015-01-01", 2600.0), ("2017-10-04", 2300.0), ("2019-09-11", 1390.0),
                     ("2020-01-29", 1650.0), ("2020-06-03", 2900.0), ("2021-12-22", 4200.0),
                     ("2022-12-28", 3000.0), ("2023-03-08", 2990.0), ("2023-03-22", 3350.0),
                     ("2024-06-26", 3300.0), ("2025-06-25", 3400.0), ("2025-10-29", 2800.0),
                     ("2025-11-19", 2850.0)], 0.008, True),
    "fed_assets_mn": ([("2015-01-01", 4.50e6), ("2017-10-04", 4.46e6), ("2019-08-28", 3.76e6),
                       ("2019-12-31", 4.17e6), ("2020-03-11", 4.31e6), ("2020-06-10", 7.17e6),
                       ("2022-04-13", 8.96e6), ("2023-03-08", 8.34e6), ("2023-03-22", 8.73e6),
                       ("2024-12-25", 6.89e6), ("2025-11-19", 6.58e6)], 0.002, True),
    "securities_mn": ([("2015-01-01", 4.24e6), ("2017-10-04", 4.24e6), ("2019-08-28", 3.60e6),
                       ("2020-03-11", 3.90e6), ("2020-06-10", 5.90e6), ("2022-05-25", 8.50e6),
                       ("2025-11-19", 6.20e6)], 0.001, True),
    "on_rrp_bn": ([("2015-01-01", 120.0), ("2020-12-31", 10.0), ("2021-03-31", 5.0),
                   ("2021-12-31", 1700.0), ("2022-12-30", 2550.0), ("2023-06-30", 2200.0),
                   ("2024-06-28", 400.0), ("2025-06-30", 200.0), ("2025-10-31", 20.0),
                   ("2025-11-21", 5.0)], 0.05, True),
    "tga_mn": ([("2015-01-01", 2.0e5), ("2019-06-26", 3.5e5), ("2020-07-29", 1.8e6),
                ("2021-12-29", 4.0e5), ("2022-12-28", 7.0e5), ("2023-06-07", 5.0e4),
                ("2024-06-26", 7.5e5), ("2025-06-25", 3.0e5), ("2025-10-29", 1.0e6),
                ("2025-11-19", 9.5e5)], 0.03, True),
    "cpi": ([("2015-01-01", 234.7), ("2016-01-01", 236.9), ("2019-12-01", 258.6),
             ("2020-04-01", 256.1), ("2021-01-01", 262.2), ("2022-06-01", 295.3),
             ("2023-01-01", 300.5), ("2024-01-01", 309.7), ("2025-01-01", 317.7),
             ("2025-11-01", 325.2)], 0.0008, True),
    "core_cpi": ([("2015-01-01", 239.7), ("2019-12-01", 266.2), ("2021-01-01", 270.6),
                  ("2022-12-01", 298.8), ("2023-12-01", 310.9), ("2024-12-01", 321.3),
                  ("2025-11-01", 331.0)], 0.0006, True),
    "unrate": ([("2015-01-01", 5.7), ("2017-01-01", 4.7), ("2019-12-01", 3.6), ("2020-03-01", 4.4),
                ("2020-04-01", 14.8), ("2020-12-01", 6.7), ("2021-12-01", 3.9), ("2023-04-01", 3.4),
                ("2024-07-01", 4.2), ("2025-08-01", 4.3), ("2025-11-01", 4.5)], 0.04, False),
    "youth_excess": ([("2015-01-01", 6.3), ("2019-12-01", 5.0), ("2020-04-01", 12.5),
                      ("2021-12-01", 4.7), ("2023-04-01", 4.3), ("2024-07-01", 5.2),
                      ("2025-08-01", 6.3), ("2025-11-01", 6.6)], 0.08, False),
    "payems": ([("2015-01-01", 140600.0), ("2020-02-01", 152500.0), ("2020-04-01", 130400.0),
                ("2022-08-01", 153000.0), ("2025-05-01", 159500.0), ("2025-11-01", 159600.0)],
               0.0008, True),
    "nrou": ([("2015-01-01", 4.9), ("2019-01-01", 4.5), ("2025-10-01", 4.3)], 0.0, False),
    "gdp": ([("2015-01-01", 18000.0), ("2019-10-01", 21700.0), ("2020-04-01", 19500.0),
             ("2021-10-01", 24000.0), ("2023-10-01", 28000.0), ("2025-07-01", 30500.0),
             ("2025-10-01", 30900.0)], 0.002, True),
    "ig_oas": ([("2015-01-01", 1.30), ("2016-02-11", 2.15), ("2017-06-30", 1.10),
                ("2018-12-31", 1.55), ("2019-12-31", 0.98), ("2020-02-20", 0.95),
                ("2020-03-23", 3.73), ("2020-12-31", 0.96), ("2022-10-14", 1.65),
                ("2023-03-17", 1.64), ("2024-06-28", 0.95), ("2025-04-08", 1.21),
                ("2025-11-21", 0.82)], 0.02, True),
    "hy_oas": ([("2015-01-01", 4.90), ("2016-02-11", 8.40), ("2017-06-30", 3.70),
                ("2018-12-31", 5.30), ("2019-12-31", 3.60), ("2020-02-20", 3.50),
                ("2020-03-23", 10.87), ("2020-12-31", 3.90), ("2022-07-05", 5.90),
                ("2023-03-17", 5.20), ("2024-06-28", 3.20), ("2025-04-08", 4.50),
                ("2025-11-21", 3.10)], 0.02, True),
    "consumer_delinq": ([("2015-01-01", 2.10), ("2019-10-01", 2.35), ("2021-04-01", 1.55),
                         ("2023-07-01", 2.70), ("2025-07-01", 3.05)], 0.02, False),
    # Distributional Financial Accounts: the top 1% gains share, the bottom 50% barely moves (K shape)
    "top1_share": ([("2015-01-01", 29.3), ("2019-10-01", 30.6), ("2020-04-01", 29.5), ("2021-10-01", 32.3),
                    ("2022-10-01", 30.5), ("2025-07-01", 31.7)], 0.08, False),
    "bottom50_share": ([("2015-01-01", 1.1), ("2019-10-01", 2.0), ("2021-10-01", 2.7), ("2023-01-01", 2.6),
                        ("2025-07-01", 2.5)], 0.03, False),
    "mich": ([("2015-01-01", 2.8), ("2019-10-01", 2.5), ("2022-03-01", 5.4), ("2024-06-01", 3.0),
              ("2025-05-01", 6.6), ("2025-11-01", 4.5)], 0.15, False),
    "umcsent": ([("2015-01-01", 98.0), ("2020-02-01", 101.0), ("2020-04-01", 71.8),
                 ("2022-06-01", 50.0), ("2024-03-01", 79.4), ("2025-04-01", 52.2),
                 ("2025-11-01", 51.0)], 1.2, False),
    "nasdaq": ([("2015-01-01", 4730.0), ("2018-08-29", 8100.0), ("2018-12-24", 6190.0),
                ("2020-02-19", 9820.0), ("2020-03-23", 6860.0), ("2021-11-19", 16060.0),
                ("2022-12-28", 10210.0), ("2023-03-13", 11190.0), ("2024-07-10", 18650.0),
                ("2025-04-08", 15270.0), ("2025-10-29", 23950.0), ("2025-11-20", 22080.0)],
               0.012, True),
    "sp500": ([("2015-01-01", 2058.0), ("2018-09-20", 2930.0), ("2018-12-24", 2351.0),
               ("2020-02-19", 3386.0), ("2020-03-23", 2237.0), ("2022-01-03", 4797.0),
               ("2022-10-12", 3577.0), ("2024-07-16", 5667.0), ("2025-04-08", 4983.0),
               ("2025-10-28", 6890.0), ("2025-11-20", 6540.0)], 0.009, True),
    "btc": ([("2015-01-01", 315.0), ("2017-12-17", 19000.0), ("2018-12-15", 3200.0),
             ("2020-02-13", 10300.0), ("2020-03-12", 4900.0), ("2021-04-14", 63000.0),
             ("2021-11-10", 67500.0), ("2022-11-21", 15800.0), ("2024-03-14", 73000.0),
             ("2025-04-08", 76300.0), ("2025-10-06", 124700.0), ("2025-11-20", 86900.0)],
            0.020, True),
    "vix": ([("2015-01-01", 17.0), ("2018-02-05", 37.3), ("2018-12-24", 36.1), ("2019-12-31", 13.8),
             ("2020-03-16", 82.7), ("2021-06-30", 16.0), ("2022-03-07", 36.5), ("2023-03-13", 26.5),
             ("2024-08-05", 38.6), ("2025-04-08", 52.3), ("2025-11-20", 23.7)], 0.04, True),
    "stlfsi": ([("2015-01-01", -0.6), ("2016-02-12", 1.1), ("2017-10-06", -1.4),
                ("2018-12-28", 0.2), ("2020-02-14", -1.0), ("2020-03-20", 5.4), ("2021-06-25", -0.9),
                ("2022-10-14", 1.2), ("2023-03-17", 1.4), ("2024-06-28", -0.8), ("2025-04-11", 0.9),
                ("2025-11-21", -0.6)], 0.08, False),
    "nfci": ([("2015-01-01", -0.55), ("2016-02-12", -0.25), ("2017-12-29", -0.80),
              ("2020-03-20", 0.48), ("2021-06-25", -0.70), ("2022-10-14", -0.15),
              ("2023-03-17", -0.20), ("2025-04-11", -0.40), ("2025-11-21", -0.55)], 0.02, False),
    # gold, US dollars per troy ounce: close to history, and a crisis hedge: it rises into every stress
    # window in which bitcoin falls (Q4 2018, March 2020, March 2022, March 2023, August 2024, April 2025,
    # October-November 2025)
    "gold": ([("2015-01-01", 1185.0), ("2015-12-17", 1050.0), ("2016-02-11", 1245.0), ("2016-07-06", 1365.0),
              ("2016-12-15", 1130.0), ("2017-09-08", 1350.0), ("2017-12-12", 1245.0), ("2018-01-25", 1360.0),
              ("2018-08-16", 1175.0), ("2018-09-20", 1205.0), ("2018-12-24", 1268.0), ("2019-09-04", 1550.0),
              ("2019-11-12", 1450.0), ("2020-02-13", 1570.0), ("2020-03-12", 1645.0), ("2020-06-01", 1730.0),
              ("2020-08-06", 1965.0), ("2021-03-08", 1680.0), ("2021-11-16", 1865.0), ("2022-01-28", 1790.0),
              ("2022-03-08", 2040.0), ("2022-09-28", 1630.0), ("2022-11-21", 1740.0), ("2023-03-08", 1815.0),
              ("2023-03-17", 1985.0), ("2023-05-04", 2050.0), ("2023-10-05", 1820.0), ("2023-12-28", 2075.0),
              ("2024-04-12", 2370.0), ("2024-07-25", 2360.0), ("2024-08-05", 2420.0), ("2024-10-15", 2660.0),
              ("2024-12-30", 2610.0), ("2025-02-28", 2860.0), ("2025-04-08", 3000.0), ("2025-04-21", 3420.0),
              ("2025-06-30", 3300.0), ("2025-08-29", 3450.0), ("2025-10-06", 3960.0), ("2025-10-20", 4350.0),
              ("2025-11-20", 4075.0)], 0.008, True),
}

# Daily returns of these pairs share a common shock, so bitcoin behaves like high-beta risk.
BETA_TO_NASDAQ = {"btc": 1.8, "sp500": 0.85}


def _grid_days(grid: list[dt.date]) -> np.ndarray:
    return np.array([(g - START).days for g in grid], dtype=np.float64)


def _interp(anchors: list[tuple[str, float]], grid: list[dt.date], log: bool) -> np.ndarray:
    xs = np.array([(d(a) - START).days for a, _ in anchors], dtype=np.float64)
    ys = np.array([v for _, v in anchors], dtype=np.float64)
    if log:
        ys = np.log(ys)
    return np.interp(_grid_days(grid), xs, ys)


def _rng(name: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _bridge(shocks: np.ndarray, grid: list[dt.date], anchors: list[tuple[str, float]]) -> np.ndarray:
    """Cumulative noise pinned to zero at every anchor date (a Brownian bridge between anchors)."""
    walk = np.cumsum(shocks)
    gx = _grid_days(grid)
    ax = np.array([(d(a) - START).days for a, _ in anchors], dtype=np.float64)
    ax = ax[(ax >= gx[0]) & (ax <= gx[-1])]
    pins = np.concatenate(([gx[0]], ax, [gx[-1]]))
    return walk - np.interp(gx, pins, np.interp(pins, gx, walk))


@dataclass(frozen=True)
class Scenario:
    seed: int = DEFAULT_SEED

    @cache  # noqa: B019 - scenarios are few, immutable and reused by every emitter
    def path(self, name: str, grid: tuple[dt.date, ...]) -> np.ndarray:
        anchors, vol, log = ANCHORS[name]
        base = _interp(anchors, list(grid), log)
        shocks = _rng(name, self.seed).standard_normal(len(grid)) * vol
        if name in BETA_TO_NASDAQ:
            common = _rng("nasdaq", self.seed).standard_normal(len(grid)) * ANCHORS["nasdaq"][1]
            shocks = BETA_TO_NASDAQ[name] * common + shocks * 0.6
        noise = _bridge(shocks, list(grid), anchors) if vol else np.zeros(len(grid))
        out = base + noise
        return np.exp(out) if log else out

    def noise(self, name: str, n: int, scale: float) -> np.ndarray:
        return _rng(name, self.seed).standard_normal(n) * scale


def round_to(values: np.ndarray, digits: int) -> np.ndarray:
    return np.round(values, digits)
