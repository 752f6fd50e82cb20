"""Pure parser for the SEC's BDC data sets (``YYYYqN_bdc.zip`` / ``YYYY_MM_bdc.zip``): bytes in, Arrow out.

A zip holds ``sub.tsv`` (one row per filing: adsh, cik, name, form, period, fy, fp, filed, ...) and
``soi.tsv`` (the schedule of investments pivoted to one row per position and date, columns named by
the XBRL element labels: "Investment, Identifier Axis", "Investment Owned, Fair Value", ...; axis
members carry a " [Member]" suffix; dates are YYYYMMDD). Member paths differ between releases
(``datasets/sub.tsv`` or ``sub.tsv``), so members are found by file name.

Per position the parser keeps the filing's own period (``ddate = period``; comparatives re-reported by a
later filing are dropped) with a fair value, and derives:

* ``issuer_name`` - the Issuer Name axis when tagged, else the identifier up to the instrument
  ("Acme, LLC | First lien term loan", "Acme LLC, First lien ...", "ACME, L.L.C. - Senior ...");
* ``issuer_key`` - :func:`ingestion.sec.names.normalize_names`, so one borrower matches across BDCs;
* ``lien`` - first_lien (incl. unitranche), second_lien, subordinated, unsecured, equity or other;
* ``spread_bp`` - the basis spread in basis points (XBRL decimals; a value >= 1 is read as percent);
* ``is_non_accrual`` - the identifier says "non-accrual" (how BDCs flag it; there is no element for it).

Everything is vectorised with pyarrow.compute: a data set of ~100k positions parses in well under 1 s.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingestion.errors import ParseError
from ingestion.sec.names import normalize_names

SOURCE = "sec_bdc"
SUB_REQUIRED = ("adsh", "cik", "name", "form", "period", "fy", "fp", "filed")
SOI_REQUIRED = ("adsh", "cik", "name", "ddate", "form", "filed", "period", "Investment, Identifier Axis")
# Value columns, with the labels later releases use for the same element.
SOI_ALIASES = {
    "fair_value": ("Investment Owned, Fair Value", "Initial fair value of Investment"),
    "cost": ("Investment Owned, Cost", "Adjusted cost basis"),
    "principal": ("Investment Owned, Balance, Principal Amount",),
    "spread": ("Investment, Basis Spread, Variable Rate",),
    "interest_rate": ("Investment Interest Rate",),
    "maturity": ("Investment Maturity Date",),
    "issuer": ("Investment, Issuer Name Axis",),
    "industry": ("Industry Sector Axis",),
    "investment_type": ("Investment Type Axis",),
}
FORMS = ("10-K", "10-Q", "10-K/A", "10-Q/A")
ACCN = r"^[0-9]{10}-[0-9]{2}-[0-9]{6}$"
NUMBER = r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
KEYWORDS = (r"first|second|third|1st|2nd|senior|junior|subordinated|unitranche|term|revolving|revolver|delayed|"
            r"last|mezzanine|secured|unsecured|notes?|bonds?|debentures?|common|preferred|warrants?|equity|"
            r"membership|units?|class|incremental|ddtl|loan")
SPLIT = rf"^(?P<issuer>.+?)(?:\s*\|\s*|\s+[-–]\s+|\s*,\s*)(?P<instrument>(?i:{KEYWORDS})\b.*)$"

HOLDINGS_SCHEMA = pa.schema([
    ("bdc_cik", pa.string()), ("bdc_name", pa.string()), ("accession", pa.string()), ("form", pa.string()),
    ("period_end", pa.date32()), ("filed", pa.date32()), ("investment_identifier", pa.string()),
    ("issuer_name", pa.string()), ("issuer_key", pa.string()), ("instrument", pa.string()),
    ("industry", pa.string()), ("investment_type", pa.string()), ("lien", pa.string()),
    ("maturity_date", pa.date32()), ("spread_bp", pa.float64()), ("interest_rate", pa.float64()),
    ("principal", pa.float64()), ("cost", pa.float64()), ("fair_value", pa.float64()),
    ("is_non_accrual", pa.bool_()), ("dataset", pa.string()), ("payload_hash", pa.string()),
])
SUBMISSIONS_SCHEMA = pa.schema([
    ("accession", pa.string()), ("bdc_cik", pa.string()), ("bdc_name", pa.string()), ("form", pa.string()),
    ("period_end", pa.date32()), ("fiscal_year", pa.int32()), ("fiscal_period", pa.string()),
    ("filed", pa.date32()), ("dataset", pa.string()), ("payload_hash", pa.string()),
])


def _fail(message: str, *, dataset: str, field: str) -> ParseError:
    return ParseError(SOURCE, message, series=dataset, field=field)


def _members(content: bytes, dataset: str) -> dict[str, bytes]:
    if not content.strip():
        raise _fail("empty data-set body (0 bytes)", dataset=dataset, field="body")
    if content.lstrip()[:1] == b"<":
        raise _fail("body is HTML/XML, not a zip (an error page sent with 200?)", dataset=dataset, field="body")
    if not content.startswith(b"PK"):
        raise _fail(f"body is not a zip (starts with {content[:8]!r})", dataset=dataset, field="body")
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        names = {posixpath.basename(n.replace("\\", "/")).lower(): n for n in zf.namelist()}
        out = {}
        for want in ("sub", "soi"):
            member = names.get(f"{want}.tsv") or names.get(f"{want}.txt")
            if member is None:
                raise _fail(f"zip has no {want}.tsv (members: {sorted(names)[:8]})", dataset=dataset,
                            field=f"{want}.tsv")
            out[want] = zf.read(member)
        return out
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error) as exc:
        # a damaged directory can also send zipfile to a negative seek (ValueError) or a short header (struct)
        raise _fail(f"truncated or corrupt zip: {exc}", dataset=dataset, field="body") from None
    except (NotImplementedError, RuntimeError) as exc:  # an unknown compression method, an encrypted member
        raise _fail(f"unreadable zip member: {exc}", dataset=dataset, field="body") from None


def _read_tsv(data: bytes, *, dataset: str, member: str, required: tuple[str, ...]) -> pa.Table:
    header = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        names = header.decode("utf-8-sig").split("\t")
    except UnicodeDecodeError as exc:
        raise _fail(f"header is not UTF-8 (byte {exc.start})", dataset=dataset, field=member) from None
    if not header:
        raise _fail("empty table (no header row)", dataset=dataset, field=member)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _fail(f"duplicate columns {dup}", dataset=dataset, field=f"{member}.{dup[0]}")
    missing = [c for c in required if c not in names]
    if missing:
        raise _fail(f"schema drift: missing columns {missing}", dataset=dataset, field=f"{member}.{missing[0]}")
    try:
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, null_values=[""]),
        )
    except pa.ArrowInvalid as exc:
        text = str(exc).replace("CSV conversion error to string: invalid UTF8 data", "invalid UTF-8 data")
        raise _fail(f"malformed TSV: {text}", dataset=dataset, field=member) from None


def _first_bad(mask: pa.Array, values: pa.Array) -> tuple[int, str]:
    i = pc.index(mask, True).as_py()
    return i + 2, str(values[i].as_py())[:40]  # +2: 1-based, after the header line


def _dates(col: pa.Array, *, dataset: str, field: str, nullable: bool = False) -> pa.Array:
    """YYYYMMDD (the data sets' format) or YYYY-MM-DD, strictly (Arrow's strptime alone would roll
    2030-02-30 over to March): the parsed date must print back as its input. Dates repeat a lot (one
    period per filing), so only the distinct values are parsed; an error names the first bad line."""
    if not nullable and col.null_count:
        line, value = _first_bad(pc.is_null(col), col)
        raise _fail(f"line {line}: missing date", dataset=dataset, field=field)
    enc = pc.dictionary_encode(col)
    try:
        parsed = _distinct_dates(enc.dictionary)
    except _BadDate as err:
        line = pc.index(col, err.value).as_py() + 2
        raise _fail(f"line {line}: not a date: {str(err.value)[:40]!r}", dataset=dataset, field=field) from None
    return pc.take(parsed, enc.indices)


class _BadDate(Exception):
    def __init__(self, value: object) -> None:
        super().__init__(value)
        self.value = value


def _distinct_dates(col: pa.Array) -> pa.Array:
    year0 = pc.fill_null(pc.starts_with(col, "0000"), False)  # Arrow's strptime reads year 0, Python has none
    if pc.any(year0).as_py():
        raise _BadDate(col[pc.index(year0, True).as_py()].as_py())
    compact = pc.replace_substring(col, "-", "")
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            ts = pc.strptime(col, format=fmt, unit="s")
        except pa.ArrowInvalid:
            continue
        wrong = pc.fill_null(pc.not_equal(pc.strftime(ts, format="%Y%m%d"), compact), False)
        if not pc.any(wrong).as_py():
            return pc.cast(ts, pa.date32())
        raise _BadDate(col[pc.index(wrong, True).as_py()].as_py())
    try:
        ts = pc.strptime(compact, format="%Y%m%d", unit="s", error_is_null=True)
    except pa.ArrowInvalid:
        ts = pa.nulls(len(col), pa.timestamp("s"))
    printed = pc.strftime(ts, format="%Y%m%d")
    bad = pc.and_(pc.is_valid(col), pc.fill_null(pc.not_equal(printed, compact), True))
    if not pc.any(bad).as_py():
        return pc.cast(ts, pa.date32())
    raise _BadDate(col[pc.index(bad, True).as_py()].as_py())


def _numbers(col: pa.Array, *, dataset: str, field: str) -> pa.Array:
    try:
        out = pc.cast(col, pa.float64())
        if not pc.all(pc.fill_null(pc.is_finite(out), True)).as_py():
            raise pa.ArrowInvalid("not finite")
        return out
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    cleaned = pc.utf8_trim_whitespace(col)
    bad = pc.invert(pc.fill_null(pc.match_substring_regex(cleaned, NUMBER), True))
    if not pc.any(bad).as_py():
        bad = pc.invert(pc.fill_null(pc.is_finite(pc.cast(cleaned, pa.float64())), True))
    line, value = _first_bad(bad, col)
    raise _fail(f"line {line}: not a number: {value!r}", dataset=dataset, field=field)


def _per_unique(col: pa.Array, fn) -> pa.Array:
    """``fn`` applied to the distinct values only (names, instruments and axes repeat a lot)."""
    enc = pc.dictionary_encode(col)
    return pc.take(fn(enc.dictionary), enc.indices)


def _column(table: pa.Table, key: str) -> pa.Array | None:
    for label in SOI_ALIASES[key]:
        if label in table.column_names:
            return table.column(label).combine_chunks()
    return None


def _strip_member(col: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(col, r"\s*\[(?i:member|domain)\]\s*$", ""))


def _lien(text: pa.Array) -> pa.Array:
    text = pc.utf8_lower(text)
    return pc.case_when(
        pc.make_struct(
            pc.match_substring_regex(text, r"second lien|2nd lien"),
            pc.match_substring_regex(text, r"first lien|1st lien|unitranche|senior secured|first out|last out"),
            pc.match_substring_regex(text, r"subordinated|mezzanine|junior"),
            pc.match_substring_regex(text, r"unsecured"),
            pc.match_substring_regex(text, r"equity|common|preferred|warrant|membership|units?\b|shares"),
        ),
        "second_lien", "first_lien", "subordinated", "unsecured", "equity", "other",
    )


def _check_pattern(col: pa.Array, pattern: str, *, dataset: str, field: str, what: str) -> None:
    bad = pc.invert(pc.fill_null(pc.match_substring_regex(col, pattern), False))
    if pc.any(bad).as_py():
        line, value = _first_bad(bad, col)
        raise _fail(f"line {line}: {what}: {value!r}", dataset=dataset, field=field)


def parse_dataset(content: bytes, *, dataset: str, payload_hash: str) -> tuple[pa.Table, pa.Table]:
    """(positions, submissions) of one BDC data set; see the module docstring."""
    members = _members(content, dataset)
    sub = _read_tsv(members["sub"], dataset=dataset, member="sub.tsv", required=SUB_REQUIRED)
    soi = _read_tsv(members["soi"], dataset=dataset, member="soi.tsv", required=SOI_REQUIRED)
    if _column(soi, "fair_value") is None:
        raise _fail("schema drift: no fair value column", dataset=dataset, field="soi.tsv.Investment Owned, Fair Value")

    # --- submissions
    s_adsh = sub.column("adsh").combine_chunks()
    _check_pattern(s_adsh, ACCN, dataset=dataset, field="sub.tsv.adsh", what="accession is not ##########-##-######")
    if len(pc.unique(s_adsh)) != len(s_adsh):
        dup = pc.filter(pc.value_counts(s_adsh).field("values"), pc.greater(pc.value_counts(s_adsh).field("counts"), 1))
        raise _fail(f"duplicate submission {dup[0].as_py()}", dataset=dataset, field="sub.tsv.adsh")
    s_cik = sub.column("cik").combine_chunks()
    _check_pattern(s_cik, r"^[0-9]{1,10}$", dataset=dataset, field="sub.tsv.cik", what="CIK is not 1 to 10 digits")
    s_fy = sub.column("fy").combine_chunks()
    _check_pattern(pc.fill_null(s_fy, "0"), r"^[0-9]{1,4}$", dataset=dataset, field="sub.tsv.fy",
                   what="fiscal year is not a year")
    submissions = pa.table({
        "accession": s_adsh,
        "bdc_cik": pc.utf8_lpad(s_cik, 10, "0"),
        "bdc_name": sub.column("name").combine_chunks(),
        "form": sub.column("form").combine_chunks(),
        "period_end": _dates(sub.column("period").combine_chunks(), dataset=dataset, field="sub.tsv.period"),
        "fiscal_year": pc.cast(s_fy, pa.int32()),
        "fiscal_period": sub.column("fp").combine_chunks(),
        "filed": _dates(sub.column("filed").combine_chunks(), dataset=dataset, field="sub.tsv.filed"),
        "dataset": pa.array([dataset] * sub.num_rows, pa.string()),
        "payload_hash": pa.array([payload_hash] * sub.num_rows, pa.string()),
    }, schema=SUBMISSIONS_SCHEMA)

    # --- schedule of investments: every row must belong to a submission of this data set
    adsh = soi.column("adsh").combine_chunks()
    known = pc.is_in(adsh, value_set=s_adsh)
    if not pc.all(pc.fill_null(known, False)).as_py():
        line, value = _first_bad(pc.invert(pc.fill_null(known, False)), adsh)
        raise _fail(f"line {line}: unknown submission {value!r} (not in sub.tsv)", dataset=dataset,
                    field="soi.tsv.adsh")
    sub_cik = pc.take(s_cik, pc.index_in(adsh, value_set=s_adsh))
    cik_mismatch = pc.not_equal(soi.column("cik").combine_chunks(), sub_cik)
    if pc.any(pc.fill_null(cik_mismatch, True)).as_py():
        line, value = _first_bad(pc.fill_null(cik_mismatch, True), soi.column("cik").combine_chunks())
        raise _fail(f"line {line}: CIK {value!r} differs from the submission's", dataset=dataset, field="soi.tsv.cik")

    ddate = _dates(soi.column("ddate").combine_chunks(), dataset=dataset, field="soi.tsv.ddate")
    period = _dates(soi.column("period").combine_chunks(), dataset=dataset, field="soi.tsv.period")
    fair_raw = _column(soi, "fair_value")
    own = pc.and_(pc.equal(ddate, period), pc.is_in(soi.column("form").combine_chunks(), value_set=pa.array(FORMS)))
    keep = pc.and_(own, pc.is_valid(fair_raw))
    soi = soi.filter(keep)
    ddate = ddate.filter(keep)

    ident = _strip_member(soi.column("Investment, Identifier Axis").combine_chunks())
    if pc.any(pc.is_null(ident)).as_py() or pc.any(pc.equal(ident, "")).as_py():
        line = pc.index(pc.fill_null(pc.equal(ident, ""), True), True).as_py() + 2
        raise _fail(f"kept row {line}: empty investment identifier", dataset=dataset,
                    field="soi.tsv.Investment, Identifier Axis")
    accession = soi.column("adsh").combine_chunks()
    pair = pc.binary_join_element_wise(accession, ident, "\x1f")
    if len(pc.unique(pair)) != len(pair):
        counts = pc.value_counts(pair)
        dup = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))[0].as_py()
        raise _fail(f"duplicate position {dup.split(chr(31))[1]!r} in {dup.split(chr(31))[0]}", dataset=dataset,
                    field="soi.tsv.Investment, Identifier Axis")

    issuer_axis = _column(soi, "issuer")
    split = pc.extract_regex(ident, SPLIT)
    split_issuer = pc.struct_field(split, "issuer")
    split_instrument = pc.struct_field(split, "instrument")
    type_axis = _column(soi, "investment_type")
    investment_type = (_per_unique(type_axis, _strip_member) if type_axis is not None
                       else pa.nulls(len(ident), pa.string()))
    issuer = (split_issuer if issuer_axis is None
              else pc.coalesce(_per_unique(issuer_axis, _strip_member), split_issuer))
    issuer = pc.coalesce(issuer, ident)
    issuer = pc.utf8_trim(issuer, " ,;|-")
    instrument = pc.coalesce(pc.replace_substring_regex(split_instrument, r"\s*\((?i:non[- ]?accrual)\)", ""),
                             investment_type)
    text = pc.binary_join_element_wise(pc.fill_null(instrument, ""), pc.fill_null(investment_type, ""), " ")
    lien = _per_unique(text, _lien)
    spread = _column(soi, "spread")
    if spread is not None:
        spread = _numbers(spread, dataset=dataset, field="soi.tsv.Investment, Basis Spread, Variable Rate")
        if pc.any(pc.fill_null(pc.or_(pc.less(spread, 0), pc.greater(spread, 30)), False)).as_py():
            line, value = _first_bad(pc.fill_null(pc.or_(pc.less(spread, 0), pc.greater(spread, 30)), False),
                                     _column(soi, "spread"))
            raise _fail(f"line {line}: spread {value} out of range", dataset=dataset,
                        field="soi.tsv.Investment, Basis Spread, Variable Rate")
        spread = pc.round(pc.if_else(pc.less(spread, 1), pc.multiply(spread, 10000.0), pc.multiply(spread, 100.0)), 2)
    rate = _column(soi, "interest_rate")
    if rate is not None:
        rate = _numbers(rate, dataset=dataset, field="soi.tsv.Investment Interest Rate")
    maturity = _column(soi, "maturity")
    if maturity is not None:
        maturity = _dates(maturity, dataset=dataset, field="soi.tsv.Investment Maturity Date", nullable=True)

    def num(key: str, label: str) -> pa.Array:
        col = _column(soi, key)
        if col is None:
            return pa.nulls(soi.num_rows, pa.float64())
        return _numbers(col, dataset=dataset, field=f"soi.tsv.{label}")

    fair_value = num("fair_value", "Investment Owned, Fair Value")
    principal = num("principal", "Investment Owned, Balance, Principal Amount")
    for values, what, label in ((fair_value, "fair value", "Investment Owned, Fair Value"),
                                (principal, "principal", "Investment Owned, Balance, Principal Amount")):
        negative = pc.fill_null(pc.less(values, 0), False)
        if pc.any(negative).as_py():
            i = pc.index(negative, True).as_py()
            raise _fail(f"kept row {i + 2}: negative {what} {values[i].as_py():.15g}", dataset=dataset,
                        field=f"soi.tsv.{label}")
    industry = _column(soi, "industry")
    n = soi.num_rows
    positions = pa.table({
        "bdc_cik": pc.utf8_lpad(soi.column("cik").combine_chunks(), 10, "0"),
        "bdc_name": soi.column("name").combine_chunks(),
        "accession": accession,
        "form": soi.column("form").combine_chunks(),
        "period_end": ddate,
        "filed": _dates(soi.column("filed").combine_chunks(), dataset=dataset, field="soi.tsv.filed"),
        "investment_identifier": ident,
        "issuer_name": issuer,
        "issuer_key": _per_unique(issuer, normalize_names),
        "instrument": instrument,
        "industry": _per_unique(industry, _strip_member) if industry is not None else pa.nulls(n, pa.string()),
        "investment_type": investment_type,
        "lien": lien,
        "maturity_date": maturity if maturity is not None else pa.nulls(n, pa.date32()),
        "spread_bp": spread if spread is not None else pa.nulls(n, pa.float64()),
        "interest_rate": rate if rate is not None else pa.nulls(n, pa.float64()),
        "principal": principal,
        "cost": num("cost", "Investment Owned, Cost"),
        "fair_value": fair_value,
        "is_non_accrual": pc.match_substring_regex(ident, r"non[- ]?accru", ignore_case=True),
        "dataset": pa.array([dataset] * n, pa.string()),
        "payload_hash": pa.array([payload_hash] * n, pa.string()),
    }, schema=HOLDINGS_SCHEMA)
    empty_key = pc.fill_null(pc.equal(positions.column("issuer_key"), ""), True)
    if pc.any(empty_key).as_py():
        line = pc.index(empty_key, True).as_py() + 2
        raise _fail(f"kept row {line}: issuer name normalises to nothing", dataset=dataset,
                    field="soi.tsv.Investment, Identifier Axis")
    return positions, submissions
