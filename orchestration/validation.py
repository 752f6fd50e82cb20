"""`fragility validate`: how the readings track the published stress indices (marts.fct_validation).

The benchmarks (NFCI, ANFCI, STLFSI4, the OFR FSI) are compared here and never feed a reading. The
targets are issue #14's, checked on the real file drop by tests/test_validation_real.py.
"""

from __future__ import annotations

from dataclasses import dataclass

# (reading, benchmark) -> the least Spearman rho over all days, as known
RHO_TARGETS = {("stress", "NFCI"): 0.7, ("stress", "OFR_FSI"): 0.7,
               ("composite", "NFCI"): 0.6, ("composite", "OFR_FSI"): 0.6}
MAX_EXTREME_SHARE = 0.02  # composite at >= 99 or <= 1
MIN_LIFT = 15.0  # composite, each benchmark's top-decile weeks over its calm median


@dataclass(frozen=True)
class Row:
    reading: str
    view_name: str
    benchmark: str
    window_name: str
    weeks: int
    spearman_rho: float | None
    top_decile_lift: float | None
    extreme_share: float | None


def rows(con) -> list[Row]:
    return [Row(*r) for r in con.execute(
        "SELECT reading, view_name, benchmark, window_name, weeks, spearman_rho, top_decile_lift, extreme_share "
        "FROM marts.fct_validation ORDER BY reading, view_name, benchmark, window_start").fetchall()]


def failures(found: list[Row]) -> list[str]:
    """The targets the as-known readings miss over all days (an empty list when every target holds)."""
    everything = {(r.reading, r.benchmark): r for r in found
                  if r.view_name == "as_known" and r.window_name == "all days"}
    out = []
    for (reading, bench), target in RHO_TARGETS.items():
        r = everything.get((reading, bench))
        if r is None or r.spearman_rho is None:
            out.append(f"{reading} vs {bench}: no overlapping weeks")
        elif r.spearman_rho < target:
            out.append(f"{reading} vs {bench}: Spearman {r.spearman_rho:.2f} < {target}")
    composite = [r for (reading, _), r in everything.items() if reading == "composite"]
    for r in composite:
        if r.top_decile_lift is None or r.top_decile_lift < MIN_LIFT:
            out.append(f"composite vs {r.benchmark}: top-decile lift {r.top_decile_lift} < {MIN_LIFT}")
    if composite and (composite[0].extreme_share or 0) >= MAX_EXTREME_SHARE:
        out.append(f"composite at >= 99 or <= 1 on {composite[0].extreme_share:.1%} of days (>= "
                   f"{MAX_EXTREME_SHARE:.0%})")
    return out


def _fmt(x: float | None, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def lines(found: list[Row]) -> list[str]:
    """A table per view: each reading and benchmark over all days, then the Spearman rho per decade."""
    if not found:
        return ["no validation rows: the warehouse has no benchmark (NFCI, ANFCI, STLFSI4, OFR FSI) "
                "overlapping a published reading"]
    decades = sorted({r.window_name for r in found if r.window_name != "all days"})
    out = []
    for view in ("as_known", "revised"):
        view_rows = [r for r in found if r.view_name == view]
        if not view_rows:
            continue
        out.append(f"{view}: Spearman rho over all days (weeks), top-decile lift, share of days at >=99 or <=1; "
                   "rho per decade")
        out.append(f"  {'reading':<14}{'benchmark':<10}{'rho':>6}{'weeks':>7}{'lift':>7}{'extreme':>9}  "
                   + "".join(f"{d:>7}" for d in decades))
        keys = sorted({(r.reading, r.benchmark) for r in view_rows})
        for reading, bench in keys:
            by_window = {r.window_name: r for r in view_rows if (r.reading, r.benchmark) == (reading, bench)}
            a = by_window.get("all days")
            out.append(
                f"  {reading:<14}{bench:<10}{_fmt(a and a.spearman_rho, '6.2f'):>6}{(a.weeks if a else 0):>7}"
                f"{_fmt(a and a.top_decile_lift, '7.1f'):>7}{_fmt(a and a.extreme_share, '9.1%'):>9}  "
                + "".join(f"{_fmt(by_window[d].spearman_rho if d in by_window else None, '7.2f'):>7}"
                          for d in decades))
    missed = failures(found)
    out.append("targets (as known, all days): " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    return out
