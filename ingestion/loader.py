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
        _add_new_columns(con, t)


def ddl_columns(ddl: str) -> list[tuple[str, str]]:
    """(name, type) of every column of a RawTable's DDL (types here never contain a comma)."""
    out = []
    for piece in ddl.split(","):
        name, _, rest = piece.strip().partition(" ")
        out.append((name, rest.upper().replace("NOT NULL", "").strip()))
    return out


def _add_new_columns(con: duckdb.DuckDBPyConnection, t: RawTable) -> None:
    """A column added to a raw table's DDL since a warehouse was built is added to it, NULL for the rows it has
    (a raw table is never rebuilt from scratch: its rows are the loads)."""
    schema, _, name = t.name.partition(".")
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name]).fetchall()}
    for column, type_ in ddl_columns(t.ddl):
        if column not in have:
            con.execute(f"ALTER TABLE {t.name} ADD COLUMN {column} {type_}")


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
    staging = Staging(con, source)
    staging.add(t, rows, load_id)
    return staging.merge()[t.name]


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


class Staging:
    """Rows of many payloads gathered in DuckDB temp tables, then merged into their raw tables in one statement.

    Parsed payloads are appended to their table's stage in batches of ``BATCH_ROWS`` rows, so Python never
    holds more than one batch of Arrow rows; DuckDB holds the rest (bounded by its memory limit, spilling
    past it).
    ``merge`` is equivalent to loading the payloads one by one in order (the first occurrence of a key wins,
    a value that differs under the same key is refused) but with one anti-join instead of one per payload,
    so the cost does not grow with the number of payloads times the size of the table.
    """

    BATCH_ROWS = 250_000  # rows gathered in Python before one INSERT into a stage (many small payloads)

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str) -> None:
        self.con, self.source = con, source
        self.loads: dict[str, list[tuple[str, int]]] = {}  # table -> (load id, rows in), in arrival order
        self.tables: dict[str, RawTable] = {}
        self.batch: dict[str, list[pa.Table]] = {}  # table -> parsed rows not in its stage yet
        self.batch_rows = 0
        self.rows = 0  # staged and not merged yet

    def _stage(self, t: RawTable) -> str:
        return "stage_" + t.name.replace(".", "__")

    def add(self, t: RawTable, rows: pa.Table, load_id: str) -> None:
        stage = self._stage(t)
        if t.name not in self.loads:
            # the raw table's column types, without its constraints; _ord keeps the arrival order
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {stage} AS "
                             f"SELECT *, 0::BIGINT AS _ord FROM {t.name} LIMIT 0")
            self.loads[t.name], self.tables[t.name], self.batch[t.name] = [], t, []
        self.batch[t.name].append(
            rows.append_column("_ord", pa.array(range(self.rows, self.rows + rows.num_rows), pa.int64())))
        self.loads[t.name].append((load_id, rows.num_rows))
        self.rows += rows.num_rows
        self.batch_rows += rows.num_rows
        if self.batch_rows >= self.BATCH_ROWS:
            self._to_stages()

    def _to_stages(self) -> None:
        """One INSERT per table for the rows gathered so far; Python lets go of them."""
        for name, parts in self.batch.items():
            if not parts:
                continue
            incoming_part = pa.concat_tables(parts, promote_options="default")  # noqa: F841 (read by name below)
            parts.clear()
            # Not con.register(): inside a transaction DuckDB keeps every registered table alive until the
            # commit, which at x100 held gigabytes of Arrow buffers; a replacement scan lets each one go.
            self.con.execute(f"INSERT INTO {self._stage(self.tables[name])} BY NAME SELECT * FROM incoming_part")
        self.batch_rows = 0

    def merge(self) -> dict[str, int]:
        """Merge every stage into its raw table (call inside ``transaction``); rows inserted per table."""
        self._to_stages()
        inserted = {}
        for name, loads in self.loads.items():
            inserted[name] = self._merge_one(self.tables[name], self._stage(self.tables[name]), loads)
        self.loads.clear()
        self.batch.clear()
        self.rows = 0
        return inserted

    def _merge_one(self, t: RawTable, stage: str, loads: list[tuple[str, int]]) -> int:
        con, keys = self.con, ", ".join(t.key)
        try:
            if t.checked:
                clash = con.execute(
                    f"SELECT {keys} FROM {stage} GROUP BY {keys} "
                    f"HAVING count(DISTINCT ({', '.join(f'coalesce({c}::VARCHAR, chr(0))' for c in t.checked)})) > 1 "
                    "LIMIT 1"
                ).fetchone()
                if clash:
                    where = ", ".join(f"{k}={v}" for k, v in zip(t.key, clash, strict=True))
                    raise SourceError(self.source, f"two payloads give different values for {where}",
                                      series=str(clash[t.key.index("series_id")]) if "series_id" in t.key else None,
                                      field=t.checked[0])
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE incoming AS SELECT * EXCLUDE (_ord) FROM {stage} "
                f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _ord) = 1"
            )
            con.execute(f"DROP TABLE {stage}")
            n = _merge_incoming(con, t, self.source, loads[0][0])
            # one INSERT for every payload of the merge (executemany ran a statement per row: 1-2 ms each);
            # rows inserted per payload are known only when the merge had one payload
            con.register("loads_done", pa.table({
                "load_id": pa.array([lid for lid, _ in loads], pa.string()),
                "table_name": pa.array([t.name] * len(loads), pa.string()),
                "source": pa.array([self.source] * len(loads), pa.string()),
                "rows_in": pa.array([rows_in for _, rows_in in loads], pa.int64()),
                "rows_inserted": pa.array([n if len(loads) == 1 else None] * len(loads), pa.int64()),
            }))
            try:
                con.execute("INSERT INTO raw._loads (load_id, table_name, source, rows_in, rows_inserted) "
                            "SELECT * FROM loads_done")
            finally:
                con.unregister("loads_done")
            return n
        finally:
            con.execute(f"DROP TABLE IF EXISTS {stage}")
            con.execute("DROP TABLE IF EXISTS incoming")
