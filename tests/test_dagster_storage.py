"""The event log storage `fragility` configures: Dagster's own SQLite files, one engine per file."""

from __future__ import annotations

import dagster as dg

from orchestration import dagster_storage
from tests.conftest import settings_for


def _job():
    @dg.asset
    def numbers() -> None:
        return None

    return dg.Definitions(assets=[numbers], jobs=[dg.define_asset_job("numbers_job")]).resolve_job_def("numbers_job")


def test_every_process_of_the_home_writes_through_it_and_the_stock_storage_reads_the_same_files(tmp_path):
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    settings = settings_for(tmp_path / "home")  # writes HOME/dagster/dagster.yaml as `fragility` does
    # The instance any process builds from the home's dagster.yaml (the CLI, the webserver, the daemon, a run
    # worker) has this storage.
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        storage = instance.event_log_storage
        assert type(storage) is dagster_storage.PooledSqliteEventLogStorage
        assert storage._base_dir == str(settings.dagster_home / "history" / "runs")  # Dagster's default place
        result = _job().execute_in_process(instance=instance)
        assert result.success
        ours = [e.dagster_event.event_type_value for e in instance.all_logs(result.run_id) if e.dagster_event]
        assert len(storage._engines) >= 2  # the run's file and the index, each kept open
    # The files are the stock ones: Dagster's own class reads the same history.
    stock = SqliteEventLogStorage(str(settings.dagster_home / "history" / "runs"))
    try:
        theirs = [e.dagster_event.event_type_value for e in stock.get_logs_for_run(result.run_id) if e.dagster_event]
    finally:
        stock.dispose()
    assert theirs == ours and "ASSET_MATERIALIZATION" in ours and "PIPELINE_SUCCESS" in ours


def test_a_home_whose_dagster_yaml_was_written_by_hand_keeps_it(tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    own = f"storage:\n  sqlite:\n    base_dir: {tmp_path / 'elsewhere'}\n"
    (home / "dagster.yaml").write_text(own)
    dagster_storage.write_instance_config(home)
    assert (home / "dagster.yaml").read_text() == own
    with dagster_storage.instance_for(home) as instance:
        assert type(instance.event_log_storage) is not dagster_storage.PooledSqliteEventLogStorage
        assert str(tmp_path / "elsewhere") in instance.event_log_storage._base_dir


def test_engines_of_older_runs_are_let_go(tmp_path, monkeypatch):
    monkeypatch.setattr(dagster_storage, "MAX_ENGINES", 3)
    storage = dagster_storage.PooledSqliteEventLogStorage(str(tmp_path))
    try:
        for run in ("a", "b", "c", "d", "e"):
            with storage.run_connection(run) as conn:
                conn.exec_driver_sql("SELECT 1")
        assert list(storage._engines) == ["c", "d", "e"]  # the index's engine went first, then a's and b's
        with storage.index_connection() as conn:  # a disposed engine is simply made again
            conn.exec_driver_sql("SELECT 1")
        assert list(storage._engines) == ["d", "e", "index"]
        storage.wipe()  # deletes the run files: no engine may stay on them (the index is wiped through a new one)
        assert set(storage._engines) <= {"index"}
    finally:
        storage.dispose()
