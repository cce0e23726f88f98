"""Formats of the reference run against the contracts and the real samples' shapes."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from generator_support import read_csv

from orchestration.npi import is_valid_npi

pytestmark = pytest.mark.slow

TWILIO_COLUMNS = [
    "From",
    "To",
    "Body",
    "Status",
    "SentDate",
    "ApiVersion",
    "NumSegments",
    "ErrorCode",
    "AccountSid",
    "Sid",
    "Direction",
    "Price",
    "PriceUnit",
]
SENDGRID_EVENTS = {
    "processed",
    "delivered",
    "deferred",
    "bounce",
    "dropped",
    "open",
    "click",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "rtype", ["Patient", "ServiceRequest", "Coverage", "Appointment", "Practitioner", "Location"]
)
def test_fhir_resources_validate_as_r4b(practice_2000: Path, rtype: str) -> None:
    model = getattr(importlib.import_module(f"fhir.resources.R4B.{rtype.lower()}"), rtype)
    resources = lines(practice_2000 / "inbox" / "fhir" / f"{rtype}.ndjson")
    assert resources
    for obj in resources[:: max(1, len(resources) // 150)]:
        model.model_validate(obj)
    ids = [r["id"] for r in resources]
    assert len(set(ids)) == len(ids)


def test_fhir_referrals_carry_npi_icd_and_pt_code(practice_2000: Path) -> None:
    fhir = practice_2000 / "inbox" / "fhir"
    practitioners = {p["id"]: p for p in lines(fhir / "Practitioner.ndjson")}
    for p in practitioners.values():
        npi = p["identifier"][0]
        assert npi["system"] == "http://hl7.org/fhir/sid/us-npi" and is_valid_npi(npi["value"])
    icd = importlib.import_module("simple_icd_10_cm")
    for sr in lines(fhir / "ServiceRequest.ndjson"):
        assert sr["intent"] == "order" and sr["status"] == "active"
        assert sr["code"]["coding"][0]["code"] == "91251008"
        for reason in sr["reasonCode"]:
            coding = reason["coding"][0]
            assert coding["system"] == "http://hl7.org/fhir/sid/icd-10-cm" and icd.is_valid_item(
                coding["code"]
            )
        if "requester" in sr:
            assert sr["requester"]["reference"].removeprefix("Practitioner/") in practitioners


def test_webform_lines_map_through_the_generic_profile(practice_2000: Path) -> None:
    profile = yaml.safe_load((practice_2000 / "config" / "profiles" / "generic_webform.yaml").read_text())
    expected = set(profile["columns"].values()) | {profile["id"]}
    rows = [row for f in sorted((practice_2000 / "inbox" / "webforms").glob("*.jsonl")) for row in lines(f)]
    assert rows
    for row in rows:
        assert set(row) == expected
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", row["submitted_at"])
        assert row["date_of_birth"] == "" or re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", row["date_of_birth"])
    assert any(r["date_of_birth"] == "" for r in rows)
    assert len({re.sub(r"\d", "9", r["phone"]) for r in rows}) >= 4  # several phone formats


def test_twilio_log_has_exactly_the_contract_columns(practice_2000: Path) -> None:
    files = sorted((practice_2000 / "inbox" / "sms").glob("*.csv"))
    rows = []
    for f in files:
        assert f.read_text().splitlines()[0] == ",".join(TWILIO_COLUMNS)
        rows += read_csv(f)
    assert all(re.fullmatch(r"SM[0-9a-f]{32}", r["Sid"]) for r in rows)
    assert {r["Direction"] for r in rows} == {"inbound", "outbound-api", "outbound-reply"}
    assert {"30003", "30006"} <= {r["ErrorCode"] for r in rows}
    assert any(r["Body"].strip().upper() in ("STOP", "UNSUBSCRIBE", "STOPALL") for r in rows)
    assert all(r["From"].startswith("+1") and r["To"].startswith("+1") for r in rows)


def test_sendgrid_events_have_the_contract_fields(practice_2000: Path) -> None:
    files = sorted((practice_2000 / "inbox" / "email").iterdir())
    assert {f.suffix for f in files} == {".json", ".jsonl"}  # arrays and JSON Lines
    events = []
    for f in files:
        events += json.loads(f.read_text()) if f.suffix == ".json" else lines(f)
    assert {e["event"] for e in events} == SENDGRID_EVENTS
    for e in events:
        assert isinstance(e["timestamp"], int) and e["email"] and e["sg_event_id"] and e["sg_message_id"]
        assert isinstance(e["category"], str | list) and e["lead_id"].startswith("L")
        if e["event"] == "bounce":
            assert e["reason"] and e["status"] and e["type"] in ("bounce", "blocked")
        if e["event"] == "click":
            assert e["url"].startswith("https://")


def test_web_tokens_come_from_links_sent_to_leads(practice_2000: Path) -> None:
    inbox = practice_2000 / "inbox"
    sent = set()
    for f in (inbox / "sms").glob("*.csv"):
        sent |= {m for r in read_csv(f) for m in re.findall(r"[?&]t=(\w+)", r["Body"])}
    for f in (inbox / "email").iterdir():
        events = json.loads(f.read_text()) if f.suffix == ".json" else lines(f)
        sent |= {m for e in events if "url" in e for m in re.findall(r"[?&]t=(\w+)", e["url"])}
    web = [e for f in (inbox / "web").glob("*.jsonl") for e in lines(f)]
    tokens = {e["token"] for e in web if e["token"] is not None}
    assert tokens and tokens <= sent
    assert {e["event"] for e in web} == {
        "page_view",
        "scheduling_view",
        "booking_started",
        "booking_completed",
    }


def test_hl7_files_vary_framing_and_hold_ref_and_siu(practice_2000: Path) -> None:
    files = [p.read_bytes() for p in sorted((practice_2000 / "inbox" / "hl7v2").glob("*.hl7"))]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in files)
    assert any(b.startswith(b"\x0b") and b"\x1c\r" in b for b in files)
    assert any(b.startswith(b"MSH|") for b in files)
    text = b"".join(files).decode("utf-8-sig")
    assert "\n" not in text
    for trigger in ("REF^I12", "SIU^S12", "SIU^S15", "SIU^S26"):
        assert f"|{trigger}^" in text, trigger
    assert "|2.5.1|" in text


def test_voicemail_transcripts_are_spoken(practice_2000: Path) -> None:
    vms = [v for f in (practice_2000 / "inbox" / "calls").glob("voicemail*.jsonl") for v in lines(f)]
    assert vms and all(
        set(v) == {"call_id", "from", "to", "received_at", "duration_s", "transcript"} for v in vms
    )
    texts = " ".join(v["transcript"] for v in vms).lower()
    assert "five" in texts or "two" in texts  # numbers spoken as words
    assert "date of birth" in texts and "referred by" in texts


def test_vendor_profiles_shipped_in_config_match_the_generator() -> None:
    from orchestration.generator import profiles_for
    from orchestration.settings import REPO_ROOT

    for name, text in profiles_for("America/Chicago").items():
        assert (REPO_ROOT / "config" / "profiles" / name).read_text() == text
