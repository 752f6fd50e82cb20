"""Dagster resources: the one DuckDB writer and the run's settings."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.settings import Settings, duckdb_memory_limit


class PipelineSettings(dg.ConfigurableResource):
    """Where data lives and which source feeds the run (no secrets: those stay in the environment)."""

    home: str
    source: str = "sample"
    files_dir: str | None = None
    scale: int = 1

    def settings(self) -> Settings:
        from pathlib import Path

        return Settings(Path(self.home), self.source, Path(self.files_dir) if self.files_dir else None, self.scale)


def build_resources(settings: Settings) -> dict[str, object]:
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    return {
        # Every DuckDB write in the Dagster process goes through this resource.
        "duckdb": DuckDBResource(database=str(settings.build_db),
                                 connection_config={"memory_limit": duckdb_memory_limit()}),
        "pipeline": PipelineSettings(
            home=str(settings.home), source=settings.source,
            files_dir=str(settings.files_dir) if settings.files_dir else None, scale=settings.scale,
        ),
    }
