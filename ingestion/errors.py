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
        self.series = series
        self.field = field
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
