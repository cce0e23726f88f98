"""Ingestion runs DuckDB on one thread (the parse workers are its parallelism) and gives the connection back
with the thread count it came with, also when the ingest fails."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.ingest import framework
from orchestration.ingest.framework import ParseContext, duckdb_single_thread, ingest_source
from orchestration.ingest.webforms import WEBFORMS


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchone()[0])


def test_one_thread_inside_and_restored_after() -> None:
    con = duckdb.connect()
    con.execute("SET threads = 3")
    with duckdb_single_thread(con):
        assert _threads(con) == 1
    assert _threads(con) == 3


def test_restored_after_an_error() -> None:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    with pytest.raises(RuntimeError), duckdb_single_thread(con):
        raise RuntimeError("boom")
    assert _threads(con) == 2


def test_ingest_source_runs_on_one_thread_and_restores(tmp_path, monkeypatch) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("SET threads = 2")
    seen: list[int] = []
    real = framework._ingest_jobs

    def spy(con_, *args, **kwargs):
        seen.append(_threads(con_))
        return real(con_, *args, **kwargs)

    monkeypatch.setattr(framework, "_ingest_jobs", spy)
    (tmp_path / "inbox" / "webforms").mkdir(parents=True)
    ctx = ParseContext(tmp_path / "config")
    ingest_source(con, WEBFORMS, tmp_path / "inbox", tmp_path / "q", ctx, workers=0)
    assert seen == [1]
    assert _threads(con) == 2
