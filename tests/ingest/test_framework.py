"""The ingestion framework: once per content hash, quarantine with reasons, partial files, lineage."""

from __future__ import annotations

import json

import duckdb

from orchestration.ingest.fax import FAX
from orchestration.ingest.fhir import FHIR
from orchestration.ingest.framework import ingest_source
from orchestration.ingest.sources import SOURCES
from orchestration.ingest.webforms import WEBFORMS

FORM = json.dumps(
    {
        "submission_id": "W1",
        "submitted_at": "2025-01-05T10:00:00-06:00",
        "name": "Jane Roe",
        "date_of_birth": "03/04/1970",
        "phone": "5125550142",
        "email": "j@example.org",
        "zip": "78704",
        "reason": "back",
        "insurance": "Aetna PPO",
        "member_id": "",
        "referred_by": "",
        "preferred_location": "",
        "preferred_contact": "phone",
        "sms_opt_in": False,
        "email_opt_in": False,
        "message": "",
    }
)
PATIENT = json.dumps({"resourceType": "Patient", "id": "p1", "birthDate": "1970-03-04"})


def _raw_snapshot(w) -> dict[str, list[tuple]]:
    return {
        "webforms": w.query("SELECT * EXCLUDE (ingested_at) FROM raw.webforms_submissions ORDER BY ALL"),
        "log": w.query("SELECT * EXCLUDE (ingested_at, duration_s) FROM raw.ingest_log ORDER BY ALL"),
    }


def test_same_file_twice_changes_nothing(warehouse) -> None:
    warehouse.drop("webforms", "a.jsonl", FORM + "\n")
    first = warehouse.ingest(WEBFORMS)
    before = _raw_snapshot(warehouse)
    second = warehouse.ingest(WEBFORMS)
    warehouse.drop("webforms", "copy-of-a.jsonl", FORM + "\n")  # same content under another name
    third = warehouse.ingest(WEBFORMS)
    assert (first.records, second.records, third.records) == (1, 0, 0)
    assert (second.files_skipped, third.files_skipped) == (1, 2)
    assert _raw_snapshot(warehouse) == before


def test_lineage_columns_and_log_row(warehouse) -> None:
    warehouse.drop("webforms", "a.jsonl", FORM + "\n")
    warehouse.ingest(WEBFORMS)
    (row,) = warehouse.query(
        "SELECT source, source_file, source_record_id, ingested_at IS NOT NULL FROM raw.webforms_submissions"
    )
    assert row == ("webforms", "a.jsonl", "W1", True)
    (log,) = warehouse.query(
        "SELECT source, file, length(sha256), bytes, records, status, reason FROM raw.ingest_log"
    )
    assert log == ("webforms", "a.jsonl", 64, len(FORM) + 1, 1, "ok", None)


def _quarantined(warehouse, source: str, name: str) -> str:
    ((status, reason),) = warehouse.query(f"SELECT status, reason FROM raw.ingest_log WHERE file = '{name}'")
    assert status == "quarantined"
    assert not (warehouse.inbox / source / name).exists()
    assert (warehouse.quarantine / source / name).exists()
    assert (warehouse.quarantine / source / f"{name}.reason.txt").read_text().strip() == reason
    return reason


def test_empty_file_is_quarantined(warehouse) -> None:
    warehouse.drop("fhir", "Patient.ndjson", "\n  \n")
    report = warehouse.ingest(FHIR)
    assert report.files_quarantined == 1
    assert _quarantined(warehouse, "fhir", "Patient.ndjson") == "empty file"


def test_non_utf8_file_is_quarantined(warehouse) -> None:
    warehouse.drop("fhir", "Patient.ndjson", PATIENT.replace("p1", "caf\xe9").encode("latin-1"))
    warehouse.ingest(FHIR)
    assert _quarantined(warehouse, "fhir", "Patient.ndjson").startswith("not UTF-8 text (bad byte at offset")


def test_malformed_lines_keep_the_good_ones(warehouse) -> None:
    warehouse.drop(
        "fhir", "Patient.ndjson", "\n".join([PATIENT, "{broken", PATIENT.replace("p1", "p2"), "nope"])
    )
    report = warehouse.ingest(FHIR)
    assert (report.records, report.files_partial) == (2, 1)
    ((status, reason, records),) = warehouse.query("SELECT status, reason, records FROM raw.ingest_log")
    assert (status, records) == ("partial", 2)
    assert reason == "bad lines 2, 4: malformed JSON"
    assert warehouse.query("SELECT source_record_id FROM raw.fhir_patients ORDER BY 1") == [("p1",), ("p2",)]


def test_all_lines_bad_is_quarantined(warehouse) -> None:
    warehouse.drop("webforms", "x.jsonl", "{a\n{b\n")
    warehouse.ingest(WEBFORMS)
    assert (
        _quarantined(warehouse, "webforms", "x.jsonl") == "no usable records; bad lines 1, 2: malformed JSON"
    )


def test_no_profile_matches(warehouse) -> None:
    warehouse.drop("webforms", "export.csv", "a,b\n1,2\n")
    warehouse.ingest(WEBFORMS)
    assert _quarantined(warehouse, "webforms", "export.csv") == (
        "no mapping profile of source webforms matches export.csv"
    )


def test_profile_names_a_missing_column(warehouse) -> None:
    row = json.loads(FORM)
    del row["insurance"]
    warehouse.drop("webforms", "old-form.jsonl", json.dumps(row) + "\n")
    warehouse.ingest(WEBFORMS)
    assert _quarantined(warehouse, "webforms", "old-form.jsonl") == (
        "profile generic_webform names fields missing from the file: insurance"
    )


def test_quarantined_file_dropped_again_is_logged_once(warehouse) -> None:
    warehouse.drop("webforms", "export.csv", "a,b\n")
    warehouse.ingest(WEBFORMS)
    warehouse.drop("webforms", "export.csv", "a,b\n")  # e.g. a crash before the inbox copy was removed
    warehouse.ingest(WEBFORMS)
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(1,)]


def test_bad_file_does_not_stop_the_run(warehouse) -> None:
    warehouse.drop("fhir", "a.ndjson", "")
    warehouse.drop("fhir", "b.ndjson", PATIENT)
    report = warehouse.ingest(FHIR)
    assert (report.files_quarantined, report.files_ok, report.records) == (1, 1, 1)


def test_file_of_an_unread_type_is_quarantined_not_left_in_the_inbox(warehouse) -> None:
    warehouse.drop("fhir", "Patient.txt", PATIENT)
    warehouse.drop("fhir", "b.ndjson", PATIENT.replace("p1", "p2"))
    warehouse.drop("fhir", ".upload-in-progress.ndjson", PATIENT)  # hidden files are left alone
    report = warehouse.ingest(FHIR)
    assert (report.files_seen, report.files_ok, report.files_quarantined) == (2, 1, 1)
    assert _quarantined(warehouse, "fhir", "Patient.txt") == "file type .txt is not read by the fhir source"
    assert sorted(p.name for p in (warehouse.inbox / "fhir").iterdir()) == [
        ".upload-in-progress.ndjson",
        "b.ndjson",
    ]
    again = warehouse.ingest(FHIR)  # nothing is left to read, nothing logged twice
    assert (again.files_seen, again.files_skipped) == (1, 1)
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(2,)]


def test_every_source_reads_or_quarantines_every_visible_file(warehouse) -> None:
    """No source's file filter lets a visible file sit unread: each ends ingested, skipped or quarantined."""
    for source in SOURCES:
        warehouse.drop(source.name, "unexpected.xyz", "not what this source reads\n")
    with duckdb.connect(str(warehouse.path)) as con:
        for source in SOURCES:
            report = ingest_source(con, source, warehouse.inbox, warehouse.quarantine, warehouse.ctx)
            assert report.files_seen == 1, source.name
    assert {p.name for p in warehouse.inbox.rglob("*") if p.is_file()} == set()
    assert len(warehouse.query("SELECT source FROM raw.ingest_log WHERE status = 'quarantined'")) == len(
        SOURCES
    )


def test_quarantined_fax_takes_its_sidecar_along(warehouse) -> None:
    warehouse.drop("fax", "fax_0007.pdf", b"\x00\x01 not a pdf")
    warehouse.drop("fax", "fax_0007.json", json.dumps({"from": "+15125550100", "pages": 1}))
    report = warehouse.ingest(FAX)
    assert (report.files_seen, report.files_quarantined) == (1, 1)
    assert _quarantined(warehouse, "fax", "fax_0007.pdf") == "fax_0007.pdf: not a PDF or TIFF file"
    assert sorted(p.name for p in (warehouse.quarantine / "fax").iterdir()) == [
        "fax_0007.json",
        "fax_0007.pdf",
        "fax_0007.pdf.reason.txt",
    ]
    assert list((warehouse.inbox / "fax").iterdir()) == []
    again = warehouse.ingest(FAX)  # the sidecar is not quarantined on its own next time
    assert (again.files_seen, again.files_quarantined) == (0, 0)
    assert warehouse.query("SELECT file FROM raw.ingest_log") == [("fax_0007.pdf",)]


def test_sidecar_without_its_fax_says_so(warehouse) -> None:
    warehouse.drop("fax", "fax_0008.json", json.dumps({"pages": 1}))
    warehouse.ingest(FAX)
    assert _quarantined(warehouse, "fax", "fax_0008.json").startswith(
        "fax_0008.json: a fax sidecar without its fax"
    )
