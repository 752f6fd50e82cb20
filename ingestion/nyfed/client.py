"""Live NY Fed Markets API client (no key): reference rates by rate type and calendar year.

``GET https://markets.newyorkfed.org/api/rates/{secured|unsecured}/{rate}/search.json?startDate=&endDate=``.
One request per rate and calendar year keeps each answer small and makes past years byte-identical
on a re-fetch, so the landing zone and the loader skip them. Everything goes through the shared
``HttpClient`` (retries on 429/5xx honouring Retry-After, backoff with jitter, per-host rate limit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from ingestion.http import HttpClient
from ingestion.nyfed.parser import ENDPOINTS

BASE_URL = "https://markets.newyorkfed.org/api"
REQUESTS_PER_SECOND = 2.0  # no published limit; stay polite
FIRST_DATE = {"SOFR": dt.date(2018, 4, 2), "BGCR": dt.date(2018, 4, 2), "TGCR": dt.date(2018, 4, 2),
              "EFFR": dt.date(2015, 1, 1)}  # EFFR goes back to 2000; the warehouse window starts in 2015


@dataclass(frozen=True)
class Fetched:
    request: dict  # what the landing manifest records (no secret: this API has none)
    content: bytes
    fetched_at: dt.datetime


def rate_limits(base_url: str = BASE_URL) -> dict[str, float]:
    return {urlsplit(base_url).hostname or "": REQUESTS_PER_SECOND}


class NyFedClient:
    def __init__(self, http: HttpClient, base_url: str = BASE_URL) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    def search(self, rate_type: str, start: dt.date, end: dt.date) -> Fetched:
        endpoint = ENDPOINTS[rate_type]
        params = {"startDate": start.isoformat(), "endDate": end.isoformat()}
        got = self.http.get(f"{self.base_url}/{endpoint}", params, source="nyfed", series=rate_type)
        return Fetched({"endpoint": endpoint, "rate_type": rate_type, **params}, got.content, got.fetched_at)

    def history(self, rate_type: str, today: dt.date, *, since: dt.date | None = None) -> Iterator[Fetched]:
        """Every calendar year from ``since`` (default: the rate's first date in the window) to ``today``."""
        first = max(since or FIRST_DATE[rate_type], FIRST_DATE[rate_type])
        for year in range(first.year, today.year + 1):
            start, end = max(first, dt.date(year, 1, 1)), min(dt.date(year, 12, 31), today)
            yield self.search(rate_type, start, end)
