"""HL7 v2 segments -> typed referral, appointment and patient-update content (see hl7v2_records)."""

from __future__ import annotations

from orchestration.ingest.hl7v2_records import (
    Hl7Appointment,
    Hl7Diagnosis,
    Hl7Insurance,
    Hl7Merge,
    Hl7Patient,
    Hl7PatientUpdate,
    Hl7Provider,
    Hl7Referral,
    Hl7Resource,
)
from orchestration.ingest.hl7v2_segments import Encoding, Segment, component, digits, parse_date, parse_dtm
from orchestration.npi import is_valid_npi

_NPI_MARKS = ("NPI", "2.16.840.1.113883.4.6")
SIU_EVENTS = {
    "S12": "booked",
    "S13": "rescheduled",
    "S14": "modified",
    "S15": "cancelled",
    "S16": "discontinued",
    "S17": "deleted",
    "S18": "modified",
    "S19": "modified",
    "S20": "cancelled",
    "S21": "discontinued",
    "S22": "deleted",
    "S23": "blocked",
    "S24": "opened",
    "S25": "query",
    "S26": "noshow",
}
_STATUS_NAMES = {"dc": "discontinued"}  # HL7 table 0278 abbreviates only this one
_UNIT_MINUTES = {"s": 1 / 60, "sec": 1 / 60, "min": 1, "m": 1, "h": 60, "hr": 60, "hour": 60, "d": 1440}


def _first(segments: list[Segment], name: str) -> Segment | None:
    return next((s for s in segments if s.name == name), None)


def _named(segments: list[Segment], name: str) -> list[Segment]:
    return [s for s in segments if s.name == name]


def _xtn(rep: str, enc: Encoding) -> str | None:
    """A phone number: area + local (XTN.6/.7) when both are given, else XTN.1, else XTN.12."""
    area, local = component(rep, enc, 6), component(rep, enc, 7)
    if area and local:
        return digits(area + local)
    return digits(component(rep, enc, 1)) or digits(component(rep, enc, 12)) or digits(local)


def _first_phone(seg: Segment, n: int) -> str | None:
    return next((p for p in (_xtn(r, seg.enc) for r in seg.reps(n)) if p), None)


def _patient(pid: Segment | None) -> Hl7Patient | None:
    if pid is None:
        return None
    id_field = 3 if pid.get(3) else 2
    street_parts = [pid.get(11, 1, sub) for sub in (1, 2, 3)]
    street = " ".join(p for p in street_parts if p) or None
    other = pid.get(11, 2)
    return Hl7Patient(
        patient_id=pid.get(id_field),
        id_type=pid.get(id_field, 5),
        family=pid.get(5, 1, 1),
        given=pid.get(5, 2),
        middle=pid.get(5, 3),
        dob=parse_date(pid.get(7)),
        sex=pid.get(8),
        street=", ".join(p for p in (street, other) if p) or None,
        city=pid.get(11, 3),
        state=pid.get(11, 4),
        zip=pid.get(11, 5),
        country=pid.get(11, 6),
        phone=_first_phone(pid, 13),
    )


def _npi_from(rep: str, enc: Encoding, id_comp: int, type_comps: tuple[int, ...]) -> str | None:
    value = component(rep, enc, id_comp)
    if not value:
        return None
    marks = [component(rep, enc, c, s) for c in type_comps for s in (1, 2)]
    if any(m in _NPI_MARKS for m in marks if m) or (value.isdigit() and is_valid_npi(value)):
        return value
    return None


def _prd(prd: Segment) -> Hl7Provider:
    enc = prd.enc
    name_rep = (prd.reps(2) or [""])[0]
    # Some senders put an XCN (id^family^given) in PRD-2 instead of an XPN.
    lead = component(name_rep, enc, 1)
    xcn = bool(lead) and lead.isdigit() and is_valid_npi(lead)
    ids = prd.reps(7)
    npi = next((n for n in (_npi_from(r, enc, 1, (2,)) for r in ids) if n), None)
    return Hl7Provider(
        role=prd.get(1),
        family=component(name_rep, enc, 2 if xcn else 1, 1),
        given=component(name_rep, enc, 3 if xcn else 2),
        npi=npi or (lead if xcn else None),
        identifier=prd.get(7) or (lead if xcn else None),
        phone=_first_phone(prd, 5),
    )


def _xcn_provider(role: str | None, rep: str, enc: Encoding) -> Hl7Provider:
    return Hl7Provider(
        role=role,
        family=component(rep, enc, 2, 1),
        given=component(rep, enc, 3),
        npi=_npi_from(rep, enc, 1, (9, 13)),
        identifier=component(rep, enc, 1),
        phone=None,
    )


def _rol(rol: Segment) -> Hl7Provider | None:
    person = (rol.reps(4) or [None])[0]
    if person is None:
        return None
    provider = _xcn_provider(rol.get(3), person, rol.enc)
    provider.phone = _first_phone(rol, 12)
    return provider


def _diagnoses(segments: list[Segment]) -> list[Hl7Diagnosis]:
    out = []
    for dg1 in _named(segments, "DG1"):
        code = dg1.get(3)
        if code:
            out.append(Hl7Diagnosis(code, dg1.get(3, 2) or dg1.get(4), dg1.get(3, 3) or dg1.get(2)))
    return out


def _insurance(segments: list[Segment]) -> list[Hl7Insurance]:
    return [
        Hl7Insurance(
            plan_id=in1.get(2),
            plan_name=in1.get(2, 2),
            company_name=in1.get(4),
            member_id=in1.get(36) or in1.get(49),
            group_number=in1.get(8),
            plan_type=in1.get(15),
        )
        for in1 in _named(segments, "IN1")
    ]


def _notes(segments: list[Segment]) -> list[str]:
    """NTE-3 texts; some senders shift the text into NTE-2 (source of comment, a one-letter code)."""
    notes = []
    for nte in _named(segments, "NTE"):
        text = nte.get(3) or (nte.get(2) if len(nte.get(2) or "") > 2 else None)
        if text:
            notes.append(text)
    return notes


def extract_referral(segments: list[Segment]) -> Hl7Referral:
    rf1 = _first(segments, "RF1")
    providers = [_prd(p) for p in _named(segments, "PRD")]
    referring = next((p for p in providers if (p.role or "").upper() == "RP"), None)
    if referring is None:
        roles = (_rol(r) for r in _named(segments, "ROL"))
        referring = next((p for p in roles if p and (p.role or "").upper() == "RP"), None)

    def rf(n: int, comp: int = 1) -> str | None:
        return rf1.get(n, comp) if rf1 else None

    return Hl7Referral(
        referral_id=rf(6),
        external_id=rf(11),
        status=rf(1),
        priority=rf(2),
        referral_type=rf(3),
        category=rf(5),
        reason=rf(10, 2) or rf(10),
        referral_date=parse_date(rf(7)),
        expiration_date=parse_date(rf(8)),
        patient=_patient(_first(segments, "PID")),
        referring=referring,
        referred_to=next((p for p in providers if (p.role or "").upper() == "RT"), None),
        diagnoses=_diagnoses(segments),
        insurance=_insurance(segments),
        notes=_notes(segments),
    )


def _minutes(amount: str | None, unit: str | None) -> int | None:
    if not amount:
        return None
    try:
        value = float(amount)
    except ValueError:
        return None
    key = (unit or "min").strip().lower()
    factor = _UNIT_MINUTES.get(key, _UNIT_MINUTES.get(key.rstrip("s")))  # "mins", "hours"
    return round(value * factor) if factor is not None else None


_RESOURCE_FIELDS = {  # segment: (kind, start field, duration field, status field)
    "AIS": ("service", 4, 7, 10),
    "AIG": ("equipment", 8, 11, 14),
    "AIL": ("location", 6, 9, 12),
    "AIP": ("personnel", 6, 9, 12),
}


def _resource(seg: Segment) -> Hl7Resource:
    kind, start_f, _, status_f = _RESOURCE_FIELDS[seg.name]
    status = seg.get(status_f)
    common = {"start": parse_dtm(seg.get(start_f)), "status": status.lower() if status else None}
    if seg.name == "AIP":
        rep = (seg.reps(3) or [""])[0]
        name = " ".join(p for p in (component(rep, seg.enc, 3), component(rep, seg.enc, 2, 1)) if p)
        return Hl7Resource(
            kind,
            component(rep, seg.enc, 1),
            name or None,
            seg.get(4, 2) or seg.get(4),
            None,
            _npi_from(rep, seg.enc, 1, (9, 13)),
            **common,
        )
    if seg.name == "AIL":  # PL: point of care ^ room ^ bed ^ facility; some senders use & inside PL.1
        room = seg.get(3, 2) or seg.get(3, 1, 2)
        role = seg.get(4, 2) or seg.get(4)
        return Hl7Resource(kind, seg.get(3), room, role, seg.get(3, 4), None, **common)
    role = (seg.get(4, 2) or seg.get(4)) if seg.name == "AIG" else None  # AIS-4 is the start, not a type
    return Hl7Resource(kind, seg.get(3), seg.get(3, 2), role, None, None, **common)


def extract_appointment(segments: list[Segment], trigger: str, version: str | None) -> Hl7Appointment:
    sch = _first(segments, "SCH")
    tq1 = _first(segments, "TQ1")
    resources = [_resource(s) for s in segments if s.name in _RESOURCE_FIELDS]
    legacy = bool(version) and version < "2.5"  # before 2.5, SCH-11 (TQ) is where timing lives
    candidates = []
    tq_start = parse_dtm(tq1.get(7)) if tq1 else None
    sch_start = parse_dtm(sch.get(11, 4)) if sch else None
    res_start = next(((r.start, r) for r in resources if r.start), (None, None))
    if tq_start:
        candidates.append((tq_start, "TQ1-7"))
    if legacy and sch_start:
        candidates.insert(0, (sch_start, "SCH-11.4"))
    if res_start[0]:
        seg_name = {"service": "AIS-4", "equipment": "AIG-8", "location": "AIL-6", "personnel": "AIP-6"}
        candidates.append((res_start[0], seg_name[res_start[1].kind]))
    if sch_start:
        candidates.append((sch_start, "SCH-11.4"))
    start, start_source = candidates[0] if candidates else (None, None)
    duration = _duration(sch, tq1, segments, legacy)
    status = sch.get(25) if sch else None
    status = status or next((r.status for r in resources if r.status), None)
    return Hl7Appointment(
        placer_id=sch.get(1) if sch else None,
        filler_id=sch.get(2) if sch else None,
        event=SIU_EVENTS[trigger],
        status=_STATUS_NAMES.get(status.lower(), status.lower()) if status else None,
        start=start,
        start_source=start_source,
        duration_min=duration,
        reason=(sch.get(7, 2) or sch.get(7)) if sch else None,
        appointment_type=(sch.get(8, 2) or sch.get(8)) if sch else None,
        patient=_patient(_first(segments, "PID")),
        resources=resources,
        notes=_notes(segments),
    )


def _duration(sch: Segment | None, tq1: Segment | None, segments: list[Segment], legacy: bool) -> int | None:
    """Minutes. v2.5+: TQ1-13, the first resource duration, TQ1 end - start, then SCH-9/10.
    Before 2.5 SCH-9/10 comes first: it was the appointment's own duration field then."""
    sch_minutes = _minutes(sch.get(9), sch.get(10, 1) or sch.get(10, 2)) if sch else None
    if legacy and sch_minutes is not None:
        return sch_minutes
    if tq1 and (explicit := _minutes(tq1.get(13), tq1.get(13, 2))) is not None:
        return explicit
    for seg in segments:
        if seg.name in _RESOURCE_FIELDS:
            dur_f = _RESOURCE_FIELDS[seg.name][2]
            minutes = _minutes(seg.get(dur_f), seg.get(dur_f + 1))
            if minutes is not None:
                return minutes
    if tq1:
        start, end = parse_dtm(tq1.get(7)), parse_dtm(tq1.get(8))
        if start and end and (start.offset_min is None) == (end.offset_min is None):
            begin = start.utc() or start.value
            finish = end.utc() or end.value
            return round((finish - begin).total_seconds() / 60)
    return sch_minutes


def extract_patient_update(segments: list[Segment], trigger: str) -> Hl7PatientUpdate:
    evn = _first(segments, "EVN")
    merges: list[Hl7Merge] = []
    current: str | None = None
    for seg in segments:
        if seg.name == "PID":
            current = _patient(seg).patient_id if seg else None
        elif seg.name == "MRG":
            merges.append(Hl7Merge(current, seg.get(1)))
    event = (evn.get(1) if evn else None) or trigger
    return Hl7PatientUpdate(
        event_type=event.upper(),
        patient=_patient(_first(segments, "PID")),
        prior_patient_id=merges[0].prior_patient_id if merges else None,
        merges=merges,
        diagnoses=_diagnoses(segments),
        insurance=_insurance(segments),
    )
