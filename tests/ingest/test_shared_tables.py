"""Parse results handed from the workers through shared memory: the same tables, and no file left behind
(taken, dropped, or of a parent that was killed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from orchestration.ingest import parse_pool, shared_tables
from orchestration.ingest.fhir import FHIR
from tests.ingest.test_chunked_ingest import SMALL_CHUNK, _fhir_lines, _state, warehouse_factory  # noqa: F401

pytestmark = pytest.mark.skipif(not shared_tables.usable(), reason="no writable /dev/shm")


def _files_of(owner: int) -> list[str]:
    return [
        n for n in os.listdir(shared_tables.SHARED_DIR) if n.startswith(f"{shared_tables.PREFIX}{owner}-")
    ]


def test_a_table_comes_back_equal_and_its_file_is_gone_once_taken() -> None:
    table = pa.concat_tables(
        [pa.table({"a": [1, None, 3], "b": ["x", None, "é"]}), pa.table({"a": [4], "b": ["long " * 50]})]
    )
    sent = shared_tables.put({"t": table}, os.getpid())
    (path,) = [s.path for s in sent.values()]
    assert os.path.exists(path)
    taken = shared_tables.take(sent)
    assert not os.path.exists(path)
    assert taken["t"].equals(table)
    assert taken["t"].to_pylist() == table.to_pylist()  # still readable after the unlink


def test_sweep_removes_only_the_files_of_owners_gone() -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(gone.stdout)
    table = pa.table({"a": [1]})
    mine = shared_tables.put({"t": table}, os.getpid())
    alive = shared_tables.put({"t": table}, os.getppid())
    orphan = shared_tables.put({"t": table}, dead)
    shared_tables.sweep()
    assert not os.path.exists(orphan["t"].path)
    assert os.path.exists(mine["t"].path) and os.path.exists(alive["t"].path)
    shared_tables.discard(alive)
    shared_tables.sweep(own=True)  # what exit does
    assert not os.path.exists(mine["t"].path)


def test_pipe_and_shared_memory_give_the_same_warehouse(warehouse_factory, monkeypatch) -> None:  # noqa: F811
    lines = _fhir_lines(240)
    monkeypatch.setattr(parse_pool, "CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    states = []
    for shared in ("0", "1"):
        monkeypatch.setenv(shared_tables.SHARED_ENV, shared)
        warehouse = warehouse_factory(f"shared{shared}")
        warehouse.drop("fhir", "A_bulk.ndjson", "\n".join(lines) + "\n")  # cut in chunks
        for n in range(3):  # small files: parsed in groups
            warehouse.drop(
                "fhir", f"B{n}.ndjson", "\n".join(lines[n * 9 : n * 9 + 9]).replace('"r', f'"s{n}') + "\n"
            )
        warehouse.ingest(FHIR, workers=2)
        states.append(_state(warehouse))
    assert states[0] == states[1]
    assert states[0]["fhir_patients"]
    assert _files_of(os.getpid()) == []


def test_chunks_dropped_after_a_condemned_chunk_leave_no_file(warehouse_factory, monkeypatch) -> None:  # noqa: F811
    """A chunk that condemns its file stops the reading; chunks the workers parsed ahead of it are
    discarded with their shared files."""
    lines = _fhir_lines(240)
    data = ("\n".join(lines) + "\n").encode()
    cut = len(data) // 3
    data = data[:cut] + b"\xff" + data[cut:]  # not UTF-8 in an early chunk: the file is quarantined
    monkeypatch.setattr(parse_pool, "CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    warehouse = warehouse_factory("condemned")
    warehouse.drop("fhir", "Bulk.ndjson", data)
    report = warehouse.ingest(FHIR, workers=2)
    assert report.files_quarantined == 1
    deadline = time.monotonic() + 20  # chunks still parsing when dropped are discarded as they finish
    while _files_of(os.getpid()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _files_of(os.getpid()) == []


def test_a_pool_parent_killed_leaves_files_the_next_pool_removes(tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        left = shared_tables.put({"t": pa.table({"a": [1]})}, owner.pid)
    finally:
        owner.kill()
        owner.wait()
    assert os.path.exists(left["t"].path)
    parse_pool.shutdown_pool(wait=True)
    parse_pool.start_workers(2)  # a new pool sweeps first
    assert not os.path.exists(left["t"].path)
    parse_pool.shutdown_pool(wait=True)
