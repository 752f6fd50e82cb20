"""`dbt parse` for a warehouse's dbt target folder, with nothing heavier than the standard library imported.

`fragility run`'s cold start has to parse the project before the full definitions can load (the dbt assets
are built from dbt's manifest). The parse runs in its own process (forked from the warm dbt, which has dbt
imported), started first: the code location's imports and the whole ingest run, which needs no manifest
(``orchestration.assembly.build_ingest_defs``), happen while dbt parses, and the build waits for it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from orchestration.constants import DBT_MANIFEST, DBT_PROJECT_DIR
from orchestration.dbt_client import ENV_FILE  # what the `fragility-dbt` client adds to dbt's env


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR, manifest: Path = DBT_MANIFEST) -> bool:
    """True when the manifest is missing or older than any model, macro, seed or project file."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / "dbt_project.yml", project_dir / "profiles.yml", *project_dir.glob("models/**/*"),
               *project_dir.glob("macros/**/*"), *project_dir.glob("seeds/**/*"), *project_dir.glob("tests/**/*")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def write_env_file(target: Path, env: Mapping[str, str]) -> Path:
    """The settings dbt's profile reads, for the `fragility-dbt` client; readable by this user only."""
    target.mkdir(parents=True, exist_ok=True)
    env_file = target / ENV_FILE
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(dict(env), out)
    return env_file


class Parse:
    """One `dbt parse` in ``target`` with the warehouse's profile (dbt reuses a parse only for the same
    profile, so that warehouse's first build starts from it), its manifest then copied to the project's target
    for the definitions. ``start()`` returns at once; ``finish()`` waits and raises with dbt's last line."""

    def __init__(self, target: Path, env: Mapping[str, str], dbt_target: str,
                 project_dir: Path = DBT_PROJECT_DIR, manifest: Path = DBT_MANIFEST) -> None:
        self.target, self.env, self.dbt_target = target, dict(env), dbt_target
        self.project_dir, self.manifest = project_dir, manifest
        self._proc: subprocess.Popen | None = None
        self._env_file: Path | None = None

    def start(self) -> Parse:
        from orchestration.dbt_client import executable

        self._started = time.time()  # the manifest's time: a file edited after the parse read it is newer
        self._env_file = write_env_file(self.target, self.env)
        (self.target / "dbt.log").unlink(missing_ok=True)
        self._proc = subprocess.Popen(
            [executable(), "parse", "--target", self.dbt_target], cwd=self.project_dir,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "DBT_TARGET_PATH": str(self.target), "DBT_LOG_PATH": str(self.target),
                 "DBT_PROFILES_DIR": str(self.project_dir), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
        return self

    def finish(self) -> None:
        assert self._proc is not None, "start() first"
        try:
            said, _ = self._proc.communicate()
        finally:
            if self._env_file is not None:
                self._env_file.unlink(missing_ok=True)
        if self._proc.returncode != 0:
            lines = [line for line in said.splitlines() if line.strip()]
            raise RuntimeError(f"dbt parse failed: {lines[-1] if lines else self._proc.returncode} "
                               f"(see {self.target / 'dbt.log'})")
        self.manifest.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest.with_name(f".manifest.json.{os.getpid()}.tmp")  # two homes' parses copy at once
        shutil.copyfile(self.target / "manifest.json", tmp)
        # Dated when the parse started, not when copied (after the ingest): a model edited while dbt parsed
        # is newer than the manifest, so the next run parses again (manifest_is_stale).
        os.utime(tmp, (self._started, self._started))
        os.replace(tmp, self.manifest)  # the definitions never read half a manifest

    def stop(self) -> None:
        """A parse the run no longer needs (it failed before waiting): end it, leave no settings file."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait()
        if self._env_file is not None:
            self._env_file.unlink(missing_ok=True)


def parse_into(target: Path, env: Mapping[str, str], dbt_target: str) -> None:
    """`dbt parse` in ``target``, waited for."""
    Parse(target, env, dbt_target).start().finish()
