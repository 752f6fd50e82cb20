"""`dbt test` on a copy of a warehouse, through the project's dbt client, as the pipeline's dbt step runs it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path


def dbt_test(db: Path, target: Path, select: str) -> dict:
    """dbt's run_results for ``dbt test --select <select>`` against ``db``, with ``target`` as its target folder."""
    from orchestration.assets.dbt import dbt_project
    from orchestration.dbt_client import ENV_FILE, executable

    target.mkdir(parents=True, exist_ok=True)
    (target / ENV_FILE).write_text(json.dumps({"FRAGILITY_BUILD_DB": str(db), "FRAGILITY_DUCKDB_MEMORY_LIMIT": "1GB"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAGILITY_", "DBT_"))}
    done = subprocess.run(
        [executable(), "test", "--select", select, "--target", "dev"], cwd=dbt_project.project_dir,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600,
        env={**env, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target),
             "DBT_PROFILES_DIR": str(dbt_project.project_dir), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    written = target / "run_results.json"
    assert written.exists(), f"dbt wrote no run_results.json (exit {done.returncode}): {done.stdout[-2000:]}"
    return json.loads(written.read_text())
