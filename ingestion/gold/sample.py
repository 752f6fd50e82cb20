"""Sample emitter: the scenario's gold path written as FreeGoldAPI's ``latest.csv``, the live wire format.

One daily close per business day of the sample world (the ``gold`` path of ``ingestion.scenario``, which
rises into the stress windows where bitcoin falls), in US dollars, with the feed's header and columns.
Deterministic: the same bytes every run for a given seed.
"""

from __future__ import annotations

import io

import numpy as np

from ingestion import scenario as sc
from ingestion.scenario import Scenario

REQUEST = {"endpoint": "freegoldapi/data/latest.csv", "symbol": "XAU"}


def truth(s: Scenario) -> tuple[list, np.ndarray]:
    grid = tuple(sc.business_days())
    return list(grid), np.round(s.path("gold", grid), 2)


def latest_csv(s: Scenario) -> bytes:
    days, prices = truth(s)
    out = io.StringIO()
    out.write("date,price,currency\n")
    for day, price in zip(days, prices, strict=True):
        out.write(f"{day.isoformat()},{price:.2f},USD\n")
    return out.getvalue().encode()
