"""Typed records extracted from HL7 v2 messages (REF referrals, SIU appointments, ADT patient updates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from orchestration.ingest.hl7v2_segments import Hl7Time


@dataclass(slots=True)
class Hl7Patient:
    """PID. Every field is PHI except sex."""

    patient_id: str | None  # PID-3 first identifier (PID-2 when PID-3 is empty)
    id_type: str | None  # PID-3.5, e.g. MR
    family: str | None  # PID-5.1.1
    given: str | None  # PID-5.2
    middle: str | None  # PID-5.3
    dob: date | None  # PID-7
    sex: str | None  # PID-8 (F, M, O, U, ...)
    street: str | None  # PID-11.1 (+ .2 other designation joined with ", ")
    city: str | None
    state: str | None
    zip: str | None  # PID-11.5 as written (ZIP, ZIP+4 or a foreign postcode)
    country: str | None
    phone: str | None  # PID-13 first number, digits only


@dataclass(slots=True)
class Hl7Provider:
    role: str | None  # PRD-1 / ROL-3 code, e.g. RP (referring), RT (referred to)
    family: str | None
    given: str | None
    npi: str | None  # only when the message marks the identifier as an NPI or it passes the check digit
    identifier: str | None  # first provider identifier of any kind
    phone: str | None


@dataclass(slots=True)
class Hl7Diagnosis:
    code: str  # DG1-3.1, e.g. M17.11
    description: str | None  # DG1-3.2 or DG1-4
    coding_system: str | None  # DG1-3.3 or DG1-2: I10, ICD10, I9, SCT, ...


@dataclass(slots=True)
class Hl7Insurance:
    plan_id: str | None  # IN1-2.1
    plan_name: str | None  # IN1-2.2
    company_name: str | None  # IN1-4.1
    member_id: str | None  # PHI: IN1-36 policy number, else IN1-49.1 insured's id
    group_number: str | None  # IN1-8
    plan_type: str | None  # IN1-15


@dataclass(slots=True)
class Hl7Referral:
    referral_id: str | None  # RF1-6.1 originating referral identifier
    external_id: str | None  # RF1-11.1
    status: str | None  # RF1-1.1 (HL7 0283: A accepted, P pending, R rejected, E expired)
    priority: str | None  # RF1-2.1 (0280: S stat, A asap, R routine)
    referral_type: str | None  # RF1-3.1 (0281: Med, Lab, Rad, ...)
    category: str | None  # RF1-5.1 (0284: I inpatient, O outpatient, A ambulatory, E emergency)
    reason: str | None  # RF1-10 text (code when no text)
    referral_date: date | None  # RF1-7 effective date
    expiration_date: date | None  # RF1-8
    patient: Hl7Patient | None
    referring: Hl7Provider | None  # PRD with role RP, else ROL with role RP
    referred_to: Hl7Provider | None  # PRD with role RT
    diagnoses: list[Hl7Diagnosis] = field(default_factory=list)
    insurance: list[Hl7Insurance] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # NTE-3 texts, in order


@dataclass(slots=True)
class Hl7Resource:
    kind: str  # service (AIS) | equipment (AIG) | location (AIL) | personnel (AIP)
    code: str | None  # service code, resource id, point of care, or provider id
    name: str | None  # service text, resource name, room, or "Given Family"
    role: str | None  # resource type / location type / personnel role text
    facility: str | None  # AIL-3.4
    npi: str | None  # AIP when the id is marked as (or checks as) an NPI
    start: Hl7Time | None
    status: str | None  # filler status code of the resource, lower case


@dataclass(slots=True)
class Hl7Appointment:
    placer_id: str | None  # SCH-1.1
    filler_id: str | None  # SCH-2.1
    event: str  # from the trigger: booked, rescheduled, modified, cancelled, discontinued, deleted, noshow
    status: str | None  # SCH-25 (else first resource status) lower case: booked, cancelled, noshow, dc, ...
    start: Hl7Time | None
    start_source: str | None  # which field gave the start: TQ1-7, SCH-11.4, AIS-4, AIG-8, AIL-6, AIP-6
    duration_min: int | None
    reason: str | None  # SCH-7 text or code
    appointment_type: str | None  # SCH-8 text or code
    patient: Hl7Patient | None
    resources: list[Hl7Resource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Hl7Merge:
    patient_id: str | None  # surviving id (PID-3)
    prior_patient_id: str | None  # MRG-1.1, the id merged away


@dataclass(slots=True)
class Hl7PatientUpdate:
    event_type: str  # A01..A60 (EVN-1, else the MSH-9 trigger)
    patient: Hl7Patient | None
    prior_patient_id: str | None  # first MRG-1.1 (A40 and other merge/move events)
    merges: list[Hl7Merge] = field(default_factory=list)  # every PID/MRG pair, in order
    diagnoses: list[Hl7Diagnosis] = field(default_factory=list)
    insurance: list[Hl7Insurance] = field(default_factory=list)


@dataclass(slots=True)
class Hl7Message:
    source_record_id: str  # MSH-10 control id
    line: int  # line of its MSH in the file (1-based)
    message_type: str  # MSH-9.1, e.g. REF
    trigger: str | None  # MSH-9.2, e.g. I12
    structure: str | None  # MSH-9.3, e.g. REF_I12
    version: str | None  # MSH-12.1, e.g. 2.5.1
    sent_at: Hl7Time | None  # MSH-7
    sending_application: str | None  # MSH-3.1
    sending_facility: str | None  # MSH-4.1
    kind: str  # referral | appointment | patient_update | unsupported
    referral: Hl7Referral | None = None
    appointment: Hl7Appointment | None = None
    patient_update: Hl7PatientUpdate | None = None
