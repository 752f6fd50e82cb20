"""The DuckLake backend: the warehouse's tables as Parquet files, its catalog in PostgreSQL.

The same DuckDB SQL runs on it: a connection attaches the lake under the file backend's catalog name
(``fragility``) and makes it the default, so ``raw.x`` and ``marts.y`` mean the same tables on both backends.

* **Extensions, offline.** The DuckLake and Postgres extensions come as PyPI packages, for duckdb 1.5.5 only.
  They are installed from the packaged files into one extension folder per home; connections there autoload
  them at ATTACH and never download (``autoinstall_known_extensions`` off).
* **Publish = a snapshot.** Every DuckLake commit is a snapshot of the whole lake. Publishing records the
  snapshot the checks passed on in ``main.publications`` (in a commit tagged ``published``); readers attach
  that snapshot read-only. A failed run publishes nothing, so readers keep the last one; time travel to an
  earlier published snapshot is ``ATTACH ... (SNAPSHOT_VERSION n, READ_ONLY)``.
* **DDL one at a time.** Concurrent DDL on a PostgreSQL catalog can fail (duckdb/ducklake#1283, #1094:
  duplicate snapshot ids, "Transaction conflict"); inserts into different tables, and into one table, do not.
  ``ddl_lock`` serialises schema changes with a PostgreSQL advisory lock, across processes and machines.
* **Secrets.** A catalog string may hold a password: it is never printed (``redact``) or stored as metadata.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
from pathlib import Path

CATALOG = "fragility"  # the attach alias: the file backend's catalog name (fragility.duckdb)
EXTENSIONS = {"ducklake": "duckdb_extension_ducklake", "postgres_scanner": "duckdb_extension_postgres_scanner"}
PUBLISHED_TAG = "published"
PUBLICATIONS_DDL = """CREATE TABLE IF NOT EXISTS main.publications (
    snapshot_id BIGINT NOT NULL, published_at TIMESTAMPTZ NOT NULL, run_id VARCHAR NOT NULL,
    marts_tables INTEGER NOT NULL, built_from JSON)"""
DDL_LOCK_KEY = 0x66726167  # "frag": the advisory-lock key every writer of one catalog agrees on


class LakeUnavailable(RuntimeError):
    """The lake's catalog cannot be reached (or the lake is not set up): one line, what to do."""


class LakeNotCreated(LakeUnavailable):
    """A read-only look at a catalog where no lake was written yet."""


def redact(catalog: str) -> str:
    """The catalog's connection string without its password."""
    return re.sub(r"(password\s*=\s*)(\S+)", r"\1***", re.sub(r"(://[^:/@]*:)([^@]*)@", r"\1***@", catalog))


def extension_files() -> dict[str, Path]:
    """The packaged extension files (``duckdb-extension-ducklake`` and ``-postgres-scanner``)."""
    import duckdb

    out = {}
    for name, package in EXTENSIONS.items():
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise LakeUnavailable(f"the {package} package is not installed (run `uv sync`)")
        path = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
        if not path.exists():
            raise LakeUnavailable(f"{package} has no extension for duckdb {duckdb.__version__} ({path}); the "
                                  "extensions and duckdb must be the same version (1.5.5)")
        out[name] = path
    return out


def connection_config(extension_dir: Path, memory_limit: str | None = None) -> dict:
    """DuckDB settings of every lake connection (config options: they must hold before the ATTACH)."""
    config = {"extension_directory": str(extension_dir), "autoinstall_known_extensions": False,
              "autoload_known_extensions": True}
    return {**config, "memory_limit": memory_limit} if memory_limit else config


def install_extensions(extension_dir: Path) -> None:
    """Copy the packaged extensions into ``extension_dir`` once (INSTALL from a path needs no network)."""
    import duckdb

    files = extension_files()
    platform = duckdb.sql("PRAGMA platform").fetchone()[0]
    installed = extension_dir / f"v{duckdb.__version__}" / platform
    if all((installed / f"{name}.duckdb_extension").exists() for name in files):
        return
    extension_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:", config=connection_config(extension_dir))
    try:
        for path in files.values():
            con.execute(f"INSTALL '{path}'")
    finally:
        con.close()


def attach_sql(catalog: str, data_path: str | None, *, alias: str = CATALOG, read_only: bool = False,
               snapshot: int | None = None) -> str:
    options = [f"DATA_PATH '{_quote(data_path)}'"] if data_path else []
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    if read_only:
        options.append("READ_ONLY")
    return (f"ATTACH 'ducklake:postgres:{_quote(catalog)}' AS {alias}"
            + (f" ({', '.join(options)})" if options else ""))


def _quote(text: str) -> str:
    return text.replace("'", "''")


def connect(catalog: str, data_path: str | None, extension_dir: Path, *, memory_limit: str | None = None,
            read_only: bool = False, snapshot: int | None = None):
    """A DuckDB connection with the lake attached as ``fragility`` and in use."""
    import duckdb

    install_extensions(extension_dir)
    con = duckdb.connect(":memory:", config=connection_config(extension_dir, memory_limit))
    try:
        # A writer's first ATTACH creates the lake's metadata tables: two processes doing it at once fail
        with contextlib.nullcontext() if read_only else ddl_lock(catalog):
            con.execute(attach_sql(catalog, data_path, read_only=read_only, snapshot=snapshot))
        con.execute(f"USE {CATALOG}")
    except duckdb.Error as exc:
        con.close()
        raise unavailable(catalog, exc) from None
    except BaseException:
        con.close()
        raise
    return con


def unavailable(catalog: str, exc: Exception) -> LakeUnavailable:
    """One line naming the catalog (no password) and what to do."""
    said = str(exc).replace(catalog, redact(catalog))
    if "creating a new DuckLake is explicitly disabled" in said:
        return LakeNotCreated(f"no lake in the catalog {redact(catalog)} yet; run `fragility run --warehouse ducklake`")
    if "Unable to connect to Postgres" in said or "connection to server" in said:
        reason = said.split("failed:", 1)[-1].strip().splitlines()[0] if "failed:" in said else "unreachable"
        return LakeUnavailable(f"the lake's catalog (PostgreSQL at {redact(catalog)}) is not reachable: {reason}; "
                               "start it (`fragility lake up` for a local one) or fix FRAGILITY_LAKE_CATALOG")
    first = said.strip().splitlines()[0] if said.strip() else type(exc).__name__
    return LakeUnavailable(f"the lake at {redact(catalog)}: {first}")


@contextlib.contextmanager
def catalog_session(catalog: str):
    """An autocommit cursor on the catalog's PostgreSQL (psycopg2), closed with its session."""
    import psycopg2

    try:
        pg = psycopg2.connect(catalog)
    except psycopg2.Error as exc:
        raise unavailable(catalog, exc) from None
    try:
        pg.autocommit = True
        with pg.cursor() as cur:
            yield cur
    finally:
        pg.close()


@contextlib.contextmanager
def ddl_lock(catalog: str):
    """Serialise schema changes of one lake across processes and machines (a PostgreSQL advisory lock, held by
    the session: closing it, or a process killed meanwhile, releases it)."""
    with catalog_session(catalog) as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK_KEY,))
        yield


# ------------------------------------------------------------------------------------------------ publish


def current_snapshot(con) -> int:
    return int(con.execute(f"SELECT id FROM {CATALOG}.current_snapshot()").fetchone()[0])


def publish(con, run_id: str, marts_tables: int, built_from: dict | None) -> int:
    """Record the current snapshot (what the checks passed on) as published; returns its id."""
    snapshot = current_snapshot(con)
    con.execute(PUBLICATIONS_DDL)
    con.execute("BEGIN")
    try:
        con.execute("INSERT INTO main.publications VALUES (?, now(), ?, ?, ?)",
                    [snapshot, run_id, marts_tables, json.dumps(built_from) if built_from else None])
        con.execute(f"CALL {CATALOG}.set_commit_message('fragility', 'published snapshot {snapshot}', "
                    f"extra_info => '{json.dumps({'tag': PUBLISHED_TAG, 'snapshot': snapshot})}')")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return snapshot


def published_snapshots(con) -> list[tuple[int, object]]:
    """(snapshot id, published at) of every publication, newest first ([] before the first)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
                         "AND table_name = 'publications'", [CATALOG]).fetchone()[0]
    if not exists:
        return []
    return con.execute("SELECT snapshot_id, published_at FROM main.publications ORDER BY published_at DESC, "
                       "snapshot_id DESC").fetchall()


def maintain(con, *, keep_unpublished: int = 1) -> dict:
    """Compact small files and drop what no reader can reach: every snapshot that is neither published nor among
    the newest ``keep_unpublished``, then the files only those snapshots used."""
    published = {s for s, _ in published_snapshots(con)}
    ids = [r[0] for r in con.execute(f"SELECT snapshot_id FROM {CATALOG}.snapshots() ORDER BY snapshot_id").fetchall()]
    newest = set(ids[-keep_unpublished:]) if keep_unpublished else set()
    expire = [s for s in ids if s not in published and s not in newest]
    merged = con.execute(f"CALL ducklake_merge_adjacent_files('{CATALOG}')").fetchall()
    if expire:
        con.execute(f"CALL ducklake_expire_snapshots('{CATALOG}', versions => {expire})")
    cleaned = con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG}', cleanup_all => true)").fetchall()
    return {"snapshots_expired": len(expire), "files_merged": len(merged), "files_deleted": len(cleaned)}
