"""Live FRED/ALFRED client: series metadata, observations with every vintage, release calendars.

Only documented parameters are sent (https://fred.stlouisfed.org/docs/api/fred/): the API answers 200 to a
parameter it does not know, or to an invalid ``vintage_dates``, with the current values instead, so a typo
would load revised data as if it were a vintage.

* **Vintage cap.** ALFRED refuses more than 2000 vintage dates per request, so the series' vintage dates
  are listed first (``series/vintagedates``) and the observations fetched by real-time window, each window
  spanning at most 2000 of them (``realtime_start`` = its first vintage, ``realtime_end`` = the day before
  the next window's first). A vintage that spans two windows comes back split in two rows with the same
  value, which ``stg_fred__observations`` joins back together.
* **Paging.** Every answer states ``count``, ``offset`` and ``limit`` (at most 100,000 rows a page): the
  client asks page after page (``offset``) until ``count`` rows have come, and the parser refuses a page
  whose rows disagree with its own ``count``, so a long history can never load truncated without a word.

The API key is a query parameter: it is sent, never stored (requests are landed without it) and never
logged (the HTTP client redacts it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingestion.catalog import Series
from ingestion.errors import SourceError
from ingestion.fred import parser
from ingestion.http import HttpClient

BASE_URL = "https://api.stlouisfed.org/fred"
MAX_VINTAGES_PER_REQUEST = 2000
MAX_LIMIT = parser.MAX_LIMIT  # observations per page, the API's maximum
MAX_VINTAGE_LIMIT = 10_000  # vintage dates per page of series/vintagedates, its maximum
MAX_PAGES = 1000
EARLIEST = "1776-07-04"  # ALFRED's earliest real-time date
FAR = "9999-12-31"
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class Fetched:
    request: dict  # redacted: what the landing manifest records
    content: bytes
    fetched_at: object


class FredClient:
    def __init__(self, http: HttpClient, api_key: str | None = None, base_url: str = BASE_URL,
                 page_size: int = MAX_LIMIT) -> None:
        if not 1 <= page_size <= MAX_LIMIT:
            raise ValueError(f"page_size must be 1..{MAX_LIMIT}")
        self.http = http
        self.page_size = page_size
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

    def _pages(self, endpoint: str, params: dict, *, series: str, limit: int) -> Iterator[Fetched]:
        """Every page of a paged endpoint: ``offset`` moves on by the rows received until ``count`` is reached.
        A page that cannot tell (no count, or no rows before the count) ends the paging: the parser, which
        checks every page against its own count, names the problem."""
        offset = 0
        for _ in range(MAX_PAGES):
            got = self._get(endpoint, {**params, "limit": limit, "offset": offset}, series=series)
            yield got
            count, rows = _count_and_rows(got.content)
            if count is None or rows == 0 or offset + rows >= count:
                return
            offset += rows
        raise SourceError("fred", f"more than {MAX_PAGES} pages of {limit} rows", series=series,
                          field="offset")

    def vintage_dates(self, s: Series) -> list[str]:
        """Every vintage date of the series (paged: a daily series has more than one page of them)."""
        out: list[str] = []
        for got in self._pages("series/vintagedates", {"series_id": s.series_id}, series=s.series_id,
                               limit=min(self.page_size, MAX_VINTAGE_LIMIT)):
            try:
                doc = json.loads(got.content)
                dates = doc["vintage_dates"]
                if not isinstance(dates, list) or not all(isinstance(d, str) and ISO_DATE.match(d) for d in dates):
                    raise TypeError
                page = parser.page_of(doc, series=s.series_id)
            except (ValueError, KeyError, TypeError):
                raise SourceError("fred", "malformed vintagedates response", series=s.series_id,
                                  field="vintage_dates") from None
            if page is not None and len(dates) != max(0, min(page[2], page[0] - page[1])):
                raise SourceError("fred", f"vintagedates page of {len(dates)} dates, but count {page[0]} at "
                                  f"offset {page[1]} (limit {page[2]})", series=s.series_id, field="count")
            out.extend(dates)
        if out != sorted(set(out)):
            raise SourceError("fred", "vintage dates not strictly ascending", series=s.series_id,
                              field="vintage_dates")
        return out

    def observations(self, s: Series) -> Iterator[Fetched]:
        """Every vintage of every observation: one real-time window per 2000 vintage dates, each paged."""
        for start, end in realtime_windows(self.vintage_dates(s)):
            params = {"series_id": s.series_id, "output_type": 1, "realtime_start": start, "realtime_end": end}
            yield from self._pages("series/observations", params, series=s.series_id, limit=self.page_size)

    def release_dates(self, release_id: int) -> Fetched:
        return self._get("release/dates", {"release_id": release_id, "limit": 10000,
                         "include_release_dates_with_no_data": "true", "sort_order": "asc"},
                         series=f"release {release_id}")


def realtime_windows(dates: list[str]) -> list[tuple[str, str]]:
    """Real-time windows of at most 2000 vintage dates each, covering all of real time: the first starts at
    ALFRED's earliest date, the last ends at 9999-12-31, each ends the day before the next one's first vintage."""
    if len(dates) <= MAX_VINTAGES_PER_REQUEST:
        return [(EARLIEST, FAR)]
    starts = dates[::MAX_VINTAGES_PER_REQUEST]
    return [(EARLIEST if i == 0 else start, FAR if i == len(starts) - 1 else _day_before(starts[i + 1]))
            for i, start in enumerate(starts)]


def _count_and_rows(content: bytes) -> tuple[int | None, int]:
    """The page's stated count and its number of rows (observations, or vintage dates); (None, 0) if unreadable."""
    try:
        doc = json.loads(content)
        rows = doc.get("observations", doc.get("vintage_dates"))
        count = doc.get("count")
        if not isinstance(rows, list) or isinstance(count, bool) or not isinstance(count, int):
            return None, 0
        return count, len(rows)
    except (ValueError, AttributeError):
        return None, 0


def _day_before(iso: str) -> str:
    return (dt.date.fromisoformat(iso) - dt.timedelta(1)).isoformat()
