"""The file-drop source: files people download by hand, read through the same landing/parse/load path.

``fragility run --source files --files-dir DIR`` reads (each part optional)::

    DIR/fred/<as_of>/<SERIES>.csv                 FRED graph downloads, one folder per as-of date (a vintage)
    DIR/fred/MANIFEST.csv                         optional: as_of,series_id,rows,... (row counts are checked)
    DIR/ofr/fsi.csv                               the OFR Financial Stress Index download
    DIR/gold/monthly.csv                          monthly gold prices (Date,Price)
    DIR/sp500/constituents-financials_<date>[_<hash>].csv   dated S&P 500 constituent snapshots

``DIR`` may also be the FRED folder itself (its children are the ``<as_of>`` folders).

Where the rows land:

* FRED CSVs -> ``raw.fred__observations`` (the FRED source's table, ``source = 'files'``): the FRED source
  delegates its ``files`` mode to ``acquire_fred`` here, and its parser to ``parse_fred_payload``;
* ``gold/monthly.csv`` -> ``raw.gold__prices`` (the gold source's table, ``source = 'files'``), via
  ``acquire_gold``;
* the OFR FSI and the S&P snapshots -> ``raw.files__ofr_fsi`` and ``raw.files__sp500_constituents``,
  this source's own tables.

Names are validated before anything is read: a vintage folder must be an ISO date, a FRED file
``<SERIES_ID>.csv`` with a catalog-style id, a snapshot file the pattern above; anything that resolves
outside ``DIR`` (``..``, a symlink) is refused. Every file is landed (content hash, request, fetch time =
the file's modification time, as-of = its folder date) before it is parsed, so loading the same folder
twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ingestion.catalog import SERIES_ID, cancelled_releases
from ingestion.errors import SourceError
from ingestion.files import fred_csv, ofr_fsi, sp500
from ingestion.ingest import AcquireContext, Source
from ingestion.landing import Payload
from ingestion.loader import RawTable

SOURCE = "files"
FRED_ENDPOINT = "files/fred_graph_csv"
FSI_ENDPOINT = "files/ofr_fsi"
SP500_ENDPOINT = "files/sp500_constituents"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
IGNORED = re.compile(r"^(\..*|readme(\..*)?|MANIFEST\.csv)$", re.IGNORECASE)

_FSI_VALUES = [c for c in ofr_fsi.SCHEMA.names if c not in ("date", "payload_hash")]
OFR_FSI = RawTable(
    "raw.files__ofr_fsi",
    "date DATE NOT NULL, " + ", ".join(f"{c} DOUBLE" for c in _FSI_VALUES) + ", payload_hash VARCHAR NOT NULL",
    key=("date",),
    mutable=(*_FSI_VALUES, "payload_hash"),
    description="The OFR Financial Stress Index by day, with its five category and three regional contributions "
    "(file drop ofr/fsi.csv). A benchmark: never an input to the composite.",
)
_SP_COLS = [f.name for f in sp500.SCHEMA]
SP500_CONSTITUENTS = RawTable(
    "raw.files__sp500_constituents",
    """as_of_date DATE NOT NULL, symbol VARCHAR NOT NULL, company_key VARCHAR NOT NULL, name VARCHAR,
       sector VARCHAR, price DOUBLE, dividend_yield_pct DOUBLE, price_earnings DOUBLE, earnings_per_share DOUBLE,
       book_value DOUBLE, low_52_week DOUBLE, high_52_week DOUBLE, market_cap DOUBLE, ebitda DOUBLE,
       price_sales DOUBLE, price_book DOUBLE, sec_filings_url VARCHAR, file_layout VARCHAR NOT NULL,
       row_note VARCHAR, payload_hash VARCHAR NOT NULL""",
    key=("as_of_date", "symbol"),
    mutable=tuple(c for c in _SP_COLS if c not in ("as_of_date", "symbol")),
    description="Dated S&P 500 constituent snapshots (file drop sp500/): market cap in dollars (full, not "
    "float-adjusted), the other financials typed, and a company key that counts share classes once.",
)
TABLES = (OFR_FSI, SP500_CONSTITUENTS)


def _refuse(message: str, field: str, entity: str | None = None) -> SourceError:
    return SourceError(SOURCE, message, series=entity, field=field)


# --------------------------------------------------------------------------- names and layout


def vintage_folder(name: str) -> dt.date:
    """A FRED vintage folder's as-of date; anything but an ISO date (``../x``, ``latest``) is refused."""
    if not ISO_DATE.match(name):
        raise _refuse(f"folder {name[:40]!r} is not an as-of date (YYYY-MM-DD)", "folder", name[:40])
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        raise _refuse(f"folder {name!r} is not a valid date", "folder", name) from None


def series_file(name: str) -> str:
    """The series id of ``<SERIES_ID>.csv``; other names (``../SOFR.csv``, ``sofr.csv``, ``x.txt``) are refused."""
    stem, dot, ext = name.rpartition(".")
    if not dot or ext != "csv" or not SERIES_ID.fullmatch(stem):
        raise _refuse(f"file {name[:60]!r} is not <SERIES_ID>.csv (A-Z, 0-9, _)", "file", name[:60])
    return stem


def inside(path: Path, root: Path) -> Path:
    """``path`` resolved, refused when it escapes ``root`` (``..``, a symlink pointing elsewhere)."""
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # a symlink loop (RuntimeError on Python 3.11, OSError later)
        raise _refuse(f"{path.name[:60]!r} is a symlink loop", "path", path.name[:60]) from None
    if not resolved.is_relative_to(root.resolve()):
        raise _refuse(f"{path.name!r} resolves outside the file-drop folder", "path", path.name[:60])
    return resolved


@dataclass(frozen=True)
class Layout:
    root: Path
    fred: Path | None
    ofr_fsi: Path | None
    gold_monthly: Path | None
    sp500: Path | None


def layout(files_dir: Path | None) -> Layout:
    if files_dir is None:
        raise _refuse("--source files needs --files-dir DIR (a folder of downloads)", "files_dir")
    root = Path(files_dir)
    if not root.is_dir():
        raise _refuse(f"--files-dir {str(root)[:80]} is not a folder", "files_dir")

    def part(*names: str, folder: bool) -> Path | None:
        p = root.joinpath(*names)
        ok = p.is_dir() if folder else p.is_file()
        return inside(p, root) if ok else None

    fred = part("fred", folder=True)
    if fred is None and any(c.is_dir() and ISO_DATE.match(c.name) for c in root.iterdir()):
        fred = root.resolve()
    return Layout(root.resolve(), fred, part("ofr", "fsi.csv", folder=False),
                  part("gold", "monthly.csv", folder=False), part("sp500", folder=True))


# --------------------------------------------------------------------------- FRED graph downloads


@dataclass(frozen=True)
class FredFile:
    as_of: dt.date
    series_id: str
    path: Path

    @property
    def relative(self) -> str:
        return f"{self.as_of.isoformat()}/{self.series_id}.csv"


def scan_fred(root: Path) -> list[FredFile]:
    """Every ``<as_of>/<SERIES>.csv`` under the FRED folder, names validated, in (as_of, series) order."""
    out: list[FredFile] = []
    for entry in sorted(root.iterdir()):
        if IGNORED.match(entry.name):
            continue
        if not entry.is_dir():
            raise _refuse(f"unexpected file {entry.name[:60]!r} beside the as-of folders", "file", entry.name[:60])
        as_of = vintage_folder(entry.name)
        inside(entry, root)
        for f in sorted(entry.iterdir()):
            if f.name.startswith("."):
                continue
            sid = series_file(f.name)
            inside(f, root)
            if not f.is_file():
                raise _refuse(f"{entry.name}/{f.name} is not a file", "file", sid)
            out.append(FredFile(as_of, sid, f))
    return out


def manifest_rows(root: Path) -> dict[tuple[str, str], int]:
    """Declared row counts from MANIFEST.csv (as_of, series_id -> rows), or {} when there is none."""
    path = root / "MANIFEST.csv"
    if not path.is_file():
        return {}
    text = inside(path, root).read_bytes().decode("utf-8", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    if not {"as_of", "series_id", "rows"} <= set(reader.fieldnames or ()):
        raise _refuse("MANIFEST.csv lacks the columns as_of, series_id, rows", "MANIFEST.csv")
    out = {}
    for i, row in enumerate(reader, start=2):
        try:
            out[(row["as_of"], row["series_id"])] = int(row["rows"])
        except (TypeError, ValueError):
            raise _refuse(f"MANIFEST.csv line {i}: rows is not a whole number: {str(row['rows'])[:20]!r}",
                          "rows") from None
    return out


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def acquire_fred(ctx: AcquireContext) -> Iterator[Payload]:
    """Land every FRED graph CSV of the drop under the FRED source (its table, ``source = 'files'``).

    The request carries what the pure parser needs beyond the bytes: the folder date, and the coverage
    (as_of, first date, last date) of every later folder's file for the same series, which closes this
    vintage where it covers an observation. A new later folder therefore changes the request of earlier
    files, so they are re-parsed and their ``realtime_end`` updated; the values themselves never change.
    """
    lay = layout(ctx.files_dir)
    if lay.fred is None:
        return
    files = scan_fred(lay.fred)
    declared = manifest_rows(lay.fred)
    contents = {f: f.path.read_bytes() for f in files}
    spans: dict[str, list[tuple[str, str, str]]] = {}
    for f in files:
        span = fred_csv.coverage(contents[f])
        if span:
            spans.setdefault(f.series_id, []).append((f.as_of.isoformat(), span[0].isoformat(), span[1].isoformat()))
    for f in files:
        later = [list(s) for s in spans.get(f.series_id, []) if s[0] > f.as_of.isoformat()]
        request = {"endpoint": FRED_ENDPOINT, "series_id": f.series_id, "as_of": f.as_of.isoformat(),
                   "file": f.relative, "later": later,
                   "expected_rows": declared.get((f.as_of.isoformat(), f.series_id))}
        yield ctx.landing.store("fred", request, contents[f], fetched_at=_mtime(f.path), as_of=f.as_of, ext="csv")


def parse_fred_payload(payload: Payload, content: bytes) -> pa.Table:
    """The FRED source's parser for a landed FRED graph CSV (``endpoint = files/fred_graph_csv``)."""
    from ingestion.fred import lookup

    req = payload.request
    series = lookup(req.get("series_id"))  # an unknown series is refused here, naming it
    sid = series.series_id
    try:
        as_of = dt.date.fromisoformat(str(req["as_of"]))
        later = [tuple(dt.date.fromisoformat(x) for x in span) for span in req.get("later") or []]
    except (KeyError, ValueError, TypeError):
        raise SourceError(SOURCE, "malformed file-drop request (as_of / later)", series=sid, field="request") from None
    base = sid.split("_X")[0]
    cancelled = {c.period: (c.announced_on, c.statement) for c in cancelled_releases() if c.series_id == base}
    return fred_csv.parse_fred_csv(content, series_id=sid, as_of=as_of, payload_hash=payload.content_hash,
                                   later=later, cancelled=cancelled, expected_rows=req.get("expected_rows"))


# --------------------------------------------------------------------------- gold, OFR FSI, S&P 500


def acquire_gold(ctx: AcquireContext) -> Iterator[Payload]:
    """Land ``gold/monthly.csv`` under the gold source (its table, ``source = 'files'``)."""
    from ingestion.gold import FILE_ENDPOINT

    lay = layout(ctx.files_dir)
    if lay.gold_monthly is None:
        return
    when = _mtime(lay.gold_monthly)
    yield ctx.landing.store("gold", {"endpoint": FILE_ENDPOINT, "file": "gold/monthly.csv"},
                            lay.gold_monthly.read_bytes(), fetched_at=when, as_of=when.date(), ext="csv")


def _sp500_files(folder: Path) -> list[tuple[dt.date, Path, bytes]]:
    """Snapshots by date; byte-identical copies of one date are landed once, differing ones refused."""
    by_date: dict[dt.date, tuple[Path, bytes]] = {}
    for path in sorted(folder.iterdir()):
        if IGNORED.match(path.name):
            continue
        day = sp500.snapshot_date(path.name)
        if day is None or not path.is_file():
            raise _refuse(f"sp500/{path.name[:60]} is not constituents-financials_<YYYY-MM-DD>[_<hash>].csv",
                          "file", path.name[:60])
        content = inside(path, folder).read_bytes()
        if day in by_date and by_date[day][1] != content:
            raise _refuse(f"two different snapshots dated {day}: {by_date[day][0].name} and {path.name}",
                          "file", f"sp500 {day}")
        by_date.setdefault(day, (path, content))
    return [(day, p, c) for day, (p, c) in sorted(by_date.items())]


def acquire(ctx: AcquireContext) -> Iterator[Payload]:
    """This source's own files (OFR FSI, S&P snapshots); nothing outside the ``files`` mode."""
    if ctx.mode != "files":
        return
    lay = layout(ctx.files_dir)
    if lay.ofr_fsi is not None:
        when = _mtime(lay.ofr_fsi)
        yield ctx.landing.store(SOURCE, {"endpoint": FSI_ENDPOINT, "file": "ofr/fsi.csv"}, lay.ofr_fsi.read_bytes(),
                                fetched_at=when, as_of=when.date(), ext="csv")
    if lay.sp500 is not None:
        for day, path, content in _sp500_files(lay.sp500):
            yield ctx.landing.store(SOURCE, {"endpoint": SP500_ENDPOINT, "as_of": day.isoformat(),
                                             "file": f"sp500/{path.name}"}, content,
                                    fetched_at=_mtime(path), as_of=day, ext="csv")


def parse(payload: Payload, content: bytes) -> list[tuple[RawTable, pa.Table]]:
    req = payload.request
    endpoint = req.get("endpoint")
    if endpoint == FSI_ENDPOINT:
        return [(OFR_FSI, ofr_fsi.parse_fsi(content, payload_hash=payload.content_hash,
                                            fetched_on=dt.date.fromisoformat(payload.as_of)))]
    if endpoint == SP500_ENDPOINT:
        from ingestion.holdings.parser import company_keys  # one maintained share-class map for both sources

        try:
            as_of = dt.date.fromisoformat(str(req.get("as_of")))
        except ValueError:
            raise SourceError(SOURCE, "malformed request (as_of)", series="sp500", field="as_of") from None
        return [(SP500_CONSTITUENTS, sp500.parse_snapshot(content, as_of=as_of, payload_hash=payload.content_hash,
                                                          company_keys=company_keys()))]
    raise SourceError(SOURCE, f"unknown endpoint {endpoint!r}", field="endpoint")


FILES = Source(SOURCE, TABLES, acquire, parse, loop="concentration",
               description="File drop: the OFR Financial Stress Index (benchmark) and dated S&P 500 constituent "
               "snapshots (concentration). FRED CSVs and gold prices of the same drop load into the FRED and "
               "gold tables.")
