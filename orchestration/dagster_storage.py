"""Dagster's SQLite event log, with one SQLAlchemy engine per database file instead of one per event.

The stock ``SqliteEventLogStorage`` builds a new engine for every connection it opens and disposes of it
after: for each event, a fresh engine (so SQLAlchemy's statement cache starts empty and every INSERT is
compiled again), a new SQLite connection, a commit and a close, two or three times (run shard, index).
That was 20-40 ms per event here, and a daily refresh writes about 320 events (a materialisation, a planned
event and an output per asset; the same three per dbt test and GX suite): 5-8 s of a 37 s run.

This subclass keeps each file's engine (and its pooled connection) for the life of the storage, so the
statement cache works and the file stays open. Files and schema are the stock ones, in the stock place.
The home's ``dagster.yaml`` (``write_instance_config``) names this class, so every process of the instance
writes through it: `fragility run`, the webserver, the daemon and the run workers it launches. Engines of
older runs are disposed past ``MAX_ENGINES``.

It overrides two private methods of ``SqliteEventLogStorage`` (``_connect`` and, through ``has_table``, the
engine-per-call pattern); ``tests/test_dagster_storage.py`` pins the upstream code they replace, and
docs/upstream.md holds the upstream issue this would become.
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


INSTANCE_YAML = """# Written by `fragility` (orchestration.dagster_storage): the instance of this home, for the CLI,
# the UI, the daemon and its run workers alike.
telemetry:
  enabled: false
concurrency:
  pools:
    # DuckDB has one writer: every asset that writes declares pool "duckdb_writer".
    default_limit: 1
event_log_storage:
  module: orchestration.dagster_storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {runs}
"""


LAKE_INSTANCE_YAML = INSTANCE_YAML.splitlines()[0] + """
# the UI, the daemon and its run workers alike. With the lake, runs, events and schedules live in
# PostgreSQL (dagster-postgres), beside the lake's catalog, so several machines can share them.
telemetry:
  enabled: false
concurrency:
  pools:
    # Steps that write the warehouse's shared tables declare pool "duckdb_writer": one at a time.
    default_limit: 1
storage:
  postgres:
    postgres_url: {url}
"""
DAGSTER_PG_ENV = "FRAGILITY_DAGSTER_PG_URL"


def lake_instance_url(catalog: str) -> str:
    """Dagster's storage beside the lake's catalog: FRAGILITY_DAGSTER_PG_URL, else the catalog's server with
    database ``<catalog database>_dagster`` (created if missing). A catalog with a password needs the variable:
    the URL would otherwise hold the password in dagster.yaml."""
    import os

    if os.environ.get(DAGSTER_PG_ENV):
        return '{"env": "' + DAGSTER_PG_ENV + '"}'
    import psycopg2.extensions

    from orchestration.lake import LakeUnavailable, redact

    try:
        params = psycopg2.extensions.parse_dsn(catalog)
    except psycopg2.ProgrammingError as exc:
        raise LakeUnavailable(f"FRAGILITY_LAKE_CATALOG is not a libpq connection string ({redact(catalog)})") from exc
    if params.get("password"):
        raise LakeUnavailable(f"the lake's catalog has a password: set {DAGSTER_PG_ENV} (a postgresql:// URL) for "
                              "Dagster's instance, so that dagster.yaml need not hold it")
    database = f"{params.get('dbname', 'fragility')}_dagster"
    _create_database(catalog, database)
    host, port, user = params.get("host", ""), params.get("port", "5432"), params.get("user", "")
    if host.startswith("/"):  # a unix socket folder
        return f"postgresql+psycopg2://{user}@/{database}?host={host}&port={port}"
    return f"postgresql+psycopg2://{user}@{host}:{port}/{database}"


def _create_database(catalog: str, database: str) -> None:
    from orchestration.lake import catalog_session

    with catalog_session(catalog) as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{database}"')


def write_instance_config(dagster_home: Path, settings=None) -> Path:
    """The home's dagster.yaml: this event log over the stock SQLite files, or PostgreSQL with the lake. Rewritten
    only when it differs, and never when someone wrote their own (it no longer starts with our first line)."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if settings is not None and settings.warehouse == "ducklake":
        text = LAKE_INSTANCE_YAML.format(url=lake_instance_url(settings.catalog()))
    else:
        text = INSTANCE_YAML.format(runs=dagster_home / "history" / "runs")  # where Dagster keeps them
    if config.exists() and not config.read_text().startswith(INSTANCE_YAML.splitlines()[0]):
        return config
    if not config.exists() or config.read_text() != text:
        tmp = config.with_name(".dagster.yaml.tmp")
        tmp.write_text(text)
        tmp.replace(config)
    return config


def instance_for(dagster_home: Path):
    """The home's Dagster instance, as its dagster.yaml says."""
    import dagster as dg

    return dg.DagsterInstance.from_config(str(dagster_home))
