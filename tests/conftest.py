"""Shared fixtures: a parsed dbt project (once per session) and one full sample build in a temp home."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"


def settings_for(home: Path, **kw):
    from orchestration.cli import _settings

    return _settings(str(home), **kw)


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """`dbt parse` once per session (only if the manifest is missing or stale)."""
    from orchestration.assets.dbt import dbt_project, ensure_manifest

    ensure_manifest()
    return Path(dbt_project.manifest_path)


@pytest.fixture(scope="session")
def built_home(tmp_path_factory, dbt_manifest) -> Path:
    """One full `fragility run` on the sample data, shared by the read-only end-to-end tests."""
    from orchestration.execution import run_pipeline

    home = tmp_path_factory.mktemp("home")
    settings = settings_for(home)
    outcome = run_pipeline(settings, echo=lambda _line: None)
    assert outcome.success, outcome.summary
    return home


@pytest.fixture
def scratch_home(built_home, tmp_path) -> Path:
    """A private copy of the built home, for tests that run the pipeline again or break things."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home, ignore=shutil.ignore_patterns("*.tmp"))
    settings_for(home)  # its dagster.yaml names its own event log, no longer the built home's
    return home


@pytest.fixture
def real_data() -> Path:
    if not SHARED_REAL.exists():
        pytest.skip(f"real data folder {SHARED_REAL} is absent (it sits beside the repo in CI)")
    return SHARED_REAL


@pytest.fixture(autouse=True)
def _no_secrets_leak_between_tests(monkeypatch):
    for var in ("FRED_API_KEY", "FRAGILITY_SEC_USER_AGENT"):
        if var in os.environ:
            monkeypatch.delenv(var)


def expect_work(home: Path) -> None:
    """Make the next run build and publish even if ingest finds nothing new, as new data would: forget the
    record of what the published warehouse was built from (the publish materialisations in the home's
    instance), in a child process as `fragility` would."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAGILITY_", "DAGSTER_"))}
    code = ("import sys, dagster as dg\n"
            "with dg.DagsterInstance.from_config(sys.argv[1]) as instance:\n"
            "    instance.wipe_assets([dg.AssetKey(['warehouse', 'published'])])\n")
    subprocess.run([sys.executable, "-c", code, str(home / "dagster")], cwd=REPO, env=env, check=True, timeout=300)
