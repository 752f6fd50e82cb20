"""Live gold client: FreeGoldAPI's full history in one keyless GET, through the shared HttpClient.

Why this source: the LBMA gold price left FRED on 2022-01-31 (ICE Benchmark Administration licensing), the
LBMA and World Gold Council tables now need a licence or a login, and the Bundesbank keeps no US-dollar
series. FreeGoldAPI (https://freegoldapi.com, an open project updated daily by a public GitHub workflow)
serves ``/data/latest.csv`` with no key and no registration: MeasuringWorth annual prices before 1960,
World Bank monthly averages 1960-2024, and daily COMEX gold-futures closes (Yahoo ``GC=F``) since 2025.
It is a community mirror, not an official publisher: its daily leg is a futures close, not a spot fixing,
and its terms are those of the upstream sources (World Bank data is CC BY 4.0). The parser keeps the
US-dollar rows and tells annual, monthly and daily rows apart; a file drop can supply a better series.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.http import HttpClient

BASE_URL = "https://freegoldapi.com"
PATH = "/data/latest.csv"


@dataclass(frozen=True)
class Fetched:
    request: dict
    content: bytes
    fetched_at: object


class GoldClient:
    def __init__(self, http: HttpClient, base_url: str = BASE_URL) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    def latest(self) -> Fetched:
        got = self.http.get(f"{self.base_url}{PATH}", source="gold", series="XAU/USD")
        return Fetched({"endpoint": "freegoldapi/data/latest.csv", "symbol": "XAU"}, got.content, got.fetched_at)
