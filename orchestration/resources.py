"""Dagster resources: the warehouse (the one way into DuckDB) and the run's settings.

Every DuckDB connection of the code location is opened here: the pipeline's writer, the read-only looks of
sensors, planning and summaries, and the published copy analysts read. That is how the one-writer rule
holds by construction: a writer exists only inside a step that declares the ``duckdb_writer`` pool (the
assets and checks), and everything else reads.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from orchestration.settings import Settings, duckdb_memory_limit


class WarehouseBusy(RuntimeError):
    """Another process writes the working database; a reader should come back later."""


class WarehouseMissing(RuntimeError):
    """There is nothing to read yet (no working or no published database)."""


class WarehouseDuckDB(DuckDBResource):
    """The warehouse: the working database's one writer, read-only looks, and the published copy.

    The writer is opened once per run rather than once per step. Upstream opens and closes the file in every
    step: at x100 that is about 0.1 s each (the catalog of a 450 MB file is read, and closing checkpoints),
    over 20 steps in a daily refresh. Within a run (the in-process executor builds resources once per run)
    this keeps one handle and gives each step its own cursor, so a step's transaction and temporary objects
    still end with the step. ``release()`` closes the handle: before another process opens the file (the dbt
    step), before publish copies it, after a step that failed (the next one starts from a fresh handle) and
    at the end of the run. Outside a run (a sensor, a script) each use opens and closes the file.
    """

    published_database: str = ""  # the analysts' copy; "" = beside the working database's folder
    # DuckLake (orchestration.lake): the tables as Parquet files in lake_data, the catalog in PostgreSQL.
    backend: str = "file"
    lake_catalog: str = ""  # a libpq connection string (from FRAGILITY_LAKE_CATALOG through EnvVar: not shown)
    lake_data: str = ""
    extension_dir: str = ""

    _handle: list = PrivateAttr(default_factory=list)  # the open connection while a run holds the file
    _in_run: bool = PrivateAttr(default=False)

    @classmethod
    def for_settings(cls, settings: Settings) -> WarehouseDuckDB:
        import os

        config = {"memory_limit": duckdb_memory_limit()}
        if settings.warehouse == "file":
            return cls(database=str(settings.build_db), published_database=str(settings.published_db),
                       connection_config=config)
        catalog = settings.catalog()
        from_env = settings.lake_catalog and os.environ.get("FRAGILITY_LAKE_CATALOG") == catalog
        return cls(database=":memory:", backend="ducklake", connection_config=config,
                   lake_catalog=dg.EnvVar("FRAGILITY_LAKE_CATALOG") if from_env else catalog,
                   lake_data=str(settings.lake_data_path), extension_dir=str(settings.extension_dir))

    @property
    def is_lake(self) -> bool:
        return self.backend == "ducklake"

    @property
    def catalog(self) -> str:
        """The lake's catalog string (an EnvVar is read here too: outside a run Dagster has not resolved it)."""
        value = self.lake_catalog
        return value.get_value() or "" if isinstance(value, dg.EnvVar) else value

    def _lake(self, *, read_only: bool = False, snapshot: int | None = None):
        from orchestration import lake

        Path(self.lake_data).mkdir(parents=True, exist_ok=True)
        try:
            return lake.connect(self.catalog, self.lake_data, Path(self.extension_dir),
                                memory_limit=self.connection_config.get("memory_limit"), read_only=read_only,
                                snapshot=snapshot)
        except lake.LakeNotCreated as exc:
            raise WarehouseMissing(str(exc)) from None

    def ddl_lock(self):
        """Hold while changing the schema: on DuckLake, concurrent DDL conflicts (a PostgreSQL advisory lock);
        a file has one writer, so there it is nothing."""
        if not self.is_lake:
            return contextlib.nullcontext()
        from orchestration import lake

        return lake.ddl_lock(self.catalog)

    def describe(self) -> str:
        """Where the warehouse is, for messages (never a password)."""
        if not self.is_lake:
            return str(self.published_path())
        from orchestration import lake

        return f"DuckLake at {lake.redact(self.catalog)}, data in {self.lake_data}"

    # ------------------------------------------------------------------------------------------- writer

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._in_run = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.release()

    @contextlib.contextmanager
    def get_connection(self):
        """The writer (only steps in the ``duckdb_writer`` pool call this)."""
        if not self.is_lake:
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        if not self._in_run:
            conn = self._open()
            try:
                yield conn
            finally:
                conn.close()
            return
        if not self._handle:
            self._handle.append(self._open())
        cursor = self._cursor()
        try:
            yield cursor
        except BaseException:
            self.release()  # closing the connection closes its cursors, and rolls back what was open
            raise
        finally:
            cursor.close()

    def _open(self):
        """As upstream opens it: its configuration, and retries while another process holds the file."""
        if self.is_lake:  # many writers: nothing to wait for
            return self._lake()
        import duckdb
        from dagster._utils.backoff import backoff  # upstream's own retry, as DuckDBResource uses it

        return backoff(fn=connect_file, retry_on=(RuntimeError, duckdb.IOException), max_retries=10,
                       kwargs={"path": self.database, "read_only": False,
                               "config": {"custom_user_agent": "dagster", **self.connection_config}})

    def _cursor(self):
        """A cursor on the run's handle: a new connection to the same database, whose default catalog is the
        database's own, so on DuckLake it is pointed at the lake again."""
        cursor = self._handle[0].cursor()
        if self.is_lake:
            from orchestration import lake

            cursor.execute(f"USE {lake.CATALOG}")
        return cursor

    def release(self) -> None:
        """Close this process's handle on the working database (nothing happens if none is open)."""
        while self._handle:
            self._handle.pop().close()

    # ------------------------------------------------------------------------------------------- readers

    def exists(self) -> bool:
        return True if self.is_lake else Path(self.database).exists()

    @contextlib.contextmanager
    def read_only(self):
        """A read-only look at the working database, for sensors, planning and summaries.

        Inside a run that holds the writer, a cursor on it (DuckDB refuses a second, read-only, handle on a
        file this process has open). Otherwise one attempt, no retries: ``WarehouseBusy`` when another
        process writes it, ``WarehouseMissing`` when there is no working database yet.
        """
        if self._handle:
            cursor = self._cursor()
            try:
                yield cursor
            finally:
                cursor.close()
            return
        if self.is_lake:
            con = self._lake(read_only=True)
        elif not self.exists():
            raise WarehouseMissing(f"no working database at {self.database} yet; run `fragility run` first")
        else:
            con = _connect_reader(self.database, self.connection_config)
        try:
            yield con
        finally:
            con.close()

    def published_path(self) -> Path:
        return Path(self.published_database) if self.published_database else (
            Path(self.database).parent.parent / Path(self.database).name)

    def published_snapshot(self) -> int | None:
        """DuckLake: the snapshot analysts read (the last published one), or None before the first."""
        from orchestration import lake

        try:
            con = self._lake(read_only=True)
        except WarehouseMissing:
            return None
        try:
            published = lake.published_snapshots(con)
        finally:
            con.close()
        return published[0][0] if published else None

    def published_exists(self) -> bool:
        if self.is_lake:
            return self.published_snapshot() is not None
        return self.published_path().exists()

    @contextlib.contextmanager
    def published(self):
        """A read-only connection to the published copy (on DuckLake: the published snapshot)."""
        if self.is_lake:
            snapshot = self.published_snapshot()
            if snapshot is None:
                raise WarehouseMissing(f"nothing published yet in the {self.describe()}; run `fragility run` first")
            con = self._lake(read_only=True, snapshot=snapshot)
        else:
            path = self.published_path()
            if not path.exists():
                raise WarehouseMissing(f"no published warehouse at {path}; run `fragility run` first")
            con = _connect_reader(str(path), self.connection_config)
        try:
            yield con
        finally:
            con.close()

    # ------------------------------------------------------------------------------------------- publish

    def publish(self, run_id: str, built_from: dict | None) -> dict:
        """Make what the checks passed on the analysts' (returns the publish's metadata).

        A file is checkpointed, copied, verified and swapped in (orchestration.publish); on DuckLake the current
        snapshot is recorded as published (orchestration.lake.publish)."""
        if self.is_lake:
            from orchestration import lake

            with self.get_connection() as con:
                tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                                     "AND schema_name = 'marts'").fetchone()[0]
                if not tables:
                    raise RuntimeError("publish: the lake has no marts tables; refusing to publish it")
                snapshot = lake.publish(con, run_id, tables, built_from)
            return {"snapshot": snapshot, "marts_tables": tables, "lake": self.describe()}
        from orchestration.publish import publish

        self.release()  # publish checkpoints and copies the file: no handle of this process may be open on it
        out = publish(Path(self.database), self.published_path(), connect_file)
        return {"path": dg.MetadataValue.path(str(out.path)), "bytes": out.bytes, "marts_tables": out.tables}

    # ------------------------------------------------------------------------------------------- dbt

    def dbt_env(self) -> dict[str, str]:
        """What the dbt profile (dbt_project/profiles.yml) reads: dbt opens the warehouse from its own process."""
        memory = {"FRAGILITY_DUCKDB_MEMORY_LIMIT": str(self.connection_config.get("memory_limit", ""))}
        if not self.is_lake:
            return {"FRAGILITY_BUILD_DB": self.database, **memory}
        from orchestration import lake

        lake.install_extensions(Path(self.extension_dir))  # dbt's connection autoloads them from there
        return {"FRAGILITY_LAKE_CATALOG": self.catalog, "FRAGILITY_LAKE_DATA": self.lake_data,
                "FRAGILITY_DUCKDB_EXTENSIONS": self.extension_dir, **memory}

    @property
    def dbt_target(self) -> str:
        return "lake" if self.is_lake else "dev"


def connect_file(path: str, read_only: bool = False, config: dict | None = None):
    """The one call that opens a DuckDB file in the code location (see the module docstring)."""
    import duckdb

    return duckdb.connect(path, read_only=read_only, config=config or {})


def _connect_reader(path: str, connection_config: dict):
    import duckdb

    try:
        return connect_file(path, read_only=True, config=dict(connection_config))
    except duckdb.IOException as exc:  # a lock held by another process: its message names the holder
        raise WarehouseBusy((str(exc).splitlines() or ["locked"])[0][:200]) from exc


class PipelineSettings(dg.ConfigurableResource):
    """Where data lives and which source feeds the run (no secrets: those stay in the environment)."""

    home: str
    source: str = "sample"
    files_dir: str | None = None
    scale: int = 1
    as_of: str | None = None  # YYYY-MM-DD

    def settings(self) -> Settings:
        import datetime as dt

        return Settings(Path(self.home), self.source, Path(self.files_dir) if self.files_dir else None, self.scale,
                        dt.date.fromisoformat(self.as_of) if self.as_of else None)

    @classmethod
    def for_settings(cls, settings: Settings) -> PipelineSettings:
        return cls(home=str(settings.home), source=settings.source,
                   files_dir=str(settings.files_dir) if settings.files_dir else None, scale=settings.scale,
                   as_of=settings.as_of.isoformat() if settings.as_of else None)


class GreatExpectations(dg.ConfigurableResource):
    """Great Expectations in a worker process (expectations.gx_worker), one per process, shared by its runs.

    ``import great_expectations`` costs 6-8 s of CPU. Started when the first run with checks starts, the worker
    imports it on the other core while the run's first steps (ingest, dbt) work, whoever launched the run; the
    process's later runs (`fragility run`'s build after its ingest) find it imported. Outside a run, or if the
    worker cannot start, suites validate in the caller's process.
    """

    _worker: list = PrivateAttr(default_factory=list)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        import sys

        if "great_expectations" in sys.modules:  # a step forked from a server that imported it: validate here
            return
        from expectations.gx_worker import shared_worker

        try:
            self._worker.append(shared_worker())
        except OSError as exc:  # no process to spare: validate in this one
            context.log.warning(f"Great Expectations worker not started ({exc}); validating in the run's process")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._worker.clear()  # the worker stays for the process's next run; it ends with the process

    def worker(self):
        return self._worker[0] if self._worker else None
