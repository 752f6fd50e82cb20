"""Live iShares holdings client: month-end "Detailed Holdings" CSVs of an ETF, through the shared HttpClient.

BlackRock serves a holdings file per date at
``https://www.ishares.com/us/products/<id>/<slug>/1467271812596.ajax?fileType=csv&fileName=<FUND>_holdings
&dataType=fund&asOfDate=YYYYMMDD``. For a date without holdings (a holiday) it answers with another
date's file, so the client reads the "Fund Holdings as of" line and steps back a day, at most 5 times.
A body that is no holdings file at all (an HTML page) is handed on as is: the parser names it and the
payload is quarantined.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ingestion.errors import SourceError
from ingestion.holdings.parser import peek_as_of
from ingestion.http import HttpClient

BASE_URL = "https://www.ishares.com"
FUNDS = {"IVV": (239726, "ishares-core-sp-500-etf")}
AJAX_ID = "1467271812596"
RATE_LIMIT = 2.0  # requests per second: be gentle with a marketing site
MAX_STEP_BACK = 5


@dataclass(frozen=True)
class Fetched:
    request: dict
    content: bytes
    fetched_at: dt.datetime
    as_of: dt.date


class HoldingsClient:
    def __init__(self, http: HttpClient, *, base_url: str = BASE_URL, fund: str = "IVV") -> None:
        if fund not in FUNDS:
            raise SourceError("holdings", f"unknown fund {fund!r} (known: {sorted(FUNDS)})", field="fund")
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.fund = fund

    def holdings(self, day: dt.date) -> Fetched:
        """The holdings file for ``day``, or for the closest earlier date that has one."""
        product, slug = FUNDS[self.fund]
        url = f"{self.base_url}/us/products/{product}/{slug}/{AJAX_ID}.ajax"
        tried = day
        for _ in range(MAX_STEP_BACK + 1):
            params = {"fileType": "csv", "fileName": f"{self.fund}_holdings", "dataType": "fund",
                      "asOfDate": tried.strftime("%Y%m%d")}
            got = self.http.get(url, params, source="holdings", series=f"{self.fund} {tried.isoformat()}")
            stated = peek_as_of(got.content)
            if stated is None or stated == tried:  # not a holdings file at all: the parser says what it is
                return Fetched({"endpoint": "ishares/holdings", "fund": self.fund, "as_of": tried.isoformat()},
                               got.content, got.fetched_at, tried)
            tried -= dt.timedelta(1)
        raise SourceError("holdings", f"no holdings file within {MAX_STEP_BACK} days before {day}",
                          series=f"{self.fund} {day.isoformat()}", field="asOfDate")


def month_ends(first: dt.date, today: dt.date) -> list[dt.date]:
    """The last weekday of every month from ``first``'s month to the month before ``today``."""
    out = []
    y, m = first.year, first.month
    while (y, m) < (today.year, today.month):
        nxt = dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1)
        last = nxt - dt.timedelta(1)
        while last.weekday() >= 5:
            last -= dt.timedelta(1)
        out.append(last)
        y, m = nxt.year, nxt.month
    return out
