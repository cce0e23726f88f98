"""Small files parsed in groups (parse_groups): each file keeps its own rows, log row and quarantine; a bad
file in a group of good ones is quarantined alone; a kill before the batch commits loses nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.ingest import ingest_commits, parse_pool
from orchestration.ingest.framework import ingest_source
from orchestration.ingest.hl7v2 import HL7V2
from orchestration.ingest.ingest_commits import CRASH_ENV, Batch, ReadyFile
from orchestration.ingest.parse_groups import RowSpan
from orchestration.ingest.records import ArrowRows, RawTable, TupleRows
from orchestration.settings import REPO_ROOT


def _siu(control: str, day: int, control_field: str | None = None) -> str:
    start = f"202501{day:02d}080000-0600"
    return "\r".join(
        [
            "MSH|^~\\&|APP|FAC|PTLEADS|PT|20250101090000-0600||SIU^S12^SIU_S12|"
            f"{control if control_field is None else control_field}|P|2.5.1",
            f"SCH|{control}^APP|{control}^APP|||||97110^EXERCISE^CPT|VISIT^PT Treatment|45|min|^^45^{start}",
            "PID|1||200004^^^APP^MR||DOE^JANE||19570608|F",
            f"AIS|1|A|97110^EXERCISE^CPT|{start}|||45|min||Booked",
        ]
    )


def _file(*messages: str) -> str:
    return "\r".join(messages) + "\r"


def _inbox(w) -> None:
    """Good files around bad ones, all small enough to share one parse group."""
    w.drop("hl7v2", "a_good.hl7", _file(_siu("A1", 2), _siu("A2", 3), _siu("A3", 6)))
    w.drop("hl7v2", "b_not_hl7.hl7", "just some text\r")
    w.drop("hl7v2", "c_good.hl7", _file(_siu("C1", 7), _siu("C2", 8)))
    w.drop("hl7v2", "d_copy_of_a.hl7", _file(_siu("A1", 2), _siu("A2", 3), _siu("A3", 6)))
    w.drop("hl7v2", "e_empty.hl7", "")
    w.drop("hl7v2", "f_partial.hl7", _file(_siu("F1", 9), _siu("F2", 10, control_field="")))


def _state(w) -> dict[str, list]:
    return {
        "messages": w.query("SELECT * EXCLUDE (ingested_at) FROM raw.hl7v2_messages ORDER BY ALL"),
        "appointments": w.query("SELECT * EXCLUDE (ingested_at) FROM raw.hl7v2_appointments ORDER BY ALL"),
        "log": w.query("SELECT * EXCLUDE (ingested_at, duration_s) FROM raw.ingest_log ORDER BY ALL"),
        "inbox": sorted(p.name for p in (w.inbox / "hl7v2").iterdir()),
        "quarantine": sorted(p.name for p in (w.quarantine / "hl7v2").iterdir()),
    }


def _ingest(w, workers: int):
    with duckdb.connect(str(w.path)) as con:
        return ingest_source(con, HL7V2, w.inbox, w.quarantine, w.ctx, workers=workers)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_bad_file_in_a_group_of_good_ones_is_quarantined_alone(warehouse, monkeypatch, workers) -> None:
    groups: list[int] = []
    real = parse_pool.parse_group

    def counting(parse, paths, ctx, *args, **kwargs):
        groups.append(len(paths))
        return real(parse, paths, ctx, *args, **kwargs)

    if workers == 0:  # the pool pickles parse_group by name: counted in-process only
        monkeypatch.setattr(parse_pool, "parse_group", counting)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    _inbox(warehouse)

    report = _ingest(warehouse, workers)

    if workers == 0:
        assert groups == [4]  # a, b, c, f: the empty file and the copy are never parsed
    else:
        assert parse_pool.pool_children_pids(), "the pool was not used"
    assert (report.records, report.files_quarantined, report.files_skipped) == (12, 2, 1)
    per_file = warehouse.query("SELECT source_file, count(*) FROM raw.hl7v2_messages GROUP BY 1 ORDER BY 1")
    assert per_file == [("a_good.hl7", 3), ("c_good.hl7", 2), ("f_partial.hl7", 1)]
    ids = warehouse.query("SELECT source_file, source_record_id FROM raw.hl7v2_appointments ORDER BY 2")
    assert ids == [("a_good.hl7", f"A{n}") for n in (1, 2, 3)] + [
        ("c_good.hl7", "C1"),
        ("c_good.hl7", "C2"),
        ("f_partial.hl7", "F1"),
    ]
    log = {r[0]: r[1:] for r in warehouse.query("SELECT file, records, status, reason FROM raw.ingest_log")}
    # records: a message row and an appointment row per SIU message
    assert log["a_good.hl7"] == (6, "ok", None) and log["c_good.hl7"] == (4, "ok", None)
    assert log["f_partial.hl7"][:2] == (2, "partial") and log["f_partial.hl7"][2].startswith("bad lines 5")
    assert log["b_not_hl7.hl7"] == (0, "quarantined", "b_not_hl7.hl7: no MSH segment, not HL7 v2")
    assert log["e_empty.hl7"] == (0, "quarantined", "empty file")
    assert "d_copy_of_a.hl7" not in log  # the same content as a_good: ingested once
    state = _state(warehouse)
    assert state["inbox"] == ["a_good.hl7", "c_good.hl7", "d_copy_of_a.hl7", "f_partial.hl7"]
    assert "b_not_hl7.hl7.reason.txt" in state["quarantine"]


def test_groups_give_the_warehouse_files_parsed_alone_give(tmp_path, ctx, monkeypatch) -> None:
    from tests.ingest.conftest import Warehouse

    grouped, alone = Warehouse(tmp_path / "grouped", ctx), Warehouse(tmp_path / "alone", ctx)
    split = Warehouse(tmp_path / "split", ctx)  # a group's files committed in several batches
    for w in (grouped, alone, split):
        _inbox(w)
    _ingest(grouped, 0)
    with monkeypatch.context() as patch:
        patch.setattr(ingest_commits, "BATCH_MAX_FILES", 1)
        _ingest(split, 0)
    monkeypatch.setattr(parse_pool, "GROUP_FILES", 1)
    _ingest(alone, 0)
    assert _state(grouped) == _state(alone) == _state(split)
    assert _ingest(grouped, 0).records == 0  # a rerun changes nothing


_KILL_SCRIPT = """
import sys
from pathlib import Path
import duckdb
from orchestration.ingest.framework import ParseContext, ingest_source
from orchestration.ingest.hl7v2 import HL7V2
root = Path(sys.argv[1])
with duckdb.connect(str(root / "w.duckdb")) as con:
    ingest_source(con, HL7V2, root / "inbox", root / "quarantine", ParseContext(Path(sys.argv[2])), workers=0)
"""


@pytest.mark.parametrize("kill_at", [2, 3])  # the quarantined file's index, the next good file's
def test_kill_before_a_batch_with_a_quarantined_file_commits(warehouse, kill_at) -> None:
    """The bad file's log row commits with its batch: killed before, the file is still in the inbox (only
    a copy in quarantine), nothing is logged, and the rerun gives what one clean run gives."""
    _inbox(warehouse)
    clean = warehouse.root / "clean"
    shutil.copytree(warehouse.inbox, clean / "inbox")

    def run(root: Path, kill: int | None) -> int:
        env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
        if kill is not None:
            env[CRASH_ENV] = str(kill)
        argv = [sys.executable, "-c", _KILL_SCRIPT, str(root), str(REPO_ROOT / "config")]
        return subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, check=False).returncode

    assert run(warehouse.root, kill_at) == -signal.SIGKILL
    assert (warehouse.inbox / "hl7v2" / "b_not_hl7.hl7").is_file()
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(0,)]
    assert run(warehouse.root, None) == 0
    assert run(clean, None) == 0
    from tests.ingest.conftest import Warehouse

    assert _state(warehouse) == _state(Warehouse(clean, warehouse.ctx))


@dataclass
class _Row:
    source_record_id: str
    n: int | None


TABLE = RawTable("t", _Row)


def test_rows_of_several_files_convert_as_one_table() -> None:
    parts = [
        [_Row("a", 1), _Row("b", None)],
        TupleRows([("c", 3)], _Row),
        ArrowRows(TABLE.to_arrow([_Row("d", 4)]), _Row),
    ]
    expected = pa.concat_tables([TABLE.to_arrow(p) for p in parts])
    assert TABLE.to_arrow_parts(parts).equals(expected)
    assert TABLE.to_arrow_parts(parts[:2]).equals(pa.concat_tables([TABLE.to_arrow(p) for p in parts[:2]]))
    tuples = [TupleRows([("e", 5)], _Row), TupleRows([("f", None), ("g", 7)], _Row)]
    assert TABLE.to_arrow_parts(tuples).to_pylist() == [
        {"source_record_id": s, "n": n} for s, n in [("e", 5), ("f", None), ("g", 7)]
    ]
    assert list(tuples[1]) == [_Row("f", None), _Row("g", 7)] and tuples[1][1] == _Row("g", 7)


def test_a_batch_keeps_consecutive_files_of_a_group_as_one_slice() -> None:
    group = pa.table({"x": list(range(10))})

    def ready(index: int, start: int, length: int, table: pa.Table = group) -> ReadyFile:
        spans = {"t": RowSpan(table, start, length)}
        return ReadyFile(index, f"f{index}", f"sha{index}", 1, length, "ok", None, 0.0, spans)

    batch = Batch()
    for file in (ready(1, 0, 3), ready(2, 3, 4), ready(3, 8, 2), ready(4, 0, 2, pa.table({"x": [0, 1]}))):
        batch.add(file)
    assert [(s.start, s.length) for s in batch.spans["t"]] == [(0, 7), (8, 2), (0, 2)]
    assert [s.rows()["x"].to_pylist() for s in batch.spans["t"]] == [
        list(range(7)),
        [8, 9],
        [0, 1],
    ]


def test_a_slow_source_parses_one_file_a_group(warehouse, monkeypatch) -> None:
    """Sources that do not declare themselves cheap to parse (`parallel`; OCR) gain nothing from groups,
    and a group would hold its files back from their batch: one file a group."""
    groups: list[int] = []
    real = parse_pool.parse_group
    monkeypatch.setattr(
        parse_pool,
        "parse_group",
        lambda p, paths, c, *args, **kw: groups.append(len(paths)) or real(p, paths, c, *args, **kw),
    )
    _inbox(warehouse)
    slow = replace(HL7V2, parallel=False)
    with duckdb.connect(str(warehouse.path)) as con:
        report = ingest_source(con, slow, warehouse.inbox, warehouse.quarantine, warehouse.ctx, workers=2)
    assert groups == [1, 1, 1, 1] and report.records == 12


def test_hl7_appointments_store_resources_json_zstd_and_read_it_back(warehouse) -> None:
    """resources_json is the bulk of the HL7 v2 appointments table and no model reads it: zstd-compressed."""
    _inbox(warehouse)
    _ingest(warehouse, 0)
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("CHECKPOINT")
        kinds = {
            r[0]
            for r in con.execute(
                "SELECT compression FROM pragma_storage_info('raw.hl7v2_appointments') "
                "WHERE column_name = 'resources_json' AND segment_type = 'VARCHAR'"
            ).fetchall()
        }
        (resources,) = con.execute(
            "SELECT resources_json FROM raw.hl7v2_appointments WHERE source_record_id = 'C2'"
        ).fetchone()
    assert kinds == {"ZSTD"}
    assert '"start":{"value":"2025-01-08 08:00:00","precision":"second","offset_min":-360}' in resources


_PARENT_ENV = "PTLEADS_TEST_PARENT_PID"


def _dies_in_a_worker(path: Path, ctx):
    """HL7 v2's parse, except that a worker process reading c_good.hl7 dies (as out of memory would)."""
    if path.name == "c_good.hl7" and str(os.getpid()) != os.environ.get(_PARENT_ENV):
        os._exit(1)
    return HL7V2.parse(path, ctx)


def test_a_worker_dying_mid_group_leaves_its_group_to_the_parent(warehouse, monkeypatch, caplog) -> None:
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    monkeypatch.setenv(_PARENT_ENV, str(os.getpid()))
    parse_pool.shutdown_pool()  # the workers start with this environment
    _inbox(warehouse)
    dying = replace(HL7V2, parse=_dies_in_a_worker)
    try:
        with duckdb.connect(str(warehouse.path)) as con:
            report = ingest_source(
                con, dying, warehouse.inbox, warehouse.quarantine, warehouse.ctx, workers=2
            )
    finally:
        parse_pool.shutdown_pool()
    assert "a parse worker died" in caplog.text
    assert (report.records, report.files_quarantined) == (12, 2)
    per_file = warehouse.query("SELECT source_file, count(*) FROM raw.hl7v2_messages GROUP BY 1 ORDER BY 1")
    assert per_file == [("a_good.hl7", 3), ("c_good.hl7", 2), ("f_partial.hl7", 1)]
