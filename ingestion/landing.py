"""The landing zone: every raw payload kept as bytes, addressed by its content hash.

Layout under ``HOME/landing``::

    <source>/<hash[:2]>/<hash>.<ext>     the payload bytes, written once (atomic rename)
    manifest.jsonl                       one line per fetch: source, request, hash, fetched_at, as_of
    quarantine/<source>/<hash>.<ext>     payloads that failed to parse, with <hash>.error.txt

Re-parsing reads from here and never re-downloads. Requests are stored redacted: no secret ever
reaches the manifest (callers pass the redacted request; ``store`` refuses known secret keys).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

SECRET_KEYS = {"api_key", "user_agent", "User-Agent"}


@dataclass(frozen=True)
class Payload:
    source: str
    request: dict
    content_hash: str
    path: str
    fetched_at: str
    as_of: str

    def read(self) -> bytes:
        return Path(self.path).read_bytes()


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Landing:
    def __init__(self, home: Path) -> None:
        self.root = Path(home) / "landing"
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest = self.root / "manifest.jsonl"
        self._recorded = {p.content_hash for p in self.payloads()}

    def store(
        self, source: str, request: dict, content: bytes, *, fetched_at: dt.datetime, as_of: dt.date,
        ext: str = "json",
    ) -> Payload:
        leaked = SECRET_KEYS & set(request)
        if leaked:
            raise ValueError(f"landing: refusing to store secret request keys {sorted(leaked)}")
        h = content_hash(content)
        path = self.root / source / h[:2] / f"{h}.{ext}"
        payload = Payload(source, request, h, str(path), fetched_at.isoformat(), as_of.isoformat())
        if h in self._recorded and path.exists():  # same bytes already landed: first record stands
            return payload
        if not path.exists():
            _atomic_write(path, content)
        self._append(payload)
        return payload

    def record(self, payload: Payload) -> Payload:
        """A payload whose bytes are already here (a replay): recorded in the manifest unless it is there."""
        if payload.content_hash not in self._recorded:
            self._append(payload)
        return payload

    def _append(self, payload: Payload) -> None:
        self._recorded.add(payload.content_hash)
        self._drop_torn_tail()
        with open(self.manifest, "a") as fh:
            fh.write(json.dumps(asdict(payload), sort_keys=True) + "\n")

    def _drop_torn_tail(self) -> None:
        """Cut a last line without its newline (a writer killed mid-append) before appending after it.

        Only the writer (the pipeline, under the home lock) calls this. The torn line's payload file was
        written before it, and the next fetch of the same bytes records it again.
        """
        if not self.manifest.exists():
            return
        with open(self.manifest, "rb+") as fh:
            end = fh.seek(0, os.SEEK_END)
            if end == 0:
                return
            fh.seek(end - 1)
            if fh.read(1) == b"\n":
                return
            pos = end
            while pos > 0:  # back to the last complete line
                step = min(pos, 64 * 1024)
                fh.seek(pos - step)
                cut = fh.read(step).rfind(b"\n")
                if cut >= 0:
                    fh.truncate(pos - step + cut + 1)
                    return
                pos -= step
            fh.truncate(0)

    def quarantine(self, payload: Payload, error: Exception) -> Path:
        src = Path(payload.path)
        dest = self.root / "quarantine" / payload.source / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        note = {"error": str(error), "request": payload.request, "fetched_at": payload.fetched_at}
        dest.with_suffix(".error.json").write_text(json.dumps(note, sort_keys=True) + "\n")
        return dest

    def payloads(self, source: str | None = None) -> list[Payload]:
        """Every landed payload (latest manifest line per hash), for re-parsing without a fetch."""
        if not self.manifest.exists():
            return []
        seen: dict[str, Payload] = {}
        text = self.manifest.read_bytes().decode("utf-8", errors="replace")
        lines = text.split("\n")
        # The last element is "" after a complete line; anything else is a line still being written or
        # torn by a killed writer: it is not a record (yet), so it is left out.
        for number, line in enumerate(lines[:-1], start=1):
            if not line.strip():
                continue
            try:
                p = Payload(**json.loads(line))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"landing: {self.manifest} line {number} is not a manifest record: "
                                 f"{type(exc).__name__}: {exc}") from None
            if source is None or p.source == source:
                seen[p.content_hash] = p
        return list(seen.values())
