"""What the published warehouse was built from, so that a re-run with nothing new can stop after ingest.

The marts are a pure function of the raw tables, the dbt project, the Great Expectations suites and the
run's settings (models use no wall-clock time: "today" is the newest knowledge date in the data). So
when the content of every raw table (an order-independent hash of every row, which DuckDB computes in
well under a second at scale 1), the compiled dbt manifest, the suites and the settings are all as they
were at the last successful publish, dbt, the checks and publish would reproduce the published file:
skip them. Hashing the rows, not just ``raw._loads``, also catches an edit that bypassed the loader.

The fingerprint keeps each raw table's hash apart, so it also says *what* is new: ``plan`` turns that
into a build of only the assets downstream of the changed tables, and, for tables that say when each
row became known (``RawTable.known_on``), the day from which incremental models recompute their rows.

The fingerprint is written beside the published file only after a run has published, so a failed run
(or one killed half way) always leads to a full rebuild next time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.settings import Settings

REPO = Path(__file__).resolve().parents[1]
# Code whose change alters the checks or the published file without changing the dbt manifest.
CODE = ("expectations/suites.py", "expectations/runner.py", "orchestration/publish.py")


def fingerprint_path(settings: Settings) -> Path:
    return settings.home / "published.fingerprint"


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


@dataclass(frozen=True)
class State:
    """What a working database was built from: code and settings, each raw table, and the loads seen."""

    code: str
    tables: dict[str, str]  # raw table -> "rows:hash"
    loads_until: str | None  # the newest raw._loads.loaded_at (ISO), None when nothing was loaded

    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.code, sorted(self.tables.items())]).encode()).hexdigest()


@dataclass(frozen=True)
class Plan:
    """What the build after an ingest has to do."""

    kind: str  # "skip": nothing changed; "incremental": only what the changed tables feed; "full"
    changed: tuple[str, ...] = ()  # raw tables (schema.table) whose rows changed since the last publish
    recompute_from: dt.date | None = None  # incremental models keep their as-known rows before this day
    reasons: list[str] = field(default_factory=list)
    state: State | None = None  # the working database as planned from (the build does not touch raw tables)


def _code_digest(settings: Settings, manifest_path: Path) -> str:
    h = hashlib.sha256()
    h.update(f"source={settings.source};scale={settings.scale};files={settings.files_dir}\n".encode())
    h.update(_manifest_digest(manifest_path).encode())
    for rel in CODE:
        h.update(hashlib.sha256((REPO / rel).read_bytes()).hexdigest().encode())
    return h.hexdigest()


def _state(con: duckdb.DuckDBPyConnection, code: str) -> State | None:
    marts = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchone()
    if not marts[0]:
        return None
    tables = {}
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' AND table_type = 'BASE TABLE' "
        "AND table_name <> '_loads' ORDER BY 1").fetchall()]
    for name in names:  # names come from the catalog of this database, quoted all the same
        rows, digest = con.execute(
            f'SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM raw."{name}" AS t').fetchone()
        tables[f"raw.{name}"] = f"{rows}:{digest}"
    has_loads = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                            "AND table_name = '_loads'").fetchone()[0]
    until = con.execute("SELECT max(loaded_at)::VARCHAR FROM raw._loads").fetchone()[0] if has_loads else None
    return State(code, tables, until)


def _read_state(settings: Settings, manifest_path: Path,
                before: State | None = None) -> tuple[State | None, dt.date | None]:
    """The working database's state as it stands (None if it cannot tell: then rebuild) and, when ``before``
    is given and only raw rows differ, the day to recompute from (read on the same connection)."""
    if not settings.build_db.exists() or not manifest_path.exists():
        return None, None
    code = _code_digest(settings, manifest_path)
    try:
        con = duckdb.connect(str(settings.build_db), read_only=True)
    except duckdb.Error:
        return None, None
    try:
        now = _state(con, code)
        if now is None or before is None or before.code != now.code or before.tables == now.tables:
            return now, None
        return now, _recompute_from(con, _changed(before, now), before.loads_until)
    except duckdb.Error:
        return None, None
    finally:
        con.close()


def _changed(before: State, now: State) -> tuple[str, ...]:
    names = before.tables.keys() | now.tables.keys()
    return tuple(sorted(t for t in names if before.tables.get(t) != now.tables.get(t)))


def current(settings: Settings, manifest_path: Path) -> str | None:
    """The fingerprint of the working database as it stands, or None if it cannot tell (then rebuild)."""
    state, _ = _read_state(settings, manifest_path)
    return state.digest() if state else None


def _published_state(settings: Settings) -> State | None:
    path = fingerprint_path(settings)
    if not settings.published_db.exists() or not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
        return State(doc["code"], dict(doc["tables"]), doc.get("loads_until"))
    except (ValueError, KeyError, TypeError):
        return None  # an older or damaged fingerprint: rebuild


def unchanged_since_publish(settings: Settings, manifest_path: Path) -> bool:
    """True when the published file exists and was built from exactly what the working copy holds now."""
    return plan(settings, manifest_path).kind == "skip"


def plan(settings: Settings, manifest_path: Path) -> Plan:
    """Compare the working database with what the published copy was built from."""
    before = _published_state(settings)
    now, recompute_from = _read_state(settings, manifest_path, before)
    if before is None or now is None:
        return Plan("full", reasons=["no record of what the published copy was built from"], state=now)
    if before.code != now.code:
        return Plan("full", reasons=["the models, checks or settings changed since the last publish"], state=now)
    changed = _changed(before, now)
    if not changed:
        return Plan("skip", state=now)
    return Plan("incremental", changed, recompute_from, state=now)


def _recompute_from(con: duckdb.DuckDBPyConnection, changed: tuple[str, ...],
                    loads_since: str | None) -> dt.date | None:
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


def record(settings: Settings, manifest_path: Path, state: State | None = None) -> None:
    """After a successful publish: remember what it was built from (atomically). ``state`` is the plan's,
    when there was one: the build reads the raw tables and writes none, so hashing them again is wasted."""
    if state is None:
        state, _ = _read_state(settings, manifest_path)
    path = fingerprint_path(settings)
    if state is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"code": state.code, "tables": state.tables, "loads_until": state.loads_until},
                              indent=1, sort_keys=True) + "\n")
    tmp.replace(path)


def forget(settings: Settings) -> None:
    """Before anything is rebuilt: a run that dies half way must not look current."""
    fingerprint_path(settings).unlink(missing_ok=True)
