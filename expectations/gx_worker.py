"""A process that imports Great Expectations beside the pipeline and validates the slices sent to it.

``import great_expectations`` costs 6-8 s of CPU (it pulls in scipy.stats among others), and a daily
refresh validates only a few small slices: the import was the largest part of its checks. Importing it
in a thread of the pipeline's process competed for the GIL and made the run slower. A second process
imports it on the other core while the pipeline ingests, so that by the time the first check runs
the import is done.

The pipeline keeps DuckDB to itself (single writer: another process could not even open the file
read-only), so it reads each slice and sends it here as an Arrow table; this process turns it into
the same DataFrame DuckDB's ``.df()`` gives the in-process path and validates it with the same code
(``expectations.runner.validate_frame``). Only suites of the catalogue (``expectations.suites.SUITES``)
are sent, by name; anything else, or a worker that died, is validated in the caller's process.

A process has one worker (``shared_worker``), whose import its runs share: `fragility run` executes its ingest
and build runs in one process, and a second import during dbt cost the build about 3.5 s of CPU. It ends
with the process.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading

from expectations.runner import WorkerGone
from expectations.suites import SUITES, Suite

_BY_NAME = {s.name: s for s in SUITES}


class GxWorker:
    def __init__(self) -> None:
        # spawn, not fork: the parent runs threads (Dagster) and holds DuckDB handles a fork would copy
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child,), name="fragility-gx-worker", daemon=True)
        self._proc.start()
        child.close()
        self.owner = os.getpid()
        self.broken = False
        self.served = 0  # validations done there
        self._lock = threading.Lock()  # one request at a time on the pipe

    def alive(self) -> bool:
        return not self.broken and self._proc.is_alive()

    def serves(self, suite: Suite) -> bool:
        return not self.broken and _BY_NAME.get(suite.name) is suite

    def validate(self, suite: Suite, table) -> tuple[int, tuple]:
        """(rows checked, outcomes) of ``suite`` on the Arrow ``table``; raises what validation raised."""
        self.submit(suite, table)
        return self.collect()

    def submit(self, suite: Suite, table) -> None:
        """Send ``suite`` and its Arrow ``table``; ``collect()`` takes the result (one request at a time)."""
        self._lock.acquire()  # released by collect(), or here if the worker is gone
        try:
            self._conn.send((suite.name, table))
        except (OSError, EOFError) as exc:  # the worker died (killed, out of memory)
            self.broken = True
            self._lock.release()
            raise WorkerGone(str(exc) or type(exc).__name__) from exc

    def abandon(self) -> None:
        """A submitted request whose result nobody will collect: its reply would answer the next request, so
        this worker serves no more (``shared_worker`` replaces it)."""
        self.broken = True
        if self._lock.locked():
            self._lock.release()

    def collect(self) -> tuple[int, tuple]:
        try:
            ok, value = self._conn.recv()
        except (OSError, EOFError) as exc:
            self.broken = True
            raise WorkerGone(str(exc) or type(exc).__name__) from exc
        finally:
            self._lock.release()
        if not ok:
            raise value
        self.served += 1
        return value

    def close(self) -> None:
        # It holds nothing of value (no file, no connection): ending it now beats waiting for it to tear
        # down its interpreter (up to 2 s with GX loaded) or to finish an import nobody needs.
        self._conn.close()
        self._proc.kill()
        self._proc.join()


_SHARED: list[GxWorker] = []
_SHARED_LOCK = threading.Lock()


def shared_worker() -> GxWorker:
    """This process's worker: started on first use, replaced if it died, ended when the process exits."""
    with _SHARED_LOCK:
        if _SHARED and not (_SHARED[0].owner == os.getpid() and _SHARED[0].alive()):
            old = _SHARED.pop()
            if old.owner == os.getpid():  # a forked child leaves its parent's worker alone
                old.close()
        if not _SHARED:
            _SHARED.append(GxWorker())
        return _SHARED[0]


@atexit.register
def _close_shared() -> None:
    while _SHARED:
        worker = _SHARED.pop()
        if worker.owner == os.getpid():
            worker.close()


def _serve(conn) -> None:
    """The worker's loop: import GX at once, then validate each (suite name, Arrow table) received."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import threading

    import duckdb
    import tqdm

    # GX opens a (hidden) tqdm bar, and tqdm's default lock is a multiprocessing semaphore; one made here and
    # never released (this process is killed when the run ends) made the resource tracker warn on every run.
    tqdm.tqdm.set_lock(threading.RLock())

    from expectations import runner

    runner._context()  # the import this process exists for
    while True:
        try:
            name, table = conn.recv()
        except (EOFError, OSError):  # the pipeline closed the pipe, or died: nothing to tidy
            os._exit(0)
        try:
            # DuckDB's own conversion, so the DataFrame equals what `.df()` gives the in-process path
            frame = duckdb.from_arrow(table).df()
            result = runner.validate_frame(_BY_NAME[name], frame)
            reply = (True, (result.rows_checked, result.outcomes))
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the pipeline, which reports it
            reply = (False, exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception:  # noqa: BLE001 - a reply that does not pickle: its text does
            detail = reply[1]
            conn.send((False, RuntimeError(f"{type(detail).__name__}: {detail}"[:500])))
