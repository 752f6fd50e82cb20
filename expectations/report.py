"""A readable, self-contained HTML data-quality report from ``main.dq_results`` (no GX import).

    write_html(con, path)                  # the latest run in the database
    python -m expectations.report DB OUT   # the same from the command line

One page: the verdict, every suite (blocking or warning, rows scanned, failures with the observed
value), the data fog of the newest day and the release registry as of today (when the marts exist).
"""

from __future__ import annotations

import datetime as dt
import html
import sys
from pathlib import Path

import duckdb

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1200px;color:#222;
padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.muted{color:#666}.verdict{font-size:1.1rem;padding:.6rem .9rem;border-radius:6px;margin:1rem 0}
.pass{background:#e6f4ea;color:#1e5b2e}.fail{background:#fce8e6;color:#8a1c12}.warn{background:#fef7e0;color:#7a5a00}
.skip{background:#eef1f5;color:#445}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;
border-bottom:1px solid #eee;vertical-align:top}th{background:#fafafa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}.tag{display:inline-block;padding:0 .4rem;border-radius:4px;
font-size:.8rem}code{font-size:.85rem;background:#f5f5f5;padding:0 .2rem;border-radius:3px}
.obs{font-family:ui-monospace,Menlo,monospace;font-size:.82rem;word-break:break-word}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, name]
    ).fetchone()[0] > 0


def _latest_run(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT run_id FROM main.dq_results ORDER BY checked_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = 'dq_results'").fetchall()}


def render(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> str:
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Fragility Radar: data quality"
             f"</title><style>{CSS}</style></head><body><h1>Fragility Radar — data quality</h1>"]
    if not _exists(con, "main", "dq_results") or not (run_id := run_id or _latest_run(con)):
        parts.append("<p class='verdict skip'>No checks have run yet.</p></body></html>")
        return "".join(parts)
    cols = _columns(con)
    extra = ", ".join(f"max({c}) AS {c}" if c in cols else f"NULL AS {c}" for c in ("rows_scanned", "seconds"))
    skipped = "bool_or(skipped)" if "skipped" in cols else "false"
    reused = "any_value(reused_from)" if "reused_from" in cols else "NULL"
    suites = con.execute(f"""
        SELECT suite, any_value(table_name), bool_or(blocking), bool_and(success), count(*),
               count(*) FILTER (WHERE NOT success), max(rows_checked), {extra}, {skipped}, {reused},
               min(checked_at)
        FROM main.dq_results WHERE run_id = ? GROUP BY suite
        ORDER BY bool_and(success), NOT bool_or(blocking), any_value(table_name), suite""", [run_id]).fetchall()
    failures = con.execute("""
        SELECT suite, expectation, table_name, column_name, observed_value FROM main.dq_results
        WHERE run_id = ? AND NOT success ORDER BY suite, expectation""", [run_id]).fetchall()
    checked_at = min((s[-1] for s in suites if s[-1] is not None), default=None)
    blocking_failed = [s for s in suites if s[2] and not s[3]]
    warnings = [s for s in suites if not s[2] and not s[3]]
    n_exp = sum(s[4] for s in suites)
    if blocking_failed:
        verdict = ("fail", f"{len(blocking_failed)} blocking suite(s) failed: downstream models and publishing "
                   "were stopped; the published warehouse was left unchanged.")
    elif warnings:
        verdict = ("warn", f"All blocking checks passed; {len(warnings)} warning suite(s) failed.")
    else:
        verdict = ("pass", "All checks passed.")
    parts.append(f"<p class=muted>run <code>{_e(run_id)}</code> · checked {_e(checked_at)} · {len(suites)} suites, "
                 f"{n_exp} expectations · report written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC</p>")
    parts.append(f"<p class='verdict {verdict[0]}'>{_e(verdict[1])}</p>")

    if failures:
        parts.append("<h2>Failures</h2><table><tr><th>check</th><th>expectation</th><th>table.column</th>"
                     "<th>observed</th></tr>")
        for suite, exp, table, col, obs in failures:
            where = f"{table}.{col}" if col else table
            parts.append(f"<tr><td><code>gx_{_e(suite)}</code></td><td>{_e(exp)}</td><td>{_e(where)}</td>"
                         f"<td class=obs>{_e(obs)}</td></tr>")
        parts.append("</table>")

    parts.append("<h2>Suites</h2><table><tr><th>suite</th><th>table</th><th>kind</th><th>result</th>"
                 "<th class=num>expectations</th><th class=num>rows scanned</th><th class=num>rows to GX</th>"
                 "<th class=num>seconds</th></tr>")
    for suite, table, blocking, ok, n, n_failed, rows, scanned, secs, was_skipped, reused_from, _ in suites:
        if was_skipped:
            tag = ("skip", "skipped")
        elif ok and reused_from:  # same suite code, same table contents as a run that passed
            tag = ("pass", f"passed (inputs unchanged since run {reused_from[:8]})")
        elif ok:
            tag = ("pass", "passed")
        else:
            tag = ("fail" if blocking else "warn", f"{n_failed} failed")
        parts.append(
            f"<tr><td><code>gx_{_e(suite)}</code></td><td>{_e(table)}</td><td>{'blocking' if blocking else 'warning'}"
            f"</td><td><span class='tag {tag[0]}'>{tag[1]}</span></td><td class=num>{n}</td>"
            f"<td class=num>{'' if scanned is None else f'{scanned:,}'}</td><td class=num>{rows or 0:,}</td>"
            f"<td class=num>{'' if secs is None else f'{secs:.2f}'}</td></tr>")
    parts.append("</table>")
    parts += _fog_section(con)
    parts.append("</body></html>")
    return "".join(parts)


def _fog_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    out: list[str] = []
    if _exists(con, "marts", "fct_data_fog"):
        row = con.execute("SELECT as_of_date, fog_note FROM marts.fct_data_fog ORDER BY as_of_date DESC LIMIT 1"
                          ).fetchone()
        if row:
            out.append(f"<h2>Data fog on {_e(row[0])}</h2><p>{_e(row[1])}</p>")
    if _exists(con, "marts", "dim_series"):
        rows = con.execute("""
            SELECT series_id, loop_name, frequency, release_name, latest_period, latest_arrival, next_due_date,
                   latest_status, days_late, releases_overdue, periods_late, periods_cancelled, periods_missing,
                   periods_revised, cancelled_statement
            FROM marts.dim_series
            ORDER BY latest_status = 'on_time', latest_status, loop_name, series_id""").fetchall()
        out.append("<h2>Release registry today</h2><table><tr><th>series</th><th>loop</th><th>freq</th>"
                   "<th>release</th><th>latest period</th><th>arrived</th><th>next due</th><th>status</th>"
                   "<th class=num>days late</th><th class=num>overdue</th><th class=num>late</th>"
                   "<th class=num>cancelled</th><th class=num>missing</th><th class=num>revised</th></tr>")
        for r in rows:
            status = r[7] or ""
            css = "pass" if status == "on_time" else ("skip" if status in ("discontinued", "unknown") else "warn")
            note = f" title='{_e(r[14])}'" if r[14] else ""
            out.append(
                f"<tr><td><code>{_e(r[0])}</code></td><td>{_e(r[1])}</td><td>{_e(r[2])}</td><td>{_e(r[3])}</td>"
                f"<td>{_e(r[4])}</td><td>{_e(r[5])}</td><td>{_e(r[6])}</td>"
                f"<td><span class='tag {css}'{note}>{_e(status)}</span></td>"
                + "".join(f"<td class=num>{_e(v)}</td>" for v in r[8:14]) + "</tr>")
        out.append("</table>")
    return out


def write_html(con: duckdb.DuckDBPyConnection, path: str | Path, run_id: str | None = None) -> Path:
    """Write the report for ``run_id`` (default: the latest run recorded) to ``path``; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render(con, run_id), encoding="utf-8")
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m expectations.report DATABASE OUT.html [RUN_ID]", file=sys.stderr)
        return 2
    con = duckdb.connect(args[0], read_only=True)
    try:
        out = write_html(con, args[1], args[2] if len(args) == 3 else None)
    finally:
        con.close()
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
