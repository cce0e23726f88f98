"""Fax corrections: the review-queue form's JSON Lines become typed raw rows, bad lines are reported by
number, and after a pipeline run a corrected field replaces the OCR value (confidence 1.0, corrected_by)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from app.lib.staff_writes import CORRECTABLE_FIELDS, log_fax_correction
from orchestration.ingest.corrections import CORRECTABLE_FIELDS as INGESTED_FIELDS
from orchestration.ingest.corrections import FAX_CORRECTIONS_SOURCE, correction_from
from orchestration.ingest.fax import EXTRACTIONS, FaxExtractionRow
from orchestration.ingest.framework import ensure_raw_schema
from orchestration.ingest.review_queue import REVIEW_QUEUE, ReviewItem
from orchestration.ingest.sources import SOURCES
from orchestration.settings import REPO_ROOT, Settings

FAX_MODELS = REPO_ROOT / "dbt_project" / "models" / "staging" / "fax"


def _form_values(**changed: str) -> dict[str, str]:
    """What the review form sends: every correctable field as text."""
    values = dict.fromkeys(CORRECTABLE_FIELDS, "")
    values.update(changed)
    return values


def test_field_lists_agree_with_the_app_and_the_staging_models() -> None:
    assert set(CORRECTABLE_FIELDS) == INGESTED_FIELDS
    for model in ("stg_fax__corrections.sql", "stg_fax__extractions.sql"):
        text = (FAX_MODELS / model).read_text()
        listed = re.search(r"set (?:corrected_)?fields = \[(.*?)\]", text, re.S)
        assert listed is not None, model
        assert set(re.findall(r"'(\w+)'", listed.group(1))) == INGESTED_FIELDS, model


def test_form_line_becomes_typed_correction() -> None:
    line = {
        "correction_id": "c1",
        "source_record_id": "fax_0001.pdf",
        "at": "2026-01-05T10:00:00+00:00",
        "user": "frontdesk",
        "fields": _form_values(
            last_name="Smith",
            dob="1961-04-09",
            surgery_date="03/02/2026",
            diagnosis_codes="m17.11, S83.511A",
            post_op="True",
        ),
    }
    result = correction_from(line, 3)
    assert not isinstance(result, str)
    assert (result.source_record_id, result.fax_record_id, result.line_number) == ("c1", "fax_0001.pdf", 3)
    assert result.corrected_at == datetime(2026, 1, 5, 10, 0)
    assert (result.last_name, result.dob, result.surgery_date) == (
        "Smith",
        date(1961, 4, 9),
        date(2026, 3, 2),
    )
    assert result.diagnosis_codes == ["M17.11", "S83.511A"]
    assert result.post_op is True
    assert result.first_name is None and "first_name" in result.fields_set  # emptied = corrected to none
    assert result.fields_set == sorted(CORRECTABLE_FIELDS)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"fields": {"dob": "31/31/1990"}}, "dob unreadable"),
        ({"fields": {"post_op": "maybe"}}, "post_op unreadable"),
        ({"fields": {"ssn": "x"}}, "not a correctable field: ssn"),
        ({"fields": {}}, "missing fields"),
        ({"source_record_id": ""}, "missing source_record_id"),
        ({"at": "yesterday"}, "unreadable at or user"),
    ],
)
def test_unusable_line_names_the_problem_not_the_value(change: dict, reason: str) -> None:
    line = {"correction_id": "c1", "source_record_id": "f.pdf", "at": "2026-01-05T10:00:00Z", "fields": {}}
    line["fields"] = {"last_name": "Smith"}
    line.update(change)
    assert correction_from(line, 1) == reason


def test_good_lines_kept_bad_lines_logged(warehouse) -> None:
    good = {"correction_id": "c1", "source_record_id": "f.pdf", "at": "2026-01-05T10:00:00Z", "user": "u"}
    lines = [
        json.dumps({**good, "fields": {"last_name": "Smith"}}),
        "{not json",
        json.dumps({**good, "correction_id": "c2", "fields": {"dob": "never"}}),
    ]
    warehouse.drop("fax_corrections", "fax_corrections_2026-01-05_u.jsonl", "\n".join(lines) + "\n")
    report = warehouse.ingest(FAX_CORRECTIONS_SOURCE)
    assert (report.records, report.files_partial) == (1, 1)
    assert warehouse.query("SELECT source_record_id, last_name, fields_set FROM raw.fax_corrections") == [
        ("c1", "Smith", ["last_name"])
    ]
    (reason,) = warehouse.query("SELECT reason FROM raw.ingest_log")[0]
    assert reason.startswith("bad lines 2, 3") and "Smith" not in reason
    assert warehouse.ingest(FAX_CORRECTIONS_SOURCE).files_skipped == 1  # once by content hash


def test_file_with_no_correction_is_quarantined(warehouse) -> None:
    warehouse.drop("fax_corrections", "junk.jsonl", "{}\n[1]\n")
    report = warehouse.ingest(FAX_CORRECTIONS_SOURCE)
    assert report.files_quarantined == 1
    assert (warehouse.quarantine / "fax_corrections" / "junk.jsonl.reason.txt").exists()


def test_registered_as_a_source() -> None:
    assert FAX_CORRECTIONS_SOURCE in SOURCES


def _ocr_row(record_id: str, received: datetime) -> FaxExtractionRow:
    """A fax as OCR left it: a misread surname and no DOB, every field at confidence 0.4."""
    values: dict[str, object] = {}
    for f in dataclasses.fields(FaxExtractionRow):
        values[f.name] = 0.4 if f.name.endswith("_confidence") else None
    values.update(
        source_record_id=record_id,
        received_at=received,
        pages=1,
        first_name="Maria",
        last_name="Snith",
        phone="5125550143",
        zip="78701",
        diagnosis_codes=["M17.11"],
        needs_review=True,
        review_threshold=0.8,
        page_images=[],
        ocr_seconds=1.0,
    )
    return FaxExtractionRow(**values)


@pytest.mark.slow
def test_correction_written_by_the_app_wins_after_a_pipeline_run(tmp_path: Path) -> None:
    from orchestration.pipeline import run_pipeline  # Dagster + dbt: only this test pays the import

    as_of = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    settings = Settings().with_overrides(
        inbox=tmp_path / "inbox",
        warehouse=tmp_path / "w" / "warehouse.duckdb",
        config_dir=REPO_ROOT / "config",
        as_of=as_of,
    )
    settings.warehouse.parent.mkdir(parents=True)
    received = (as_of - timedelta(days=3)).replace(tzinfo=None)
    # The fax was ingested by an earlier run (OCR is not what this test is about).
    with duckdb.connect(str(settings.warehouse)) as con:
        ensure_raw_schema(con, SOURCES)
        rows = EXTRACTIONS.to_arrow([_ocr_row("fax_0007.pdf", received)])
        queue = REVIEW_QUEUE.to_arrow([ReviewItem("fax_0007.pdf", "low confidence: last_name", [], received)])
        for table, arrow_rows in ((EXTRACTIONS, rows), (REVIEW_QUEUE, queue)):
            arrow_rows = arrow_rows.append_column("source_file", pa.array(["fax_0007.pdf"]))
            con.execute(
                f"INSERT INTO {table.qualified} BY NAME "
                "SELECT *, 'fax' AS source, now()::timestamp AS ingested_at FROM arrow_rows"
            )
    log_fax_correction(
        "fax_0007.pdf",
        _form_values(first_name="Maria", last_name="Smith", dob="1958-02-14"),
        "pt_anna",
        settings,
    )
    run_pipeline(settings, lambda _m: None)

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT last_name, last_name_confidence, dob, dob_confidence, phone_e164, phone_confidence, "
            "corrected_by, needs_review FROM staging.stg_fax__extractions "
            "WHERE source_record_id = 'fax_0007.pdf'"
        ).fetchone()
        queued = con.execute("SELECT count(*) FROM staging.stg_fax__review_queue").fetchone()[0]
        lead = con.execute(
            "SELECT r.last_name, r.dob FROM intermediate.int_source_records r "
            "WHERE r.source = 'fax' AND r.source_record_id = 'fax_0007.pdf'"
        ).fetchone()
    # Corrected fields win with confidence 1.0; an emptied field staff confirmed is NULL at 1.0 too.
    assert row == ("Smith", 1.0, date(1958, 2, 14), 1.0, None, 1.0, "pt_anna", False)
    assert queued == 0
    assert lead == ("Smith", date(1958, 2, 14))
