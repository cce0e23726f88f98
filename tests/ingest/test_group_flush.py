"""The parent inserts the rows it holds whenever it would otherwise wait for the workers (the last file of a
group while the next group is still parsing), not only every FLUSH_RECORDS: a small source's inserts then
overlap its parsing instead of all following its last parse. The rows still commit with their batch."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingest import ingest_commits, parse_pool
from orchestration.ingest.ingest_commits import Batch, ReadyFile
from orchestration.ingest.parse_groups import RowSpan
from orchestration.ingest.parse_pool import FileGroup, FileJob
from orchestration.ingest.records import ParsedFile


def _parse(path: Path, ctx: object) -> ParsedFile:
    return ParsedFile()


def test_the_last_file_of_a_group_before_one_still_parsing_is_where_the_parent_inserts(tmp_path) -> None:
    jobs = [FileJob(i, tmp_path / f"f{i}", f"sha{i}", 1, False) for i in range(3)]
    first, second = FileGroup(_parse, None, jobs[:2]), FileGroup(_parse, None, jobs[2:])
    first.next = second
    parsing: Future = Future()
    second.future = parsing
    assert [job.ends_before_busy_group for job in jobs] == [False, True, False]
    parsing.set_result(None)  # the next group is ready: no wait to fill, the rows keep being held
    assert not jobs[1].ends_before_busy_group
    second.future = None  # parsed in-process when consumed: nothing runs meanwhile
    assert not jobs[1].ends_before_busy_group


def test_file_jobs_link_each_group_to_the_next(tmp_path, monkeypatch) -> None:
    paths = []
    for i in range(4):
        path = tmp_path / f"f{i}.txt"
        path.write_text(f"file {i}\n")
        paths.append(path)
    monkeypatch.setattr(parse_pool, "GROUP_BYTES", 1)  # one file a group
    jobs = list(parse_pool.file_jobs(paths, _parse, None, set(), True, workers=0))
    groups = [job._group for job in jobs]
    assert all(g is not None for g in groups) and len({id(g) for g in groups}) == 4
    assert [g.next for g in groups] == [*groups[1:], None]


def _ready(rows: int) -> ReadyFile:
    table = pa.table({"x": list(range(rows)), "source_file": ["f"] * rows})
    return ReadyFile(1, "f", "sha", 1, rows, "ok", None, 0.0, {"t": RowSpan(table, 0, rows)})


class _Source:
    name = "s"

    class _Table:
        name = "t"

    tables = (_Table,)


def test_an_idle_parent_inserts_what_it_holds_below_the_flush_size(monkeypatch) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.t (x BIGINT, source_file VARCHAR, source VARCHAR, ingested_at TIMESTAMP)")
    monkeypatch.setattr(ingest_commits, "FLUSH_RECORDS", 10_000)
    monkeypatch.setattr(ingest_commits, "IDLE_FLUSH_RECORDS", 3)
    batch = Batch()
    batch.add(_ready(2))
    batch.flush_if_large(con, _Source, idle=True)  # fewer than an idle insert is worth: held
    assert batch.held == 2 and not batch.open
    batch.add(_ready(1))
    batch.flush_if_large(con, _Source)  # not idle, below the flush size: held
    assert batch.held == 3 and not batch.open
    batch.flush_if_large(con, _Source, idle=True)
    assert batch.held == 0 and batch.open
    assert con.execute("SELECT count(*) FROM raw.t").fetchone() == (3,)  # in the open transaction
    con.execute("ROLLBACK")
    monkeypatch.setattr(ingest_commits, "FLUSH_RECORDS", 0)  # 0: never before the commit, idle or not
    batch = Batch()
    batch.add(_ready(5))
    batch.flush_if_large(con, _Source, idle=True)
    assert batch.held == 5 and not batch.open
