"""Entity-name normalisation shared by the SEC BDC schedules and the index holdings.

Different filers spell one borrower differently ("Zenith Software Holdings, LLC",
"ZENITH SOFTWARE HOLDINGS, L.L.C.", "Zenith Software Holdings LLC"); the key they share is:

1. lower case, "&" read as "and", XBRL decoration (" [Member]") and parenthesised notes dropped;
2. every run of punctuation or spaces becomes one space ("L.L.C." -> "l l c");
3. a leading "the" and trailing legal suffixes (Inc, LLC, L.P., Ltd, Corp, Co, Holdings, Class A, ...)
   are stripped, repeatedly, so "holdings llc" goes as a whole; a one-word name keeps its word.

The array version (pyarrow, vectorised) is the implementation; the scalar one calls it, so both agree.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_SUFFIXES = (
    "and co", "and company", "incorporated", "inc", "llc", "l l c", "llp", "l l p", "lp", "l p", "ltd", "limited",
    "corporation", "corp", "company", "co", "holdings", "holding", "hldgs", "plc", "p l c", "sa", "s a", "sarl",
    "ag", "nv", "n v", "bv", "b v", "gmbh", "class [a-z]", "cl [a-z]",
)
_TRAILING = r"(?:\s+(?:" + "|".join(_SUFFIXES) + r"))+$"


def normalize_names(names: pa.Array | pa.ChunkedArray, *, sep: str = " ") -> pa.Array | pa.ChunkedArray:
    """The normalised key of every name (NULL stays NULL); words joined by ``sep``."""
    s = pc.utf8_lower(names)
    s = pc.replace_substring_regex(s, r"\s*\[(?:member|domain)\]", " ")
    s = pc.replace_substring_regex(s, r"\([^)]*\)", " ")
    s = pc.replace_substring(s, "&", " and ")
    s = pc.replace_substring_regex(s, r"[^a-z0-9]+", " ")
    s = pc.utf8_trim_whitespace(s)
    s = pc.replace_substring_regex(s, r"^the\s+", "")
    s = pc.replace_substring_regex(s, _TRAILING, "")
    if sep != " ":
        s = pc.replace_substring(s, " ", sep)
    return s


def normalize_name(name: str, *, sep: str = " ") -> str:
    """Scalar form of :func:`normalize_names` (same code path)."""
    return normalize_names(pa.array([name], pa.string()), sep=sep)[0].as_py()
