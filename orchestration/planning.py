"""What a build has to do, planned the same way for every launcher (the CLI, a sensor tick, the UI).

The marts are a pure function of the raw tables, the dbt project, the Great Expectations suites and the run's
settings (no model reads the wall clock: "today" is the newest knowledge date in the data). So a build is
planned against what the **published** warehouse was built from:

* nothing differs: **skip** (the published copy is already what a build would give);
* only raw rows differ: **incremental**: rebuild what the changed tables feed, and let the incremental models
  keep their as-known rows before ``recompute_from``, the earliest day a row loaded since then became known
  (``RawTable.known_on``); an as-known row for day D uses only what was published by D;
* the code or the settings differ, or there is no record: **full** (``--full-refresh``).

Dagster's machinery does the parts it can: every raw asset reports its table's content hash as its data
version, the dbt models carry code versions from dbt's checksums, and the record of what was published is
the ``built_from`` metadata of the ``warehouse/published`` materialization in the instance's event log (so
the UI, the daemon and the CLI read the same record). What Dagster cannot say is *from which day* new rows
matter: that is read from the warehouse (``raw._loads`` and each table's ``known_on`` column), and the hashes
are taken from the tables themselves, so an edit that bypassed the loader is seen too. docs/planning.md
explains the split and gives the measurements.

The code digest covers the compiled dbt project and the modules that decide what is checked and published.
Those modules are found by following imports from ``CODE_ROOTS``, not listed file by file, so a new helper
module of the suites is covered without anyone remembering to add it.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.constants import DBT_MANIFEST
from orchestration.settings import Settings

REPO = Path(__file__).resolve().parents[1]
# The modules whose code can change a check's verdict or the published file without changing the dbt manifest;
# what they import from the packages in FOLLOW is covered too (``code_modules``). Ingestion is not followed:
# a change there reaches the warehouse as changed raw tables, which the plan sees as such.
CODE_ROOTS = ("expectations.suites", "expectations.runner", "orchestration.publish")
FOLLOW = ("expectations",)
PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])
BUILT_FROM = "built_from"  # metadata key on the publish materialization


# ------------------------------------------------------------------------------------------------- code


def _module_file(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _project_imports(path: Path, module: str) -> set[str]:
    """The project modules ``path`` imports (absolute and relative, at any depth of the file)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            if name.split(".")[0] in FOLLOW or name in CODE_ROOTS:
                while name and _module_file(name) is None:  # `from pkg import function`: the module is pkg
                    name = name.rpartition(".")[0]
                if name:
                    found.add(name)
    return found


def code_modules(roots: tuple[str, ...] = CODE_ROOTS) -> dict[str, Path]:
    """Every project module reachable by import from ``roots`` (packages' ``__init__`` included)."""
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(name)
        if path is None:
            raise ModuleNotFoundError(f"planning: code root {name} is not a module of this project")
        seen[name] = path
        todo += sorted(_project_imports(path, name) - seen.keys())
        parent = name.rpartition(".")[0]
        if parent and parent not in seen:
            todo.append(parent)
    return dict(sorted(seen.items()))


def _manifest_digest(manifest_path: Path) -> str:
    """Checksums of every model, test, seed and macro dbt compiled, plus the project's variables."""
    manifest = json.loads(manifest_path.read_text())
    project = manifest.get("metadata", {}).get("project_name", "fragility")
    parts = []
    for uid, node in manifest.get("nodes", {}).items():
        config = json.dumps(node.get("config", {}), sort_keys=True, default=str)
        parts.append(f"{uid}:{node.get('checksum', {}).get('checksum')}:{config}")
    for uid, macro in manifest.get("macros", {}).items():
        if macro.get("package_name") == project:
            parts.append(f"{uid}:{macro.get('macro_sql', '')}")
    for uid, test in manifest.get("unit_tests", {}).items():
        parts.append(f"{uid}:{json.dumps(test.get('given'), sort_keys=True)}:{json.dumps(test.get('expect'))}")
    parts.sort()
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def code_digest_of_modules() -> str:
    """The checks' and publish's code (``code_modules``): the publish asset's code version."""
    h = hashlib.sha256()
    for name, path in code_modules().items():
        h.update(f"{name}:{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return h.hexdigest()[:16]


def current_code(settings: Settings) -> str:
    """The code digest of the definitions' dbt manifest (``dbt parse``'s) with these settings."""
    return code_digest(settings, DBT_MANIFEST)


def code_digest(settings: Settings, manifest_path: Path) -> str:
    h = hashlib.sha256()
    h.update(f"source={settings.source};scale={settings.scale};files={settings.files_dir}\n".encode())
    h.update(_manifest_digest(manifest_path).encode())
    h.update(code_digest_of_modules().encode())
    return h.hexdigest()


# ------------------------------------------------------------------------------------------------- state


@dataclass(frozen=True)
class State:
    """What a working database holds: code and settings, each raw table's content, and the loads seen."""

    code: str
    tables: dict[str, str]  # raw table -> "rows:hash" (the raw asset's data version)
    loads_until: str | None  # the newest raw._loads.loaded_at (ISO), None when nothing was loaded

    def to_json(self) -> dict:
        return {"code": self.code, "tables": dict(sorted(self.tables.items())), "loads_until": self.loads_until}

    @classmethod
    def from_json(cls, doc: dict) -> State:
        return cls(doc["code"], dict(doc["tables"]), doc.get("loads_until"))


def table_version(con, table: str) -> str:
    """A raw table's content as "rows:hash" (order-independent): its data version."""
    schema, name = table.split(".")
    rows, digest = con.execute(
        f'SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM "{schema}"."{name}" AS t').fetchone()
    return f"{rows}:{digest}"


def has_marts(con) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchone()[0] > 0


def read_state(con, code: str) -> State:
    """The working database's state: every raw table's data version and the newest load."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' AND table_type = 'BASE TABLE' "
        "AND table_name <> '_loads' ORDER BY 1").fetchall()]
    tables = {f"raw.{name}": table_version(con, f"raw.{name}") for name in names}
    has_loads = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                            "AND table_name = '_loads'").fetchone()[0]
    until = con.execute("SELECT max(loaded_at)::VARCHAR FROM raw._loads").fetchone()[0] if has_loads else None
    return State(code, tables, until)


def published_state(instance: dg.DagsterInstance, published_exists: bool) -> State | None:
    """What the published copy was built from: the ``built_from`` metadata of the last publish."""
    if not published_exists:
        return None
    event = instance.get_latest_materialization_event(PUBLISHED_KEY)
    meta = event.asset_materialization.metadata.get(BUILT_FROM) if event and event.asset_materialization else None
    try:
        return State.from_json(meta.value) if meta is not None else None
    except (KeyError, TypeError, AttributeError):
        return None  # an older or damaged record: rebuild


# ------------------------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    """What the build after an ingest has to do."""

    kind: str  # "skip": nothing changed; "incremental": only what the changed tables feed; "full"
    changed: tuple[str, ...] = ()  # raw tables (schema.table) whose rows changed since the last publish
    recompute_from: dt.date | None = None  # incremental models keep their as-known rows before this day
    reasons: tuple[str, ...] = ()
    state: State | None = None  # the working database as planned from (a build writes no raw table)

    def describe(self) -> str:
        if self.kind == "skip":
            return "nothing to build: no new data and no change to the models or checks since the last publish"
        if self.kind == "full":
            return "full build (" + "; ".join(self.reasons) + ")"
        since = (f"as-known rows from {self.recompute_from} on" if self.recompute_from
                 else "every row of the incremental models")
        return f"incremental: new rows in {', '.join(self.changed)}; rebuilding what they feed, {since}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "changed": list(self.changed),
                "recompute_from": self.recompute_from.isoformat() if self.recompute_from else None,
                "reasons": list(self.reasons), "state": self.state.to_json() if self.state else None}

    @classmethod
    def from_json(cls, doc: dict) -> Plan:
        day = doc.get("recompute_from")
        return cls(doc["kind"], tuple(doc.get("changed", ())), dt.date.fromisoformat(day) if day else None,
                   tuple(doc.get("reasons", ())), State.from_json(doc["state"]) if doc.get("state") else None)


def _changed(before: State, now: State) -> tuple[str, ...]:
    names = before.tables.keys() | now.tables.keys()
    return tuple(sorted(t for t in names if before.tables.get(t) != now.tables.get(t)))


def plan(con, code: str, published: State | None) -> Plan:
    """Compare the working database (``con``, read-only is enough) with what the published copy was built from."""
    now = read_state(con, code)
    if not has_marts(con):
        return Plan("full", reasons=("no marts in the working database yet",), state=now)
    if published is None:
        return Plan("full", reasons=("no record of what the published copy was built from",), state=now)
    if published.code != now.code:
        return Plan("full", reasons=("the models, checks or settings changed since the last publish",), state=now)
    changed = _changed(published, now)
    if not changed:
        return Plan("skip", state=now)
    return Plan("incremental", changed, _recompute_from(con, changed, published.loads_until), state=now)


def _recompute_from(con, changed: tuple[str, ...], loads_since: str | None) -> dt.date | None:
    """The earliest day a changed table's new rows became known, or None (recompute every row) when a
    changed table cannot say (it has no ``known_on`` column, or rows changed outside the loader)."""
    from ingestion.registry import SOURCES

    known_on = {t.name: t.known_on for s in SOURCES for t in s.tables}
    if loads_since is None or any(known_on.get(t) is None for t in changed):
        return None
    days = []
    for table in changed:
        day = con.execute(
            f"SELECT min({known_on[table]}) FROM {table} WHERE payload_hash IN (SELECT split_part(load_id, ':', 1) "
            "FROM raw._loads WHERE table_name = ? AND loaded_at > ?::TIMESTAMPTZ)",
            [table, loads_since]).fetchone()[0]
        if day is None:
            return None
        days.append(day)
    return min(days)


# ------------------------------------------------------------------------------------------------- selection


def build_selection(build_plan: Plan, candidates: set[dg.AssetKey], graph=None) -> set[dg.AssetKey]:
    """The assets a build run materialises for a plan (their checks follow them): nothing for a skip, every
    candidate for a full build, and for an incremental one the candidates downstream of the changed tables."""
    if build_plan.kind == "skip":
        return set()
    if build_plan.kind == "full" or graph is None:
        return set(candidates)
    changed = dg.AssetSelection.assets(*(dg.AssetKey(t.split(".")) for t in build_plan.changed))
    return (changed.downstream() - changed).resolve(graph) & candidates


PLAN_TABLE = "main.dbt_build_plan"
PLAN_DDL = f"""CREATE TABLE IF NOT EXISTS {PLAN_TABLE} (
    run_id VARCHAR NOT NULL, planned_at TIMESTAMPTZ NOT NULL, kind VARCHAR NOT NULL, recompute_from DATE,
    plan JSON NOT NULL, completed BOOLEAN NOT NULL
)"""


def record_plan(con, build_plan: Plan, run_id: str) -> None:
    """The dbt step's plan, before dbt runs (one row: the last build's)."""
    con.execute(PLAN_DDL)
    con.execute(f"DELETE FROM {PLAN_TABLE}")
    con.execute(f"INSERT INTO {PLAN_TABLE} VALUES (?, now(), ?, ?, ?, false)",
                [run_id, build_plan.kind, build_plan.recompute_from, json.dumps(build_plan.to_json())])


def complete_plan(con, run_id: str) -> None:
    con.execute(f"UPDATE {PLAN_TABLE} SET completed = true WHERE run_id = ?", [run_id])


def completed_plan(con) -> Plan | None:
    """The plan of the last dbt build, if it completed (what publish records as ``built_from``)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
                         "AND table_name = 'dbt_build_plan'").fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"SELECT plan FROM {PLAN_TABLE} WHERE completed").fetchone()
    return Plan.from_json(json.loads(row[0])) if row else None


def next_build(instance: dg.DagsterInstance, warehouse, settings: Settings, graph,
               candidates: set[dg.AssetKey]) -> tuple[Plan, set[dg.AssetKey]]:
    """The plan after an ingest, and the assets the build run materialises: one function for the CLI and the
    build sensor. ``candidates`` are the build job's assets (orchestration.jobs.BUILD, resolved)."""
    code = current_code(settings)
    published = published_state(instance, warehouse.published_exists())
    with warehouse.read_only() as con:
        build_plan = plan(con, code, published)
    return build_plan, build_selection(build_plan, candidates, graph)
