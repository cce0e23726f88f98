"""HL7 v2 raw tables and the reference path from typed messages to their rows (one dataclass per row).

`raw.hl7v2_messages` holds every message; referrals (REF^I12), appointments (SIU) and patient updates (ADT)
each get a row in their own flat table. source_record_id = MSH-10. The ingest path builds the same rows
column by column (hl7v2_columns); this module is its reference and its fallback for uncommon messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from orchestration.ingest.hl7v2_parse import parse_hl7v2
from orchestration.ingest.hl7v2_records import (
    Hl7Diagnosis,
    Hl7Insurance,
    Hl7Merge,
    Hl7Message,
    Hl7Patient,
    Hl7Provider,
    Hl7Resource,
)
from orchestration.ingest.hl7v2_segments import Hl7Time
from orchestration.ingest.plain_id_tables import PlainIdTable
from orchestration.ingest.records import ParsedFile, RawTable
from orchestration.ingest.zstd_json_tables import ZstdJsonTable

SOURCE = "hl7v2"


@dataclass(slots=True)
class Hl7MessageRow:
    source_record_id: str
    line_number: int
    message_type: str
    trigger: str | None
    structure: str | None
    version: str | None
    sent_at: datetime | None  # naive UTC
    sending_application: str | None
    sending_facility: str | None
    kind: str  # referral | appointment | patient_update | unsupported


@dataclass(slots=True)
class Hl7PatientColumns:
    """PID flattened; shared by the three content tables (PHI except sex)."""

    patient_id: str | None
    patient_id_type: str | None
    family: str | None
    given: str | None
    middle: str | None
    dob: date | None
    sex: str | None
    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    phone: str | None


@dataclass(slots=True)
class Hl7ReferralRow(Hl7PatientColumns):
    source_record_id: str
    sent_at: datetime | None
    referral_id: str | None
    external_id: str | None
    status: str | None
    priority: str | None
    referral_type: str | None
    category: str | None
    reason: str | None
    referral_date: date | None
    expiration_date: date | None
    referring_family: str | None
    referring_given: str | None
    referring_npi: str | None
    referring_identifier: str | None
    referring_phone: str | None
    referred_to_name: str | None
    diagnosis_codes: list[str] | None
    diagnosis_texts: list[str] | None
    payer_name: str | None  # IN1-4 company, else IN1-2.2 plan name
    payer_id: str | None
    member_id: str | None
    group_number: str | None
    plan_type: str | None
    insurance_json: str | None  # every IN1 as a JSON list
    notes: list[str] | None


@dataclass(slots=True)
class Hl7AppointmentRow(Hl7PatientColumns):
    source_record_id: str
    sent_at: datetime | None
    placer_id: str | None
    filler_id: str | None
    event: str
    status: str | None
    start_at: datetime | None  # naive UTC
    start_source: str | None
    duration_min: int | None
    reason: str | None
    appointment_type: str | None
    location_code: str | None  # AIL point of care (clinic id)
    location_name: str | None
    therapist_name: str | None  # AIP "Given Family"
    therapist_npi: str | None
    resources_json: str | None
    notes: list[str] | None


@dataclass(slots=True)
class Hl7PatientUpdateRow(Hl7PatientColumns):
    source_record_id: str
    sent_at: datetime | None
    event_type: str
    prior_patient_id: str | None
    merges_json: str | None
    diagnosis_codes: list[str] | None
    payer_name: str | None
    member_id: str | None


# The messages' and appointments' ids (MSH-10, SCH-1/2: one a message or appointment) are stored
# uncompressed (PlainIdTable): DuckDB's analysis and dictionary/FSST compression of them at commit, in the
# ingest's one writing process, found little to share. Insert + commit of the 100k-lead inbox's two tables
# (240k messages) 0.94-1.12 -> 0.85-0.93 CPU-s; the two tables 17.6 -> 24.9 MB.
MESSAGES = PlainIdTable("hl7v2_messages", Hl7MessageRow)
REFERRALS = RawTable("hl7v2_referrals", Hl7ReferralRow)
# resources_json (every AIS/AIG/AIL/AIP as JSON, ~63% of the table's Arrow bytes) is kept for lineage and
# no dbt model reads it: stored zstd-compressed, insert + commit of the 20k-lead export 0.42 -> 0.35 CPU-s,
# warehouse 10.2 -> 5.0 MB.
APPOINTMENTS = ZstdJsonTable(
    "hl7v2_appointments",
    Hl7AppointmentRow,
    json_column="resources_json",
    plain_ids=("source_record_id", "placer_id", "filler_id"),
)
PATIENT_UPDATES = RawTable("hl7v2_patient_updates", Hl7PatientUpdateRow)


def to_utc(value: Hl7Time | None, zone: ZoneInfo) -> datetime | None:
    """Naive UTC: the DTM's own offset when given, else the configured zone."""
    if value is None:
        return None
    if value.offset_min is not None:
        return value.utc()
    return value.value.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _patient(p: Hl7Patient | None) -> dict[str, object]:
    if p is None:
        return dict.fromkeys(Hl7PatientColumns.__dataclass_fields__)  # type: ignore[attr-defined]
    return {
        "patient_id": p.patient_id,
        "patient_id_type": p.id_type,
        "family": p.family,
        "given": p.given,
        "middle": p.middle,
        "dob": p.dob,
        "sex": p.sex,
        "street": p.street,
        "city": p.city,
        "state": p.state,
        "zip": p.zip,
        "phone": p.phone,
    }


def _codes(diagnoses: list[Hl7Diagnosis]) -> tuple[list[str] | None, list[str] | None]:
    codes = [d.code for d in diagnoses if d.code]
    texts = [d.description for d in diagnoses if d.description]
    return codes or None, texts or None


def _payer(ins: list[Hl7Insurance]) -> Hl7Insurance | None:
    return ins[0] if ins else None


# The *_json columns hold `dataclasses.asdict` of each item, keys in field order. Built by hand because
# asdict's generic deep copy was a third of the parse time; tests check these stay equal to asdict.
def _time_dict(t: Hl7Time | None) -> dict[str, object] | None:
    if t is None:
        return None
    return {"value": t.value, "precision": t.precision, "offset_min": t.offset_min}


def _insurance_dict(i: Hl7Insurance) -> dict[str, object]:
    return {
        "plan_id": i.plan_id,
        "plan_name": i.plan_name,
        "company_name": i.company_name,
        "member_id": i.member_id,
        "group_number": i.group_number,
        "plan_type": i.plan_type,
    }


def _resource_dict(r: Hl7Resource) -> dict[str, object]:
    return {
        "kind": r.kind,
        "code": r.code,
        "name": r.name,
        "role": r.role,
        "facility": r.facility,
        "npi": r.npi,
        "start": _time_dict(r.start),
        "status": r.status,
    }


def _merge_dict(m: Hl7Merge) -> dict[str, object]:
    return {"patient_id": m.patient_id, "prior_patient_id": m.prior_patient_id}


_dumps = json.JSONEncoder(default=str, separators=(",", ":")).encode


def _json(items: list, as_dict: Callable[[Any], dict[str, object]]) -> str | None:
    return _dumps([as_dict(i) for i in items]) if items else None


def _name(p: Hl7Provider | None) -> str | None:
    if p is None:
        return None
    return " ".join(x for x in (p.given, p.family) if x) or None


def _referral(msg: Hl7Message, sent_at: datetime | None) -> Hl7ReferralRow:
    r = msg.referral
    assert r is not None
    codes, texts = _codes(r.diagnoses)
    ins = _payer(r.insurance)
    ref = r.referring
    return Hl7ReferralRow(
        **_patient(r.patient),  # type: ignore[arg-type]
        source_record_id=msg.source_record_id,
        sent_at=sent_at,
        referral_id=r.referral_id,
        external_id=r.external_id,
        status=r.status,
        priority=r.priority,
        referral_type=r.referral_type,
        category=r.category,
        reason=r.reason,
        referral_date=r.referral_date,
        expiration_date=r.expiration_date,
        referring_family=ref.family if ref else None,
        referring_given=ref.given if ref else None,
        referring_npi=ref.npi if ref else None,
        referring_identifier=ref.identifier if ref else None,
        referring_phone=ref.phone if ref else None,
        referred_to_name=_name(r.referred_to) or (r.referred_to.family if r.referred_to else None),
        diagnosis_codes=codes,
        diagnosis_texts=texts,
        payer_name=(ins.company_name or ins.plan_name) if ins else None,
        payer_id=ins.plan_id if ins else None,
        member_id=ins.member_id if ins else None,
        group_number=ins.group_number if ins else None,
        plan_type=ins.plan_type if ins else None,
        insurance_json=_json(r.insurance, _insurance_dict),
        notes=r.notes or None,
    )


def _first(resources: list[Hl7Resource], kind: str) -> Hl7Resource | None:
    return next((x for x in resources if x.kind == kind), None)


def _appointment(msg: Hl7Message, sent_at: datetime | None, zone: ZoneInfo) -> Hl7AppointmentRow:
    a = msg.appointment
    assert a is not None
    loc, person = _first(a.resources, "location"), _first(a.resources, "personnel")
    return Hl7AppointmentRow(
        **_patient(a.patient),  # type: ignore[arg-type]
        source_record_id=msg.source_record_id,
        sent_at=sent_at,
        placer_id=a.placer_id,
        filler_id=a.filler_id,
        event=a.event,
        status=a.status,
        start_at=to_utc(a.start, zone),
        start_source=a.start_source,
        duration_min=a.duration_min,
        reason=a.reason,
        appointment_type=a.appointment_type,
        location_code=loc.code if loc else None,
        location_name=(loc.facility or loc.name) if loc else None,
        therapist_name=person.name if person else None,
        therapist_npi=person.npi if person else None,
        resources_json=_json(a.resources, _resource_dict),
        notes=a.notes or None,
    )


def _patient_update(msg: Hl7Message, sent_at: datetime | None) -> Hl7PatientUpdateRow:
    u = msg.patient_update
    assert u is not None
    codes, _ = _codes(u.diagnoses)
    ins = _payer(u.insurance)
    return Hl7PatientUpdateRow(
        **_patient(u.patient),  # type: ignore[arg-type]
        source_record_id=msg.source_record_id,
        sent_at=sent_at,
        event_type=u.event_type,
        prior_patient_id=u.prior_patient_id,
        merges_json=_json(u.merges, _merge_dict),
        diagnosis_codes=codes,
        payer_name=(ins.company_name or ins.plan_name) if ins else None,
        member_id=ins.member_id if ins else None,
    )


def message_row(msg: Hl7Message, sent_at: datetime | None) -> Hl7MessageRow:
    return Hl7MessageRow(
        source_record_id=msg.source_record_id,
        line_number=msg.line,
        message_type=msg.message_type,
        trigger=msg.trigger,
        structure=msg.structure,
        version=msg.version,
        sent_at=sent_at,
        sending_application=msg.sending_application,
        sending_facility=msg.sending_facility,
        kind=msg.kind,
    )


def content_row(
    msg: Hl7Message, sent_at: datetime | None, zone: ZoneInfo
) -> tuple[RawTable, Hl7ReferralRow | Hl7AppointmentRow | Hl7PatientUpdateRow] | None:
    """The referral, appointment or patient-update row of a message, with its table (None: unsupported)."""
    if msg.referral is not None:
        return REFERRALS, _referral(msg, sent_at)
    if msg.appointment is not None:
        return APPOINTMENTS, _appointment(msg, sent_at, zone)
    if msg.patient_update is not None:
        return PATIENT_UPDATES, _patient_update(msg, sent_at)
    return None


def reference_rows(data: bytes, file_name: str, zone: ZoneInfo) -> ParsedFile:
    """Every message of one file as row dataclasses (the reference for the columnar path)."""
    result = parse_hl7v2(data, file_name)
    parsed = ParsedFile(errors=list(result.errors))
    for msg in result.records:
        sent_at = to_utc(msg.sent_at, zone)
        parsed.add(MESSAGES, message_row(msg, sent_at))
        content = content_row(msg, sent_at, zone)
        if content is not None:
            parsed.add(*content)
    return parsed
