"""The warm dbt: a process that has imported dbt's CLI and tasks, and forks a new dbt process for each
invocation, so that no run pays those imports (1.7 s of every dbt step on 2 cores).

One per installation and user (the folder's name hashes this Python's prefix, the versions of dbt's packages
and duckdb, and the source of this protocol, so an upgrade gets a new one). The same for every launcher,
through :func:`ensure` (answer, or start one):

* ``fragility run`` asks after its prepare stage, so the imports overlap ingest;
* the ``build_on_new_data`` sensor asks on each evaluation, so the code server keeps one warm for the
  daemon's and the UI's runs;
* the dbt resource asks before each invocation, and passes its address to the ``fragility-dbt`` client
  (orchestration.dbt_client) in the invocation's settings file.

An invocation: the client sends its arguments, environment, working folder and umask, and its own stdin,
stdout and stderr (SCM_RIGHTS). The warm dbt forks a reaper, which forks the dbt process: the client's
streams, folder, umask and environment, then ``dbt.cli.main.cli()`` as the ``dbt`` script runs it, ending
with the interpreter's normal shutdown (dbt-duckdb closes its databases at exit). The reaper passes the
client's signals on, waits for the dbt process and sends the client its exit status as the kernel reports
it, so a dbt that aborts or is killed while closing DuckDB is reported as such. Nothing carries over between
invocations: each starts from the state after import, in which dbt has run nothing. The dbt process dies
with its client (a killed run kills its dbt) and with its reaper. The warm dbt runs in a session of its own
(a terminal's signals for the process that started it do not reach other launchers' dbt), and exits when
that process ends or after ``IDLE_S`` with no request. Where it cannot be reached the client execs dbt
itself: the warm dbt only saves time, it never changes what dbt does.

Fork safety: ``import duckdb``, numpy (OpenBLAS) and pyarrow start native threads; a child forked after them
aborted at exit ("terminate called without an active exception"). The warm dbt imports only ``PREIMPORT``
and serves only if it then has one thread (:func:`single_threaded`); dbt's process imports the adapter and
duckdb itself.

The socket is in a folder of mode 0700 owned by this user, so no other user can make it run dbt. Standard
library only at import: the processes that call :func:`ensure` import this module.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from orchestration import dbt_client

SOCKET_NAME = "dbt.sock"
LOCK = "lock"
UNSAFE = "unsafe"  # written by a warm dbt that found threads after its imports: ensure() then gives up
RECORD = "warm_dbt.json"  # written into dbt's target folder by the child that ran an invocation (tests, diagnosis)
PING = b"ping"
# What a dbt build imports, minus anything that starts a native thread at import: duckdb, numpy (OpenBLAS)
# and pyarrow each do, and a forked child then aborts at exit ("terminate called without an active
# exception": a std::thread whose thread was not copied). The child imports the adapter and duckdb itself
# (0.06 s here), as its own process; these take 1.7 s.
PREIMPORT = ("dbt.cli.main", "dbt.task.build", "dbt.task.run", "dbt.task.test", "dbt.task.seed",
             "dbt.compilation", "dbt.parser.sql", "dbt.adapters.sql", "dbt_common.clients.agate_helper",
             "babel.dates", "daff", "sqlparse")
# dbt validates its contracts against JSON schemas it builds on first use in each process (functools.lru_cache
# on ``json_schema``): 1.9 s of a cold parse's CPU, 0.7 s of each build's start. Built here once, every forked
# dbt process finds them, as it finds the imports. Not the adapter's credentials: that module imports duckdb.
SCHEMAS = ("dbt.contracts.project.Project", "dbt.contracts.project.Configuration",
           "dbt.contracts.project.ProjectFlags", "dbt.contracts.project.PackageConfig",
           "dbt.contracts.project.ProfileConfig", "dbt.contracts.selection.SelectorFile",
           "dbt.contracts.graph.nodes.ModelNode", "dbt.contracts.graph.nodes.SeedNode",
           "dbt.contracts.graph.nodes.HookNode", "dbt.contracts.graph.nodes.GenericTestNode",
           "dbt.contracts.graph.unparsed.UnparsedSourceDefinition", "dbt.contracts.graph.unparsed.UnparsedModelUpdate",
           "dbt.contracts.graph.unparsed.UnparsedNodeUpdate", "dbt.contracts.graph.unparsed.UnparsedUnitTest",
           "dbt.artifacts.resources.v1.model.ModelConfig", "dbt.artifacts.resources.v1.config.NodeConfig",
           "dbt.artifacts.resources.v1.seed.SeedConfig", "dbt.artifacts.resources.v1.config.TestConfig",
           "dbt.artifacts.resources.v1.source_definition.SourceConfig",
           "dbt.artifacts.resources.v1.components.Contract",
           "dbt.artifacts.resources.v1.unit_test_definition.UnitTestConfig")
NATIVE = ("duckdb", "numpy", "pyarrow", "pandas")  # must not be imported by the warm dbt (see PREIMPORT)
POLL_S = 0.5  # how often a waiting warm dbt checks its parent and its idle time
IDLE_S = 300.0  # longer than the sensor's interval (30 s), which keeps the daemon's one warm


def folder() -> Path:
    """This installation's folder: a new Python environment, dbt version or version of this protocol (this
    module and its client) means a new warm dbt, never one that speaks the old one."""
    key = hashlib.sha256(sys.prefix.encode())
    for dist in ("dbt-core", "dbt-duckdb", "dbt-adapters", "dbt-common", "duckdb"):
        key.update(f"|{dist}={metadata.version(dist)}".encode())
    for module in (__file__, dbt_client.__file__):
        key.update(Path(module).read_bytes())
    return Path(tempfile.gettempdir()) / f"fragility-dbt-{os.getuid()}-{key.hexdigest()[:12]}"


def _private(path: Path) -> bool:
    """A folder of ours that no one else can enter (not a symlink, owner us, mode 0700)."""
    st = os.lstat(path)
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077 == 0


def probe(address: str, timeout: float = 5.0) -> bool | None:
    """True if a warm dbt answers at ``address``, False if none can (no socket, or no process behind it),
    None if one took the connection but did not answer in time: alive but busy, e.g. still importing dbt on a
    loaded machine. Only False makes :func:`ensure` start another."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    conn.settimeout(timeout)
    try:
        conn.connect(address)
        socket.send_fds(conn, [PING], [])
        return conn.recv(16) == b"pong" or None
    except (FileNotFoundError, ConnectionRefusedError):
        return False
    except OSError:
        return None
    finally:
        conn.close()


def ensure() -> str | None:
    """The address of this installation's warm dbt, started if none answers; None where it cannot be had
    (no fd passing, a folder that is not private, a warm dbt that found it could not fork safely): the client
    then runs dbt itself."""
    if not hasattr(socket, "send_fds"):
        return None
    where = folder()
    try:
        where.mkdir(mode=0o700, exist_ok=True)
        if not _private(where) or (where / UNSAFE).exists():
            return None
        address = str(where / SOCKET_NAME)
        with open(where / LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one starter at a time: two would unlink each other's socket
            if probe(address) is not False:
                return address
            Path(address).unlink(missing_ok=True)  # a dead warm dbt's socket
            start(address)
        return address
    except OSError:
        return None


def start(address: str) -> subprocess.Popen:
    """Bind ``address`` and start a warm dbt on it. Clients that come before its imports are done wait in the
    listen backlog. It runs in a session of its own: a Ctrl-C, Ctrl-Z or hang-up meant for the process that
    started it must not reach the dbt processes it forks for other launchers (each client passes on its own
    signals)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        listener.bind(address)
        listener.listen(16)
        return subprocess.Popen(
            [sys.executable, "-m", "orchestration.warm_dbt", str(listener.fileno()), str(os.getpid()),
             str(os.stat(address).st_ino)],
            pass_fds=[listener.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1], start_new_session=True)
    finally:
        listener.close()  # the warm dbt holds the only copy: when it exits, clients are refused at once


def serve(listener: socket.socket, parent: int, inode: int) -> Callable[[], None] | None:
    """Import dbt, then fork a process per invocation until the parent is gone or ``IDLE_S`` passes with no
    request. Returns None in the warm dbt when it stops; in a forked dbt process, the command to run."""
    where = Path(listener.getsockname()).parent
    for name in PREIMPORT:
        importlib.import_module(name)
    build_schemas()
    if not single_threaded():  # a fork now would copy a thread's state without its thread
        loaded = [name for name in NATIVE if name in sys.modules]
        (where / UNSAFE).write_text(f"threads {_threads()}, native modules {loaded}\n")  # ensure() stops asking
        return None
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the invocations' processes reap themselves
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm = os.getpid()
    listener.settimeout(POLL_S)
    last = time.monotonic()
    while os.getppid() == parent and time.monotonic() - last < IDLE_S:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        last = time.monotonic()
        conn.settimeout(10)
        try:
            message, fds, _flags, _addr = socket.recv_fds(conn, dbt_client.MAX_REQUEST, 3)
        except OSError:
            message, fds = b"", []
        if message == PING and not fds:
            _send(conn, b"pong")
        elif message and message != PING and len(fds) == 3 and os.fork() == 0:
            listener.close()
            return invocation(conn, json.loads(message), fds, warm)
        conn.close()
        for fd in fds:
            os.close(fd)
    listener.close()
    with open(where / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # no successor binds between the check and the unlink
        with contextlib.suppress(OSError):
            if os.stat(where / SOCKET_NAME).st_ino == inode:  # ours, not a successor's
                os.unlink(where / SOCKET_NAME)
    return None


def build_schemas() -> None:
    """dbt's JSON schemas of ``SCHEMAS``, in ``json_schema``'s cache; a class a new dbt lacks is skipped (it
    would build its schema itself, as plain dbt does)."""
    for dotted in SCHEMAS:
        module, _, name = dotted.rpartition(".")
        with contextlib.suppress(ImportError, AttributeError):
            getattr(importlib.import_module(module), name).json_schema()


def single_threaded() -> bool:
    """Whether this process has one thread (Python's or native) and none of ``NATIVE`` loaded: the only state
    in which a fork gives the child everything it needs."""
    return _threads() == threading.active_count() == 1 and not any(name in sys.modules for name in NATIVE)


def _threads() -> int:
    """This process's threads, native ones included where /proc tells (Linux); else Python's own."""
    try:
        return len(os.listdir(f"/proc/{os.getpid()}/task"))
    except OSError:
        return threading.active_count()


def _send(conn: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        conn.send(data)


def invocation(conn: socket.socket, request: dict, fds: list[int], warm: int) -> Callable[[], None] | None:
    """In the invocation's first process, the reaper: tell the client its pid (the client's signals come
    here), fork the dbt process, pass signals on to it, and once it has exited send the client its exit status
    as the kernel reports it (an abort or a kill while DuckDB closes included). If the client goes away, its
    dbt is killed, as a dbt subprocess dies with its killed process group. Returns the command to run in the
    dbt process; the reaper itself ends here."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # to wait for the dbt process (and dbt for its own children)
    dbt: list[int] = []  # the dbt process's pid, once forked
    early: list[int] = []  # signals the client passed on before that

    def forward(signum, _frame):  # the dbt process is our unreaped child: its pid cannot be reused yet
        if not dbt:
            early.append(signum)
        with contextlib.suppress(ProcessLookupError, IndexError):
            os.kill(dbt[0], signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    conn.settimeout(None)
    try:
        conn.send(json.dumps({"pid": os.getpid()}).encode())
    except OSError:
        os._exit(1)  # the client is gone before dbt started: nothing to run
    reaper = os.getpid()
    pid = os.fork()
    if pid == 0:
        return become_dbt(conn, request, fds, reaper)
    dbt.append(pid)
    for signum in early:
        os.kill(pid, signum)
    for fd in fds:
        os.close(fd)
    channel = conn.detach()
    threading.Thread(target=_kill_when_client_gone, args=(channel, pid), daemon=True).start()
    _, status = os.waitpid(pid, 0)  # PEP 475: retried after a forwarded signal
    code = os.waitstatus_to_exitcode(status)
    target_path = request["env"].get("DBT_TARGET_PATH")
    with contextlib.suppress(OSError):
        if target_path and os.path.isdir(target_path):
            Path(target_path, RECORD).write_text(json.dumps(
                {"pid": pid, "reaper": reaper, "warm_dbt": warm, "args": request["args"], "exit_code": code}))
    with contextlib.suppress(OSError):
        os.write(channel, str(code).encode())
    os._exit(0)  # nothing of ours to flush or close: stdio is /dev/null, and the client reads to end of stream


def _kill_when_client_gone(channel: int, pid: int) -> None:
    """The client sends nothing after its request: end of stream means it is gone (a killed run)."""
    with contextlib.suppress(OSError):
        os.read(channel, 1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def become_dbt(conn: socket.socket, request: dict, fds: list[int], reaper: int) -> Callable[[], None]:
    """In the dbt process: the client's streams, folder, umask, environment and arguments, then dbt's command
    line as the ``dbt`` script runs it (its SystemExit ends this process like any dbt's)."""
    _die_with(reaper)
    conn.close()  # the reaper keeps the client's connection; ours would delay the client's end of stream
    signal.signal(signal.SIGINT, signal.default_int_handler)  # dagster-dbt stops dbt with SIGINT
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.umask(request["umask"])  # the files dbt writes get the client's permissions, not ours
    os.environ.clear()
    os.environ.update(request["env"])
    _reopen_streams(bool(request["env"].get("PYTHONUNBUFFERED")))
    sys.argv = ["dbt", *request["args"]]
    from dbt.cli.main import cli

    return functools.partial(cli, prog_name="dbt")  # not the name click would derive: `python -m orchestration...`


def _die_with(reaper: int) -> None:
    """SIGKILL this process when the reaper dies (Linux: PR_SET_PDEATHSIG), so that a killed reaper does not
    leave a dbt holding the warehouse that no one waits for."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != reaper:  # it died before the prctl
        os._exit(1)


def _reopen_streams(unbuffered: bool) -> None:
    """sys.stdin, stdout and stderr as the client's dbt would have them at start: line-buffered on a
    terminal, block-buffered on a pipe unless PYTHONUNBUFFERED (dagster-dbt reads dbt's events from a pipe as
    they come). The warm dbt's own were made for /dev/null."""
    encoding, errors = sys.stdout.encoding, sys.stdout.errors
    sys.stdin = open(0, encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115 (lives as long as the process)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = io.TextIOWrapper(open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False),  # noqa: SIM115
                                  encoding=encoding, errors="backslashreplace" if fd == 2 else errors,
                                  line_buffering=os.isatty(fd) or fd == 2, write_through=unbuffered)
        setattr(sys, name, stream)


def main() -> None:
    fd, parent, inode = (int(x) for x in sys.argv[1:4])
    command = serve(socket.socket(fileno=fd), parent, inode)
    if command is not None:
        command()  # dbt's own SystemExit: the interpreter's normal shutdown, as for the dbt script


if __name__ == "__main__":
    main()
