"""A batch's rows are inserted into its open transaction as they arrive (FLUSH_RECORDS), so the parent
inserts while the workers parse; they still commit with the batch's log rows: the warehouse is what one
insert at commit gives, a kill before COMMIT leaves nothing, and a failure rolls the open transaction back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import framework, ingest_commits
from orchestration.ingest.framework import ingest_source
from orchestration.ingest.hl7v2 import HL7V2
from orchestration.ingest.ingest_commits import CRASH_ENV
from orchestration.settings import REPO_ROOT
from tests.ingest.conftest import Warehouse
from tests.ingest.test_framework_groups import _inbox, _state

_KILL_SCRIPT = """
import sys
from pathlib import Path
import duckdb
from orchestration.ingest import ingest_commits
from orchestration.ingest.framework import ParseContext, ingest_source
from orchestration.ingest.hl7v2 import HL7V2
ingest_commits.FLUSH_RECORDS = 1  # every file's rows go into the open transaction as it arrives
root = Path(sys.argv[1])
with duckdb.connect(str(root / "w.duckdb")) as con:
    ingest_source(con, HL7V2, root / "inbox", root / "quarantine", ParseContext(Path(sys.argv[2])), workers=0)
"""


def _ingest(w: Warehouse) -> None:
    with duckdb.connect(str(w.path)) as con:
        ingest_source(con, HL7V2, w.inbox, w.quarantine, w.ctx, workers=0)


def test_rows_flushed_file_by_file_give_the_warehouse_one_insert_gives(tmp_path, ctx, monkeypatch) -> None:
    flushed, whole = Warehouse(tmp_path / "flushed", ctx), Warehouse(tmp_path / "whole", ctx)
    for w in (flushed, whole):
        _inbox(w)
    monkeypatch.setattr(ingest_commits, "FLUSH_RECORDS", 0)
    _ingest(whole)
    inserts: list[str] = []
    real = ingest_commits.insert_rows
    monkeypatch.setattr(
        ingest_commits, "insert_rows", lambda con, name, *a: inserts.append(name) or real(con, name, *a)
    )
    monkeypatch.setattr(ingest_commits, "BATCH_MAX_FILES", 1_000)
    monkeypatch.setattr(ingest_commits, "FLUSH_RECORDS", 1)
    _ingest(flushed)
    assert inserts.count("hl7v2_messages") == 3  # the three good files one by one, in one batch
    assert _state(flushed) == _state(whole)
    assert len(_state(flushed)["messages"]) == 6


def test_flushed_rows_stay_invisible_until_the_batch_commits(warehouse, monkeypatch) -> None:
    _inbox(warehouse)
    monkeypatch.setattr(ingest_commits, "FLUSH_RECORDS", 1)
    seen: list[int] = []
    real_commit = ingest_commits.Batch.commit

    def commit(self, con, source, also=None):
        if self.files:  # the batch's own connection sees its rows; another one committed rows only
            other = con.cursor()
            count = "SELECT count(*) FROM raw.hl7v2_messages"
            seen.append((con.execute(count).fetchone()[0], other.execute(count).fetchone()[0]))
            other.close()
        return real_commit(self, con, source, also)

    monkeypatch.setattr(ingest_commits.Batch, "commit", commit)
    _ingest(warehouse)
    assert seen == [(6, 0)]  # inserted before the commit, not visible outside it
    assert warehouse.query("SELECT count(*) FROM raw.hl7v2_messages") == [(6,)]


def test_a_failure_after_a_flush_rolls_the_open_transaction_back(warehouse, monkeypatch) -> None:
    _inbox(warehouse)
    monkeypatch.setattr(ingest_commits, "FLUSH_RECORDS", 1)
    calls = 0
    real = framework.ready_file

    def failing(*args):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        return real(*args)

    monkeypatch.setattr(framework, "ready_file", failing)
    with duckdb.connect(str(warehouse.path)) as con:
        with pytest.raises(RuntimeError):
            ingest_source(con, HL7V2, warehouse.inbox, warehouse.quarantine, warehouse.ctx, workers=0)
        # No transaction left open with the first files' rows in it (a later COMMIT would keep them).
        assert con.execute("SELECT count(*) FROM raw.hl7v2_messages").fetchone() == (0,)
        con.execute("BEGIN TRANSACTION")
        con.execute("ROLLBACK")
    monkeypatch.setattr(framework, "ready_file", real)
    _ingest(warehouse)  # the rerun ingests everything once
    assert warehouse.query("SELECT count(*) FROM raw.hl7v2_messages") == [(6,)]


def test_kill_after_flushes_before_commit_then_rerun_equals_a_clean_run(warehouse) -> None:
    kill_at = 6  # the last file: every good file's rows are in the open transaction
    _inbox(warehouse)
    clean = Warehouse(warehouse.root / "clean", warehouse.ctx)
    _inbox(clean)

    def run(root: Path, kill: int | None) -> int:
        env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
        if kill is not None:
            env[CRASH_ENV] = str(kill)
        argv = [sys.executable, "-c", _KILL_SCRIPT, str(root), str(REPO_ROOT / "config")]
        return subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, check=False).returncode

    assert run(warehouse.root, kill_at) == -signal.SIGKILL
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(0,)]
    assert warehouse.query("SELECT count(*) FROM raw.hl7v2_messages") == [(0,)]
    assert run(warehouse.root, None) == 0
    assert run(clean.root, None) == 0
    assert _state(warehouse) == _state(clean)
