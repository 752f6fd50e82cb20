"""Bulk, idempotent loads of parsed Arrow tables into the ``raw`` schema of the working DuckDB.

One transaction per payload: either every row of a payload lands, or none does. A payload already
loaded (same content hash, same table) is skipped; rows already present under their natural key are
not inserted again, so loading the same data twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ingestion.errors import SourceError


@dataclass(frozen=True)
class RawTable:
    """A raw table: its DDL, natural key (with the vintage column) and how later payloads may touch it."""

    name: str  # schema-qualified, e.g. raw.fred__observations
    ddl: str  # column list
    key: tuple[str, ...]  # natural key (with the vintage column)
    mutable: tuple[str, ...] = ()  # columns a later payload may update (e.g. a vintage closing)
    checked: tuple[str, ...] = ()  # columns that must never change under the same key
    description: str = ""
    # The DATE column saying when a row became known (e.g. a publication day). A table that has one lets
    # the dbt build keep every as-known row before the earliest new one (orchestration.incremental).
    known_on: str | None = None

    @property
    def asset_path(self) -> list[str]:
        return self.name.split(".")


LOADS_DDL = """CREATE TABLE IF NOT EXISTS raw._loads (
    load_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, source VARCHAR NOT NULL,
    rows_in BIGINT NOT NULL, rows_inserted BIGINT, loaded_at TIMESTAMPTZ DEFAULT now())"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, tables: tuple[RawTable, ...] = ()) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(LOADS_DDL)
    for t in tables:
        con.execute(f"CREATE TABLE IF NOT EXISTS {t.name} ({t.ddl})")


def already_loaded(con: duckdb.DuckDBPyConnection, load_id: str, table: str | None = None) -> bool:
    row = con.execute(
        "SELECT count(*) FROM raw._loads WHERE load_id = ? AND (? IS NULL OR table_name = ?)",
        [load_id, table, table],
    ).fetchone()
    return bool(row and row[0])


def loaded_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT DISTINCT load_id FROM raw._loads").fetchall()}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All-or-nothing: a bad payload anywhere rolls back every load of the run's ingest step."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def load(
    con: duckdb.DuckDBPyConnection, t: RawTable, rows: pa.Table, load_id: str, source: str, *,
    check_loaded: bool = True,
) -> int:
    """Append `rows` to `table` unless `load_id` (content hash + request key) was loaded before.

    Returns the number of rows inserted. Call inside ``transaction``.
    """
    if check_loaded and already_loaded(con, load_id, t.name):
        return 0
    con.register("incoming", rows)
    try:
        n = _merge_incoming(con, t, source, load_id)
        con.execute(
            "INSERT INTO raw._loads (load_id, table_name, source, rows_in, rows_inserted) "
            "VALUES (?, ?, ?, ?, ?)",
            [load_id, t.name, source, rows.num_rows, n],
        )
        return n
    finally:
        con.unregister("incoming")


def _merge_incoming(con: duckdb.DuckDBPyConnection, t: RawTable, source: str, load_id: str) -> int:
    """Merge the relation `incoming` into `t`: refuse changed values, update mutable columns, insert new keys."""
    on = " AND ".join(f"t.{k} = i.{k}" for k in t.key)
    if t.checked:
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in t.checked)
        clash = con.execute(
            f"SELECT i.series_id, i.obs_date::VARCHAR FROM incoming i JOIN {t.name} t ON {on} "
            f"WHERE {differs} LIMIT 1"
        ).fetchone()
        if clash:
            raise SourceError(source, f"vintage {clash[1]} already loaded with a different value "
                              f"(load {load_id[:12]})", series=clash[0], field="value")
    if t.mutable:
        sets = ", ".join(f"{c} = i.{c}" for c in t.mutable)
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in t.mutable)
        con.execute(f"UPDATE {t.name} AS t SET {sets} FROM incoming i WHERE {on} AND ({differs})")
    return con.execute(  # DuckDB answers an INSERT with the number of rows it inserted
        f"INSERT INTO {t.name} BY NAME SELECT * FROM incoming i "
        f"WHERE NOT EXISTS (SELECT 1 FROM {t.name} t WHERE {on})"
    ).fetchone()[0]


def replace_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> dict[str, int]:
    """Replace small configuration tables whole (the catalog), in one transaction."""
    with transaction(con):
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        for name, rows in tables.items():
            con.register("incoming", rows)
            try:
                con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM incoming")
            finally:
                con.unregister("incoming")
    return {name: rows.num_rows for name, rows in tables.items()}


def load_many(
    con: duckdb.DuckDBPyConnection, t: RawTable, parts: list[tuple[pa.Table, str]], source: str
) -> int:
    """Load several payloads' rows for one table in one statement (call inside ``transaction``).

    Equivalent to loading them one by one in order (the first occurrence of a key wins, a value that
    differs under the same key is refused) but with one anti-join instead of one per payload, so the
    cost does not grow with the number of payloads times the size of the table.
    """
    if not parts:
        return 0
    tables, ordinals, offset = [], [], 0
    for rows, _lid in parts:
        tables.append(rows)
        ordinals.append(pa.array(range(offset, offset + rows.num_rows), pa.int64()))
        offset += rows.num_rows
    batch = pa.concat_tables(tables, promote_options="default")
    batch = batch.append_column("_ord", pa.chunked_array(ordinals, pa.int64()))
    con.register("incoming_all", batch)
    try:
        keys = ", ".join(t.key)
        if t.checked:
            clash = con.execute(
                f"SELECT {keys} FROM incoming_all GROUP BY {keys} "
                f"HAVING count(DISTINCT ({', '.join(f'coalesce({c}::VARCHAR, chr(0))' for c in t.checked)})) > 1 "
                "LIMIT 1"
            ).fetchone()
            if clash:
                where = ", ".join(f"{k}={v}" for k, v in zip(t.key, clash, strict=True))
                raise SourceError(source, f"two payloads give different values for {where}",
                                  series=str(clash[t.key.index("series_id")]) if "series_id" in t.key else None,
                                  field=t.checked[0])
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE incoming AS SELECT * EXCLUDE (_ord) FROM incoming_all "
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _ord) = 1"
        )
    finally:
        con.unregister("incoming_all")
    try:
        n = _merge_incoming(con, t, source, parts[0][1])
        con.executemany(
            "INSERT INTO raw._loads (load_id, table_name, source, rows_in, rows_inserted) VALUES (?, ?, ?, ?, ?)",
            [[lid, t.name, source, rows.num_rows, None] for rows, lid in parts],
        )
        return n
    finally:
        con.execute("DROP TABLE IF EXISTS incoming")
