"""Live OFR Short-term Funding Monitor client (no key): one ``/v1/series/full`` request per mnemonic.

``GET https://data.financialresearch.gov/v1/series/full?mnemonic=REPO-DVP_AR_OO-P`` returns the whole
history with its metadata (vintage, unit), which the parser checks against the catalog. The bare
``/v1/series/timeseries`` form is supported too. Everything goes through the shared ``HttpClient``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from ingestion.http import HttpClient
from ingestion.ofr.parser import Mnemonic, validate_mnemonic

BASE_URL = "https://data.financialresearch.gov/v1"
REQUESTS_PER_SECOND = 2.0  # no published limit; the data change once a day
ENDPOINTS = ("series/full", "series/timeseries")


@dataclass(frozen=True)
class Fetched:
    request: dict
    content: bytes
    fetched_at: dt.datetime


def rate_limits(base_url: str = BASE_URL) -> dict[str, float]:
    return {urlsplit(base_url).hostname or "": REQUESTS_PER_SECOND}


class OfrClient:
    def __init__(self, http: HttpClient, base_url: str = BASE_URL) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    def _get(self, endpoint: str, m: Mnemonic) -> Fetched:
        validate_mnemonic(m.mnemonic)  # a configured identifier reaches a URL only once validated
        got = self.http.get(f"{self.base_url}/{endpoint}", {"mnemonic": m.mnemonic}, source="ofr", series=m.mnemonic)
        return Fetched({"endpoint": endpoint, "mnemonic": m.mnemonic}, got.content, got.fetched_at)

    def full(self, m: Mnemonic) -> Fetched:
        return self._get("series/full", m)

    def timeseries(self, m: Mnemonic) -> Fetched:
        return self._get("series/timeseries", m)
