"""The quick check (name, size, mtime) only ever saves a read: a file is still ingested once by content hash.

A renamed file, a file touched without a change, and a file changed in place at the same size are each read
again once; only the changed one adds rows; all are then recognised unread."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.ingest.hl7v2 import HL7V2
from tests.ingest.test_file_stats import _siu


def _later(path: Path, ns: int = 1_000_000) -> None:
    """Move the file's mtime forward (a write within the file system's timestamp step could keep it)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + ns))


def _messages(warehouse) -> list[tuple]:
    return warehouse.query("SELECT source_record_id, source_file FROM raw.hl7v2_messages ORDER BY 1, 2")


def test_a_renamed_file_is_read_once_and_adds_nothing(warehouse, reads) -> None:
    a = warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
    warehouse.ingest(HL7V2)
    before = _messages(warehouse)
    a.rename(a.with_name("z.hl7"))  # same size and mtime, new name: no stat recorded for it
    reads.clear()
    report = warehouse.ingest(HL7V2)
    assert reads == ["z.hl7"] and (report.files_seen, report.files_skipped, report.files_ok) == (1, 1, 0)
    assert _messages(warehouse) == before
    reads.clear()
    again = warehouse.ingest(HL7V2)
    assert reads == [] and again.files_skipped == 1


def test_a_touched_unchanged_file_is_read_once_and_adds_nothing(warehouse, reads) -> None:
    a = warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
    warehouse.drop("hl7v2", "b.hl7", _siu("B1", 3))
    warehouse.ingest(HL7V2)
    before = _messages(warehouse)
    _later(a)  # e.g. copied again over itself: same bytes, new mtime
    reads.clear()
    report = warehouse.ingest(HL7V2)
    assert reads == ["a.hl7"] and (report.files_skipped, report.files_ok) == (2, 0)
    assert _messages(warehouse) == before
    reads.clear()
    assert warehouse.ingest(HL7V2).files_skipped == 2 and reads == []


def test_a_file_changed_in_place_at_the_same_size_is_ingested(warehouse, reads) -> None:
    a = warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
    warehouse.ingest(HL7V2)
    size = a.stat().st_size
    a.write_text(_siu("A2", 2))  # same length, other content
    _later(a)
    assert a.stat().st_size == size
    reads.clear()
    report = warehouse.ingest(HL7V2)
    assert reads == ["a.hl7"] and (report.files_skipped, report.files_ok) == (0, 1)
    ids = " ".join(r[0] for r in _messages(warehouse))
    assert "A1" in ids and "A2" in ids
    reads.clear()
    assert warehouse.ingest(HL7V2).files_skipped == 1 and reads == []


def test_a_file_that_was_quarantined_is_not_skipped_unread(warehouse, reads) -> None:
    """Only content logged ok or partial is skipped by its stat: a quarantined file's stat is never kept."""
    warehouse.drop("hl7v2", "bad.hl7", "")
    first = warehouse.ingest(HL7V2)
    assert first.files_quarantined == 1
    assert warehouse.query("SELECT count(*) FROM ingest_cache.file_stats") == [(0,)]
