"""Replay a sample source's landed payloads instead of generating them again.

The sample generator is deterministic: its payloads are a pure function of the source, the scale, the
publication window (daily sources) and the generator's code. So once a source's payloads for one such
key have all landed, the next run with the same key replays them from the landing zone (one small JSON
list under ``landing/sample_memo``) and the generator does not run. The loader then skips them as already
loaded, as it would have after regenerating the same bytes. At x100 this is what keeps a new day's ingest
from regenerating millions of holdings rows to find nothing new; live sources get the same effect from
their own incremental requests (observation windows, publication days).

A key covers every file of the ``ingestion`` package (code and catalogs), so any change to a generator,
parser or catalog regenerates everything. A memo is written only after its generator finished, and is
ignored when any payload file it lists has gone, so a killed run or a pruned landing zone regenerates.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

from ingestion.landing import Landing, Payload

PACKAGE = Path(__file__).resolve().parent


@functools.cache
def generator_digest() -> str:
    """Hash of every file of the ingestion package: the generators, parsers and catalogs they read."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".csv", ".json"):
            h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def memo_path(landing: Landing, source: str, key: dict) -> Path:
    doc = json.dumps({"source": source, "code": generator_digest(), **key}, sort_keys=True, default=str)
    return landing.root / "sample_memo" / f"{source}-{hashlib.sha256(doc.encode()).hexdigest()[:24]}.json"


def replay_or_generate(landing: Landing, source: str, key: dict,
                       generate: Callable[[], Iterator[Payload]]) -> Iterator[Payload]:
    """The payloads ``generate`` would land for ``key``: from the memo when complete, else generated (and memoised)."""
    path = memo_path(landing, source, key)
    replayed = _read(landing, path)
    if replayed is not None:
        for payload in replayed:
            yield landing.record(payload)  # the manifest keeps a record of every payload (a torn line repaired)
        return
    landed = []
    for payload in generate():
        landed.append(payload)
        yield payload
    _write(landing, path, landed)  # only reached when the generator finished


def _read(landing: Landing, path: Path) -> list[Payload] | None:
    try:  # payload paths are kept relative to the landing zone, so a copied home replays its own files
        payloads = [Payload(**{**d, "path": str(landing.root / d["path"])}) for d in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError, KeyError):
        return None  # no memo yet, or one we cannot trust: generate
    return payloads if all(os.path.exists(p.path) for p in payloads) else None


def _write(landing: Landing, path: Path, payloads: list[Payload]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        rows = [{**asdict(p), "path": Path(p.path).relative_to(landing.root).as_posix()} for p in payloads]
    except ValueError:
        return  # a payload outside this landing zone: nothing to replay from here
    tmp.write_text(json.dumps(rows, sort_keys=True))
    os.replace(tmp, path)
