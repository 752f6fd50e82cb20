"""Shared rules of the file drop (``fragility run --source files --files-dir DIR``), for every source that reads one.

Each source finds its own part of the drop (``DIR/fred/``, ``DIR/gold/monthly.csv``, ``DIR/ofr/fsi.csv`` ...) and
parses its own format in its own package; what they share lives here: the drop must be a folder, nothing may
resolve outside it (``..``, a symlink), README and dot files are ignored, and a file's fetch time is its
modification time. Errors about the drop itself are the ``files`` source's, whoever reads it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ingestion.errors import SourceError

SOURCE = "files"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
IGNORED = re.compile(r"^(\..*|readme(\..*)?|MANIFEST\.csv)$", re.IGNORECASE)


def refuse(message: str, field: str, entity: str | None = None) -> SourceError:
    return SourceError(SOURCE, message, series=entity, field=field)


def inside(path: Path, root: Path) -> Path:
    """``path`` resolved, refused when it escapes ``root`` (``..``, a symlink pointing elsewhere)."""
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # a symlink loop (RuntimeError on Python 3.11, OSError later)
        raise refuse(f"{path.name[:60]!r} is a symlink loop", "path", path.name[:60]) from None
    if not resolved.is_relative_to(root.resolve()):
        raise refuse(f"{path.name!r} resolves outside the file-drop folder", "path", path.name[:60])
    return resolved


def drop_root(files_dir: Path | None) -> Path:
    """The drop folder, or the one-line error saying what is missing."""
    if files_dir is None:
        raise refuse("--source files needs --files-dir DIR (a folder of downloads)", "files_dir")
    root = Path(files_dir)
    if not root.is_dir():
        raise refuse(f"--files-dir {str(root)[:80]} is not a folder", "files_dir")
    return root


def part(root: Path, *names: str, folder: bool) -> Path | None:
    """``root/names...`` resolved (and kept inside the drop) when it exists as a folder / a file, else None."""
    p = root.joinpath(*names)
    ok = p.is_dir() if folder else p.is_file()
    return inside(p, root) if ok else None


def mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
