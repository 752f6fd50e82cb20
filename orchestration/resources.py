"""Dagster resources: the one DuckDB writer and the run's settings."""

import contextlib

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from orchestration.settings import Settings, duckdb_memory_limit


class WarehouseDuckDB(DuckDBResource):
    """The working database's one writer, opened once per run rather than once per step.

    Upstream opens and closes the file in every step: at x100 that is about 0.1 s each (the catalog of a
    450 MB file is read, and closing checkpoints), over 20 steps in a daily refresh. Within a run (the
    in-process executor builds resources once per run) this keeps one handle and gives each step its own
    cursor, so a step's transaction and temporary objects still end with the step. ``release()`` closes the
    handle: before another process opens the file (the dbt step), before publish copies it, after a step
    that failed (the next one starts from a fresh handle), and at the end of the run. Outside a run (a
    sensor, a script) each use opens and closes the file as upstream does, and closes it on failure too.
    """

    _handle: list = PrivateAttr(default_factory=list)  # the open connection while a run holds the file
    _in_run: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._in_run = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.release()

    @contextlib.contextmanager
    def get_connection(self):
        if not self._in_run:
            with super().get_connection() as conn:
                try:
                    yield conn
                finally:
                    conn.close()  # closing twice (here, then upstream on success) is harmless
            return
        if not self._handle:
            self._handle.append(self._open())
        cursor = self._handle[0].cursor()
        try:
            yield cursor
        except BaseException:
            self.release()  # closing the connection closes its cursors, and rolls back what was open
            raise
        finally:
            cursor.close()

    def _open(self):
        """As upstream opens it: its configuration, and retries while another process holds the file."""
        import duckdb
        from dagster._utils.backoff import backoff

        return backoff(fn=duckdb.connect, retry_on=(RuntimeError, duckdb.IOException), max_retries=10,
                       kwargs={"database": self.database, "read_only": False,
                               "config": {"custom_user_agent": "dagster", **self.connection_config}})

    def release(self) -> None:
        """Close this process's handle on the working database (nothing happens if none is open)."""
        while self._handle:
            self._handle.pop().close()


class PipelineSettings(dg.ConfigurableResource):
    """Where data lives and which source feeds the run (no secrets: those stay in the environment)."""

    home: str
    source: str = "sample"
    files_dir: str | None = None
    scale: int = 1
    as_of: str | None = None  # YYYY-MM-DD

    def settings(self) -> Settings:
        import datetime as dt
        from pathlib import Path

        return Settings(Path(self.home), self.source, Path(self.files_dir) if self.files_dir else None, self.scale,
                        dt.date.fromisoformat(self.as_of) if self.as_of else None)


def build_resources(settings: Settings) -> dict[str, object]:
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    return {
        # Every DuckDB write in the Dagster process goes through this resource.
        "duckdb": WarehouseDuckDB(database=str(settings.build_db),
                                  connection_config={"memory_limit": duckdb_memory_limit()}),
        "pipeline": PipelineSettings(
            home=str(settings.home), source=settings.source,
            files_dir=str(settings.files_dir) if settings.files_dir else None, scale=settings.scale,
            as_of=settings.as_of.isoformat() if settings.as_of else None,
        ),
    }
