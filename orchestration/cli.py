"""`fragility`: build the warehouse, open the UI, query the published copy.

Errors print one line saying what failed and what to do; ``--verbose`` adds the traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import click

from orchestration.settings import SOURCES, WAREHOUSES, Settings

WAREHOUSE_HELP = ("file: one DuckDB file (default); ducklake: Parquet files with a PostgreSQL catalog "
                  "(FRAGILITY_LAKE_CATALOG, FRAGILITY_LAKE_DATA; `fragility lake up` starts a local one). "
                  "Default $FRAGILITY_WAREHOUSE or file.")


def warehouse_option(f):
    return click.option("--warehouse", type=click.Choice(WAREHOUSES), default=None, help=WAREHOUSE_HELP)(f)


class CliError(click.ClickException):
    def show(self, file=None) -> None:  # one line, no "Error:" noise
        click.echo(f"fragility: {self.message}", err=True)


def _settings(home: str | None, source: str = "sample", files_dir: str | None = None, scale: int = 1,
              as_of: dt.date | None = None, warehouse: str | None = None) -> Settings:
    """The settings of one command, and the home's Dagster instance configuration (dagster.yaml)."""
    from orchestration.dagster_storage import write_instance_config

    env_home = home or os.environ.get("FRAGILITY_HOME", "warehouse")
    lake_data = os.environ.get("FRAGILITY_LAKE_DATA")
    settings = Settings(Path(env_home).expanduser().resolve(), source,
                        Path(files_dir).expanduser().resolve() if files_dir else None, scale, as_of,
                        warehouse or os.environ.get("FRAGILITY_WAREHOUSE") or "file",
                        os.environ.get("FRAGILITY_LAKE_CATALOG") or None,
                        Path(lake_data).expanduser().resolve() if lake_data else None)
    write_instance_config(settings.dagster_home, settings)
    return settings


def _checked(make):
    """``make()``, with the lake's one-line errors as the CLI's."""
    from orchestration.lake import LakeUnavailable

    try:
        return make()
    except LakeUnavailable as exc:
        raise CliError(str(exc)) from exc


def _warehouse(settings: Settings):
    from orchestration.resources import WarehouseDuckDB

    return WarehouseDuckDB.for_settings(settings)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks and Dagster's own log lines.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Fragility Radar: how fragile is the US financial system, point in time.

    \b
    Quick start (offline, embedded sample data):
      fragility run              ingest -> dbt build -> Great Expectations -> publish
      fragility sql "select * from marts.fct_fragility_daily order by as_of_date desc limit 5"
      fragility dev              the Dagster UI on http://127.0.0.1:3000

    Data lives in --home / FRAGILITY_HOME (default ./warehouse); analysts open
    HOME/fragility.duckdb, which is replaced atomically only after every blocking check passes.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def entry() -> None:
    """The `fragility` command: `main`, then an exit that skips the interpreter's teardown.

    Tearing down frees the objects of dagster's, dbt's and GX's modules one by one: 1.5 s after every run,
    for nothing. By then every connection and file of ours is closed; the atexit handlers (logging's
    flush, multiprocessing's child cleanup) still run.
    """
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):  # as Python reports a SystemExit("message")
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


@main.command()
@click.option("--source", type=click.Choice(SOURCES), default="sample", show_default=True,
              help="sample: embedded generator; files: a folder of downloads; live: the public APIs.")
@click.option("--files-dir", type=click.Path(file_okay=False), help="Folder for --source files.")
@click.option("--scale", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Sample size multiplier (benchmarks).")
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
@click.option("--rebuild", is_flag=True,
              help="Run dbt, the checks and publish even when nothing changed since the last publish.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=os.environ.get("FRAGILITY_AS_OF"),
              help="Newest publication day of the daily sources (default $FRAGILITY_AS_OF, else the sample "
              "world's last day, or today).")
@warehouse_option
@click.pass_context
def run(ctx: click.Context, source: str, files_dir: str | None, scale: int, home: str | None, rebuild: bool,
        as_of: dt.datetime | None, warehouse: str | None) -> None:
    """Build the whole warehouse and publish it if every blocking check passes.

    When ingest finds no new data and the models and checks are unchanged since the last publish, the
    published copy is already current: dbt, the checks and publish are skipped (--rebuild forces them).
    When only some raw tables have new rows (a new day), only the models they feed are rebuilt, and the
    incremental ones only from the day the new rows became known.
    """
    verbose = ctx.obj["verbose"]
    try:
        if source == "files" and not files_dir:
            raise CliError("--source files needs --files-dir DIR (a folder of FRED graph downloads)")
        settings = _settings(home, source, files_dir, scale, as_of.date() if as_of else None, warehouse)
        from orchestration.execution import run_pipeline

        outcome = run_pipeline(settings, verbose=verbose, rebuild=rebuild)
    except CliError:
        raise
    except Exception as exc:  # one line unless --verbose
        if type(exc).__name__ in ("RunInProgress", "LakeUnavailable"):  # already one clear line
            raise CliError(str(exc)) from exc
        if verbose:
            raise
        raise CliError(f"{type(exc).__name__}: {exc} (rerun with --verbose for the traceback)") from exc
    for line in outcome.summary:
        click.echo(line)
    if not outcome.success:
        sys.exit(1)


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
@click.option("--port", type=int, default=3000, show_default=True)
@click.option("--source", type=click.Choice(SOURCES), default="sample", show_default=True)
@click.option("--files-dir", type=click.Path(file_okay=False))
@warehouse_option
def dev(home: str | None, port: int, source: str, files_dir: str | None, warehouse: str | None) -> None:
    """Start the Dagster UI and daemon, bound to 127.0.0.1 only."""
    settings = _checked(lambda: _settings(home, source, files_dir, warehouse=warehouse))
    from orchestration.assets.dbt import ensure_manifest

    ensure_manifest()
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1",
           "-p", str(port)]
    click.echo(f"Dagster UI: http://127.0.0.1:{port}  (Ctrl-C to stop)")
    # The settings reach the code location through its environment; this process's own is left alone.
    raise SystemExit(subprocess.call(cmd, env={**os.environ, **settings.export()}))


@contextlib.contextmanager
def _published(settings: Settings):
    """A read-only connection to the published warehouse, or one clear line saying why not."""
    import duckdb

    from orchestration.lake import LakeUnavailable
    from orchestration.resources import WarehouseBusy, WarehouseMissing

    warehouse = _checked(lambda: _warehouse(settings))
    try:
        opened = warehouse.published()
        con = opened.__enter__()
    except WarehouseMissing as exc:
        raise CliError(str(exc)) from exc
    except LakeUnavailable as exc:
        raise CliError(str(exc)) from exc
    except (WarehouseBusy, duckdb.Error) as exc:
        raise CliError(f"cannot open {warehouse.describe()} read-only: {exc}".splitlines()[0]) from exc
    try:
        yield con
    finally:
        opened.__exit__(None, None, None)


@main.command()
@click.argument("query")
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
@warehouse_option
def sql(query: str, home: str | None, warehouse: str | None) -> None:
    """Run a read-only QUERY against the published warehouse."""
    import duckdb

    with _published(_checked(lambda: _settings(home, warehouse=warehouse))) as con:
        try:
            rel = con.sql(query)
            if rel is None:
                return
            rel.show(max_rows=200, max_width=200)
        except duckdb.Error as exc:
            raise CliError(str(exc).splitlines()[0]) from exc


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default HOME/reports).")
@warehouse_option
def report(home: str | None, out: str | None, warehouse: str | None) -> None:
    """Write the HTML dashboard and its PNGs from the published warehouse."""
    from orchestration.report import ReportError, fmt, render_report

    settings = _checked(lambda: _settings(home, warehouse=warehouse))
    try:
        result = render_report(_checked(lambda: _warehouse(settings)), Path(out).expanduser().resolve() if out else
                               settings.home / "reports")
    except ReportError as exc:
        raise CliError(str(exc).removeprefix("report: ")) from exc
    for panel, why in result.unavailable.items():
        click.echo(f"  {panel}: {why}")
    shown = f"{fmt(result.composite)}/100" if result.composite is not None else (
        result.composite_reason or "insufficient data")
    click.echo(f"as of {result.as_of}: composite {shown}; {len(result.pngs)} charts in {result.seconds:.1f}s")
    click.echo(f"report: {result.html_path}")


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
@click.option("--strict", is_flag=True, help="Exit 1 when a target (issue #14's) is missed.")
@warehouse_option
def validate(home: str | None, strict: bool, warehouse: str | None) -> None:
    """Compare the readings with the published stress indices (NFCI, ANFCI, STLFSI4, OFR FSI).

    Spearman rank correlation over all days and per decade, the lift in each benchmark's own top-decile
    weeks over its calm median, and the share of days at >= 99 or <= 1, as known and revised. The
    benchmarks are read for comparison only: no reading uses them.
    """
    import duckdb

    from orchestration import headline, validation

    with _published(_checked(lambda: _settings(home, warehouse=warehouse))) as con:
        try:
            found = validation.rows(con)
            latest = headline.lines(headline.latest(con))
        except duckdb.Error as exc:
            raise CliError(f"{str(exc).splitlines()[0]} (is the warehouse older than this version? run "
                           "`fragility run --rebuild`)") from exc
    for line in [*validation.lines(found), *latest]:
        click.echo(line)
    if strict and validation.failures(found):
        sys.exit(1)


# --------------------------------------------------------------------------------------------------- lake


@main.group()
def lake() -> None:
    """The DuckLake warehouse: a local PostgreSQL for its catalog, the analysts' attach line, maintenance."""


@lake.command("up")
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
def lake_up(home: str | None) -> None:
    """Start a local PostgreSQL for the lake's catalog (a laptop trial) and print its connection string."""
    from orchestration import pgserver

    settings = _settings(home)
    try:
        server = pgserver.start(settings.lake_server)
    except pgserver.ServerError as exc:
        raise CliError(str(exc)) from exc
    click.echo(f"lake catalog: {server.conninfo()}")
    click.echo(f"PostgreSQL {server.pid} in {settings.lake_server} (unix socket only; `fragility lake down` stops it)")
    click.echo(f"next: fragility run --warehouse ducklake --home {settings.home}")


@lake.command("down")
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
def lake_down(home: str | None) -> None:
    """Stop the local PostgreSQL `fragility lake up` started."""
    from orchestration import pgserver

    settings = _settings(home)
    click.echo("stopped" if pgserver.stop(settings.lake_server) else f"no server running in {settings.lake_server}")


@lake.command("attach")
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
@click.option("--snapshot", type=int, help="An earlier snapshot (default: the last published one).")
def lake_attach(home: str | None, snapshot: int | None) -> None:
    """Print the SQL that opens the published lake read-only in the DuckDB CLI:

    \b
      duckdb -cmd "$(fragility lake attach)"
    """
    from orchestration import lake as lake_mod

    settings = _checked(lambda: _settings(home, warehouse="ducklake"))
    warehouse = _checked(lambda: _warehouse(settings))
    snapshot = snapshot if snapshot is not None else _checked(warehouse.published_snapshot)
    if snapshot is None:
        raise CliError(f"nothing published yet in the {warehouse.describe()}; run `fragility run --warehouse ducklake`")
    lake_mod.install_extensions(settings.extension_dir)
    catalog = settings.catalog()
    if lake_mod.redact(catalog) != catalog:
        raise CliError("the catalog string holds a password; put it in PGPASSWORD (libpq reads it) and give "
                       "FRAGILITY_LAKE_CATALOG without it")
    click.echo(f"SET extension_directory = '{settings.extension_dir}'; SET autoinstall_known_extensions = false; "
               f"{lake_mod.attach_sql(catalog, None, read_only=True, snapshot=snapshot)}; USE {lake_mod.CATALOG};")


@lake.command("maintain")
@click.option("--home", type=click.Path(file_okay=False), help="Data folder (default $FRAGILITY_HOME or ./warehouse).")
def lake_maintain(home: str | None) -> None:
    """Compact small files and drop snapshots no reader can reach (published ones are kept)."""
    from orchestration import lake as lake_mod
    from orchestration.execution import home_lock

    settings = _checked(lambda: _settings(home, warehouse="ducklake"))
    warehouse = _checked(lambda: _warehouse(settings))
    with home_lock(settings), warehouse.get_connection() as con:
        done = lake_mod.maintain(con)
    click.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in done.items()))
