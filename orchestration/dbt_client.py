"""`fragility-dbt`: dbt with the warehouse's settings, the dbt resource's executable.

dagster-dbt starts dbt with a copy of its own process's environment and offers no way to add to it for
one invocation. The settings dbt's profile reads (the warehouse's location, its memory limit) and the day
incremental models recompute from belong to the step, not to the process: the step writes them to
``fragility_env.json`` in the invocation's target folder (``DBT_TARGET_PATH``, set by dagster-dbt), and
this program adds them to the environment and becomes ``dbt``. Without that file it is plain ``dbt``.

Where the file names the warm dbt (orchestration.warm_dbt), a dbt process forked from it runs the invocation
instead, with this program's arguments, environment, folder, umask and standard streams. This program passes
SIGINT and SIGTERM on, and once that process has exited, ends as it did (its exit code, or killed by the same
signal). If the warm dbt cannot be reached, or has not started dbt within ``START_TIMEOUT_S``, this program
execs dbt as above.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

ENV_FILE = "fragility_env.json"
WARM_KEY = "FRAGILITY_WARM_DBT"  # in ENV_FILE: the warm dbt's address (orchestration.warm_dbt)
MAX_REQUEST = 128 * 1024  # the warm dbt reads one message of at most this size
START_TIMEOUT_S = 120.0


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
    warm = env.pop(WARM_KEY, "")
    if warm:
        code = run_warm(warm, sys.argv[1:], env)
        if code is not None:
            sys.exit(code)
    beside = os.path.join(os.path.dirname(sys.executable), "dbt")
    dbt = beside if os.access(beside, os.X_OK) else "dbt"
    os.execvpe(dbt, [dbt, *sys.argv[1:]], env)


def run_warm(address: str, args: list[str], env: dict[str, str]) -> int | None:
    """dbt's exit status from a dbt process forked by the warm dbt at ``address``, once that process has exited
    (negative: killed by that signal); None if it could not take the invocation (nothing has started: the
    caller runs dbt itself)."""
    import signal
    import socket

    umask = os.umask(0o022)
    os.umask(umask)
    request = json.dumps({"args": args, "env": env, "cwd": os.getcwd(), "umask": umask}).encode()
    if len(request) > MAX_REQUEST:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # Until dbt has started: a warm dbt that is stopped or stuck must not hang the run. Long, because dbt's own
    # imports take as long on a loaded machine; if we give up, a late fork finds us gone and runs nothing.
    conn.settimeout(START_TIMEOUT_S)
    try:
        conn.connect(address)
        socket.send_fds(conn, [request], [0, 1, 2])
        started = conn.recv(256)  # {"pid": ...} of the invocation's reaper, which has forked or will fork dbt
    except OSError as exc:
        sys.stderr.write(f"fragility-dbt: the warm dbt is not available ({type(exc).__name__}); starting dbt\n")
        conn.close()
        return None
    if not started:
        sys.stderr.write("fragility-dbt: the warm dbt closed before it started dbt; starting dbt\n")
        return None
    conn.settimeout(None)
    pid = json.loads(started)["pid"]

    def forward(signum, _frame):  # dagster-dbt stops dbt with SIGINT; the reaper passes it on to dbt
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    status = conn.recv(64)  # PEP 475: retried after a forwarded signal
    while conn.recv(64):  # end of stream: the reaper has exited, after the dbt process
        pass
    if not status:
        sys.stderr.write("fragility-dbt: the dbt process ended without an exit status\n")
        return 1
    code = int(status)
    if code < 0:  # killed by a signal: end the same way, so our caller sees what plain dbt would show
        with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler to reset
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code  # not reached (that signal ended dbt, so it ends us): the shell's convention
    return code


def executable() -> str:
    """The dbt resource's executable: this client, installed beside this Python by `uv sync`. Plain dbt would
    build whatever database the profile's default names, so its absence is an error, not a fallback."""
    beside = os.path.join(os.path.dirname(sys.executable), "fragility-dbt")
    if not os.access(beside, os.X_OK):
        raise RuntimeError(f"{beside} is missing: the project is not installed in this environment (run `uv sync`)")
    return beside


if __name__ == "__main__":
    main()
