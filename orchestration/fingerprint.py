"""What the published warehouse was built from, so that a re-run with nothing new can stop after ingest.

The marts are a pure function of the raw tables, the dbt project, the Great Expectations suites and the
run's settings (models use no wall-clock time: "today" is the newest knowledge date in the data). So
when the content of every raw table (an order-independent hash of every row, which DuckDB computes in
well under a second at scale 1), the compiled dbt manifest, the suites and the settings are all as they
were at the last successful publish, dbt, the checks and publish would reproduce the published file:
skip them. Hashing the rows, not just ``raw._loads``, also catches an edit that bypassed the loader.

The fingerprint is written beside the published file only after a run has published, so a failed run
(or one killed half way) always leads to a full rebuild next time.
"""

from __future__ import annotations

import hashlib
import json
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


def current(settings: Settings, manifest_path: Path) -> str | None:
    """The fingerprint of the working database as it stands, or None if it cannot tell (then rebuild)."""
    if not settings.build_db.exists() or not manifest_path.exists():
        return None
    h = hashlib.sha256()
    h.update(f"source={settings.source};scale={settings.scale};files={settings.files_dir}\n".encode())
    h.update(_manifest_digest(manifest_path).encode())
    for rel in CODE:
        h.update(hashlib.sha256((REPO / rel).read_bytes()).hexdigest().encode())
    try:
        con = duckdb.connect(str(settings.build_db), read_only=True)
    except duckdb.Error:
        return None
    try:
        marts = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchone()
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' AND table_type = 'BASE TABLE' "
            "AND table_name <> '_loads' ORDER BY 1").fetchall()]
        for name in tables:  # names come from the catalog of this database, quoted all the same
            rows, digest = con.execute(
                f'SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM raw."{name}" AS t').fetchone()
            h.update(f"{name}={rows}:{digest}\n".encode())
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not marts[0]:
        return None
    return h.hexdigest()


def unchanged_since_publish(settings: Settings, manifest_path: Path) -> bool:
    """True when the published file exists and was built from exactly what the working copy holds now."""
    path = fingerprint_path(settings)
    if not settings.published_db.exists() or not path.exists():
        return False
    now = current(settings, manifest_path)
    return now is not None and path.read_text().strip() == now


def record(settings: Settings, manifest_path: Path) -> None:
    """After a successful publish: remember what it was built from (atomically)."""
    now = current(settings, manifest_path)
    path = fingerprint_path(settings)
    if now is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(now + "\n")
    tmp.replace(path)


def forget(settings: Settings) -> None:
    """Before anything is rebuilt: a run that dies half way must not look current."""
    fingerprint_path(settings).unlink(missing_ok=True)
