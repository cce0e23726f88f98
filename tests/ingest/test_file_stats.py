"""A daily run does not read again the files it already ingested (name, size and mtime unchanged)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.hl7v2 import HL7V2
from orchestration.ingest.records import ParsedFile, RawTable


def _siu(control: str, day: int) -> str:
    start = f"202501{day:02d}080000-0600"
    return (
        "\r".join(
            [
                f"MSH|^~\\&|APP|FAC|PTLEADS|PT|20250101090000-0600||SIU^S12^SIU_S12|{control}|P|2.5.1",
                f"SCH|{control}^APP|{control}^APP|||||97110^EXERCISE^CPT|VISIT^PT Treatment"
                f"|45|min|^^45^{start}",
                "PID|1||200004^^^APP^MR||DOE^JANE||19570608|F",
                f"AIS|1|A|97110^EXERCISE^CPT|{start}|||45|min||Booked",
            ]
        )
        + "\r"
    )


def test_ingested_files_are_not_read_again_until_they_change(warehouse, reads) -> None:
    a = warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
    warehouse.drop("hl7v2", "b.hl7", _siu("B1", 3))
    first = warehouse.ingest(HL7V2)
    assert first.files_ok == 2 and sorted(set(reads)) == ["a.hl7", "b.hl7"]

    reads.clear()
    warehouse.drop("hl7v2", "c.hl7", _siu("C1", 4))
    second = warehouse.ingest(HL7V2)
    assert reads == ["c.hl7"]  # a and b are recognised unread
    assert (second.files_seen, second.files_skipped, second.files_ok) == (3, 2, 1)

    # a file rewritten in place (new content, new mtime) is read again and its new rows land
    reads.clear()
    a.write_text(_siu("A2", 5))
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 1_000_000))
    third = warehouse.ingest(HL7V2)
    assert reads == ["a.hl7"] and third.files_ok == 1
    ids = " ".join(r[0] for r in warehouse.query("SELECT source_record_id FROM raw.hl7v2_messages"))
    assert all(control in ids for control in ("A1", "A2", "B1", "C1"))


def test_a_copy_under_a_new_name_is_read_once_then_recognised(warehouse, reads) -> None:
    warehouse.drop("hl7v2", "a.hl7", _siu("A1", 2))
    warehouse.ingest(HL7V2)
    warehouse.drop("hl7v2", "a_copy.hl7", _siu("A1", 2))
    reads.clear()
    report = warehouse.ingest(HL7V2)
    assert reads == ["a_copy.hl7"] and report.files_skipped == 2 and report.files_ok == 0
    reads.clear()
    assert warehouse.ingest(HL7V2).files_skipped == 2 and reads == []


@dataclass(slots=True)
class _NoteRow:
    source_record_id: str


_NOTES = RawTable("test_notes", _NoteRow)


def _parse_note(path: Path, ctx: ParseContext) -> ParsedFile:
    return ParsedFile(rows={_NOTES: [_NoteRow(path.read_text().strip())]})


def _sidecar(path: Path) -> tuple[Path, ...]:
    sidecar = path.with_suffix(".json")
    return (sidecar,) if path.suffix != ".json" and sidecar.is_file() else ()


# A source whose files carry a sidecar, as fax PDFs do (without OCR).
_NOTE_SOURCE = Source(
    name="notes",
    tables=(_NOTES,),
    parse=_parse_note,
    accepts=lambda p: p.suffix == ".txt",
    companions=_sidecar,
)


def test_a_file_skipped_unread_still_carries_its_sidecar(warehouse, reads) -> None:
    """Files recognised unread never become stray candidates, yet the sidecar of one is still carried: it is
    not quarantined as a file the source does not read."""
    warehouse.drop("notes", "n1.txt", "N1")
    warehouse.drop("notes", "n1.json", "{}")
    first = warehouse.ingest(_NOTE_SOURCE)
    assert (first.files_ok, first.files_quarantined) == (1, 0)
    reads.clear()
    warehouse.drop("notes", "n2.txt", "N2")
    again = warehouse.ingest(_NOTE_SOURCE)
    assert reads == ["n2.txt"] and (again.files_skipped, again.files_ok, again.files_quarantined) == (1, 1, 0)
    assert sorted(p.name for p in (warehouse.inbox / "notes").iterdir()) == ["n1.json", "n1.txt", "n2.txt"]
    assert warehouse.query("SELECT source_record_id FROM raw.test_notes ORDER BY 1") == [("N1",), ("N2",)]
