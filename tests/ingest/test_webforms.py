"""Web forms through config/profiles/generic_webform.yaml: mapping, time zones, and bad lines."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from orchestration.ingest.columnar_records import COLUMNAR_ENV
from orchestration.ingest.webforms import SUBMISSIONS, WEBFORMS, parse_webforms


def form_row(**overrides) -> dict:
    """One generic_webform submission (fake values), with `overrides` applied."""
    row = {
        "submission_id": "WF-1",
        "submitted_at": "2025-03-03T09:15:00-06:00",
        "name": "Gomez, Ana M.",
        "date_of_birth": "07/04/1961",
        "phone": "(512) 555-0142",
        "email": "Ana@Example.com",
        "zip": "78704",
        "reason": "knee replacement rehab",
        "insurance": "BCBS TX",
        "member_id": "XYZ1",
        "referred_by": "Dr. Lee",
        "preferred_location": "Round Rock",
        "preferred_contact": "sms",
        "sms_opt_in": True,
        "email_opt_in": "no",
        "message": "",
    }
    row.update(overrides)
    return row


def _line(**overrides) -> str:
    return json.dumps(form_row(**overrides))


def test_maps_fields_through_the_profile(tmp_path, ctx) -> None:
    path = tmp_path / "forms.jsonl"
    path.write_text(
        _line()
        + "\n"
        + _line(
            submission_id="WF-2", submitted_at="2025-07-01 08:00", name="Bob de la Cruz Jr", date_of_birth=""
        )
        + "\n"
    )
    parsed = parse_webforms(path, ctx)
    assert parsed.errors == []
    first, second = parsed.rows[SUBMISSIONS]
    assert (first.first_name, first.middle_name, first.last_name) == ("Ana", "M.", "Gomez")
    assert first.received_at == datetime(2025, 3, 3, 15, 15)  # offset honoured, stored as UTC
    assert first.dob == date(1961, 7, 4)
    assert (first.sms_consent, first.email_consent) == (True, False)
    assert (first.payer, first.clinic, first.source_record_id) == ("BCBS TX", "Round Rock", "WF-1")
    assert (second.last_name, second.name_suffix, second.dob) == ("de la Cruz", "Jr", None)
    assert second.received_at == datetime(2025, 7, 1, 13, 0)  # naive: America/Chicago (CDT) -> UTC
    assert json.loads(first.raw_json)["submission_id"] == "WF-1"


def test_bad_lines_are_reported_by_number(tmp_path, ctx) -> None:
    path = tmp_path / "forms.jsonl"
    path.write_text(
        "\n".join([_line(), "{oops", "[1, 2]", _line(submission_id="WF-3", submitted_at="")]) + "\n"
    )
    parsed = parse_webforms(path, ctx)
    assert len(parsed.rows[SUBMISSIONS]) == 1
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "malformed JSON"),
        (3, "not a JSON object"),
        (4, "received_at missing"),
    ]
    assert all("Gomez" not in e.reason for e in parsed.errors)


def test_missing_id_falls_back_to_file_and_line(tmp_path, ctx) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text(_line() + "\n" + _line(submission_id=None) + "\n")
    ids = [r.source_record_id for r in parse_webforms(path, ctx).rows[SUBMISSIONS]]
    assert ids == ["WF-1", "f.jsonl:2"]


def test_source_declares_one_table() -> None:
    assert WEBFORMS.name == "webforms"
    assert [t.qualified for t in WEBFORMS.tables] == ["raw.webforms_submissions"]


@pytest.mark.parametrize("columnar", ["1", "0"])
def test_blank_lines_keep_the_numbering_and_odd_ids_fall_back(tmp_path, ctx, monkeypatch, columnar) -> None:
    """White-space-only lines are skipped (not errors) and later lines keep their numbers; an id that
    is falsy in JSON (0, false, "", []) gives the file:line id, any other is its text, on both paths."""
    lines = [
        _line(submission_id=0),
        " \t ",
        "",
        _line(submission_id=False),
        "\u3000",
        _line(submission_id=[]),
        _line(submission_id=12.5),
        _line(submission_id=["a"]),
        "{oops",
    ]
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv(COLUMNAR_ENV, columnar)  # "0": the per-row reference path
    parsed = parse_webforms(path, ctx)
    ids = [r.source_record_id for r in parsed.rows[SUBMISSIONS]]
    assert ids == ["f.jsonl:1", "f.jsonl:4", "f.jsonl:6", "12.5", "['a']"]
    assert [(e.line, e.reason) for e in parsed.errors] == [(9, "malformed JSON")]
