"""One error type for every source, so that a bad payload is reported in one line."""

from __future__ import annotations


class SourceError(Exception):
    """A payload or request from `source` could not be used.

    ``str(err)`` is a single line naming the source, the series and the field,
    which is what the CLI prints and what the quarantine record stores.
    """

    def __init__(
        self, source: str, message: str, *, series: str | None = None, field: str | None = None
    ) -> None:
        self.source = source
        self.series = _visible(series)
        self.field = _visible(field)  # a field name may come from the payload itself ("\r", "a\nb")
        self.message = " ".join(str(message).split())  # always one line
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.source]
        if self.series is not None:
            parts.append(f"series {self.series}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        parts.append(self.message)
        return ": ".join(parts)


class ParseError(SourceError):
    """The payload arrived but its content is malformed, drifted or inconsistent."""


def _visible(value: str | None) -> str | None:
    """``value`` as given when it prints on one line, else with its control characters escaped."""
    if value is None or str(value).isprintable():
        return value
    return str(value).encode("unicode_escape").decode("ascii")
