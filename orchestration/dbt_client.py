"""`fragility-dbt`: dbt with the warehouse's settings, the dbt resource's executable.

dagster-dbt starts dbt with a copy of its own process's environment and offers no way to add to it for
one invocation. The settings dbt's profile reads (the warehouse's location, its memory limit) and the day
incremental models recompute from belong to the step, not to the process: the step writes them to
``fragility_env.json`` in the invocation's target folder (``DBT_TARGET_PATH``, set by dagster-dbt), and
this program adds them to the environment and becomes ``dbt``. Without that file it is plain ``dbt``.
"""

from __future__ import annotations

import json
import os
import sys

ENV_FILE = "fragility_env.json"


def main() -> None:
    env = dict(os.environ)
    target = env.get("DBT_TARGET_PATH")
    if target:
        try:
            with open(os.path.join(target, ENV_FILE)) as f:
                extra = json.load(f)
        except FileNotFoundError:
            extra = {}
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"fragility-dbt: cannot read {ENV_FILE} in {target}: {exc}\n")
            sys.exit(2)
        env.update({str(k): str(v) for k, v in extra.items()})
    beside = os.path.join(os.path.dirname(sys.executable), "dbt")
    dbt = beside if os.access(beside, os.X_OK) else "dbt"
    os.execvpe(dbt, [dbt, *sys.argv[1:]], env)


def executable() -> str:
    """The dbt resource's executable: this client, installed beside this Python by `uv sync`. Plain dbt would
    build whatever database the profile's default names, so its absence is an error, not a fallback."""
    beside = os.path.join(os.path.dirname(sys.executable), "fragility-dbt")
    if not os.access(beside, os.X_OK):
        raise RuntimeError(f"{beside} is missing: the project is not installed in this environment (run `uv sync`)")
    return beside


if __name__ == "__main__":
    main()
