"""Dagster resources: the one DuckDB writer and the run's settings."""

import contextlib

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.settings import Settings, duckdb_memory_limit


class WarehouseDuckDB(DuckDBResource):
    """The working database's one writer. Unlike ``DuckDBResource``, which closes its connection only when
    the step succeeds, this closes it when the step raises too: a failed step must not leave a read-write
    handle open in the process (the next step, or the next run, would wait on DuckDB's file lock)."""

    @contextlib.contextmanager
    def get_connection(self):
        with super().get_connection() as conn:
            try:
                yield conn
            finally:
                conn.close()  # closing twice (here, then upstream on success) is harmless


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
