"""FRED graph downloads in a file drop: ``DIR/fred/<as_of>/<SERIES>.csv`` and ``DIR/fred/<as_of>/fredgraph.csv``.

One folder per as-of date is one vintage. ``<SERIES>.csv`` is a one-series download named after its series;
``fredgraph.csv`` is FRED's default name for a graph download, which may hold several series
(``observation_date,FEDFUNDS,MORTGAGE30US``): its header says which, and its rows are split into them
(``ingestion.fred.graph_csv``). A series given twice in one folder is refused. ``DIR/fred/MANIFEST.csv``
(``as_of,series_id,rows,...``) optionally declares the rows of each one-series file, which are then checked.
``DIR`` may also be the FRED folder itself (its children are the ``<as_of>`` folders).

Names are validated before anything is read: a vintage folder must be an ISO date, a file ``<SERIES_ID>.csv``
with a catalog-style id or ``fredgraph[ (N)|_name].csv``; anything that resolves outside ``DIR`` is refused.
Every file is landed (content hash, request, fetch time = the file's modification time, as-of = its folder
date) before it is parsed, so loading the same folder twice changes nothing. The rows land in
``raw.fred__observations`` with ``source = 'files'``.
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
from ingestion.filedrop import IGNORED, ISO_DATE, drop_root, inside, mtime, part, refuse
from ingestion.fred import graph_csv
from ingestion.ingest import AcquireContext
from ingestion.landing import Payload

ENDPOINT = "files/fred_graph_csv"  # one series per file
GRAPH_ENDPOINT = "files/fredgraph_csv"  # FRED's graph download, one or more series
GRAPH_FILE = re.compile(r"^fredgraph(?: \([0-9]{1,3}\)|[_-][A-Za-z0-9_-]{1,40})?\.csv$")


def vintage_folder(name: str) -> dt.date:
    """A FRED vintage folder's as-of date; anything but an ISO date (``../x``, ``latest``) is refused."""
    if not ISO_DATE.match(name):
        raise refuse(f"folder {name[:40]!r} is not an as-of date (YYYY-MM-DD)", "folder", name[:40])
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        raise refuse(f"folder {name!r} is not a valid date", "folder", name) from None


def series_file(name: str) -> str:
    """The series id of ``<SERIES_ID>.csv``; other names (``../SOFR.csv``, ``sofr.csv``, ``x.txt``) are refused."""
    stem, dot, ext = name.rpartition(".")
    if not dot or ext != "csv" or not SERIES_ID.fullmatch(stem):
        raise refuse(f"file {name[:60]!r} is not <SERIES_ID>.csv (A-Z, 0-9, _) or fredgraph.csv", "file", name[:60])
    return stem


def fred_folder(files_dir: Path | None) -> Path | None:
    """``DIR/fred``, or ``DIR`` itself when its children are as-of folders; None when the drop has no FRED part."""
    root = drop_root(files_dir)
    fred = part(root, "fred", folder=True)
    if fred is None and any(c.is_dir() and ISO_DATE.match(c.name) for c in root.iterdir()):
        fred = root.resolve()
    return fred


@dataclass(frozen=True)
class FredFile:
    as_of: dt.date
    series_id: str | None  # None: a graph download, its series are in its header
    path: Path

    @property
    def relative(self) -> str:
        return f"{self.as_of.isoformat()}/{self.path.name}"


def scan_fred(root: Path) -> list[FredFile]:
    """Every vintage file under the FRED folder, names validated, in (as_of, file name) order."""
    out: list[FredFile] = []
    for entry in sorted(root.iterdir()):
        if IGNORED.match(entry.name):
            continue
        if not entry.is_dir():
            raise refuse(f"unexpected file {entry.name[:60]!r} beside the as-of folders", "file", entry.name[:60])
        as_of = vintage_folder(entry.name)
        inside(entry, root)
        for f in sorted(entry.iterdir()):
            if f.name.startswith("."):
                continue
            sid = None if GRAPH_FILE.match(f.name) else series_file(f.name)
            inside(f, root)
            if not f.is_file():
                raise refuse(f"{entry.name}/{f.name} is not a file", "file", sid or f.name[:60])
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
        raise refuse("MANIFEST.csv lacks the columns as_of, series_id, rows", "MANIFEST.csv")
    out = {}
    for i, row in enumerate(reader, start=2):
        try:
            out[(row["as_of"], row["series_id"])] = int(row["rows"])
        except (TypeError, ValueError):
            raise refuse(f"MANIFEST.csv line {i}: rows is not a whole number: {str(row['rows'])[:20]!r}",
                         "rows") from None
    return out


def acquire_files(ctx: AcquireContext) -> Iterator[Payload]:
    """Land every FRED graph download of the drop under the FRED source.

    The request carries what the pure parser needs beyond the bytes: the folder date, and the coverage
    (as_of, first date, last date) of every later folder's file for the same series, which closes this
    vintage where it covers an observation. A new later folder therefore changes the request of earlier
    files, so they are re-parsed and their ``realtime_end`` updated; the values themselves never change.
    """
    root = fred_folder(ctx.files_dir)
    if root is None:
        return
    files = scan_fred(root)
    declared = manifest_rows(root)
    contents = {f: f.path.read_bytes() for f in files}
    spans: dict[str, list[tuple[str, str, str]]] = {}
    given: dict[tuple[dt.date, str], FredFile] = {}
    for f in files:
        if f.series_id is not None:
            span = graph_csv.coverage(contents[f])
            covered = {f.series_id: span} if span else {}
            ids = [f.series_id]
        else:
            covered = graph_csv.column_coverage(contents[f])
            ids = graph_csv.graph_series(contents[f]) or []
        for sid in ids:
            if (f.as_of, sid) in given:
                raise refuse(f"series {sid} is given twice in folder {f.as_of}: {given[(f.as_of, sid)].path.name} "
                             f"and {f.path.name}", "file", sid)
            given[(f.as_of, sid)] = f
        for sid, (first, last) in covered.items():
            spans.setdefault(sid, []).append((f.as_of.isoformat(), first.isoformat(), last.isoformat()))

    def later(sid: str, as_of: dt.date) -> list[list[str]]:
        return [list(s) for s in spans.get(sid, []) if s[0] > as_of.isoformat()]

    for f in files:
        day = f.as_of.isoformat()
        if f.series_id is not None:
            request = {"endpoint": ENDPOINT, "series_id": f.series_id, "as_of": day, "file": f.relative,
                       "later": later(f.series_id, f.as_of), "expected_rows": declared.get((day, f.series_id))}
        else:
            ids = graph_csv.graph_series(contents[f]) or []
            request = {"endpoint": GRAPH_ENDPOINT, "series_ids": ids, "as_of": day, "file": f.relative,
                       "later": {sid: later(sid, f.as_of) for sid in ids}}
        yield ctx.landing.store("fred", request, contents[f], fetched_at=mtime(f.path), as_of=f.as_of, ext="csv")


def _cancelled(sid: str) -> dict[dt.date, tuple[dt.date, str]]:
    base = sid.split("_X")[0]
    return {c.period: (c.announced_on, c.statement) for c in cancelled_releases() if c.series_id == base}


def _spans(raw, sid: str) -> list[tuple[dt.date, dt.date, dt.date]]:
    try:
        return [tuple(dt.date.fromisoformat(x) for x in span) for span in raw or []]
    except (ValueError, TypeError):
        raise SourceError(graph_csv.SOURCE, "malformed file-drop request (as_of / later)", series=sid,
                          field="request") from None


def parse_payload(payload: Payload, content: bytes, lookup) -> pa.Table:
    """Rows of a landed graph download; ``lookup`` is the FRED catalog look-up (an unknown series is refused)."""
    req = payload.request
    graph = req.get("endpoint") == GRAPH_ENDPOINT
    ids = req.get("series_ids") if graph else [req.get("series_id")]
    if not isinstance(ids, list) or not ids or (graph and not isinstance(req.get("later"), dict)):
        raise SourceError(graph_csv.SOURCE, "malformed file-drop request (series_ids / later)",
                          series=str(req.get("file")), field="request")
    series = [lookup(sid) for sid in ids]  # an unknown series is refused here, naming it
    label = "+".join(s.series_id for s in series)
    try:
        as_of = dt.date.fromisoformat(str(req["as_of"]))
    except (KeyError, ValueError, TypeError):
        raise SourceError(graph_csv.SOURCE, "malformed file-drop request (as_of / later)", series=label,
                          field="request") from None
    if graph:
        return graph_csv.parse_graph_csv(
            content, series=series, as_of=as_of, payload_hash=payload.content_hash,
            later={s.series_id: _spans(req["later"].get(s.series_id), s.series_id) for s in series},
            cancelled={s.series_id: _cancelled(s.series_id) for s in series})
    sid = series[0].series_id
    if not isinstance(req.get("later") or [], list):
        raise SourceError(graph_csv.SOURCE, "malformed file-drop request (as_of / later)", series=sid, field="request")
    return graph_csv.parse_fred_csv(content, series_id=sid, as_of=as_of, payload_hash=payload.content_hash,
                                    later=_spans(req.get("later"), sid), cancelled=_cancelled(sid),
                                    expected_rows=req.get("expected_rows"))
