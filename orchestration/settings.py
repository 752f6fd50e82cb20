"""Where data lives and which source feeds the run, read once from the environment.

``FRAGILITY_HOME`` (default ``./warehouse``) holds everything a run writes::

    HOME/build/fragility.duckdb   the working copy (single writer: the pipeline)
    HOME/fragility.duckdb         the published copy analysts open (swapped in atomically)
    HOME/landing/                 raw payloads, manifest and quarantine
    HOME/dagster/                 the Dagster instance (run history for the UI)
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

SOURCES = ("sample", "files", "live")
WAREHOUSES = ("file", "ducklake")  # one DuckDB file (default), or DuckLake: Parquet files + a PostgreSQL catalog
# DuckDB takes up to 80% of RAM by default; the pipeline bounds it (it spills to disk past the limit), in the
# Dagster process and in dbt's alike, so that x100 stays within a few GB. FRAGILITY_DUCKDB_MEMORY_LIMIT overrides.
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"


def duckdb_memory_limit() -> str:
    return os.environ.get("FRAGILITY_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT)


@dataclass(frozen=True)
class Settings:
    home: Path
    source: str = "sample"
    files_dir: Path | None = None
    scale: int = 1
    # The newest publication day the daily-partitioned sources ingest (FRAGILITY_AS_OF): default the
    # sample world's last day, or today in live and file mode. Moving it a day forward adds one partition.
    as_of: dt.date | None = None
    # The warehouse backend (FRAGILITY_WAREHOUSE) and, for DuckLake, its catalog (FRAGILITY_LAKE_CATALOG, a libpq
    # connection string; default: the local server of `fragility lake up`) and data folder (FRAGILITY_LAKE_DATA).
    warehouse: str = "file"
    lake_catalog: str | None = None
    lake_data: Path | None = None

    def __repr__(self) -> str:  # the catalog string may hold a password
        return (f"Settings(home={self.home!r}, source={self.source!r}, files_dir={self.files_dir!r}, "
                f"scale={self.scale}, as_of={self.as_of!r}, warehouse={self.warehouse!r})")

    @property
    def build_db(self) -> Path:
        return self.home / "build" / "fragility.duckdb"

    @property
    def published_db(self) -> Path:
        return self.home / "fragility.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def lake_server(self) -> Path:
        """Where `fragility lake up` keeps a local PostgreSQL for the lake's catalog."""
        return self.home / "lake" / "postgres"

    @property
    def lake_data_path(self) -> Path:
        return self.lake_data or self.home / "lake" / "data"

    @property
    def extension_dir(self) -> Path:
        """DuckDB's extension folder for this home (the lake's extensions, installed from their packages)."""
        return self.home / "build" / "duckdb_extensions"

    def catalog(self) -> str:
        """The lake's catalog: FRAGILITY_LAKE_CATALOG, else the local server `fragility lake up` started."""
        if self.lake_catalog:
            return self.lake_catalog
        from orchestration import pgserver

        server = pgserver.running(self.lake_server)
        if server is None:
            from orchestration.lake import LakeUnavailable

            raise LakeUnavailable(f"no lake catalog: set FRAGILITY_LAKE_CATALOG (a libpq connection string) or run "
                                  f"`fragility lake up --home {self.home}` for a local PostgreSQL")
        return server.conninfo()

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for this warehouse: its partial-parse state and the last build's dbt.log."""
        return self.home / "build" / "dbt"

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("FRAGILITY_HOME", "warehouse")).expanduser().resolve()
        source = os.environ.get("FRAGILITY_SOURCE", "sample")
        files_dir = os.environ.get("FRAGILITY_FILES_DIR")
        scale = int(os.environ.get("FRAGILITY_SCALE", "1"))
        if source not in SOURCES:
            raise ValueError(f"FRAGILITY_SOURCE={source!r}: expected one of {', '.join(SOURCES)}")
        if scale < 1:
            raise ValueError(f"FRAGILITY_SCALE={scale}: expected a whole number >= 1")
        as_of = os.environ.get("FRAGILITY_AS_OF") or None
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise ValueError(f"FRAGILITY_AS_OF={as_of!r}: expected a date, YYYY-MM-DD") from None
        warehouse = os.environ.get("FRAGILITY_WAREHOUSE") or "file"
        if warehouse not in WAREHOUSES:
            raise ValueError(f"FRAGILITY_WAREHOUSE={warehouse!r}: expected one of {', '.join(WAREHOUSES)}")
        data = os.environ.get("FRAGILITY_LAKE_DATA")
        return cls(home, source, Path(files_dir).resolve() if files_dir else None, scale, day, warehouse,
                   os.environ.get("FRAGILITY_LAKE_CATALOG") or None, Path(data).resolve() if data else None)

    def export(self) -> dict[str, str]:
        """The environment that reproduces these settings in another process (the UI's code server)."""
        env = {"FRAGILITY_HOME": str(self.home), "FRAGILITY_SOURCE": self.source,
               "FRAGILITY_SCALE": str(self.scale), "DAGSTER_HOME": str(self.dagster_home)}
        if self.files_dir:
            env["FRAGILITY_FILES_DIR"] = str(self.files_dir)
        if self.as_of:
            env["FRAGILITY_AS_OF"] = self.as_of.isoformat()
        if self.warehouse != "file":
            env["FRAGILITY_WAREHOUSE"] = self.warehouse
            if self.lake_catalog:
                env["FRAGILITY_LAKE_CATALOG"] = self.lake_catalog
            if self.lake_data:
                env["FRAGILITY_LAKE_DATA"] = str(self.lake_data)
        return env
