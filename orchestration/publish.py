"""Publish the working database for analysts: checkpoint, copy, verify, atomic rename.

Readers that hold the old file keep reading it (the rename swaps the directory entry, not the
inode), new readers see the new file, and a crash at any step leaves the old published file intact.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class PublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    tables: int


def _connect(connect: Callable | None) -> Callable:
    if connect is not None:
        return connect
    from orchestration.resources import connect_file  # the warehouse resource's one way to open a file

    return connect_file


def checkpoint(db: Path, connect: Callable | None = None) -> None:
    """Fold the write-ahead log into the file, so the file alone is the whole database."""
    con = _connect(connect)(str(db))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = Path(f"{db}.wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublishError(f"publish: {db} still has a write-ahead log after CHECKPOINT; another writer?")


def publish(build_db: Path, published_db: Path, connect: Callable | None = None) -> Published:
    """``connect(path, read_only=False)`` opens a DuckDB file (default: the warehouse resource's own way)."""
    connect = _connect(connect)
    if not build_db.exists():
        raise PublishError(f"publish: working database {build_db} does not exist")
    checkpoint(build_db, connect)
    published_db.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_copies(published_db)
    tmp = published_db.with_name(f".{published_db.name}.{os.getpid()}.tmp")
    try:
        with open(build_db, "rb") as src, open(tmp, "wb") as dst:
            _copy(src, dst)
            os.fsync(dst.fileno())
        tables = _verify(tmp, connect)
        os.replace(tmp, published_db)
        dir_fd = os.open(published_db.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        tmp.unlink(missing_ok=True)
    return Published(published_db, published_db.stat().st_size, tables)


def _copy(src, dst) -> None:
    """Copy in the kernel (copy_file_range: no trip through Python's buffers; 4x faster at 450 MB here),
    or in 16 MiB chunks where the file system or platform cannot."""
    size = os.fstat(src.fileno()).st_size
    done = 0
    try:
        while done < size:
            n = os.copy_file_range(src.fileno(), dst.fileno(), size - done)
            if n == 0:
                break
            done += n
    except (AttributeError, OSError):
        if done:  # started in the kernel: finish from where it stopped
            src.seek(done)
            dst.seek(done)
    shutil.copyfileobj(src, dst, length=16 * 1024 * 1024)  # the rest, if any (nothing when the kernel copied)
    dst.flush()


def _remove_stale_copies(published_db: Path) -> None:
    """Delete half-written copies left by a publisher that died (kill -9) mid-copy: a whole database each."""
    for stale in published_db.parent.glob(f".{published_db.name}.*.tmp"):
        pid = stale.name[len(published_db.name) + 2 : -len(".tmp")]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # its writer is gone
            stale.unlink(missing_ok=True)
        except PermissionError:  # alive, someone else's
            pass


def _verify(candidate: Path, connect: Callable) -> int:
    """Open the copy read-only before it replaces anything: a copy that does not open never ships."""
    con = connect(str(candidate), read_only=True)
    try:
        n = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchone()[0]
    finally:
        con.close()
    if n == 0:
        raise PublishError(f"publish: {candidate} has no marts tables; refusing to publish it")
    return n
