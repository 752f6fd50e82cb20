"""A warm dbt: dbt's CLI imported once, in a process beside the pipeline, and forked for each invocation.

Importing ``dbt.cli.main`` costs about 4 s of CPU (mashumaro compiles the serialisers of dbt's
dataclasses at import), and dagster-dbt starts a fresh ``dbt`` process for every invocation: a quarter
of a daily refresh's dbt step. ``fragility run`` starts this server once its definitions are loaded,
so the import runs on the other core while the pipeline ingests (as the GX worker does for Great
Expectations, whose import has mostly finished by then: started together, they slowed the run's start).

The dbt resource's executable is ``fragility-dbt`` (``client``), a small program with no heavy import.
It hands its stdin, stdout and stderr to the server over a Unix socket, with its arguments, environment
and working directory. The server forks a child that runs dbt's CLI on exactly those, and the client
exits with the child's status. dagster-dbt reads the child's output from the same pipe as before. A
signal to the client (dagster-dbt stops dbt with SIGINT) is passed on to the child.

Without a server (the UI, the daemon, a test, or a server that is gone), the client becomes ``dbt``
(exec), which is what dagster-dbt ran before. The socket sits in a private (0700) temporary folder and
lives as long as the run: the server leaves when its parent does (its stdin closes).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys

SERVER_ENV = "FRAGILITY_DBT_SERVER"  # the socket of the current run's server, when there is one
_LEN = struct.Struct("!I")


# --------------------------------------------------------------------------- the pipeline's side


class WarmDbt:
    """The server process of one `fragility run` (see ``running``)."""

    def __init__(self) -> None:
        import subprocess
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="fragility-dbt-")  # 0700: only this user may connect
        self.socket = os.path.join(self.folder, "dbt.sock")
        # stdin is a pipe it reads only to see this process end. It writes nothing itself: its children
        # write to their client's stdout and stderr.
        self._proc = subprocess.Popen([sys.executable, "-m", __name__, self.socket], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def close(self) -> None:
        import shutil

        self._proc.kill()  # it holds nothing; a dbt child it forked is not killed (it finishes or fails alone)
        self._proc.wait()
        self._proc.stdin.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running():
    """Start the server for the duration of a run and point the dbt client at it (None: dbt starts cold)."""
    try:
        server = WarmDbt()
    except OSError:
        yield None
        return
    saved = os.environ.get(SERVER_ENV)
    os.environ[SERVER_ENV] = server.socket
    try:
        yield server
    finally:
        if saved is None:
            os.environ.pop(SERVER_ENV, None)
        else:
            os.environ[SERVER_ENV] = saved
        server.close()


# --------------------------------------------------------------------------- the server


def serve(path: str) -> None:
    import select

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the run ends us
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)  # bound before the import: a client that comes early waits for it, no longer
    import dbt.cli.main  # noqa: F401 - the point of this process: imported once, before any fork

    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
            os._exit(0)  # the pipeline is gone
        if listener in ready:
            conn, _ = listener.accept()
            with conn:
                _serve_one(conn, listener)


def _serve_one(conn: socket.socket, listener: socket.socket) -> None:
    """One invocation: fork a child that runs dbt on the client's stdio; report its pid, then its status."""
    try:
        header, fds, _flags, _addr = socket.recv_fds(conn, _LEN.size, 3)
        request = json.loads(_recv_exactly(conn, _LEN.unpack(header)[0]))
    except (OSError, ValueError, struct.error):
        return  # a client that went away or spoke nonsense: it falls back or fails on its side
    pid = os.fork()
    if pid == 0:  # the child: becomes `dbt <args>` in the client's place
        code = 1
        try:
            listener.close()
            conn.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            signal.signal(signal.SIGINT, signal.default_int_handler)  # dbt stops cleanly on SIGINT
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = ["dbt", *request["args"]]
            code = _run_dbt(request["args"])
        except BaseException:  # e.g. the folder is gone: said on the client's stderr, as dbt would
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    for fd in fds:
        os.close(fd)
    with contextlib.suppress(OSError):  # a client that left still gets its dbt waited for (no zombie)
        conn.sendall(f"{pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())


def _run_dbt(args: list[str]) -> int:
    """What the `dbt` console script does, returning its exit code instead of leaving."""
    import traceback

    from dbt.cli.main import cli

    try:
        cli.main(args=args, prog_name="dbt")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _recv_exactly(conn: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = conn.recv(min(left, 1 << 16))
        if not chunk:
            raise OSError("connection closed mid-message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------- the client (`fragility-dbt`)


def client() -> None:
    path = os.environ.get(SERVER_ENV)
    conn = None
    if path:
        try:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(path)
        except OSError:
            conn = None
    if conn is None:
        _exec_dbt()
    child: list[int] = []  # dbt's pid, once the server has forked it
    pending: list[int] = []  # signals that came before that

    def forward(signum, _frame) -> None:
        if child:
            os.kill(child[0], signum)
        else:
            pending.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    payload = json.dumps({"args": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    try:
        socket.send_fds(conn, [_LEN.pack(len(payload))], [0, 1, 2])
        conn.sendall(payload)
        reader = conn.makefile("r")
        pid = int(reader.readline())
    except (OSError, ValueError):  # the server went away before starting dbt: nothing ran yet
        if pending:
            sys.exit(128 + pending[0])
        _exec_dbt()
    child.append(pid)
    for signum in pending:
        os.kill(pid, signum)
    line = reader.readline()  # the exit status, once dbt ends (a signal handled meanwhile does not end the wait)
    if not line:
        sys.stderr.write(f"fragility-dbt: the warm dbt server went away while dbt (pid {pid}) ran\n")
        sys.exit(1)
    code = int(line)
    if code < 0:  # the child died of a signal: so do we, as the dbt process would have
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


def executable() -> str:
    """The dbt resource's executable: this client when it is installed (`uv sync`), else plain dbt."""
    beside = os.path.join(os.path.dirname(sys.executable), "fragility-dbt")
    return beside if os.access(beside, os.X_OK) else "dbt"


def _exec_dbt() -> None:
    """Become the real dbt (the one installed beside this Python), with the same arguments."""
    beside = os.path.join(os.path.dirname(sys.executable), "dbt")
    executable = beside if os.access(beside, os.X_OK) else "dbt"
    os.execvp(executable, [executable, *sys.argv[1:]])


if __name__ == "__main__":
    serve(sys.argv[1])
