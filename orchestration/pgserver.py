"""A local PostgreSQL server for the lake's catalog and Dagster's instance (`fragility lake up`, the tests).

For a laptop trial, and for tests that need a real server: ``initdb`` into a folder, ``pg_ctl start`` with
no TCP listener (a unix socket in a short private folder under /tmp: socket paths are limited to ~107 bytes),
trust authentication for the local OS user, and a stop by the postmaster's pid. A team points
``FRAGILITY_LAKE_CATALOG`` at its own server instead.

PostgreSQL refuses to run as root ("initdb: cannot be run as root"). Run as root (as in CI), the server's
binaries run as the ``postgres`` OS user that Debian's ``postgresql`` package creates, through ``setpriv``.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

OS_USER = "postgres"
DATABASES = ("fragility", "dagster")  # the lake's catalog, and Dagster's instance
PORT = 5432  # only names the socket file (.s.PGSQL.5432): there is no TCP listener


class ServerError(RuntimeError):
    pass


def bindir() -> Path:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH, under /usr/lib/postgresql/<n>/bin)."""
    found = shutil.which("initdb") or shutil.which("pg_ctl")
    if found and (Path(found).resolve().parent / "initdb").exists():
        return Path(found).resolve().parent  # /usr/local/bin/pg_ctl may be a link into Debian's folder
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise ServerError("no PostgreSQL server binaries (pg_ctl) on this machine: install Debian's "
                          "`postgresql` package (apt-get install -y postgresql), or set FRAGILITY_LAKE_CATALOG "
                          "to an existing server")
    return Path(candidates[-1]).parent


def _as_server_user(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    program = Path(cmd[0]).name
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            raise ServerError(f"running as root, and there is no `{OS_USER}` OS user for PostgreSQL to run as "
                              "(Debian's postgresql package creates it)") from None
        cmd = ["setpriv", f"--reuid={OS_USER}", f"--regid={OS_USER}", "--init-groups", "--reset-env", "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise ServerError(f"{program}: {said[-1] if said else 'failed'}"[:500])
    return done


def _give_to_server_user(*paths: Path) -> None:
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam(OS_USER)
    for path in paths:
        os.chown(path, user.pw_uid, user.pw_gid)


@dataclass(frozen=True)
class Server:
    """A running local server: its folder, socket folder and postmaster pid."""

    folder: Path
    socket_dir: Path
    pid: int

    def conninfo(self, database: str = DATABASES[0]) -> str:
        """The libpq connection string DuckDB's postgres extension and dagster-postgres accept."""
        return f"host={self.socket_dir} port={PORT} dbname={database} user={OS_USER}"

    def url(self, database: str = DATABASES[1]) -> str:
        """The same as a URL (dagster-postgres' ``postgres_url``); the socket folder goes in ``host=``."""
        return f"postgresql+psycopg2://{OS_USER}@/{database}?host={self.socket_dir}&port={PORT}"

    def to_json(self) -> dict:
        return {"folder": str(self.folder), "socket_dir": str(self.socket_dir), "pid": self.pid}


def socket_dir_for(folder: Path) -> Path:
    """The socket folder of the server kept in ``folder``: short (unix socket paths are limited to ~107 bytes)
    and the same at every start, so a connection string stays valid across restarts."""
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"fragility-pg-{digest}"


def data_dir_for(folder: Path) -> Path:
    """The cluster's files: in ``folder``, or, run as root, beside the socket: the ``postgres`` user must be able
    to reach them, and a root-owned home (/root, pytest's folders) is closed to other users."""
    return socket_dir_for(folder) / "data" if os.geteuid() == 0 else folder / "data"


def state_file(folder: Path) -> Path:
    return folder / "server.json"


def running(folder: Path) -> Server | None:
    """The server started in ``folder``, if its postmaster is alive."""
    try:
        doc = json.loads(state_file(folder).read_text())
    except (OSError, ValueError):
        return None
    server = Server(Path(doc["folder"]), Path(doc["socket_dir"]), int(doc["pid"]))
    return server if _alive(server.pid) and (server.socket_dir / f".s.PGSQL.{PORT}").exists() else None


def start(folder: Path, databases: tuple[str, ...] = DATABASES) -> Server:
    """Start (initialising on first use) the server kept in ``folder``; create ``databases``; idempotent."""
    folder = folder.resolve()
    already = running(folder)
    if already:
        return already
    bins = bindir()
    folder.mkdir(parents=True, exist_ok=True)
    socket_dir = socket_dir_for(folder)
    socket_dir.mkdir(mode=0o755, exist_ok=True)
    _give_to_server_user(socket_dir)
    data = data_dir_for(folder)
    if not (data / "PG_VERSION").exists():
        _as_server_user([str(bins / "initdb"), "-D", str(data), "-U", OS_USER, "--auth=trust", "-E", "UTF8",
                         "--locale=C", "--no-sync", "--no-instructions"])
    options = (f"-c listen_addresses='' -k {socket_dir} -p {PORT} -c max_connections=100 "
               "-c unix_socket_permissions=0700")
    _as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-l", str(data.parent / "postgres.log"), "-o", options,
                     "-w", "-t", "60", "start"])
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    server = Server(folder, socket_dir, pid)
    state_file(folder).write_text(json.dumps(server.to_json(), indent=1) + "\n")
    try:
        for database in databases:
            exists = _as_server_user([str(bins / "psql"), "-h", str(socket_dir), "-p", str(PORT), "-U", OS_USER,
                                      "-d", "postgres", "-tAc",
                                      f"SELECT 1 FROM pg_database WHERE datname = '{database}'"]).stdout.strip()
            if not exists:
                _as_server_user([str(bins / "createdb"), "-h", str(socket_dir), "-p", str(PORT), "-U", OS_USER,
                                 database])
    except ServerError:
        stop(folder)
        raise
    return server


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def stop(folder: Path, timeout: float = 60) -> bool:
    """Stop the server kept in ``folder`` by its pid (fast shutdown); False when none was running."""
    folder = folder.resolve()
    try:
        doc = json.loads(state_file(folder).read_text())
    except (OSError, ValueError):
        return False
    pid = int(doc["pid"])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: abort transactions, checkpoint, exit
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGQUIT)
            break
        time.sleep(0.05)
    state_file(folder).unlink(missing_ok=True)  # the socket folder stays: run as root, the cluster's files are in it
    return True
