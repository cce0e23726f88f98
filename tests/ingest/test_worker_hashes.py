"""Files parsed by the pool are hashed by the worker that reads them, not by the parent: the warehouse is
what in-process parsing (the parent hashing every file first) gives, for copies, renamed and touched files
whose content is already ingested, and files of nothing but whitespace."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import parse_pool
from orchestration.ingest.framework import ingest_source
from orchestration.ingest.hl7v2 import HL7V2
from tests.ingest.conftest import Warehouse, raw_rows
from tests.ingest.test_file_stats import _siu


@pytest.fixture(autouse=True)
def _pool_for_small_inboxes(monkeypatch) -> None:
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)


def _ingest(warehouse: Warehouse, workers: int):
    with duckdb.connect(str(warehouse.path)) as con:
        return ingest_source(
            con, HL7V2, warehouse.inbox, warehouse.quarantine, warehouse.ctx, workers=workers
        )


def _log(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query(
        "SELECT file, sha256, bytes, records, status, reason FROM raw.ingest_log ORDER BY ALL"
    )


def _both(tmp_path: Path, ctx, steps) -> list[tuple]:
    """Run `steps(warehouse, ingest)` on a pooled and an in-process warehouse: (rows, log, file counts)."""
    out = []
    for workers in (2, 0):
        warehouse = Warehouse(tmp_path / f"w{workers}", ctx)
        reports = steps(warehouse, lambda w=warehouse, n=workers: _ingest(w, n))
        summaries = [(r.files_seen, r.files_skipped, r.files_ok, r.files_quarantined) for r in reports]
        out.append((raw_rows(warehouse.path), _log(warehouse), summaries))
    return out


def test_copies_in_one_run_are_ingested_once(tmp_path, ctx) -> None:
    def steps(warehouse, ingest):
        warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
        warehouse.drop("hl7v2", "b.hl7", _siu("B1", 3))
        warehouse.drop("hl7v2", "c_copy_of_a.hl7", _siu("A1", 2))
        return [ingest()]

    pooled, serial = _both(tmp_path, ctx, steps)
    assert parse_pool.pool_children_pids(), "the pool was not used"
    assert pooled == serial
    assert pooled[2] == [(3, 1, 2, 0)]


def test_renamed_and_touched_files_of_known_content_add_nothing(tmp_path, ctx) -> None:
    def steps(warehouse, ingest):
        a = warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
        b = warehouse.drop("hl7v2", "b.hl7", _siu("B1", 3))
        first = ingest()
        a.rename(a.with_name("z.hl7"))
        stat = b.stat()
        os.utime(b, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        warehouse.drop("hl7v2", "n.hl7", _siu("N1", 4))
        return [first, ingest(), ingest()]

    pooled, serial = _both(tmp_path, ctx, steps)
    assert pooled == serial
    assert pooled[2] == [(2, 0, 2, 0), (3, 2, 1, 0), (3, 3, 0, 0)]


def test_a_file_of_whitespace_is_quarantined_as_empty(tmp_path, ctx) -> None:
    def steps(warehouse, ingest):
        warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
        warehouse.drop("hl7v2", "blank.hl7", " \r\n\t\x0b\x0c\n")
        warehouse.drop("hl7v2", "zero.hl7", b"")
        return [ingest()]

    pooled, serial = _both(tmp_path, ctx, steps)
    assert pooled == serial
    reasons = {file: reason for file, _, _, _, status, reason in pooled[1] if status == "quarantined"}
    assert reasons == {"blank.hl7": "empty file", "zero.hl7": "empty file"}


def test_a_whole_json_document_hashed_by_the_worker_is_still_one_document(tmp_path: Path) -> None:
    """A pretty-printed FHIR resource (official example) read once by the hashing worker parses as one
    resource, as in-process, not line by line as a cut file's chunk would (aec3860 quarantined it)."""
    from orchestration.ingest.parse_groups import parse_group
    from orchestration.ingest.sources import source_by_name
    from orchestration.settings import REPO_ROOT

    example = tmp_path / "Patient-example.json"
    example.write_bytes((REPO_ROOT / "tests" / "fixtures" / "fhir" / "Patient-example.json").read_bytes())
    fhir = source_by_name("fhir")
    hashed = parse_group(fhir.parse, [example], None, hashes=True)
    plain = parse_group(fhir.parse, [example], None)
    assert not isinstance(hashed.files[0], str), hashed.files[0]
    assert hashed.files[0].records == plain.files[0].records == 1
    assert {n: t.to_pylist() for n, t in hashed.tables.items()} == {
        n: t.to_pylist() for n, t in plain.tables.items()
    }
