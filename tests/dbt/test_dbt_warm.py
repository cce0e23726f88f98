"""The run's warm dbt (orchestration/transform/dbt_warm.py): `ptleads-dbt` hands its invocation to the server,
which runs it as the caller would have (events, exit codes, dbt.log, the warehouse closed), and falls back
to running dbt itself when no server answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.transform.dbt_warm import _VALIDATED, SERVER_ENV, WarmDbt
from tests.dbt.probe_project import probe_project

BIN = Path(sys.executable).parent


def _start(project: Path) -> subprocess.Popen[str]:
    args = ["--log-format", "json", "run", "--project-dir", str(project), "--profiles-dir", str(project)]
    args += ["--log-path", str(project / "logs"), "--target-path", str(project / "t")]
    return subprocess.Popen(
        [str(BIN / "ptleads-dbt"), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _run(project: Path) -> tuple[int, list[dict], str]:
    process = _start(project)
    out, err = process.communicate(timeout=300)
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return process.returncode, [e for e in events if e["info"]["pid"] != process.pid], err


def _names(events: list[dict]) -> list[str]:
    return [e["info"]["name"] for e in events]


@pytest.mark.parametrize(
    ("model_sql", "expected_code"),
    [("select 1 as one", 0), ("select * from no_such_table", 1)],
    ids=["success", "model-fails"],
)
def test_the_server_runs_the_invocation_as_the_caller_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_sql: str, expected_code: int
) -> None:
    alone = probe_project(tmp_path / "alone", model_sql)
    served = probe_project(tmp_path / "served", model_sql)
    monkeypatch.delenv(SERVER_ENV, raising=False)
    code, foreign, _ = _run(alone)
    assert (code, foreign) == (expected_code, [])  # no server: every event from the process itself
    process = _start(alone)  # again, with partial-parse state as the served project's second run has
    plain = [json.loads(line)["info"]["name"] for line in process.communicate(timeout=300)[0].splitlines()]
    with WarmDbt():
        _run(served)
        code_served, from_server, err = _run(served)
    assert code_served == process.returncode == expected_code
    assert from_server, "no event came from the server's child"
    assert _names(from_server) == plain
    last = [
        json.loads((p / "logs" / "dbt.log").read_text(encoding="utf-8").splitlines()[-1])["info"]["name"]
        for p in (served, alone)
    ]
    assert last[0] == last[1]  # dbt.log written to its end
    assert "leaked semaphore" not in err
    duckdb.connect(str(served / "wh.duckdb")).close()  # closed: another process can write at once


def test_no_answering_server_means_dbt_runs_in_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SERVER_ENV, str(tmp_path / "nobody.sock"))
    code, foreign, _ = _run(probe_project(tmp_path / "p", "select 1 as one"))
    assert (code, foreign) == (0, [])


def test_an_interrupt_reaches_the_servers_dbt(tmp_path: Path) -> None:
    # a table (a view would be created at once): minutes of work unless interrupted
    slow = "{{ config(materialized='table') }} select sum(hash(a.range)) as n from range(20000000000) as a"
    project = probe_project(tmp_path / "slow", slow)
    with WarmDbt():
        process = _start(project)
        assert process.stdout is not None
        for line in process.stdout:  # the model has started
            if '"LogStartLine"' in line:
                break
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    assert process.returncode == 2  # as dbt itself: "Exited because of keyboard interrupt"


def test_the_server_ends_with_its_run(tmp_path: Path) -> None:
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from orchestration.transform.dbt_warm import WarmDbt; w = WarmDbt().__enter__(); "
            "print(w._process.pid, flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert owner.stdout is not None
    server = int(owner.stdout.readline())
    owner.kill()  # a run killed with -9: no __exit__
    owner.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(server, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{server}/stat", encoding="ascii") as stat:
            if stat.read().split()[2] == "Z":  # exited, not yet reaped by its new parent
                return
        time.sleep(0.2)
    pytest.fail("the warm dbt server outlived its run")


def test_the_server_still_forks_from_one_thread_after_its_imports() -> None:
    """numpy (OpenBLAS) and pyarrow (jemalloc) start threads at import unless told not to; a fork copies only
    the forking thread, so the server must hold no other when it forks a dbt child."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "JE_ARROW_MALLOC_CONF")}
    script = (
        "import os, sys\n"
        "from orchestration.transform.dbt_warm import PROJECT_PARSE, _warm_dbt_classes, _warm_imports\n"
        "_warm_imports()\n"
        "_warm_dbt_classes(PROJECT_PARSE)\n"
        "assert 'pyarrow.dataset' in sys.modules and 'orchestration.identity.pair_scoring' in sys.modules\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "1"


# In a fresh interpreter: the code dbt builds on first use (JSON schemas of the classes it validates,
# mashumaro's lazily compiled (de)serialisers of the manifest's classes), counted while a dbt process reads
# the project's saved parse, checks its profile and project and writes a node out and back.
_FIRST_USE = """
import sys
from dbt.contracts.graph.manifest import Manifest
from dbt.contracts.project import Project
from mashumaro.core.meta.code.builder import CodeBuilder
from orchestration.transform import dbt_warm
from orchestration.transform.dbt_project_files import DBT_PROJECT  # noqa: F401  (the project's parse exists)

if sys.argv[1] == "warm":
    dbt_warm._warm_dbt_classes(dbt_warm.PROJECT_PARSE)
built = []
for name in ("add_unpack_method", "add_pack_method"):
    def counted(self, _original=getattr(CodeBuilder, name)):
        built.append(self.cls.__name__)
        return _original(self)
    setattr(CodeBuilder, name, counted)
schemas = Project.json_schema.cache_info().currsize
manifest = Manifest.from_msgpack(dbt_warm.PROJECT_PARSE.read_bytes())
model = next(n for n in manifest.nodes.values() if n.resource_type == "model")
type(model).from_dict(model.to_dict())
print(len(built), schemas)
"""


@pytest.mark.parametrize(("mode", "warmed"), [("warm", True), ("cold", False)])
def test_the_server_builds_dbts_first_use_code_before_it_forks(mode: str, warmed: bool) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_USE, mode], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    built, schemas = map(int, out.stdout.split()[-2:])
    if warmed:  # a forked child inherits it all: it builds no serialiser and finds the schemas cached
        assert built == 0
        assert schemas >= sum(len(names) for _module, names in _VALIDATED)
    else:  # without the warm-up the same reads build code (the test can fail)
        assert built > 20 and schemas == 0
