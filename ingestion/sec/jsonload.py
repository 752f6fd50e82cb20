"""Strict JSON decoding for SEC payloads: one-line errors for HTML pages, truncation and duplicate keys."""

from __future__ import annotations

import json

from ingestion.errors import ParseError
from ingestion.jsonstrict import has_lone_surrogate, reject_duplicate_keys


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
        doc = json.loads(text, object_pairs_hook=reject_duplicate_keys)
    except ValueError as exc:
        raise ParseError(source, f"malformed or truncated {what} JSON: {exc}", series=series,
                         field="body") from None
    if has_lone_surrogate(text, doc):
        raise ParseError(source, f"{what} JSON has a lone UTF-16 surrogate escape (not text)", series=series,
                         field="body")
    if not isinstance(doc, dict):
        raise ParseError(source, f"{what} JSON is a {type(doc).__name__}, expected an object", series=series,
                         field="body")
    return doc
