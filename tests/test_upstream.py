"""Pins on the upstream code our overrides replace or rely on (docs/upstream.md has the issues to file).

Each override of a private Dagster or dagster-dbt member was written against the upstream code pinned here.
An upgrade that changes that code fails this test, naming what to re-read, instead of letting an override
drift silently. After re-reading (and fixing the override if needed), update the pin.
"""

from __future__ import annotations

import hashlib
import inspect

import pytest


def _sha(obj) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def _members():
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
    from dagster._utils import backoff
    from dagster_dbt import DbtCliResource

    return {
        # orchestration/dagster_storage.py: _connect is replaced (one engine per file, not per call); __init__ and
        # _initdb set the attributes it uses (_db_lock, _initialized_dbs); has_table is memoised.
        "SqliteEventLogStorage._connect": (SqliteEventLogStorage._connect, "b8435f2665689760"),
        "SqliteEventLogStorage.__init__": (SqliteEventLogStorage.__init__, "264c15baa761a7bb"),
        "SqliteEventLogStorage._initdb": (SqliteEventLogStorage._initdb, "7a302d98eb61a34d"),
        "SqliteEventLogStorage.has_table": (SqliteEventLogStorage.has_table, "577d801c70b2a4a5"),
        # orchestration/assets/dbt.py: _cli_version and _initialize_dbt_core_adapter are replaced; cli() must keep
        # passing DBT_TARGET_PATH to dbt's environment (the fragility-dbt client reads its settings from there).
        "DbtCliResource._cli_version": (DbtCliResource.__dict__["_cli_version"].func, "b06b86a642ba8bcd"),
        "DbtCliResource._initialize_dbt_core_adapter": (DbtCliResource._initialize_dbt_core_adapter,
                                                         "f033303d9d777bff"),
        "DbtCliResource.cli": (DbtCliResource.cli, "a9ca99daf92597e3"),
        # orchestration/resources.py: the warehouse's writer retries as DuckDBResource does, with its backoff.
        "dagster._utils.backoff.backoff": (backoff.backoff, "94a24bb78ddd9406"),
    }


@pytest.mark.parametrize("name", sorted(_members()))
def test_the_upstream_code_our_overrides_were_written_against_is_unchanged(name):
    member, pinned = _members()[name]
    assert _sha(member) == pinned, (
        f"{name} changed upstream: re-read it against our override (docs/upstream.md), then update the pin")


def test_dbt_cli_still_hands_dbt_its_target_path():
    """What the fragility-dbt client relies on, asserted on behaviour too: DBT_TARGET_PATH is the target."""
    from dagster_dbt import DbtCliResource

    source = inspect.getsource(DbtCliResource.cli)
    assert '"DBT_TARGET_PATH": os.fspath(target_path)' in source
    assert "**os.environ.copy()" in source


def test_the_check_record_status_the_publish_gate_reads_exists():
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus as Status

    assert {s.name for s in Status} >= {"PLANNED", "SUCCEEDED", "FAILED"}
