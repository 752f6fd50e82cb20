"""Bulk CSV helpers shared by the CSV parsers (file drops, the gold feed): bytes -> string columns -> typed
Arrow columns, with every failure reported as one line naming the source, the entity, the field and the
line of the file.

Everything is columnar (pyarrow.csv + pyarrow.compute); Python only walks rows on the error path, to say
*which* line is bad.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingestion.errors import ParseError

BOM = b"\xef\xbb\xbf"
NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@dataclass(frozen=True)
class Where:
    """Who is speaking in an error: the source, the entity (series, file) and how lines are counted."""

    source: str
    entity: str
    first_line: int = 2  # file line of the first data row (1 = the header)

    def fail(self, message: str, field: str) -> ParseError:
        return ParseError(self.source, message, series=self.entity, field=field)


def check_bytes(content: bytes, where: Where, *, allow_bom: bool = False) -> str:
    """The payload as text, or a one-line error for an empty file, a BOM, an HTML page or a non-UTF-8 byte.

    A byte-order mark is refused for FRED graph downloads: FRED never writes one, so a BOM means the file
    was re-saved by a spreadsheet, which may also have rewritten dates and numbers.
    """
    if not content.strip():
        raise where.fail(f"empty file ({len(content)} bytes)", "body")
    if content.startswith(BOM):
        if not allow_bom:
            raise where.fail("file starts with a UTF-8 byte-order mark (re-saved by a spreadsheet?); "
                             "use the file as downloaded", "body")
        content = content[len(BOM):]
    head = content.lstrip()[:15].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise where.fail("body is HTML/XML, not CSV (an error page saved as .csv?)", "body")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise where.fail(f"not UTF-8: byte 0x{content[exc.start]:02x} at offset {exc.start} (line {line})",
                         "body") from None


def header_of(text: str) -> list[str]:
    first = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    return [h.strip().strip('"').strip() for h in first.split(",")]


def read_strings(text: str, names: list[str], where: Where, *, ragged: list | None = None) -> pa.Table:
    """Every data row (the header skipped) as string columns named ``names``.

    A row with the wrong number of fields is an error, unless ``ragged`` is a list: then such rows are
    collected there as (row number, raw text) for the caller to handle, and left out of the table.
    """
    bad: list[tuple[int | None, str, int]] = []

    def on_invalid(row) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        raise where.fail(f"malformed CSV: {' '.join(str(exc).split())[:160]}", "body") from None
    if bad and ragged is None:
        number, raw, got = bad[0]
        line = f"line {number}" if number is not None else "a row"
        raise where.fail(f"{line} has {got} fields, expected {len(names)}: {raw[:60]!r}", "body")
    if ragged is not None:
        ragged.extend((n, raw) for n, raw, _ in bad)
    return table


def first_true(mask: pa.Array | pa.ChunkedArray) -> int:
    i = pc.index(pc.fill_null(mask, False), True).as_py()
    return max(i, 0)


def to_dates(col: pa.ChunkedArray, where: Where, field: str) -> pa.Array:
    """ISO dates (YYYY-MM-DD) to date32, naming the first bad line."""
    col = pc.utf8_trim_whitespace(col)
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    ok = pc.match_substring_regex(col, ISO_DATE)
    if pc.all(ok).as_py():
        try:
            dates = pc.cast(col, pa.date32())
            if not pc.any(pc.less(dates, pa.scalar(dt.date.min, pa.date32()))).as_py():  # Arrow reads year 0000
                return dates
        except pa.ArrowInvalid:  # well-formed but impossible (2025-02-30): find it row by row
            pass
        ok = pa.array([_is_date(v) for v in col.to_pylist()])
    i = first_true(pc.invert(ok))
    raise where.fail(f"line {where.first_line + i}: not a YYYY-MM-DD date: {str(col[i].as_py())[:40]!r}", field)


def _is_date(v: str) -> bool:
    try:
        dt.date.fromisoformat(v)
        return True
    except ValueError:
        return False


def to_numbers(col: pa.ChunkedArray, where: Where, field: str, *, missing: tuple[str, ...] = ("", ".")
               ) -> tuple[pa.Array, pa.Array]:
    """Decimal strings to float64. Returns (values, is_missing); the tokens in ``missing`` become NULL."""
    col = pc.utf8_trim_whitespace(col)
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    is_missing = pc.is_in(col, value_set=pa.array(list(missing), pa.string()))
    present = pc.if_else(is_missing, pa.scalar(None, pa.string()), col)
    ok = pc.match_substring_regex(present, NUMBER)
    if not pc.all(pc.fill_null(ok, True)).as_py():
        i = first_true(pc.invert(pc.fill_null(ok, True)))
        raise where.fail(f"line {where.first_line + i}: not a number: {str(col[i].as_py())[:40]!r}", field)
    values = pc.cast(present, pa.float64())
    finite = pc.fill_null(pc.is_finite(values), True)
    if not pc.all(finite).as_py():
        i = first_true(pc.invert(finite))
        raise where.fail(f"line {where.first_line + i}: not a finite number: {col[i].as_py()!r}", field)
    return values, is_missing


def first_duplicate(dates: pa.Array) -> int | None:
    """Index of the first row whose date already appeared, or None (vectorised)."""
    if pc.count_distinct(dates).as_py() == len(dates):
        return None
    days = dates.cast(pa.int32()).to_numpy(zero_copy_only=False)
    _, first = np.unique(days, return_index=True)
    seen = np.zeros(len(days), dtype=bool)
    seen[first] = True
    return int(np.flatnonzero(~seen)[0])


def not_after(dates: pa.Array, fetched_on: dt.date | None, where: Where, field: str, *,
              known_as: str = "fetched") -> None:
    """Refuse a row dated after the payload's day: a price (or index) cannot be known before its day.
    ``known_as`` says what that day is in the message (a feed is "fetched", a dropped file "file dated")."""
    if fetched_on is None:
        return
    late = pc.greater(dates, pa.scalar(fetched_on, pa.date32()))
    if pc.any(late).as_py():
        i = pc.index(late, True).as_py()
        raise where.fail(f"line {where.first_line + i}: {dates[i].as_py()} is in the future ({known_as} "
                         f"{fetched_on})", field)
