"""A warm dbt for one pipeline run: a process that imports dbt while the run ingests, then forks one child per
dbt invocation, so neither phase waits for dbt's imports (~1.4 s of CPU each at start-up on 2 cores).

dagster-dbt still spawns `ptleads-dbt` and reads its stdout, as for any dbt: `ptleads-dbt` (dbt_entry.py)
finds the run's server in PTLEADS_DBT_SERVER, hands it its arguments, environment, folder and its own
stdin/stdout/stderr (file descriptors over a Unix socket), forwards SIGINT/SIGTERM to the forked child and
exits with the child's exit code. The forked child is a fresh dbt invocation in every respect but its
imports: it takes the caller's environment and folder, writes to the caller's pipes and closes the
warehouse when done. No server (a Dagster daemon run, a dbt command by hand) or a server that does not
answer: `ptleads-dbt` runs dbt itself.

The server serves one request at a time (the phases run one after the other), lives only as long as the run
(WarmDbt stops it; it also exits when its parent process is gone) and never writes to the warehouse.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orchestration.settings import REPO_ROOT

SERVER_ENV = "PTLEADS_DBT_SERVER"
WARM_DBT_ENV = "PTLEADS_WARM_DBT"  # 0: a pipeline run starts no warm dbt (each phase imports dbt itself)
_MAX_REQUEST = 1 << 20  # bytes of JSON: arguments and environment (a few kB in practice)
_STDIO = (0, 1, 2)
# The project's own parse (dbt_project_files), which dagster-dbt seeds every phase's target folder with.
PROJECT_PARSE = REPO_ROOT / "dbt_project" / "target" / "partial_parse.msgpack"


def _warm_imports() -> None:
    """What every dbt invocation of the project imports before its first event. Imports only: the server
    never parses or runs anything of dbt's itself, so a forked child starts from a process with one thread
    and no state of dbt's (a child forked after a parse in the server hung in dbt's static parser)."""
    import dbt.mp_context

    # dbt's locks come from a spawn context: named semaphores, each registered with multiprocessing's
    # resource tracker, which a forked child would share with this server and which reports them "leaked"
    # when a process exits without its finalizers (the children end with os._exit). dbt starts no
    # processes with it (threads only), so fork-context locks (anonymous semaphores) serve the same.
    # Set before the rest is imported: the manifest class binds the context's Lock at import.
    dbt.mp_context._MP_CONTEXT = multiprocessing.get_context("fork")
    import agate  # noqa: F401
    import dbt.adapters.duckdb
    import dbt.adapters.duckdb.connections
    import dbt.adapters.duckdb.impl
    import dbt.cli.main
    import dbt.parser.manifest
    import dbt.task.build

    _warm_python_model_imports()


# The classes whose JSON schemas dbt builds to validate the profile, project, selectors and hooks on every
# invocation (dbt_common's json_schema, cached per class for the life of a process).
_VALIDATED = (
    ("dbt.contracts.project", ("ProjectFlags", "ProfileConfig", "Project", "PackageConfig", "Configuration")),
    ("dbt.contracts.selection", ("SelectorFile",)),
    ("dbt.adapters.duckdb.credentials", ("DuckDBCredentials",)),
    ("dbt.artifacts.resources.v1.config", ("Hook",)),
    ("dbt.task.test", ("TestResultData",)),
)


def _warm_dbt_classes(saved_parse: Path) -> None:
    """Code dbt builds on first use in every process, built once here so no forked child builds it again:
    the JSON schemas above (~0.25 s) and mashumaro's lazily compiled from_msgpack / to_dict / from_dict of
    the manifest's classes (~0.35 s). At 1M leads a phase-2 `ptleads-dbt` took 3.84 -> 3.15 s (median of 6,
    benchmarks/dbt_warm_first_use.py); the warm-up costs ~0.6 s of CPU here, beside the ingest. Reading a
    saved parse (`saved_parse`, the project's partial_parse.msgpack; skipped when missing) is not parsing: no
    parser runs and no thread starts, so children still fork from a single thread. Whatever fails here is
    left to the child, which builds it as any dbt process does."""
    import importlib

    for module, names in _VALIDATED:
        with contextlib.suppress(Exception):
            found = importlib.import_module(module)
            for name in names:
                getattr(found, name).json_schema()
    with contextlib.suppress(Exception):
        from dbt.contracts.graph.manifest import Manifest

        manifest = Manifest.from_msgpack(saved_parse.read_bytes())
        warmed: set[type] = set()
        for nodes in (manifest.nodes, manifest.macros, manifest.sources, manifest.unit_tests):
            for node in nodes.values():
                if type(node) not in warmed:
                    warmed.add(type(node))
                    type(node).from_dict(node.to_dict())


def _warm_python_model_imports() -> None:
    """What the project's Python models import: dbt-duckdb's `import pyarrow.dataset` (which pulls pandas)
    cost the first Python model of every phase-1 child ~0.7 s (1M-lead day: int_episode_rules 0.6 s for a
    one-row table), and the identity increment's modules ~0.3 s more. numpy starts an OpenBLAS thread pool
    and pyarrow a jemalloc background thread at import; both are kept from starting, so the server still
    forks from a single thread (the children then run BLAS on one thread: the models use none to speak of,
    and DuckDB holds both cores meanwhile)."""
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["JE_ARROW_MALLOC_CONF"] = "background_thread:false"
    import numpy  # noqa: F401
    import pyarrow.dataset  # noqa: F401

    import orchestration.identity.cluster_update
    import orchestration.identity.fresh_nodes
    import orchestration.identity.increment_plan
    import orchestration.identity.pair_scoring
    import orchestration.settings  # noqa: F401


def _child(request: dict, fds: list[int]) -> None:
    """In the forked process: become the caller's dbt invocation, run it, exit with its code."""
    from orchestration.transform import dbt_entry

    for signum in (signal.SIGTERM, signal.SIGINT):  # the server's own handling is not dbt's
        signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.default_int_handler)
    for fd, target in zip(fds, _STDIO, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["ptleads-dbt", *request["argv"]]
    code = dbt_entry.DBT_FAILED
    try:
        code = dbt_entry.run(request["argv"])
    finally:
        dbt_entry.exit_now(code)


def _serve_one(conn: socket.socket, listener: socket.socket) -> None:
    message, fds, _flags, _addr = socket.recv_fds(conn, _MAX_REQUEST, len(_STDIO))
    if len(fds) != len(_STDIO):
        for fd in fds:
            os.close(fd)
        return
    request = json.loads(message)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (runs in the forked child, which never returns)
        conn.close()
        listener.close()  # else a caller could connect to a server that died and wait on this child
        _child(request, fds)
    for fd in fds:
        os.close(fd)
    try:
        conn.sendall(json.dumps({"pid": pid}).encode())
    finally:
        _, status = os.waitpid(pid, 0)  # also when the caller went away: no zombie left
    conn.sendall(json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode())


def serve(path: str, parent: int) -> None:
    """Import dbt, then answer requests on the Unix socket `path` until SIGTERM or `parent` is gone."""
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    old_umask = os.umask(0o077)  # the socket is the run owner's alone
    try:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server.bind(path)
    finally:
        os.umask(old_umask)
    server.listen(1)
    _warm_imports()
    _warm_dbt_classes(PROJECT_PARSE)
    while os.getppid() == parent:
        ready, _, _ = select.select([server], [], [], 0.5)
        if not ready:
            continue
        conn, _ = server.accept()
        # a caller that went away or sent garbage: serve the next
        with conn, contextlib.suppress(OSError, ValueError):
            _serve_one(conn, server)


def delegate(path: str, argv: list[str]) -> int | None:
    """Run dbt `argv` in the server at `path` as this process (its stdio, environment and folder); the exit
    code, or None when there is no server to ask (the caller then runs dbt itself)."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(path)
    except OSError:
        return None
    with conn:
        request = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}
        try:
            socket.send_fds(conn, [json.dumps(request).encode()], list(_STDIO))
            started = conn.recv(_MAX_REQUEST)
        except OSError:
            return None
        if not started:
            return None
        pid = json.loads(started)["pid"]
        # Dagster interrupts dbt with SIGINT (and may terminate): the forked dbt is the one to tell.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda sig, _frame: os.kill(pid, sig))
        finished = conn.recv(_MAX_REQUEST)
    if not finished:
        return 1  # the server died under the child: dbt did not report success
    return int(json.loads(finished)["code"])


class WarmDbt:
    """The run's server: `with WarmDbt():` around the run; PTLEADS_DBT_SERVER is set for its duration."""

    def __init__(self) -> None:
        self.path = os.path.join(tempfile.gettempdir(), f"ptleads-dbt-{os.getpid()}.sock")
        self._process: subprocess.Popen[bytes] | None = None
        self._saved: str | None = None

    def __enter__(self) -> WarmDbt:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # left by a killed run of a process with the same id
        self._process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.transform.dbt_warm", self.path, str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        self._saved = os.environ.get(SERVER_ENV)
        os.environ[SERVER_ENV] = self.path
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._saved is None:
            os.environ.pop(SERVER_ENV, None)
        else:
            os.environ[SERVER_ENV] = self._saved
        if self._process is not None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10)
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


@contextlib.contextmanager
def warm_dbt(enabled: bool = True) -> Iterator[WarmDbt | None]:
    """WarmDbt when `enabled` (and the platform has fork and Unix sockets), else nothing."""
    if not enabled or not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        yield None
        return
    with WarmDbt() as server:
        yield server


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
