"""dbt models as Dagster assets (dagster-dbt): keys and groups by layer, dbt tests as asset checks."""


from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.assets.ingestion import WRITER_POOL

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
LAYERS = ("staging", "intermediate", "marts")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def manifest_is_stale(project: DbtProject = dbt_project) -> bool:
    """True when the manifest is missing or older than any model, macro, seed or project file."""
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project.project_dir / "dbt_project.yml", *project.project_dir.glob("models/**/*"),
               *project.project_dir.glob("macros/**/*"), *project.project_dir.glob("seeds/**/*"),
               *project.project_dir.glob("tests/**/*")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def ensure_manifest(project: DbtProject = dbt_project) -> None:
    """`dbt parse` when needed, so a fresh clone and an edited model both load without a manual step."""
    if manifest_is_stale(project):
        project.preparer.prepare(project)


class FragilityTranslator(DagsterDbtTranslator):
    """Models are keyed and grouped by layer: staging/stg_..., intermediate/int_..., marts/fct_..."""

    def _layer(self, props: Mapping[str, Any]) -> str | None:
        fqn = props.get("fqn") or []
        return fqn[1] if len(fqn) > 2 and fqn[1] in LAYERS else None

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        layer = self._layer(dbt_resource_props)
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot") and layer:
            return dg.AssetKey([layer, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self._layer(dbt_resource_props) or super().get_group_name(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))
        layer = self._layer(dbt_resource_props)
        if layer:
            tags["layer"] = layer
        loop = (dbt_resource_props.get("meta") or {}).get("loop")
        if loop:
            tags["loop"] = loop
        return tags


translator = FragilityTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class FragilityDbtCli(DbtCliResource):
    """``DbtCliResource`` without the two things it does before every invocation that this project never uses.

    Upstream runs ``dbt --version`` in a subprocess to learn the version (a second Python start and dbt
    import, about 3 s here) and builds an in-process dbt adapter for row-count and column metadata we do
    not fetch (about 4 s). dbt-core is a locked dependency of this environment, so its version is read
    from the package metadata instead, and no adapter is made. Measured: an incremental dbt step went
    from 25 s to 17 s.
    """

    @property
    def _cli_version(self):
        from importlib.metadata import version as installed

        from packaging import version

        return version.parse(installed("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None  # the invocation accepts no adapter; only metadata fetching needs one


class DbtBuildConfig(dg.Config):
    """How much the incremental models recompute (`fragility run` sets it from orchestration.fingerprint.plan)."""

    recompute_from: str | None = None  # YYYY-MM-DD: keep the as-known rows before this day
    full_refresh: bool = False  # rebuild the incremental models from nothing (after a model changed)
    # Unit tests check the SQL against fixed fixtures, not the data. `fragility run` builds incrementally only
    # when no model, macro or test changed since the last publish (whose build ran them), so it skips them then.
    unit_tests: bool = True

    def args(self) -> list[str]:
        args = ["build", "--full-refresh"] if self.full_refresh else ["build"]
        return args if self.unit_tests else [*args, "--exclude-resource-type", "unit_test"]

    def env(self) -> dict[str, str]:
        """The day reaches dbt as an environment variable read at execution (dbt re-parses on new --vars)."""
        import datetime as dt

        if self.full_refresh or not self.recompute_from:
            return {RECOMPUTE_ENV: ""}
        return {RECOMPUTE_ENV: dt.date.fromisoformat(self.recompute_from).isoformat()}  # a date, nothing else


RECOMPUTE_ENV = "FRAGILITY_RECOMPUTE_FROM"


def build_dbt_assets(project: DbtProject = dbt_project) -> dg.AssetsDefinition:
    ensure_manifest(project)

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=translator,
                pool=WRITER_POOL, name="fragility_dbt")
    def fragility_dbt(context: dg.AssetExecutionContext, dbt: FragilityDbtCli, config: DbtBuildConfig):
        """`dbt build` of the selected models, then their tests (reported as asset checks). Incremental models
        recompute the rows from ``recompute_from`` on, or all of them when it is not set."""
        scope = ("full refresh" if config.full_refresh
                 else f"from {config.recompute_from}" if config.recompute_from else "all rows")
        import os

        saved = os.environ.get(RECOMPUTE_ENV)
        os.environ.update(config.env())  # the dbt subprocess inherits it; this process runs one step at a time
        try:
            for event in dbt.cli(config.args(), context=context).stream():
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    event = event.with_metadata({**event.metadata, "recomputed": scope})
                yield event
        finally:
            if saved is None:
                os.environ.pop(RECOMPUTE_ENV, None)
            else:
                os.environ[RECOMPUTE_ENV] = saved

    return fragility_dbt
