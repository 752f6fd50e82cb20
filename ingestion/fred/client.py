"""Live FRED/ALFRED client: series metadata, observations with every vintage, release calendars.

ALFRED refuses more than 2000 vintage dates per request, so observations are fetched in chunks of
vintage dates; a vintage that spans two chunks comes back split in two rows with the same value,
which ``stg_fred__observations`` joins back together. The API key is a query parameter: it is sent,
never stored (requests are landed without it) and never logged (the HTTP client redacts it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

from ingestion.catalog import Series
from ingestion.errors import SourceError
from ingestion.http import HttpClient

BASE_URL = "https://api.stlouisfed.org/fred"
MAX_VINTAGES_PER_REQUEST = 2000
FAR = "9999-12-31"


@dataclass(frozen=True)
class Fetched:
    request: dict  # redacted: what the landing manifest records
    content: bytes
    fetched_at: object


class FredClient:
    def __init__(self, http: HttpClient, api_key: str | None = None, base_url: str = BASE_URL) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key if api_key is not None else os.environ.get("FRED_API_KEY", "")
        if not self._api_key:
            raise SourceError("fred", "FRED_API_KEY is not set; export it to use --source live",
                              field="FRED_API_KEY")

    def _get(self, endpoint: str, params: dict, *, series: str | None) -> Fetched:
        query = {**params, "file_type": "json"}
        result = self.http.get(f"{self.base_url}/{endpoint}", {**query, "api_key": self._api_key},
                               source="fred", series=series)
        return Fetched({"endpoint": f"fred/{endpoint}", **query}, result.content, result.fetched_at)

    def series(self, s: Series) -> Fetched:
        return self._get("series", {"series_id": s.series_id}, series=s.series_id)

    def vintage_dates(self, s: Series) -> list[str]:
        got = self._get("series/vintagedates", {"series_id": s.series_id, "limit": 10000},
                        series=s.series_id)
        try:
            return list(json.loads(got.content)["vintage_dates"])
        except (ValueError, KeyError, TypeError):
            raise SourceError("fred", "malformed vintagedates response", series=s.series_id,
                              field="vintage_dates") from None

    def observations(self, s: Series) -> Iterator[Fetched]:
        """Every vintage of every observation, in chunks of at most 2000 vintage dates."""
        dates = self.vintage_dates(s) if s.revisable else []
        if len(dates) <= MAX_VINTAGES_PER_REQUEST:
            yield self._get("series/observations", {"series_id": s.series_id, "output_type": 1,
                            "realtime_start": "1776-07-04", "realtime_end": FAR}, series=s.series_id)
            return
        for i in range(0, len(dates), MAX_VINTAGES_PER_REQUEST):
            chunk = dates[i : i + MAX_VINTAGES_PER_REQUEST]
            last = dates[i + MAX_VINTAGES_PER_REQUEST] if i + MAX_VINTAGES_PER_REQUEST < len(dates) else None
            end = FAR if last is None else _day_before(last)
            yield self._get("series/observations", {"series_id": s.series_id, "output_type": 1,
                            "realtime_start": chunk[0], "realtime_end": end}, series=s.series_id)

    def release_dates(self, release_id: int) -> Fetched:
        return self._get("release/dates", {"release_id": release_id, "limit": 10000,
                         "include_release_dates_with_no_data": "true", "sort_order": "asc"},
                         series=f"release {release_id}")


def _day_before(iso: str) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(iso) - dt.timedelta(1)).isoformat()
