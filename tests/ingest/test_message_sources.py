"""HL7 v2, phone, SMS, email, web, outcome and 271 sources: rows land in their raw tables; bad inputs are
quarantined or reported by line, never stopping the rest."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from orchestration.ingest.calls import CALLS, duration_seconds
from orchestration.ingest.eligibility import ELIGIBILITY
from orchestration.ingest.email import EMAIL
from orchestration.ingest.hl7v2 import HL7V2
from orchestration.ingest.outcomes import OUTCOMES_SOURCE
from orchestration.ingest.sms import SMS
from orchestration.ingest.web import WEB
from orchestration.settings import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"
IG = FIXTURES / "x12" / "implementation_guide"
CALL_LOG = (
    "Call ID,Start Time,Direction,From,To,Duration,Result,Extension\n"
    "C1,05/29/2026 03:38:38 PM,Outbound,(512) 441-0100,(512) 236-7245,0:00:26,Voicemail,110\n"
    "C2,05/30/2026 10:47:00 AM,Inbound,(512) 236-7245,(512) 441-0100,0:01:05,Call connected,105\n"
)


def test_hl7v2_flattens_every_message_kind(warehouse) -> None:
    names = ["REF-I12-01.hl7", "SIU-S12-01.hl7", "ADT-A01-01.hl7", "ADT-A08-01.hl7", "ORU-R01-01.hl7"]
    for name in names:
        warehouse.drop("hl7v2", name, (FIXTURES / "hl7v2" / name).read_bytes())
    report = warehouse.ingest(HL7V2)
    assert report.files_quarantined == 0
    kinds = dict(warehouse.query("SELECT kind, count(*) FROM raw.hl7v2_messages GROUP BY 1"))
    assert kinds == {"referral": 1, "appointment": 1, "patient_update": 2, "unsupported": 1}
    for table in ("hl7v2_referrals", "hl7v2_appointments", "hl7v2_patient_updates"):
        ids = warehouse.query(
            f"SELECT r.source_record_id FROM raw.{table} r JOIN raw.hl7v2_messages m USING (source_record_id)"
        )
        assert ids, table  # every content row keys back to its message's MSH-10


def test_hl7v2_without_msh_is_quarantined(warehouse) -> None:
    warehouse.drop("hl7v2", "notes.txt", "PID|1||123\nPV1|1|O\n")
    assert warehouse.ingest(HL7V2).quarantined == ["notes.txt"]


def test_calls_log_and_voicemails(warehouse) -> None:
    warehouse.drop("calls", "call_log_2026-05.csv", CALL_LOG)
    vm = {
        "call_id": "C1",
        "from": "+15122367245",
        "to": "+15124410100",
        "received_at": "2026-05-31T12:41:00-05:00",
        "duration_s": 32,
        "transcript": (
            "hi this is charlotte jones my date of birth is february 20 1993 call me at 512 905 0082"
        ),
    }
    warehouse.drop("calls", "voicemail_2026-05.jsonl", json.dumps(vm) + "\n{broken\n")
    report = warehouse.ingest(CALLS)
    assert (report.records, report.files_partial) == (3, 1)
    rows = warehouse.query(
        "SELECT source_record_id, direction, duration_s, started_at FROM raw.calls_log ORDER BY 1"
    )
    assert [r[:3] for r in rows] == [("C1", "outbound", 26), ("C2", "inbound", 65)]
    assert str(rows[0][3]) == "2026-05-29 20:38:38"
    ((first, last, phone, dob),) = warehouse.query(
        "SELECT first_name, last_name, phone, dob FROM raw.calls_voicemails"
    )
    assert (first, last, phone, str(dob)) == ("Charlotte", "Jones", "5129050082", "1993-02-20")
    assert (
        "bad lines 2" in warehouse.query("SELECT reason FROM raw.ingest_log WHERE status = 'partial'")[0][0]
    )


def test_call_log_with_wrong_columns_is_quarantined(warehouse) -> None:
    warehouse.drop("calls", "call_log_2026-06.csv", CALL_LOG.replace("Start Time", "When"))
    assert warehouse.ingest(CALLS).files_quarantined == 1
    assert "Start Time" in warehouse.query("SELECT reason FROM raw.ingest_log")[0][0]


@pytest.mark.parametrize(("text", "seconds"), [("0:00:26", 26), ("1:05", 65), ("65", 65), ("1:00:00", 3600)])
def test_duration_seconds(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


def test_sms_keeps_opt_keyword(warehouse) -> None:
    header = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,"
    header += "Direction,Price,PriceUnit\n"
    tail = "2010-04-01,1,,AC1"
    rows = [
        f"+15124410100,+17377766602,Hi!,delivered,2026-05-30T10:34:00-05:00,{tail},SM1,outbound-api,-0.0079,USD",
        f"+17377766602,+15124410100,Stop,received,2026-05-30T10:40:00-05:00,{tail},SM2,inbound,-0.0079,USD",
    ]
    warehouse.drop("sms", "twilio.csv", header + "\n".join(rows) + "\n")
    warehouse.ingest(SMS)
    assert warehouse.query("SELECT source_record_id, opt_keyword FROM raw.sms_messages ORDER BY 1") == [
        ("SM1", None),
        ("SM2", "stop"),
    ]


def test_email_pulls_lead_id_out_of_custom_args(warehouse) -> None:
    events = [
        {
            "email": "a@example.com",
            "timestamp": 1780328580,
            "event": "open",
            "sg_event_id": "e1",
            "lead_id": "L1",
            "campaign": 7,
        },
        {"email": "a@example.com", "timestamp": 1780328590, "event": "delivered", "sg_event_id": "e2"},
    ]
    warehouse.drop("email", "events.json", json.dumps(events))
    shutil.copy(
        FIXTURES / "sendgrid" / "sendgrid_doc_examples_2021.json", warehouse.inbox / "email" / "docs.json"
    )
    report = warehouse.ingest(EMAIL)
    assert report.files_quarantined == 0
    rows = warehouse.query(
        "SELECT lead_id, custom_args_json FROM raw.email_events "
        "WHERE source_record_id IN ('e1', 'e2') ORDER BY source_record_id"
    )
    assert rows[0][0] == "L1" and json.loads(rows[0][1]) == {"lead_id": "L1", "campaign": "7"}
    assert rows[1] == (None, None)


def test_web_events_and_malformed_lines(warehouse) -> None:
    good = {
        "event_id": "w1",
        "ts": "2026-05-31T23:43:29Z",
        "event": "booking_started",
        "token": "t1",
        "url": "https://x/",
    }
    warehouse.drop(
        "web", "web.jsonl", json.dumps(good) + "\nnot json\n" + json.dumps({**good, "event_id": "w2"}) + "\n"
    )
    report = warehouse.ingest(WEB)
    assert (report.records, report.files_partial) == (2, 1)
    assert "bad lines 2" in warehouse.query("SELECT reason FROM raw.ingest_log")[0][0]


def test_outcomes_keep_good_lines(warehouse) -> None:
    line = {
        "outcome_id": "o1",
        "lead_id": "L1",
        "at": "2026-06-01T15:00:00Z",
        "user": "maria",
        "outcome": "scheduled",
        "note": "",
    }
    bad = {**line, "outcome_id": "o2", "outcome": "teleported"}
    warehouse.drop("outcomes", "outcomes.jsonl", "\n".join([json.dumps(line), json.dumps(bad), "{"]) + "\n")
    report = warehouse.ingest(OUTCOMES_SOURCE)
    assert (report.records, report.files_partial) == (1, 1)
    assert warehouse.query("SELECT source_record_id, outcome, note FROM raw.outcomes") == [
        ("o1", "scheduled", None)
    ]
    assert warehouse.query("SELECT reason FROM raw.ingest_log")[0][0].startswith("bad lines 2, 3")


def test_empty_files_are_quarantined_for_every_new_source(warehouse) -> None:
    for source, name in [
        (HL7V2, "a.hl7"),
        (CALLS, "voicemail.jsonl"),
        (SMS, "t.csv"),
        (EMAIL, "e.json"),
        (WEB, "w.jsonl"),
        (ELIGIBILITY, "r.271"),
        (OUTCOMES_SOURCE, "o.jsonl"),
    ]:
        warehouse.drop(source.name, name, "")
        assert warehouse.ingest(source).quarantined == [name], source.name


def test_271_conformance_files_load_one_row_per_answer(warehouse) -> None:
    for path in sorted(IG.glob("*.271")):
        warehouse.drop("eligibility", path.name, path.read_bytes())
    report = warehouse.ingest(ELIGIBILITY)
    assert report.files_quarantined == 0
    rows = warehouse.query(
        "SELECT source_file, rejection_code FROM raw.eligibility_responses WHERE rejection_code IS NOT NULL"
    )
    assert any("error" in f for f, _ in rows)  # the AAA example keeps its rejection
    partial = warehouse.query("SELECT file FROM raw.ingest_log WHERE status = 'partial'")
    assert all(
        "control numbers" in r
        for r in [x[0] for x in warehouse.query("SELECT reason FROM raw.ingest_log WHERE status = 'partial'")]
    )
    assert len(partial) <= 1  # only the IG example whose SE02 differs from ST02


def test_271_with_wrong_segment_count_is_quarantined(warehouse) -> None:
    text = (IG / "src_tests_resources_271_005010X279A1_subscriber.271").read_text()
    broken = re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m.group(1)) + 3}*", text, count=1)
    assert broken != text
    warehouse.drop("eligibility", "bad.271", broken)
    report = warehouse.ingest(ELIGIBILITY)
    assert report.quarantined == ["bad.271"]
    assert "SE01" in warehouse.query("SELECT reason FROM raw.ingest_log")[0][0]
