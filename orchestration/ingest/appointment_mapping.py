"""Turn one row of a profile-mapped appointment report into a typed appointment (canonical type/status)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from orchestration.ingest.person_names import split_full_name
from orchestration.ingest.profile_mapping import (
    RowError,
    clean_text,
    mapped_field,
    parse_date,
    parse_timestamp,
)
from orchestration.ingest.profiles import MappingProfile

STATUSES = ("booked", "arrived", "fulfilled", "cancelled", "noshow")
# Words EMRs use, when the profile's `values:` map does not say (checked in order, first match wins).
_STATUS_WORDS = (
    (re.compile(r"no[\s_-]*show|did not (show|arrive)|\bdna\b|missed"), "noshow"),
    (re.compile(r"cancel|resched|deleted|void"), "cancelled"),
    (re.compile(r"checked[\s_-]*out|complete|fulfil|attended|seen|kept|billed|signed"), "fulfilled"),
    (re.compile(r"arriv|checked[\s_-]*in|in[\s_-]*progress|roomed"), "arrived"),
    (re.compile(r"book|sched|confirm|pending|unconfirmed|new"), "booked"),
)


@dataclass(slots=True)
class MappedAppointment:
    source_record_id: str
    line_number: int
    profile: str
    appointment_id: str | None
    patient_ref: str | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    dob: date | None
    phone: str | None
    email: str | None
    clinic: str | None
    therapist: str | None
    start_at: datetime | None  # naive UTC
    duration_min: int | None
    appointment_type: str | None  # eval | visit
    type_raw: str | None
    status: str | None  # one of STATUSES, None when the vendor word is unknown
    status_raw: str | None
    created_at: datetime | None  # naive UTC
    raw_json: str


def canonical_status(text: str | None) -> str | None:
    if text is None:
        return None
    low = text.strip().lower()
    if low in STATUSES:
        return low
    return next((status for pattern, status in _STATUS_WORDS if pattern.search(low)), None)


def canonical_type(text: str | None) -> str | None:
    if text is None:
        return None
    low = text.strip().lower()
    if low in ("eval", "visit"):
        return low
    return "eval" if re.search(r"eval|initial|new patient|intake|\bie\b|97161|97162|97163", low) else "visit"


def _minutes(value: Any) -> int | None:
    text = clean_text(value)
    if text is None:
        return None
    m = re.fullmatch(r"(\d+)(?:\.0+)?\s*(?:m|min|mins|minutes)?", text.lower())
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"(\d+):(\d{2})(?::\d{2})?", text)
    if m:
        return int(m.group(1)) * 60 + int(m.group(2))
    raise ValueError("not a duration")


def map_appointment_row(
    row: dict[str, Any], profile: MappingProfile, *, record_id: str, line_number: int, raw_json: str
) -> MappedAppointment:
    """Map one appointment row. Raises RowError (naming the field only) when it cannot be read."""
    fmts = profile.formats

    def get(name: str) -> Any:
        return mapped_field(row, profile, name)

    def checked(name: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(get(name), *args)
        except (ValueError, TypeError) as exc:
            raise RowError(f"{name} unreadable") from exc

    first, middle, last = clean_text(get("first_name")), None, clean_text(get("last_name"))
    if first is None and last is None:
        parts = split_full_name(clean_text(get("full_name")))
        first, middle, last = parts.first, parts.middle, parts.last
    start = checked("start", parse_timestamp, fmts.get("start"), profile)
    if start is None:
        raise RowError("start missing")
    try:
        dob = parse_date(get("dob"), fmts.get("dob"))
    except (ValueError, TypeError):
        dob = None  # a garbled DOB must not cost the appointment; raw_json keeps it
    type_raw, status_raw = clean_text(get("type")), clean_text(get("status"))
    return MappedAppointment(
        source_record_id=record_id,
        line_number=line_number,
        profile=profile.name,
        appointment_id=clean_text(get("appointment_id")),
        patient_ref=clean_text(get("patient_ref")),
        first_name=first,
        middle_name=middle,
        last_name=last,
        dob=dob,
        phone=clean_text(get("phone")),
        email=clean_text(get("email")),
        clinic=clean_text(get("clinic")),
        therapist=clean_text(get("therapist")),
        start_at=start,
        duration_min=checked("duration_min", _minutes),
        appointment_type=canonical_type(type_raw),
        type_raw=clean_text(row.get(profile.columns["type"])) if "type" in profile.columns else None,
        status=canonical_status(status_raw),
        status_raw=clean_text(row.get(profile.columns["status"])) if "status" in profile.columns else None,
        created_at=checked("created_at", parse_timestamp, fmts.get("created_at"), profile),
        raw_json=raw_json,
    )
