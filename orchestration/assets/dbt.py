"""dbt models as Dagster assets (dagster-dbt): keys and groups by layer, dbt tests as asset checks.

The one dbt step plans its own invocation (orchestration.planning), whoever launched it: the CLI, a sensor
tick or the UI get the same ``recompute_from``, the same full-refresh decision and the same dbt arguments.
"""

import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration import planning, warm_dbt
from orchestration.constants import DBT_LAYERS, DBT_PROJECT_DIR, WRITER_POOL
from orchestration.dbt_client import WARM_KEY
from orchestration.dbt_parse import ENV_FILE, manifest_is_stale, write_env_file
from orchestration.resources import PipelineSettings, WarehouseDuckDB

RECOMPUTE_ENV = "FRAGILITY_RECOMPUTE_FROM"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_manifest(project: DbtProject = dbt_project) -> None:
    """`dbt parse` when needed, so a fresh clone and an edited model both load without a manual step."""
    if manifest_is_stale(Path(project.project_dir), Path(project.manifest_path)):
        project.preparer.prepare(project)


class FragilityTranslator(DagsterDbtTranslator):
    """Models are keyed and grouped by layer (staging/stg_..., intermediate/int_..., marts/fct_...); their code
    version is dbt's checksum of the SQL with its config and the project macros it calls, so Dagster shows a
    model whose code changed as stale, as the planner treats it."""

    def __init__(self, manifest: Mapping[str, Any] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._macros = {uid: m.get("macro_sql", "") for uid, m in (manifest or {}).get("macros", {}).items()
                        if m.get("package_name") == (manifest or {}).get("metadata", {}).get("project_name")}

    def _layer(self, props: Mapping[str, Any]) -> str | None:
        fqn = props.get("fqn") or []
        return fqn[1] if len(fqn) > 2 and fqn[1] in DBT_LAYERS else None

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

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project) -> dg.AssetCheckSpec | None:
        """dbt's spec, and for a model's `column_rules` test the rules it checks as the description the UI
        shows (one test holds all of a model's column rules: dbt_project/tests/generic/column_rules.sql)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        test = manifest.get("nodes", {}).get(unique_id) or {}
        meta = test.get("test_metadata") or {}
        if spec is None or spec.description or meta.get("name") != "column_rules":
            return spec
        return dg.AssetCheckSpec(name=spec.name, asset=spec.asset_key, description=describe_rules(meta["kwargs"]),
                                 additional_deps=spec.additional_deps, metadata=spec.metadata, blocking=spec.blocking)

    def get_code_version(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        h = hashlib.sha256((dbt_resource_props.get("checksum") or {}).get("checksum", "").encode())
        h.update(json.dumps(dbt_resource_props.get("config") or {}, sort_keys=True, default=str).encode())
        for uid in sorted((dbt_resource_props.get("depends_on") or {}).get("macros") or []):
            h.update(f"{uid}:{self._macros.get(uid, '')}".encode())  # other packages' macros: by name only
        return h.hexdigest()[:16]


def describe_rules(kwargs: Mapping[str, Any]) -> str:
    """A `column_rules` test's arguments as one line per kind of rule."""
    lines = []
    for kind in ("not_null", "unique"):
        if kwargs.get(kind):
            lines.append(f"{kind}: {', '.join(kwargs[kind])}")
    for columns in kwargs.get("unique_combination") or []:
        lines.append(f"unique_combination: ({', '.join(columns)})")
    for column, values in (kwargs.get("accepted_values") or {}).items():
        lines.append(f"accepted_values: {column} in {{{', '.join(map(str, values))}}}")
    for column, (low, high) in (kwargs.get("between") or {}).items():
        lines.append(f"between: {low} <= {column} <= {high}")
    return "dbt column rules (a row per broken rule in the compiled SQL):\n" + "\n".join(lines)


class FragilityDbtCli(DbtCliResource):
    """dagster-dbt's resource, run in one folder per warehouse, without two costs this project never needs.

    * Every invocation uses ``target_dir`` (``HOME/build/dbt``), so dbt's partial-parse state stays beside the
      warehouse it was parsed for: dbt reuses a parse only for the same profile, and the profile's database is
      per home. ``dbt.log`` there is the last build's log.
    * The warehouse's settings reach dbt's profile through ``ENV_FILE`` in that folder, which the
      ``fragility-dbt`` client (this resource's executable) adds to dbt's environment: nothing is passed
      through this process's ``os.environ``.
    * Upstream runs ``dbt --version`` in a subprocess before every invocation (a second dbt import, about
      3 s here) and builds an in-process adapter for row-count and column metadata we do not fetch (about
      4 s). dbt-core is a locked dependency, so its version is read from the package metadata, and no
      adapter is made.
    * Each invocation runs in a dbt process forked from the warm dbt (orchestration.warm_dbt), which has
      imported dbt already (1.7 s of every dbt step here); whoever launched the run, the invocation is the same.
    """

    target_dir: str = ""

    @property
    def _cli_version(self):
        from importlib.metadata import version as installed

        from packaging import version

        return version.parse(installed("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None  # the invocation accepts no adapter; only metadata fetching needs one

    def invoke(self, args: list[str], *, context: dg.AssetExecutionContext, env: Mapping[str, str]):
        """``dbt <args>`` for this step, in ``target_dir``, with ``env`` added to dbt's environment."""
        target = Path(self.target_dir)
        target.mkdir(parents=True, exist_ok=True)
        (target / "dbt.log").unlink(missing_ok=True)  # dbt appends: keep the last build's log only
        (target / warm_dbt.RECORD).unlink(missing_ok=True)  # written again only by a process of the warm dbt
        warm = warm_dbt.ensure()
        if warm:
            env = {**env, WARM_KEY: warm}
        write_env_file(target, env)
        return self.cli(args, context=context, target_path=target)


class DbtBuildConfig(dg.Config):
    """``full_refresh`` forces a full build (`fragility run --rebuild`); otherwise the step plans its build."""

    full_refresh: bool = False


def dbt_args(build_plan: planning.Plan) -> list[str]:
    """The dbt invocation for a plan. No manifest.json or run_results.json: dagster-dbt reads dbt's event
    stream, not those files, and dbt wrote the 2 MB manifest twice per build (1 s); the definitions use
    `dbt parse`'s manifest. One dbt.log per build, whole: past 10 MB (about 350 nodes at debug level) dbt
    rolls it over and would keep only the tail of the build. Unit tests check the SQL against fixed
    fixtures, not the data, so they are the code's tests, run by the test suite
    (tests/test_dbt_unit_tests.py) as dbt advises ("only in development or CI"), never by the pipeline:
    they were 19 of 357 nodes and 2 s of a cold build."""
    args = ["build", "--no-write-json", "--log-file-max-bytes", "0", "--exclude-resource-type", "unit_test"]
    return [*args, "--full-refresh"] if build_plan.kind == "full" else args


def dbt_env(warehouse: WarehouseDuckDB, build_plan: planning.Plan) -> dict[str, str]:
    day = build_plan.recompute_from if build_plan.kind == "incremental" else None
    return {**warehouse.dbt_env(), RECOMPUTE_ENV: day.isoformat() if day else ""}


class _Manifest:
    """The parsed manifest, read once per process."""

    @cached_property
    def data(self) -> dict:
        ensure_manifest()
        return json.loads(Path(dbt_project.manifest_path).read_text())


MANIFEST = _Manifest()


def plan_build(context: dg.AssetExecutionContext, warehouse: WarehouseDuckDB, pipeline: PipelineSettings,
               forced: bool) -> planning.Plan:
    """The step's plan (the same function the CLI and the build sensor select with), recorded in the
    working database for publish."""
    code = planning.current_code(pipeline.settings())
    with warehouse.get_connection() as con:
        if forced:
            build_plan = planning.Plan("full", reasons=("asked for (fragility run --rebuild / full_refresh)",),
                                       state=planning.read_state(con, code))
        else:
            build_plan = planning.plan(con, code, planning.published_state(context.instance,
                                                                           warehouse.published_exists()))
            if build_plan.kind == "skip":  # launched by hand with nothing new: rebuild as asked, every row
                build_plan = planning.Plan("incremental", (), None, ("launched with nothing new since the last "
                                                                     "publish: every row recomputed",),
                                           build_plan.state)
        planning.record_plan(con, build_plan, context.run.run_id)
        with warehouse.ddl_lock():
            # dbt's threads would create these at once: on DuckLake, concurrent schema creation can leave a view
            # whose schema the catalog does not know ("could not find schema that corresponds to the view entry")
            for schema in model_schemas():
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            if warehouse.is_lake:  # there before the snapshot it will record: every published snapshot has it
                from orchestration.lake import PUBLICATIONS_DDL

                con.execute(PUBLICATIONS_DDL)
    return build_plan


def model_schemas() -> list[str]:
    """The schemas dbt builds into (from the manifest)."""
    nodes = MANIFEST.data.get("nodes", {}).values()
    return sorted({n["schema"] for n in nodes if n.get("resource_type") in ("model", "seed", "snapshot")})


def build_dbt_assets(project: DbtProject = dbt_project) -> dg.AssetsDefinition:
    ensure_manifest(project)
    translator = FragilityTranslator(MANIFEST.data, settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=translator,
                pool=WRITER_POOL, name="fragility_dbt")
    def fragility_dbt(context: dg.AssetExecutionContext, dbt: FragilityDbtCli, duckdb: WarehouseDuckDB,
                      pipeline: PipelineSettings, config: DbtBuildConfig):
        """`dbt build` of the selected models, then their tests (reported as asset checks), as planned by
        orchestration.planning: incremental models recompute the rows from ``recompute_from`` on."""
        build_plan = plan_build(context, duckdb, pipeline, config.full_refresh)
        context.log.info(f"plan: {build_plan.describe()}")
        duckdb.release()  # dbt opens the file from its own process: DuckDB has one writer
        invocation = dbt.invoke(dbt_args(build_plan), context=context, env=dbt_env(duckdb, build_plan))
        scope = {"plan": build_plan.kind, "recomputed": (
            f"from {build_plan.recompute_from}" if build_plan.recompute_from else
            "full refresh" if build_plan.kind == "full" else "all rows")}
        try:
            for event in invocation.stream():
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    event = event.with_metadata({**event.metadata, **scope})
                yield event
        finally:
            (Path(dbt.target_dir) / ENV_FILE).unlink(missing_ok=True)
        with duckdb.get_connection() as con:
            planning.complete_plan(con, context.run.run_id)

    return fragility_dbt
