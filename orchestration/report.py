"""The dashboard: one self-contained HTML file (PNGs inlined as base64) plus the PNG files, in HOME/reports/.

    uv run fragility report            # or the Dagster asset reports/dashboard

Panels: the repo radar (one polygon per reference window), the composite, stress and vulnerability readings and
the eight loop scores over time with known stress episodes shaded and the data fog as a confidence band, a loop
heatmap, the data-fog panel (which inputs are late, cancelled, stale or revised), the concentration panel, the
bitcoin/gold hedge panel, and the validation table (the readings against the published stress indices).
A day whose reading is not published (too few loops with current inputs) shows "insufficient data" and why.

It reads the published warehouse read-only (never the working copy) and draws with matplotlib's Agg backend:
no browser, no network. Columns beyond the core ones are discovered, not assumed, so marts that grow new
columns (or do not exist yet) degrade to "not available" rather than breaking the report.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

HTML_NAME = "fragility_report.html"
PANELS = ("radar", "scores", "heatmap", "fog", "concentration", "hedge")
# The eight loops: four of the stress reading, four of the vulnerability reading.
STRESS_LOOPS = (("loop_credit", "credit"), ("loop_volatility", "volatility"), ("loop_funding", "funding (repo radar)"),
                ("loop_policy_error", "policy error"))
VULNERABILITY_LOOPS = (("loop_ai_leverage", "AI / Big Tech leverage"), ("loop_private_credit", "private credit"),
                       ("loop_k_shape", "K-shaped economy"), ("loop_concentration", "concentration"))
LOOPS = STRESS_LOOPS + VULNERABILITY_LOOPS
READINGS = (("stress_score", "stress"), ("vulnerability_score", "vulnerability"), ("composite_score", "composite"))
# Known stress episodes, shaded on every time axis.
EPISODES = (
    ("LTCM and Russia 1998", dt.date(1998, 8, 17), dt.date(1998, 10, 15)),
    ("Lehman and the crisis", dt.date(2008, 9, 15), dt.date(2009, 3, 31)),
    ("Euro crisis, US downgrade", dt.date(2011, 8, 1), dt.date(2011, 10, 31)),
    ("Sept 2019 repo spike", dt.date(2019, 9, 16), dt.date(2019, 9, 30)),
    ("March 2020 dash for cash", dt.date(2020, 3, 2), dt.date(2020, 3, 31)),
    ("2022 hikes", dt.date(2022, 3, 16), dt.date(2022, 12, 14)),
    ("March 2023 bank failures", dt.date(2023, 3, 8), dt.date(2023, 3, 31)),
    ("Oct 1 - Nov 12 2025 shutdown", dt.date(2025, 10, 1), dt.date(2025, 11, 12)),
)
FOG_BAND_POINTS = 25.0  # half-width of the fog band at confidence 0: composite +- 25 * (1 - confidence)
DPI = 100


@dataclass
class Report:
    html_path: Path
    pngs: dict[str, Path] = field(default_factory=dict)
    panels: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    as_of: dt.date | None = None
    composite: float | None = None
    composite_reason: str | None = None
    confidence: float | None = None
    last_rows: list[tuple] = field(default_factory=list)  # (as_of_date, composite, confidence, status), newest first
    seconds: float = 0.0


class ReportError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------------- data


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of ``schema.table``, empty when it does not exist."""
    schema, name = table.split(".")
    return dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, name]).fetchall())


def _numeric(types: dict[str, str]) -> list[str]:
    return [c for c, t in types.items() if t.upper().split("(")[0] in (
        "DOUBLE", "FLOAT", "REAL", "DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "HUGEINT", "TINYINT")]


def _arrays(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict[str, np.ndarray]:
    """Fetch columns as numpy: numbers as float with NaN for NULL, everything else as is."""
    out = {}
    for k, v in con.execute(sql, params or []).fetchnumpy().items():
        if np.issubdtype(v.dtype, np.number):
            out[k] = np.ma.filled(np.ma.asarray(v, dtype=float), np.nan)
        else:
            if isinstance(v, np.ma.MaskedArray):  # NULL -> None (filled() would write its "?" placeholder)
                v = np.array([None if m else x for x, m in zip(v.data, np.ma.getmaskarray(v), strict=True)],
                             dtype=object)
            out[k] = v
    return out


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------------- plots


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False,
                         "axes.spines.right": False, "figure.dpi": DPI})
    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _shade_episodes(ax, dates: np.ndarray, label: bool) -> None:
    if len(dates) == 0:
        return
    lo, hi = dates.min(), dates.max()
    for i, (_name, start, end) in enumerate(EPISODES):
        s, e = np.datetime64(start), np.datetime64(end)
        if e < lo or s > hi:
            continue
        ax.axvspan(s, e, color="tab:red", alpha=0.12, lw=0, label="known stress episodes" if label and i == 0 else None)


def _label_episodes(ax, dates: np.ndarray) -> None:
    if len(dates) == 0:
        return
    lo, hi = dates.min(), dates.max()
    for name, start, end in EPISODES:
        s, e = np.datetime64(start), np.datetime64(end)
        if e < lo or s > hi:
            continue
        ax.annotate(name, xy=(s, 0.02), xycoords=("data", "axes fraction"), rotation=90, va="bottom", ha="right",
                    fontsize=7, color="tab:red", alpha=0.9)


RADAR_RATES = ("SOFR", "TGCR", "BGCR")  # one radar per rate, in this order (others after)


def radar_png(con) -> tuple[bytes | None, str]:
    """One polygon per reference window; one radar per rate when the mart has a ``rate_type`` column."""
    types = _columns(con, "marts.fct_repo_radar_windows")
    spokes = [c for c in types if c.endswith("_norm")]
    if not spokes:
        return None, "marts.fct_repo_radar_windows is missing or has no *_norm columns"
    rate_sql = "rate_type" if "rate_type" in types else "''"
    data = _arrays(con, f"SELECT window_name, window_start, {rate_sql} AS rate, {', '.join(_q(c) for c in spokes)} "
                   "FROM marts.fct_repo_radar_windows ORDER BY window_start, window_name")
    found = {str(r) for r in data["rate"]}
    rates = [r for r in RADAR_RATES if r in found] + sorted(found - set(RADAR_RATES))
    windows = list(dict.fromkeys(str(w) for w in data["window_name"]))
    plt = _plt()
    angles = np.linspace(0, 2 * np.pi, len(spokes), endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    fig, axes = plt.subplots(1, len(rates), figsize=(4.6 * len(rates) + 1.4, 5.0), squeeze=False,
                             subplot_kw={"projection": "polar"})
    colors = dict(zip(windows, plt.get_cmap("viridis")(np.linspace(0, 0.9, len(windows))), strict=True))
    for ax, rate in zip(axes[0], rates, strict=True):
        for i, (name, r) in enumerate(zip(data["window_name"], data["rate"], strict=True)):
            if str(r) != rate:
                continue
            vals = np.nan_to_num(np.array([data[c][i] for c in spokes], dtype=float), nan=0.0)
            ring = np.concatenate([vals, vals[:1]])
            ax.plot(closed, ring, color=colors[str(name)], lw=1.8, marker="o", ms=3, label=str(name))
            ax.fill(closed, ring, color=colors[str(name)], alpha=0.08)
        ax.set_xticks(angles)
        ax.set_xticklabels([c.removesuffix("_norm").replace("_", " ") for c in spokes], fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_yticks([0.25, 0.5, 0.75, 1.0])
        ax.set_yticklabels(["", "0.5", "", "1"], fontsize=7)
        ax.set_title(rate or "repo radar", pad=16, fontweight="bold")
    axes[0, -1].legend(loc="lower left", bbox_to_anchor=(1.08, 0.0), fontsize=8, frameon=False, title="window")
    fig.suptitle("Repo radar by reference window (each spoke min-max normalised against the same rate's windows "
                 "up to it; 1 = most stressed so far)", fontsize=10)
    return _png(fig), ""


def scores_png(con) -> tuple[bytes | None, str]:
    types = _columns(con, "marts.fct_fragility_daily")
    if "composite_score" not in types:
        return None, "marts.fct_fragility_daily is missing"
    loops = [(c, label) for c, label in LOOPS if c in types]
    readings = [(c, label) for c, label in READINGS if c in types and c != "composite_score"]
    conf = "confidence" if "confidence" in types else "NULL::DOUBLE AS confidence"
    cols = ", ".join(c for c, _ in (*readings, *loops)) or "NULL AS x"
    # from a year before the first published reading: decades of loop history before it only crowd the chart
    data = _arrays(con, f"SELECT as_of_date, composite_score, {conf}, {cols} FROM marts.fct_fragility_daily "
                   "WHERE as_of_date >= coalesce((SELECT min(as_of_date) FROM marts.fct_fragility_daily "
                   "WHERE composite_score IS NOT NULL) - 365, DATE '1900-01-01') ORDER BY as_of_date")
    d = data["as_of_date"]
    comp = data["composite_score"]
    half = FOG_BAND_POINTS * (1.0 - np.nan_to_num(data["confidence"], nan=1.0))
    plt = _plt()
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(11, 7.8), sharex=True,
                                        gridspec_kw={"height_ratios": [3, 3, 1]})
    _shade_episodes(ax1, d, label=True)
    ax1.fill_between(d, np.clip(comp - half, 0, 100), np.clip(comp + half, 0, 100), color="tab:gray", alpha=0.35,
                     lw=0, label=f"data-fog band: ±{FOG_BAND_POINTS:.0f} × (1 − confidence)")
    ax1.plot(d, comp, color="black", lw=1.1, label="composite")
    for (c, label), color in zip(readings, ("tab:red", "tab:purple"), strict=False):
        ax1.plot(d, data[c], color=color, lw=0.8, alpha=0.8, label=label)
    ax1.set_ylim(0, 100)
    ax1.set_ylabel("reading (0-100)")
    ax1.set_title("Composite, stress and vulnerability, as known each day (gaps: insufficient data); "
                  "grey band widens with the data fog", fontsize=10)
    ax1.legend(loc="upper left", fontsize=8, frameon=False, ncol=3)
    _label_episodes(ax1, d)
    _shade_episodes(ax2, d, label=False)
    stress_names = {c for c, _ in STRESS_LOOPS}
    for c, label in loops:
        ax2.plot(d, data[c], lw=0.9, ls="-" if c in stress_names else "--", label=label)
    ax2.axhline(70, color="tab:red", lw=0.6, ls="--")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("loop score (0-100)")
    ax2.set_title("The eight loops (solid: stress, dashed: vulnerability)")
    ax2.legend(loc="upper left", fontsize=7, frameon=False, ncol=4)
    _shade_episodes(ax3, d, label=False)
    ax3.plot(d, data["confidence"], color="tab:blue", lw=0.9)
    ax3.set_ylim(0, 1.05)
    ax3.set_ylabel("confidence")
    fig.align_ylabels()
    return _png(fig), ""


def heatmap_png(con) -> tuple[bytes | None, str]:
    types = _columns(con, "marts.fct_fragility_daily")
    rows = [(c, label) for c, label in (*LOOPS, *READINGS) if c in types]
    if not rows:
        return None, "marts.fct_fragility_daily is missing"
    data = _arrays(con, "SELECT date_trunc('month', as_of_date) AS month, "
                   + ", ".join(f"avg({c}) AS {c}" for c, _ in rows)
                   + " FROM marts.fct_fragility_daily GROUP BY 1 ORDER BY 1")
    months = data["month"]
    grid = np.vstack([data[c] for c, _ in rows])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(11, 3.4))
    im = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="RdYlGn_r", vmin=0, vmax=100,
                   interpolation="nearest")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label for _, label in rows])
    years = [i for i, m in enumerate(months) if str(m)[5:7] == "01"]
    ax.set_xticks(years)
    ax.set_xticklabels([str(months[i])[:4] for i in years])
    month_idx = np.array([np.datetime64(m, "M") for m in months])
    for _, start, end in EPISODES:
        inside = np.flatnonzero((month_idx >= np.datetime64(start, "M")) & (month_idx <= np.datetime64(end, "M")))
        if len(inside):
            ax.add_patch(plt.Rectangle((inside[0] - 0.5, -0.5), len(inside), len(rows), fill=False, ec="black",
                                       lw=0.8))
    ax.set_title("Loop heatmap: monthly mean score (boxed months: known stress episodes)")
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01, label="0-100")
    return _png(fig), ""


def fog_png(con) -> tuple[bytes | None, str, list[tuple[str, str]]]:
    """The fog over time (count columns) and, for the latest day, which inputs are fogged and why."""
    types = _columns(con, "marts.fct_data_fog")
    if "as_of_date" not in types:
        return None, "marts.fct_data_fog is missing", []
    counts = [c for c in _numeric(types) if c.startswith("inputs_") and c not in ("inputs_total", "inputs_ok")]
    lists = [c for c, t in types.items() if t.upper().startswith("VARCHAR") and (
        c.endswith("_inputs") or any(w in c for w in ("late", "cancel", "revis", "stale", "note")))]
    latest = []
    if lists:
        row = con.execute(f"SELECT as_of_date, {', '.join(_q(c) for c in lists)} FROM marts.fct_data_fog "
                          "ORDER BY as_of_date DESC LIMIT 1").fetchone()
        if row:
            latest = [("as of", str(row[0]))] + [(c.replace("_", " "), v or "none") for c, v in zip(lists, row[1:],
                                                                                                       strict=True)]
    if not counts:
        return None, "marts.fct_data_fog has no inputs_* count columns", latest
    data = _arrays(con, f"SELECT as_of_date, {', '.join(_q(c) for c in counts)} FROM marts.fct_data_fog "
                   "ORDER BY as_of_date")
    d = data["as_of_date"]
    plt = _plt()
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(11, 3.2), gridspec_kw={"width_ratios": [3, 1.3]})
    labels = [c.removeprefix("inputs_").replace("_", " ") for c in counts]
    recent = d >= d.max() - np.timedelta64(120, "D") if len(d) else d
    for axis, sel, title in ((ax, slice(None), "Data fog: inputs late, stale, cancelled or revised, as known "
                              "each day"), (zoom, recent, "last 120 days")):
        _shade_episodes(axis, d[sel], label=axis is ax)
        axis.stackplot(d[sel], *[np.nan_to_num(data[c][sel]) for c in counts], labels=labels, alpha=0.8, step="post")
        axis.set_title(title)
    ax.set_ylabel("inputs")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=len(counts) + 1)
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=5)
    zoom.xaxis.set_major_locator(locator)
    zoom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return _png(fig), "", latest


def concentration_png(con) -> tuple[bytes | None, str]:
    """Index weights (top 10, Magnificent 7, ...), effective number of constituents, the loop score; one line
    style per weights source when the mart has several (ETF holdings, S&P 500 snapshots)."""
    types = _columns(con, "marts.fct_market_concentration")
    date_col = next((c for c in ("as_of_date", "obs_date", "date") if c in types), None)
    if not types or date_col is None:
        return None, "not available: marts.fct_market_concentration is not built yet"
    nums = _numeric(types)
    weights = [c for c in nums if c.endswith("_weight")]
    breadth = [c for c in ("effective_constituents", "effective_n", "hhi") if c in nums][:1]
    scores = [c for c in nums if c.endswith("_score")][:1]
    axes_cols = [cols for cols in (weights, breadth, scores) if cols] or [[c] for c in nums[:3]]
    if not axes_cols:
        return None, "not available: marts.fct_market_concentration has no numeric columns"
    source_col = next((c for c, t in types.items() if c.endswith("_source") and t.upper().startswith("VARCHAR")),
                      None)
    cols = [c for group in axes_cols for c in group]
    src_sql = _q(source_col) if source_col else "''"
    data = _arrays(con, f"SELECT {_q(date_col)} AS d, {src_sql} AS src, "
                   f"{', '.join(_q(c) for c in cols)} FROM marts.fct_market_concentration ORDER BY 2, 1")
    if len(data["d"]) == 0:
        return None, "not available: marts.fct_market_concentration is empty"
    sources = sorted({str(s) for s in data["src"]})
    styles = dict(zip(sources, ("-", "--", ":", "-."), strict=False))
    plt = _plt()
    fig, axes = plt.subplots(len(axes_cols), 1, figsize=(11, 2.0 * len(axes_cols) + 0.6), sharex=True,
                             squeeze=False)
    for ax, group in zip(axes[:, 0], axes_cols, strict=True):
        _shade_episodes(ax, data["d"], label=False)
        for src in sources:
            rows = np.array([str(s) == src for s in data["src"]])
            for i, c in enumerate(group):
                label = c.replace("_", " ") + (f" ({src})" if len(sources) > 1 else "")
                ax.plot(data["d"][rows], data[c][rows], lw=1.0, ls=styles.get(src, "-"), color=f"C{i}",
                        marker="." if rows.sum() < 60 else None, label=label)
        ax.set_ylabel(group[0].replace("_", " ") if len(group) == 1 else "share of index", fontsize=8)
        ax.legend(loc="upper left", fontsize=7, frameon=False, ncol=3)
    axes[0, 0].set_title("Market concentration: index weights, effective number of constituents, loop score")
    return _png(fig), ""


def hedge_png(con) -> tuple[bytes | None, str]:
    types = _columns(con, "marts.fct_hedge_regime")
    if "as_of_date" not in types:
        return None, "not available: marts.fct_hedge_regime is missing"
    nums = _numeric(types)
    rel = [c for c in nums if "beta" in c or "corr" in c]
    dd = [c for c in nums if "drawdown" in c]
    regimes = [c for c, t in types.items() if c.endswith("regime") and t.upper().startswith("VARCHAR")]
    cols = rel + dd + regimes
    if not rel:
        return None, "not available: marts.fct_hedge_regime has no beta/correlation columns"
    data = _arrays(con, f"SELECT as_of_date, {', '.join(_q(c) for c in cols)} FROM marts.fct_hedge_regime "
                   "ORDER BY as_of_date")
    d = data["as_of_date"]
    plt = _plt()
    n = 1 + bool(dd) + bool(regimes)
    fig, axes = plt.subplots(n, 1, figsize=(11, 2.4 * n + 0.4), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [3] + [2] * bool(dd) + [0.6] * bool(regimes)})
    ax = axes[0, 0]
    _shade_episodes(ax, d, label=True)
    for c in rel:
        ax.plot(d, data[c], lw=0.9, label=c.replace("_", " "))
    ax.axhline(0, color="black", lw=0.5)
    ax.set_title("Bitcoin / gold as a hedge: beta and correlation to equities (rolling windows)")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=4)
    k = 1
    if dd:
        ax = axes[k, 0]
        for c in dd:
            ax.fill_between(d, np.nan_to_num(data[c]), 0, alpha=0.4, lw=0, label=c.replace("_", " "))
        ax.set_ylabel("drawdown")
        ax.legend(loc="lower left", fontsize=8, frameon=False)
        k += 1
    if regimes:
        ax = axes[k, 0]
        vals = [v if isinstance(v, str) else "n/a" for v in data[regimes[0]]]
        cats = sorted(set(vals))
        palette = {c: plt.get_cmap("tab10")(i) for i, c in enumerate(cats)}
        idx = np.array([cats.index(v) for v in vals])
        ax.imshow(idx[np.newaxis, :], aspect="auto", cmap=plt.matplotlib.colors.ListedColormap(
            [palette[c] for c in cats]), extent=(d.min(), d.max(), 0, 1), interpolation="nearest", vmin=-0.5,
            vmax=len(cats) - 0.5)
        ax.set_yticks([])
        ax.set_ylabel(regimes[0].replace("_", " "), fontsize=8, rotation=0, ha="right", va="center")
        handles = [plt.Rectangle((0, 0), 1, 1, color=palette[c]) for c in cats]
        ax.legend(handles, cats, loc="upper center", bbox_to_anchor=(0.5, -0.5), ncol=len(cats), fontsize=8,
                  frameon=False)
    return _png(fig), ""


# ---------------------------------------------------------------------------------------------------- html

CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;margin:24px auto;
padding:0 16px;color:#1f2328}h1{margin-bottom:4px}.sub{color:#57606a;margin-top:0}
.kpis{display:flex;gap:14px;flex-wrap:wrap;margin:16px 0}.kpi{border:1px solid #d0d7de;border-radius:8px;
padding:10px 14px;min-width:150px}.kpi b{display:block;font-size:22px}section{margin:28px 0;
border-top:1px solid #d0d7de;padding-top:8px}img{max-width:100%}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}.na{color:#9a6700;
background:#fff8c5;padding:8px 12px;border-radius:6px}"""

TITLES = {
    "radar": "Repo radar: reference windows",
    "scores": "Composite and loop scores over time",
    "heatmap": "Loop heatmap",
    "fog": "Data fog: which inputs are late, cancelled or revised",
    "concentration": "Concentration",
    "hedge": "Bitcoin / gold hedge",
}
VALIDATION_TITLE = "Validation: the readings against the published stress indices (comparison only, never inputs)"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _table(rows: list[tuple], header: tuple[str, ...] | None = None) -> str:
    head = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>" if header else ""
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table>{head}{body}</table>"


def fmt(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


# ---------------------------------------------------------------------------------------------------- main


def render_report(warehouse, out_dir: Path) -> Report:
    """Read the published warehouse (``warehouse``: the resource) read-only and write the HTML dashboard and
    its PNGs into ``out_dir``."""
    from orchestration.resources import WarehouseBusy, WarehouseMissing

    t0 = time.perf_counter()
    published_db = warehouse.describe()
    if not warehouse.published_exists():
        raise ReportError(f"report: no published warehouse at {published_db}; run `fragility run` first")
    out_dir.mkdir(parents=True, exist_ok=True)
    report = Report(out_dir / HTML_NAME)
    try:
        opened = warehouse.published()
        con = opened.__enter__()
    except WarehouseMissing as exc:
        raise ReportError(f"report: {exc}") from exc
    except (WarehouseBusy, duckdb.Error) as exc:
        raise ReportError(f"report: cannot open {published_db} read-only: {str(exc).splitlines()[0]}") from exc
    sections: dict[str, str] = {}
    try:
        from orchestration import headline, validation

        daily = _columns(con, "marts.fct_fragility_daily")
        status = "composite_status" if "composite_status" in daily else (
            "CASE WHEN composite_score IS NULL THEN 'insufficient data' ELSE 'published' END")
        report.last_rows = con.execute(
            f"SELECT as_of_date, composite_score, confidence, {status} FROM marts.fct_fragility_daily "
            "ORDER BY as_of_date DESC LIMIT 5").fetchall() if "composite_score" in daily else []
        latest = headline.latest(con) if report.last_rows else None
        if latest:
            report.as_of, report.composite, report.confidence = latest.as_of, latest.composite, latest.confidence
            report.composite_reason = latest.composite_reason
        wanted = ("loops_in_stress", "hedge_regime", "loop_funding", "stress_score", "vulnerability_score")
        head = None if not report.as_of else con.execute(
            "SELECT " + ", ".join(c if c in daily else f"NULL AS {c}" for c in wanted)
            + " FROM marts.fct_fragility_daily WHERE as_of_date = ?", [report.as_of]).fetchone()
        fog_note = latest.fog_note if latest else None
        try:
            checked = validation.rows(con)
        except duckdb.Error:  # a warehouse built before fct_validation existed
            checked = []
        validation_rows = [(r.reading, r.benchmark, r.weeks, fmt(r.spearman_rho, 2), fmt(r.top_decile_lift),
                            "n/a" if r.extreme_share is None else f"{r.extreme_share:.1%}")
                           for r in checked if r.view_name == "as_known" and r.window_name == "all days"]
        missed = validation.failures(checked) if checked else []
        drawers: dict[str, Callable] = {"radar": radar_png, "scores": scores_png, "heatmap": heatmap_png,
                                        "concentration": concentration_png, "hedge": hedge_png}
        for panel in PANELS:
            extra = ""
            if panel == "fog":
                png, why, latest = fog_png(con)
                if latest:
                    extra = "<h3>Latest day</h3>" + _table(latest)
            else:
                png, why = drawers[panel](con)
            if png is not None:
                path = out_dir / f"{panel}.png"
                path.write_bytes(png)
                report.pngs[panel] = path
                body = _img(png, TITLES[panel])
            else:
                report.unavailable[panel] = why
                body = f'<p class="na">{html.escape(why)}</p>'
            report.panels.append(panel)
            sections[panel] = (f'<section id="panel-{panel}" data-panel="{panel}"><h2>{TITLES[panel]}</h2>'
                               f"{body}{extra}</section>")
    finally:
        opened.__exit__(None, None, None)
    if report.composite is not None:
        composite_kpi = (f'<b id="latest-composite" data-value="{report.composite!r}">{fmt(report.composite)}</b>'
                         "of 100")
    else:
        why = report.composite_reason or "insufficient data"
        composite_kpi = (f'<b id="latest-composite" data-value="None">insufficient data</b>'
                         f"{html.escape(why.removeprefix('insufficient data: '))}")
    kpis = [
        ("composite", composite_kpi),
        ("as of", f'<b id="latest-as-of">{report.as_of or "n/a"}</b>point in time'),
        ("confidence", f'<b id="latest-confidence">{fmt(report.confidence, 2)}</b>1 = no data fog'),
    ]
    if head:
        kpis += [("stress", f"<b>{fmt(head[3])}</b>" + ("of 100" if head[3] is not None else "insufficient data")),
                 ("vulnerability", f"<b>{fmt(head[4])}</b>"
                                   + ("of 100" if head[4] is not None else "insufficient data")),
                 ("loops in stress", f"<b>{head[0]}</b>of 8, at their own 80th percentile"),
                 ("funding (repo radar)", f"<b>{fmt(head[2])}</b>of 100"),
                 ("bitcoin regime", f"<b>{html.escape(str(head[1] or 'n/a'))}</b>hedge check")]
    last5 = _table([(d, fmt(c, 2), fmt(f, 2), st) for d, c, f, st in report.last_rows],
                   ("as of", "composite", "confidence", "status"))
    validation_html = (
        f'<section id="panel-validation" data-panel="validation"><h2>{VALIDATION_TITLE}</h2>'
        + (_table(validation_rows, ("reading", "benchmark", "weeks", "Spearman rho", "top-decile lift",
                                    "days at >=99 or <=1"))
           + f"<p>Targets (as known, all days): {html.escape('all met' if not missed else '; '.join(missed))}</p>"
           if validation_rows else '<p class="na">no benchmark overlaps a published reading</p>')
        + "</section>")
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Fragility Radar — {report.as_of}</title><style>{CSS}</style></head><body>"
        "<h1>Fragility Radar</h1>"
        f'<p class="sub">How fragile the US financial system is, point in time. Generated {generated} from '
        f"<code>{html.escape(str(published_db))}</code>.</p>"
        '<div class="kpis">' + "".join(f'<div class="kpi">{k}{v}</div>' for k, v in kpis) + "</div>"
        + (f'<p>{html.escape(fog_note)}</p>' if fog_note else "")
        + f'<details open><summary>Last five days</summary>{last5}</details>'
        + "".join(sections[p] for p in PANELS)
        + validation_html
        + "<footer><p class=sub>Shaded: " + html.escape("; ".join(f"{n} ({a} – {b})" for n, a, b in EPISODES))
        + ".</p></footer></body></html>"
    )
    tmp = report.html_path.with_name(f".{report.html_path.name}.{os.getpid()}.tmp")
    tmp.write_text(doc, encoding="utf-8")
    os.replace(tmp, report.html_path)
    report.seconds = time.perf_counter() - t0
    return report
