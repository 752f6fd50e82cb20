"""Live SEC EDGAR client: companyfacts JSON and the BDC data-set zips, through the shared HttpClient.

The SEC asks every automated client for a User-Agent naming a contact ("Name email@example.com") and
allows at most 10 requests per second per host. The contact comes from ``FRAGILITY_SEC_USER_AGENT``;
it is sent as the User-Agent header and nowhere else: the landed request dicts never contain it and the
shared client hides it from every log line.

The SEC serves its newer data-set releases from ``/files/datastandardsinnovation/data/...`` and keeps the older
ones under ``/files/structureddata/data/...`` (both live in 2026: the insider and 13F pages link their newest
release under the new directory and every older one under the old). A BDC data set is asked for under the new
path first and, on a 404, under the old one; a 404 on both names both URLs and says where to look.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

from ingestion.errors import SourceError
from ingestion.http import HttpClient, HttpError
from ingestion.sec.companies import Company

ENV_USER_AGENT = "FRAGILITY_SEC_USER_AGENT"
DATA_URL = "https://data.sec.gov"
WWW_URL = "https://www.sec.gov"
BDC_PATH = "/files/datastandardsinnovation/data/business-development-company-bdc-data-sets"
BDC_OLD_PATH = "/files/structureddata/data/business-development-company-bdc-data-sets"  # releases before the move
BDC_PAGE = "https://www.sec.gov/data-research/sec-markets-data/bdc-data-sets"
RATE_LIMIT = 10.0  # requests per second per SEC host
CONTACT = re.compile(r"^[^\r\n\t]{1,200}?[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\r\n\t]{0,100}$")
BDC_FIRST_QUARTER = (2022, 4)  # the SEC's BDC data sets start with filings of 2022Q4
BDC_MONTHLY_FROM = dt.date(2026, 1, 1)  # from 2026 the data sets are monthly


def user_agent(source: str = "sec") -> str:
    """The contact User-Agent from the environment, validated (never echoed back in errors)."""
    value = os.environ.get(ENV_USER_AGENT, "").strip()
    if not value:
        raise SourceError(source, f"{ENV_USER_AGENT} is not set; the SEC requires a contact User-Agent such as "
                          "'Jane Doe jane@example.com' for --source live", field=ENV_USER_AGENT)
    if not CONTACT.match(value):
        raise SourceError(source, f"{ENV_USER_AGENT} must name a contact with an email address "
                          "(e.g. 'Jane Doe jane@example.com')", field=ENV_USER_AGENT)
    return value


def sec_http(source: str = "sec", **kwargs) -> HttpClient:
    """An HttpClient with the SEC contact User-Agent and 10 requests/s on both SEC hosts."""
    rates = {"data.sec.gov": RATE_LIMIT, "www.sec.gov": RATE_LIMIT}
    return HttpClient(user_agent=user_agent(source), rate_limits=kwargs.pop("rate_limits", rates), **kwargs)


@dataclass(frozen=True)
class Fetched:
    request: dict  # what the landing manifest records: no User-Agent, no secret
    content: bytes
    fetched_at: dt.datetime


class SecClient:
    def __init__(self, http: HttpClient, *, data_url: str = DATA_URL, www_url: str = WWW_URL) -> None:
        self.http = http
        self.data_url = data_url.rstrip("/")
        self.www_url = www_url.rstrip("/")

    def companyfacts(self, company: Company) -> Fetched:
        got = self.http.get(f"{self.data_url}/api/xbrl/companyfacts/CIK{company.cik}.json",
                            source="sec_companyfacts", series=company.label)
        return Fetched({"endpoint": "api/xbrl/companyfacts", "cik": company.cik}, got.content, got.fetched_at)

    def bdc_dataset(self, name: str) -> Fetched:
        if not re.match(r"^[0-9]{4}(q[1-4]|_[01][0-9])_bdc\.zip$", name):
            raise SourceError("sec_bdc", f"invalid data-set name {name!r}", field="file")
        urls = [f"{self.www_url}{path}/{name}" for path in (BDC_PATH, BDC_OLD_PATH)]
        for url in urls:
            try:
                got = self.http.get(url, source="sec_bdc", series=name)
            except HttpError as err:
                if err.status == 404:
                    continue
                raise
            return Fetched({"endpoint": "bdc-data-sets", "file": name}, got.content, got.fetched_at)
        raise HttpError("sec_bdc", f"HTTP 404 at {urls[0]} and at {urls[1]}: the data set is at neither path; "
                        f"find its link on {BDC_PAGE} (the SEC moved its data sets once already), or download it "
                        "by hand into <files-dir>/sec/bdc/ and run --source files", series=name, status=404,
                        attempts=2, url_redacted=urls[1])

    def bdc_datasets(self, today: dt.date) -> list[Fetched]:
        """Every published data set; the newest one or two may 404 (not out yet) and are skipped."""
        names = bdc_dataset_names(today)
        out = []
        for i, name in enumerate(names):
            try:
                out.append(self.bdc_dataset(name))
            except HttpError as err:
                if err.status == 404 and i >= len(names) - 2:
                    continue
                raise
        return out


def bdc_dataset_names(today: dt.date) -> list[str]:
    """Quarterly names from 2022q4 through 2025q4, then monthly up to the month before ``today``."""
    names = []
    y, q = BDC_FIRST_QUARTER
    while dt.date(y, 3 * q - 2, 1) < min(today, BDC_MONTHLY_FROM):
        names.append(f"{y}q{q}_bdc.zip")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    y, m = BDC_MONTHLY_FROM.year, BDC_MONTHLY_FROM.month
    while dt.date(y, m, 1) < dt.date(today.year, today.month, 1):
        names.append(f"{y}_{m:02d}_bdc.zip")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return names
