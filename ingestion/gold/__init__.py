"""Gold prices in US dollars: live client (FreeGoldAPI, no key), sample emitter, file drop, one parser path.

Bitcoin stays on FRED (CBBTCUSD). Gold left FRED in 2022 (the LBMA series were withdrawn), so it has its
own source; see ``ingestion.gold.client`` for why FreeGoldAPI, and its limits.

* live: ``GET https://freegoldapi.com/data/latest.csv`` -> ``source = 'freegoldapi'``;
* sample: the scenario's daily path, written in the same CSV -> ``source = 'freegoldapi'``;
* files: ``<files-dir>/gold/monthly.csv`` (``Date,Price`` by month) -> ``source = 'files'``.

Every row says when it became known (``realtime_start``: the day after the period the price covers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyarrow as pa

from ingestion.errors import SourceError
from ingestion.gold import parser, sample
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Landing, Payload
from ingestion.loader import RawTable
from ingestion.scenario import END, Scenario

SOURCE = "gold"
FEED_ENDPOINT = "freegoldapi/data/latest.csv"
FILE_ENDPOINT = "files/gold_monthly"

PRICES = RawTable(
    "raw.gold__prices",
    """source VARCHAR NOT NULL, date DATE NOT NULL, frequency VARCHAR NOT NULL, price_usd DOUBLE NOT NULL,
       realtime_start DATE NOT NULL, payload_hash VARCHAR NOT NULL""",
    key=("source", "frequency", "date"),
    description="Gold prices in US dollars per troy ounce: daily closes (FreeGoldAPI live feed and the sample), "
    "monthly averages (the feed's World Bank leg, or a file drop). realtime_start = the day after the period.",
)
TABLES = (PRICES,)


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    endpoint = payload.request.get("endpoint")
    fetched_on = dt.date.fromisoformat(payload.as_of)
    if endpoint == FEED_ENDPOINT:
        return [(PRICES, parser.parse_feed(content, payload_hash=payload.content_hash, fetched_on=fetched_on))]
    if endpoint == FILE_ENDPOINT:
        return [(PRICES, parser.parse_monthly_file(content, payload_hash=payload.content_hash, fetched_on=fetched_on))]
    raise SourceError(SOURCE, f"unknown endpoint {endpoint!r}", field="endpoint")


def acquire_sample(landing: Landing, *, seed: int | None = None) -> Iterator[Payload]:
    s = Scenario() if seed is None else Scenario(seed)
    fetched_at = dt.datetime.combine(END, dt.time(12), tzinfo=dt.UTC)
    yield landing.store(SOURCE, dict(sample.REQUEST), sample.latest_csv(s), fetched_at=fetched_at, as_of=END,
                        ext="csv")


def acquire_live(landing: Landing, client) -> Iterator[Payload]:
    got = client.latest()
    yield landing.store(SOURCE, got.request, got.content, fetched_at=got.fetched_at,
                        as_of=got.fetched_at.date(), ext="csv")


def acquire_files(ctx: AcquireContext) -> Iterator[Payload]:
    """Land ``<files-dir>/gold/monthly.csv`` (``source = 'files'`` in the table); nothing when it is absent."""
    from ingestion.filedrop import drop_root, mtime, part

    path = part(drop_root(ctx.files_dir), "gold", "monthly.csv", folder=False)
    if path is None:
        return
    when = mtime(path)
    yield ctx.landing.store(SOURCE, {"endpoint": FILE_ENDPOINT, "file": "gold/monthly.csv"}, path.read_bytes(),
                            fetched_at=when, as_of=when.date(), ext="csv")


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    if ctx.mode == "sample":
        yield from acquire_sample(ctx.landing)
    elif ctx.mode == "live":
        from ingestion.gold.client import GoldClient
        from ingestion.http import HttpClient

        with HttpClient() as http:
            yield from acquire_live(ctx.landing, GoldClient(http))
    elif ctx.mode == "files":
        yield from acquire_files(ctx)
    else:
        raise SourceError(SOURCE, f"unknown mode {ctx.mode!r} (expected sample, live or files)", field="mode")


GOLD = Source(SOURCE, TABLES, acquire, parse, loop="hedge",
              description="Gold in US dollars (FreeGoldAPI: World Bank monthly averages, COMEX daily closes; or a "
              "file drop), for the bitcoin/gold hedge check.")
