"""dbt models as Dagster assets (dagster-dbt): keys and groups by layer, dbt tests as asset checks."""


import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.assets.ingestion import WRITER_POOL
from orchestration.resources import WarehouseDuckDB

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

    def cli(self, args, *, context=None, target_path=None, **kwargs):
        """Start dbt with this warehouse's own partial-parse state (see `partial_parse_cache`)."""
        if target_path is None:
            target_path = self._get_unique_target_path(context=context)
        seed_partial_parse(Path(self.project_dir) / target_path, Path(self.project_dir))
        return super().cli(args, context=context, target_path=target_path, **kwargs)


PARTIAL_PARSE = "partial_parse.msgpack"


def partial_parse_cache() -> Path | None:
    """dbt's parse state for the warehouse the profile points at, kept beside that database.

    dbt reuses a parse only when the profile is unchanged, and the profile's DuckDB path is per home:
    the project's own `target/partial_parse.msgpack` (written by `dbt parse` for whichever home ran it
    first) made every build re-parse all 56 models, 186 tests and 526 macros (about 6 s). A state kept
    next to the database it was parsed for matches the profile of every later build of that home.
    """
    db = os.environ.get("FRAGILITY_BUILD_DB")
    return Path(db).with_name("dbt_" + PARTIAL_PARSE) if db else None


def seed_partial_parse(target: Path, project_dir: Path) -> None:
    """Put this warehouse's parse state where dbt will look (dagster-dbt copies the project's only if none)."""
    import msgpack

    cache = partial_parse_cache()
    if cache is None or not cache.exists():
        return
    try:
        state = msgpack.unpackb(cache.read_bytes(), raw=False, strict_map_key=False)
    except Exception:  # unreadable: dbt parses from scratch, and the build writes a fresh one
        return
    # A seed's parse holds its absolute root path, which is wrong if the project moved since: then, as
    # dagster-dbt does for the project's state, its checksum is voided and dbt re-parses the seed. Not
    # always, as dagster-dbt does: that re-parse also re-reads the seed's schema file and its tests (1 s).
    root = str(project_dir.resolve())
    for entry in state.get("files", {}).values():
        if entry.get("parse_file_type") == "seed" and (entry.get("path") or {}).get("project_root") != root:
            entry["checksum"] = {"name": "sha256", "checksum": "0" * 64}
    target.mkdir(parents=True, exist_ok=True)
    (target / PARTIAL_PARSE).write_bytes(msgpack.packb(state))


def _keep_beside_database(written: Path, name: str) -> None:
    """Copy a file dbt wrote in an invocation's target next to the warehouse it was written for, atomically."""
    cache = partial_parse_cache()
    if cache is None or not written.exists() or not cache.parent.is_dir():
        return
    kept = cache.with_name(name)
    tmp = kept.with_name(name + ".tmp")
    shutil.copyfile(written, tmp)
    os.replace(tmp, kept)  # a reader never sees half a file


def keep_partial_parse(target: Path) -> None:
    """Keep the parse state dbt wrote in this invocation's target for the next build of the same warehouse."""
    _keep_beside_database(target / PARTIAL_PARSE, "dbt_" + PARTIAL_PARSE)


def keep_dbt_log(target: Path, *, failed: bool, log) -> None:
    """Keep dbt's log of the build beside the database, and drop the invocation's target folder unless the
    build failed (its compiled SQL is then worth reading). dagster-dbt makes one folder per run and never
    removes it, so they piled up in the project, a few MB each."""
    _keep_beside_database(target / "dbt.log", "dbt.log")
    if not failed:
        shutil.rmtree(target, ignore_errors=True)
    else:
        log.info(f"dbt's files of the failed build are kept in {target}")


class DbtBuildConfig(dg.Config):
    """How much the incremental models recompute (`fragility run` sets it from orchestration.fingerprint.plan)."""

    recompute_from: str | None = None  # YYYY-MM-DD: keep the as-known rows before this day
    full_refresh: bool = False  # rebuild the incremental models from nothing (after a model changed)
    # Unit tests check the SQL against fixed fixtures, not the data. `fragility run` builds incrementally only
    # when no model, macro or test changed since the last publish (whose build ran them), so it skips them then.
    unit_tests: bool = True

    def args(self) -> list[str]:
        # No manifest.json or run_results.json: dagster-dbt reads dbt's event stream, not those files, and
        # dbt wrote the 2 MB manifest twice per build (1 s). The definitions use `dbt parse`'s manifest.
        # One dbt.log per build, whole: past 10 MB (about 350 nodes at debug level) dbt rolls it over and
        # HOME/build/dbt.log would keep only the tail of the build.
        args = ["build", "--no-write-json", "--log-file-max-bytes", "0",
                *(["--full-refresh"] if self.full_refresh else [])]
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
    def fragility_dbt(context: dg.AssetExecutionContext, dbt: FragilityDbtCli, duckdb: WarehouseDuckDB,
                      config: DbtBuildConfig):
        """`dbt build` of the selected models, then their tests (reported as asset checks). Incremental models
        recompute the rows from ``recompute_from`` on, or all of them when it is not set."""
        scope = ("full refresh" if config.full_refresh
                 else f"from {config.recompute_from}" if config.recompute_from else "all rows")
        saved = os.environ.get(RECOMPUTE_ENV)
        os.environ.update(config.env())  # the dbt subprocess inherits it; this process runs one step at a time
        invocation, finished = None, False
        duckdb.release()  # dbt opens the file from its own process: DuckDB has one writer
        try:
            invocation = dbt.cli(config.args(), context=context)
            for event in invocation.stream():
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    event = event.with_metadata({**event.metadata, "recomputed": scope})
                yield event
            finished = True
        finally:
            if invocation is not None:  # dbt writes its parse state before it runs anything: keep it on failure too
                keep_partial_parse(invocation.target_path)
                keep_dbt_log(invocation.target_path, failed=not finished, log=context.log)
            if saved is None:
                os.environ.pop(RECOMPUTE_ENV, None)
            else:
                os.environ[RECOMPUTE_ENV] = saved

    return fragility_dbt
