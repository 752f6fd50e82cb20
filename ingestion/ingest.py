"""Run one source end to end: acquire payloads, land them, parse them, bulk-load them in one transaction.

``acquire`` differs per mode (sample generator, live API, file drop, landed payloads for a re-parse);
everything after landing is one code path. A payload that fails to parse is quarantined with its
one-line error and the whole transaction rolls back, so the warehouse is left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.errors import SourceError
from ingestion.landing import Landing, Payload
from ingestion.loader import RawTable, Staging, ensure_raw_schema, loaded_ids, transaction

Parser = Callable[[Payload, bytes], list[tuple[RawTable, pa.Table]]]
MERGE_ROWS = 4_000_000  # rows staged in DuckDB before they are merged into the raw tables


@dataclass(frozen=True)
class AcquireContext:
    """What a source needs to produce payloads: the mode and where to land them."""

    mode: str  # sample | live | files
    landing: Landing
    scale: int = 1
    files_dir: Path | None = None
    # Daily-partitioned sources: the publication days (US Eastern) to fetch, both ends included. ``None`` as
    # the start means "everything published up to the end" (the first partition carries the backlog);
    # ``window=None`` means the whole history up to today (or the sample world's last day).
    window: tuple[dt.date | None, dt.date] | None = None


@dataclass(frozen=True)
class Source:
    """One source: its raw tables, how it acquires payloads (per mode) and its pure parser."""

    name: str
    tables: tuple[RawTable, ...]
    acquire: Callable[[AcquireContext], Iterator[Payload]]
    parse: Parser
    loop: str | None = None  # the fragility loop it mainly feeds (a Dagster tag)
    description: str = ""
    daily: bool = False  # publishes every business day: one partition per publication day (AcquireContext.window)


@dataclass
class IngestReport:
    source: str
    payloads: int = 0
    skipped: int = 0  # already loaded: same bytes, same request
    rows_in: dict[str, int] = field(default_factory=dict)
    rows_inserted: dict[str, int] = field(default_factory=dict)
    # rows a parser left out on purpose, by table and reason (e.g. a holdings row without a usable code)
    rows_skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def as_metadata(self) -> dict[str, int | float]:
        return {"payloads": self.payloads, "skipped_already_loaded": self.skipped,
                **{f"rows_inserted.{k}": v for k, v in self.rows_inserted.items()},
                **{f"rows_skipped.{k}": sum(v.values()) for k, v in self.rows_skipped.items()},
                "seconds": round(self.seconds, 3)}


def load_id(payload: Payload) -> str:
    """Identity of one load: the bytes and what they answer (two series may share identical bytes)."""
    key = ",".join(f"{k}={payload.request[k]}" for k in sorted(payload.request))
    return f"{payload.content_hash}:{key}"


def run_source(con: duckdb.DuckDBPyConnection, source: Source, ctx: AcquireContext) -> IngestReport:
    """Acquire in the context's mode, then parse and load through the one shared path."""
    if ctx.mode != "sample":
        return ingest(con, ctx.landing, source, source.acquire(ctx))
    # Deterministic: a key already landed in full is replayed, not generated again (ingestion.sample_memo).
    from ingestion.sample_memo import replay_or_generate

    key = {"scale": ctx.scale, "window": [str(d) for d in ctx.window] if ctx.window else None}
    payloads = replay_or_generate(ctx.landing, source.name, key, lambda: source.acquire(ctx))
    return ingest(con, ctx.landing, source, payloads)


def ingest(
    con: duckdb.DuckDBPyConnection, landing: Landing, source: Source, payloads: Iterable[Payload]
) -> IngestReport:
    t0 = time.perf_counter()
    parse = source.parse
    report = IngestReport(source.name)
    source_name = source.name
    ensure_raw_schema(con, source.tables)
    tables = {t.name: t for t in source.tables}

    with transaction(con):
        staging = Staging(con, source_name)

        def merge() -> None:
            for name, n in staging.merge().items():
                report.rows_inserted[name] = report.rows_inserted.get(name, 0) + n

        done = loaded_ids(con)
        for payload in payloads:
            report.payloads += 1
            lid = load_id(payload)
            if lid in done:
                report.skipped += 1
                continue
            try:
                parsed = parse(payload, payload.read())
            except SourceError as err:
                landing.quarantine(payload, err)
                raise
            except Exception as err:  # a parser bug must still name the payload, and quarantine it
                wrapped = SourceError(source_name, f"unexpected {type(err).__name__}: {err}",
                                      series=str(payload.request.get("series_id")), field="body")
                landing.quarantine(payload, wrapped)
                raise wrapped from err
            for table, rows in parsed:
                table = tables.setdefault(table.name, table)
                _count_skipped(report, table.name, rows)
                if table.name not in report.rows_in:
                    ensure_raw_schema(con, (table,))
                report.rows_in[table.name] = report.rows_in.get(table.name, 0) + rows.num_rows
                staging.add(table, rows, lid)
            del parsed
            done.add(lid)
            if staging.rows >= MERGE_ROWS:  # bound the stages' size; still one transaction
                merge()
        merge()
    report.seconds = time.perf_counter() - t0
    return report


SKIPPED_ROWS = b"fragility.skipped_rows"  # a parser's schema metadata: JSON {reason: rows left out}


def _count_skipped(report: IngestReport, table: str, rows: pa.Table) -> None:
    raw = (rows.schema.metadata or {}).get(SKIPPED_ROWS)
    if raw:
        counts = report.rows_skipped.setdefault(table, {})
        for reason, n in json.loads(raw).items():
            counts[reason] = counts.get(reason, 0) + int(n)


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
