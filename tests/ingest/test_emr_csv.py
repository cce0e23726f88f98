"""EMR CSV reports through the shipped WebPT-, Raintree- and Prompt-style profiles, and their bad inputs."""

from __future__ import annotations

import shutil
from datetime import date, datetime

from orchestration.ingest.emr_csv import APPOINTMENTS, EMR_CSV, REFERRALS, parse_emr_csv
from orchestration.settings import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "emr_csv"


def _parse(tmp_path, name, ctx):
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    return parse_emr_csv(path, ctx)


def test_raintree_referrals(tmp_path, ctx) -> None:
    parsed = _parse(tmp_path, "Raintree_Referrals_2025-03.csv", ctx)
    assert parsed.errors == []
    ana, bob = parsed.rows[REFERRALS]
    assert (ana.source_record_id, ana.patient_ref, ana.profile) == (
        "RC-1001",
        "A7781",
        "raintree_referral_report",
    )
    assert (ana.first_name, ana.middle_name, ana.last_name) == ("Ana", "M.", "Gomez")
    assert ana.dob == date(1961, 7, 4)
    assert ana.received_at == datetime(2025, 3, 3, 15, 15)  # 09:15 CST -> UTC
    assert ana.diagnosis_codes == ["M17.11", "M25.561"]
    assert (ana.post_op, ana.surgery_date, ana.urgency) == (True, date(2025, 2, 20), "urgent")
    assert (bob.last_name, bob.name_suffix, bob.zip, bob.urgency) == (
        "de la Cruz",
        "Jr",
        "78613-1234",
        "routine",
    )
    assert bob.received_at == datetime(2025, 3, 4, 22, 40)


def test_raintree_appointments_use_the_values_map(tmp_path, ctx) -> None:
    parsed = _parse(tmp_path, "Raintree_Appointments_2025-03.csv", ctx)
    assert parsed.errors == []
    rows = parsed.rows[APPOINTMENTS]
    assert [(r.appointment_type, r.status) for r in rows] == [
        ("eval", "fulfilled"),
        ("visit", "noshow"),
        ("visit", "cancelled"),
    ]
    assert [r.duration_min for r in rows] == [60, 45, 45]
    assert rows[0].start_at == datetime(2025, 3, 5, 14, 30)
    assert (rows[1].status_raw, rows[0].type_raw) == ("No Show", "Initial Evaluation")
    assert rows[2].patient_ref == "A7782"


def test_prompt_referrals_and_visits(tmp_path, ctx) -> None:
    refs = _parse(tmp_path, "Prompt_Referrals_2025-03.csv", ctx)
    assert refs.errors == []
    maria, james = refs.rows[REFERRALS]
    assert (maria.first_name, maria.last_name, maria.dob) == ("Maria", "Lopez", date(1982, 8, 4))
    assert maria.received_at == datetime(2025, 3, 15, 19, 5)  # CDT from 9 March
    assert (maria.post_op, james.post_op) == (True, False)
    assert (james.last_name, james.patient_ref, james.diagnosis_codes) == ("O'Brien", "P-502", ["S83.511A"])
    visits = _parse(tmp_path, "Prompt_Visits_2025-03.csv", ctx).rows[APPOINTMENTS]
    assert [(v.appointment_type, v.status) for v in visits] == [
        ("eval", "fulfilled"),
        ("visit", "noshow"),
        ("eval", "booked"),
    ]


def test_file_no_profile_matches_is_quarantined(warehouse) -> None:
    warehouse.drop("emr_csv", "Some_Other_Export.csv", "a,b\n1,2\n")
    report = warehouse.ingest(EMR_CSV)
    assert report.quarantined == ["Some_Other_Export.csv"]
    reason = (warehouse.quarantine / "emr_csv" / "Some_Other_Export.csv.reason.txt").read_text()
    assert "no mapping profile" in reason


def test_missing_column_is_quarantined_with_its_name(warehouse) -> None:
    text = (FIXTURES / "Prompt_Visits_2025-03.csv").read_text().replace("visit_status", "state")
    warehouse.drop("emr_csv", "Prompt_Visits_2025-04.csv", text)
    report = warehouse.ingest(EMR_CSV)
    assert report.files_quarantined == 1
    reason = warehouse.query("SELECT reason FROM raw.ingest_log")[0][0]
    assert "visit_status" in reason and "prompt_appointment_report" in reason


def test_non_utf8_csv_is_quarantined(warehouse) -> None:
    data = (FIXTURES / "Raintree_Referrals_2025-03.csv").read_bytes().replace(b"Gomez", b"G\xf3mez")
    warehouse.drop("emr_csv", "Raintree_Referrals_2025-04.csv", data)
    report = warehouse.ingest(EMR_CSV)
    assert report.files_quarantined == 1
    assert "UTF-8" in warehouse.query("SELECT reason FROM raw.ingest_log")[0][0]


def test_short_row_and_bad_date_are_line_errors_and_the_rest_lands(warehouse) -> None:
    lines = (FIXTURES / "Raintree_Appointments_2025-03.csv").read_text().splitlines()
    lines.insert(2, "RA-X,A1,short row")
    lines.append(lines[1].replace("RA-1", "RA-9").replace("2025-03-05 08:30", "tomorrow"))
    warehouse.drop("emr_csv", "Raintree_Appointments_2025-04.csv", "\n".join(lines) + "\n")
    report = warehouse.ingest(EMR_CSV)
    assert (report.records, report.files_partial) == (3, 1)
    status, reason = warehouse.query("SELECT status, reason FROM raw.ingest_log")[0]
    assert status == "partial" and reason.startswith("bad lines 3, 6")
    assert "tomorrow" not in reason  # values never reach the log


def test_ingests_once_by_content(warehouse) -> None:
    for name in ("Raintree_Referrals_2025-03.csv", "Prompt_Visits_2025-03.csv"):
        warehouse.drop("emr_csv", name, (FIXTURES / name).read_bytes())
    first = warehouse.ingest(EMR_CSV)
    second = warehouse.ingest(EMR_CSV)
    assert (first.records, second.records, second.files_skipped) == (5, 0, 2)
    assert warehouse.query("SELECT count(*) FROM raw.emr_csv_referrals")[0][0] == 2
