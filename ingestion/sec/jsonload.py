"""Strict JSON decoding for SEC payloads: one-line errors for HTML pages, truncation and duplicate keys."""

from __future__ import annotations

import json
import re

from ingestion.errors import ParseError


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate JSON key {k!r}")
        out[k] = v
    return out


# "\ud800" is valid JSON, but a lone UTF-16 surrogate is not text: Arrow (and UTF-8) cannot hold it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has_lone_surrogate(text: str, doc: object) -> bool:
    if not _SURROGATE_ESCAPE.search(text):  # the usual case: no escape that could decode to one
        return False
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def load_json_object(content: bytes, *, source: str, series: str | None, what: str) -> dict:
    """Decode a JSON object or raise a one-line :class:`ParseError` naming what went wrong."""
    if not content.strip():
        raise ParseError(source, f"empty {what} body (0 bytes)", series=series, field="body")
    head = content.lstrip()[:15].lower()
    if head.startswith(b"<"):
        raise ParseError(source, f"{what} body is HTML/XML, not JSON (an error page sent with 200?)",
                         series=series, field="body")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(source, f"{what} body is not UTF-8 (byte {exc.start})", series=series,
                         field="body") from None
    try:
        doc = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except ValueError as exc:
        raise ParseError(source, f"malformed or truncated {what} JSON: {exc}", series=series,
                         field="body") from None
    if _has_lone_surrogate(text, doc):
        raise ParseError(source, f"{what} JSON has a lone UTF-16 surrogate escape (not text)", series=series,
                         field="body")
    if not isinstance(doc, dict):
        raise ParseError(source, f"{what} JSON is a {type(doc).__name__}, expected an object", series=series,
                         field="body")
    return doc
