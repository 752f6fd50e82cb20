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

The worker has two lanes (``LANES``): once GX is imported it forks a second process, which has it imported
too, and two slices are validated at once, one per core (expectations.runner.run_suites keeps both busy).
At that point the worker has native threads: numpy's OpenBLAS and Arrow's jemalloc, which stop and restart
theirs around a fork (pthread_atfork), and one that ``import duckdb`` starts. A forked copy of that last one's
C++ thread object, without its thread, aborts the process in the interpreter's teardown (the warm dbt's
finding, orchestration/warm_dbt.py), so a lane never runs it: it ends with ``os._exit``. Each lane opens its
own DuckDB connection, after the fork, and uses no state of the parent's. tests/test_gx_worker.py checks
that both lanes give the in-process outcomes for every suite.

A process has one worker (``shared_worker``), whose import its runs share: `fragility run` executes its ingest
and build runs in one process, and a second import during dbt cost the build about 3.5 s of CPU. It ends
with the process.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import threading
import time

from expectations.runner import WorkerGone
from expectations.suites import SUITES, Suite

_BY_NAME = {s.name: s for s in SUITES}


LANES = 2  # slices validated at once (this machine's two cores)


class GxWorker:
    def __init__(self, lanes: int = LANES) -> None:
        # spawn, not fork: the parent runs threads (Dagster) and holds DuckDB handles a fork would copy
        ctx = multiprocessing.get_context("spawn")
        pipes = [ctx.Pipe() for _ in range(max(1, lanes))]
        self._conns = [ours for ours, _ in pipes]
        self._proc = ctx.Process(target=_serve, args=([theirs for _, theirs in pipes],), name="fragility-gx-worker",
                                 daemon=True)
        self._proc.start()
        for _, theirs in pipes:
            theirs.close()
        self.owner = os.getpid()
        self.broken = False
        self.served_by_lane = [0] * len(self._conns)  # validations done there
        self._busy = [False] * len(self._conns)  # a lane with a request whose result is not yet collected
        self._lock = threading.RLock()  # one user at a time (``session``)

    @property
    def lanes(self) -> int:
        return len(self._conns)

    def alive(self) -> bool:
        return not self.broken and self._proc.is_alive()

    def serves(self, suite: Suite) -> bool:
        return not self.broken and _BY_NAME.get(suite.name) is suite

    @contextlib.contextmanager
    def session(self):
        """The worker to oneself while it lasts; a request left uncollected at its end would answer the next
        one, so then the worker serves no more (``shared_worker`` replaces it)."""
        with self._lock:
            try:
                yield self
            finally:
                if any(self._busy):
                    self.broken = True

    def validate(self, suite: Suite, table) -> tuple[int, tuple]:
        """(rows checked, outcomes) of ``suite`` on the Arrow ``table``; raises what validation raised."""
        with self.session():
            return self.collect(self.submit(suite, table))[:2]

    def submit(self, suite: Suite, table) -> int:
        """Send ``suite`` and its Arrow ``table`` to a free lane, whose number ``collect`` takes."""
        lane = self._busy.index(False)  # ValueError: every lane is busy (collect one first)
        try:
            self._conns[lane].send((suite.name, table))
        except (OSError, EOFError) as exc:  # the worker died (killed, out of memory)
            self.broken = True
            raise WorkerGone(str(exc) or type(exc).__name__) from exc
        except BaseException:  # interrupted part way: the lane may hold half a request
            self.broken = True
            raise
        self._busy[lane] = True
        return lane

    def collect(self, lane: int) -> tuple[int, tuple, float]:
        """(rows checked, outcomes, seconds the lane spent validating) of the lane's request."""
        try:
            ok, value = self._conns[lane].recv()
        except (OSError, EOFError) as exc:
            self.broken = True
            raise WorkerGone(str(exc) or type(exc).__name__) from exc
        except BaseException:  # interrupted (Ctrl-C, a run's termination): the reply would answer the next request
            self.broken = True
            raise
        finally:
            self._busy[lane] = False
        if not ok:
            raise value
        self.served_by_lane[lane] += 1
        return value

    @property
    def served(self) -> int:
        return sum(self.served_by_lane)

    def close(self) -> None:
        # Closing the pipes ends the forked lanes (each exits on end of file, with os._exit); the first is killed
        # at once, even mid-import (a run with nothing to validate must not wait for it). None holds anything of
        # value (no file, no connection).
        for conn in self._conns:
            conn.close()
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


def _serve(conns) -> None:
    """The worker: import GX at once, fork the other lanes, then each validates the (suite name, Arrow table)
    requests of its pipe."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import signal

    import tqdm

    # GX opens a (hidden) tqdm bar, and tqdm's default lock is a multiprocessing semaphore; one made here and
    # never released (this process is killed when the run ends) made the resource tracker warn on every run.
    tqdm.tqdm.set_lock(threading.RLock())

    from expectations import runner

    runner._context()  # the import this process exists for
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # lanes that exit first reap themselves
    for conn in conns[1:]:
        if os.fork() == 0:  # a lane with GX imported (copy on write)
            for other in conns:
                if other is not conn:
                    other.close()
            _lane(conn)
        conn.close()
    _lane(conns[0])


def _lane(conn) -> None:
    """Validate each request of ``conn`` until the pipeline closes it (or dies); never returns."""
    import duckdb

    try:
        con = duckdb.connect()  # this lane's own: a forked lane must not use its parent's DuckDB
        from expectations import runner

        while True:
            try:
                name, table = conn.recv()
            except (EOFError, OSError):  # the pipeline closed the pipe, or died: nothing to tidy
                break
            try:
                # DuckDB's own conversion, so the DataFrame equals what `.df()` gives the in-process path
                started = time.perf_counter()
                frame = con.from_arrow(table).df()
                result = runner.validate_frame(_BY_NAME[name], frame)
                reply = (True, (result.rows_checked, result.outcomes, time.perf_counter() - started))
            except Exception as exc:  # noqa: BLE001 - sent back and raised in the pipeline, which reports it
                reply = (False, exc)
            try:
                conn.send(reply)
            except (EOFError, OSError):
                break
            except Exception:  # noqa: BLE001 - a reply that does not pickle: its text does
                detail = reply[1]
                conn.send((False, RuntimeError(f"{type(detail).__name__}: {detail}"[:500])))
    finally:
        os._exit(0)  # no interpreter teardown: quick, and nothing of a forked copy's native state is torn down
