"""Strict JSON helpers shared by every JSON parser (FRED, NY Fed, OFR, SEC)."""

from __future__ import annotations

import json
import re


def reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """``object_pairs_hook`` for ``json.loads``: a key given twice is an error, not "the last one wins"."""
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate JSON key {k!r}")
        out[k] = v
    return out


# "\ud800" is valid JSON, but a lone UTF-16 surrogate is not text: Arrow (and UTF-8) cannot hold it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def has_lone_surrogate(text: str, doc: object) -> bool:
    """True when the decoded document holds a lone surrogate (which only an escape can produce)."""
    if not _SURROGATE_ESCAPE.search(text):  # the usual case: no escape that could decode to one
        return False
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
