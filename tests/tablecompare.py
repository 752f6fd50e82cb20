"""Compare two builds of the warehouse table by table, tolerant of floating-point noise only.

Two builds of the same data differ in the last bits of DOUBLE results (DuckDB aggregates in parallel),
and a loop whose mean z sits exactly on its own expanding 80th percentile (flat, carried-forward private
credit) can flip in_stress on such noise. Floats compare within a relative tolerance, those flags are
left out, and every other column compares exactly.
"""

from __future__ import annotations

import duckdb


def tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The tables of the connection's default catalog (a file's, or a lake attached and in use)."""
    return con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary "
                       "AND database_name = current_database() ORDER BY 1, 2").fetchall()


FLOAT_TYPES = ("DOUBLE", "FLOAT")
NOISY_FLAGS = {"in_stress", "loops_in_stress"}
REL_TOL = 1e-9


def content(db, only: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], tuple]:
    """Per table (all, or ``only``): rows, an order-independent hash of the exact columns, and (count, sum,
    sum |x|) per float column. Raw tables are hashed whole. Reads every table in full. ``db`` is a DuckDB
    file, or a callable that opens a connection (a lake)."""
    con = db() if callable(db) else duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for s, t in tables(con):
            if only is not None and (s, t) not in only:
                continue
            cols = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? "
                               "AND table_name = ? AND database_name = current_database() ORDER BY column_index",
                               [s, t]).fetchall()
            whole = s == "raw"
            exact = [f'"{c}"' for c, ty in cols if whole or (ty not in FLOAT_TYPES and c not in NOISY_FLAGS)]
            floats = [c for c, ty in cols if not whole and ty in FLOAT_TYPES]
            aggs = "".join(f', count("{c}"), sum("{c}"), sum(abs("{c}"))' for c in floats)
            row = con.execute(f'SELECT count(*), coalesce(sum(hash({", ".join(exact) or "1"})), 0){aggs} '
                              f'FROM "{s}"."{t}"').fetchone()
            out[(s, t)] = (row[0], row[1], tuple(tuple(row[i:i + 3]) for i in range(2, len(row), 3)))
        return out
    finally:
        con.close()


def same_content(a: tuple, b: tuple) -> bool:
    if a[:2] != b[:2] or len(a[2]) != len(b[2]):
        return False
    for (n1, s1, abs1), (n2, s2, abs2) in zip(a[2], b[2], strict=True):
        if n1 != n2 or (abs1 is None) != (abs2 is None):
            return False
        if abs1 is not None and (abs(abs1 - abs2) > REL_TOL * abs1 or abs(s1 - s2) > REL_TOL * abs1):
            return False
    return True


