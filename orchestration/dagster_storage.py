"""Dagster's SQLite event log, with one SQLAlchemy engine per database file instead of one per event.

The stock ``SqliteEventLogStorage`` builds a new engine for every connection it opens and disposes of it
after: for each event, a fresh engine (so SQLAlchemy's statement cache starts empty and every INSERT is
compiled again), a new SQLite connection, a commit and a close, two or three times (run shard, index).
That was 20-40 ms per event here, and a daily refresh writes about 320 events (a materialisation, a planned
event and an output per asset; the same three per dbt test and GX suite): 5-8 s of a 37 s run.

This subclass keeps each file's engine (and its pooled connection) for the life of the storage, so the
statement cache works and the file stays open. Files and schema are the stock ones, in the stock place,
so the UI, the daemon and `dagster` CLIs (which keep the stock class: `dagster.yaml` is left alone) read the
same history. Only `fragility run` writes through it (``instance_for``). Engines of older runs are
disposed past ``MAX_ENGINES``.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from sqlalchemy import create_engine, event

MAX_ENGINES = 16


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None) -> None:
        self._engines: OrderedDict[str, object] = OrderedDict()  # shard -> engine, least recently used first
        self._tables_seen: set[str] = set()  # tables of the index shard known to exist
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str):
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(self.conn_string_for_shard(shard),
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            event.listen(engine, "connect", _no_fsync_per_commit)
        self._engines[shard] = engine
        while len(self._engines) > MAX_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str):
        with self._db_lock:  # as upstream: one connection at a time per storage (threads share it)
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Upstream builds an engine to ask this on every asset event; a table, once there, stays."""
        if table_name not in self._tables_seen and super().has_table(table_name):
            self._tables_seen.add(table_name)
        return table_name in self._tables_seen

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the run files are deleted: no connection may stay open on them
        self._tables_seen.clear()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


def _no_fsync_per_commit(dbapi_connection, _record) -> None:
    """The files are in WAL mode (Dagster sets it): with synchronous=NORMAL a commit is not fsynced, only a
    checkpoint is. A process killed at any point loses nothing committed; only a power cut can drop the
    last commits of a run. That is the trade SQLite documents for WAL, and it saves ~2 ms per event."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def instance_for(dagster_home: Path):
    """The home's Dagster instance (its `dagster.yaml`), with this event log over Dagster's default files.

    A `dagster.yaml` that chooses its own storage (Postgres, say) is used exactly as written.
    """
    import dagster as dg
    import yaml
    from dagster._core.instance.ref import InstanceRef

    config = dagster_home / "dagster.yaml"
    chosen = yaml.safe_load(config.read_text()) if config.exists() else None
    if isinstance(chosen, dict) and any(k in chosen for k in STORAGE_KEYS):
        return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home)))
    ours = {"module": __name__, "class": PooledSqliteEventLogStorage.__name__,
            "config": {"base_dir": str(dagster_home / "history" / "runs")}}  # where Dagster keeps them
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home), overrides={"event_log_storage": ours}))
