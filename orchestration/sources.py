"""Which payloads feed a run: the sample generator, the live APIs or a file drop."""

from __future__ import annotations

from collections.abc import Iterator

from ingestion.errors import SourceError
from ingestion.landing import Landing, Payload
from orchestration.settings import Settings


def fred_payloads(settings: Settings, landing: Landing) -> Iterator[Payload]:
    from ingestion import fred

    if settings.source == "sample":
        yield from fred.acquire_sample(landing, scale=settings.scale)
    elif settings.source == "live":
        from ingestion.fred.client import FredClient
        from ingestion.http import HttpClient

        with HttpClient() as http:
            yield from fred.acquire_live(landing, FredClient(http))
    else:
        raise SourceError("files", "the file-drop source is not available yet (sources issue); "
                          "use --source sample", field="source")
