"""The code location (`dagster dev -m orchestration.definitions`, the daemon, run workers): the Definitions
bound to the environment's settings (FRAGILITY_HOME, FRAGILITY_SOURCE, FRAGILITY_WAREHOUSE ...). Loading it
reads the environment and changes nothing in it; orchestration/assembly.py says what is in it."""

from orchestration.assembly import build_defs
from orchestration.settings import Settings

defs = build_defs(Settings.from_env())
