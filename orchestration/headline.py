"""The headline a run, the report and `fragility validate` print: the latest readings with their coverage.

Read from the marts with plain SQL on a connection the caller owns. A reading that the marts did not
publish (too few loops with current inputs, or confidence under the floor) is shown as "insufficient
data" with its reason, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Headline:
    as_of: object
    composite: float | None
    stress: float | None
    vulnerability: float | None
    status: str
    composite_reason: str | None
    stress_reason: str | None
    vulnerability_reason: str | None
    loops_covered: int | None
    covered_loops: str | None
    confidence: float | None
    loops_in_stress: tuple[str, ...]
    fog_note: str | None

    @property
    def published(self) -> bool:
        return self.composite is not None


FIELDS = ("as_of_date", "composite_score", "stress_score", "vulnerability_score", "composite_status",
          "composite_reason", "stress_reason", "vulnerability_reason", "loops_covered", "covered_loops", "confidence")


def _columns(con, schema: str, table: str) -> set[str]:
    return {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND "
                                      "table_name = ?", [schema, table]).fetchall()}


def latest(con) -> Headline | None:
    """The newest day of marts.fct_fragility_daily, or None when the mart is empty or absent. Columns an older
    warehouse lacks read as NULL."""
    have = _columns(con, "marts", "fct_fragility_daily")
    if "as_of_date" not in have:
        return None
    cols = ", ".join(f"f.{c}" if c in have else f"NULL AS {c}" for c in FIELDS)
    fog = "fog_note" in _columns(con, "marts", "fct_data_fog")
    row = con.execute(
        f"SELECT {cols}, {'d.fog_note' if fog else 'NULL'} FROM marts.fct_fragility_daily f "
        + ("LEFT JOIN marts.fct_data_fog d USING (as_of_date) " if fog else "")
        + "ORDER BY f.as_of_date DESC LIMIT 1").fetchone()
    if row is None:
        return None
    stressed: tuple[str, ...] = ()
    if {"loop_name", "in_stress"} <= _columns(con, "intermediate", "int_loop_scores"):
        stressed = tuple(r[0] for r in con.execute(
            "SELECT loop_name FROM intermediate.int_loop_scores WHERE view_name = 'as_known' AND in_stress "
            "AND as_of_date = ? ORDER BY 1", [row[0]]).fetchall())
    return Headline(*row[:11], loops_in_stress=stressed, fog_note=row[11])


def _reading(name: str, value: float | None, reason: str | None) -> str:
    return f"{name} {value:.1f}/100" if value is not None else f"{name}: {reason or 'insufficient data'}"


def lines(h: Headline | None) -> list[str]:
    """Two lines for the CLI: the readings with their coverage, then the fog note."""
    if h is None:
        return ["no readings: marts.fct_fragility_daily is empty"]
    if h.published:
        head = (f"as of {h.as_of}: composite fragility {h.composite:.1f}/100 "
                f"({h.loops_covered} of 8 loops current: {h.covered_loops}); "
                + _reading("stress", h.stress, h.stress_reason) + "; "
                + _reading("vulnerability", h.vulnerability, h.vulnerability_reason))
    else:
        head = f"as of {h.as_of}: composite fragility: {h.composite_reason or 'insufficient data'}"
        if h.stress is not None:
            head += f"; stress {h.stress:.1f}/100"
    head += f"; loops in stress: {len(h.loops_in_stress)}"
    if h.loops_in_stress:
        head += f" ({', '.join(h.loops_in_stress)})"
    return [head, h.fog_note or "confidence: n/a"]
