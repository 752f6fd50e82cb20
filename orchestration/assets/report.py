"""The dashboard as an asset: HOME/reports/fragility_report.html, rendered from the published warehouse."""

import dagster as dg

from orchestration.constants import REPORTS_GROUP
from orchestration.planning import PUBLISHED_KEY
from orchestration.resources import PipelineSettings, WarehouseDuckDB

REPORT_KEY = dg.AssetKey(["reports", "dashboard"])


def build_report_asset() -> dg.AssetsDefinition:
    @dg.asset(
        key=REPORT_KEY,
        deps=[PUBLISHED_KEY],
        group_name=REPORTS_GROUP,
        kinds={"python", "html"},
        owners=["team:analytics-engineering"],
        tags={"layer": "reports"},
        description="The dashboard (`fragility report`): repo radar, composite and loop scores with stress episodes "
        "and the fog band, loop heatmap, data fog, concentration and the bitcoin/gold hedge. One self-contained "
        "HTML file plus PNGs in HOME/reports/, read from the published warehouse (read-only).",
    )
    def dashboard(context: dg.AssetExecutionContext, pipeline: PipelineSettings,
                  duckdb: WarehouseDuckDB) -> dg.MaterializeResult:
        from orchestration.report import fmt, render_report

        out = render_report(duckdb, pipeline.settings().home / "reports")
        context.log.info(f"report: {out.html_path} ({len(out.pngs)} charts, {out.seconds:.1f}s)")
        last5 = "\n".join(f"| {d} | {fmt(c, 2)} | {fmt(f, 2)} | {st} |" for d, c, f, st in out.last_rows)
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(out.html_path)),
            "as_of_date": str(out.as_of),
            "latest_composite": dg.MetadataValue.float(float(out.composite)) if out.composite is not None else None,
            "latest_confidence": dg.MetadataValue.float(float(out.confidence)) if out.confidence is not None
            else None,
            "last_5_composite": dg.MetadataValue.md(
                "| as of | composite | confidence | status |\n|---|---|---|---|\n" + last5),
            "panels": ", ".join(out.panels),
            "panels_not_available": ", ".join(f"{k}: {v}" for k, v in out.unavailable.items()) or "none",
            "render_seconds": round(out.seconds, 2),
        })

    return dashboard
