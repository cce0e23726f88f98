"""Turn one row of a profile-mapped file (web form line, vendor CSV row) into typed canonical lead fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from orchestration.ingest.person_names import split_full_name
from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.timestamp_formats import parse_with_format

_TRUE = {"true", "t", "yes", "y", "1", "on", "checked", "opt-in", "opted in"}
_FALSE = {"false", "f", "no", "n", "0", "off", "unchecked", "", "opt-out", "opted out"}


class RowError(ValueError):
    """The row cannot become a record; the message names the field, never its value."""


@dataclass(slots=True)
class MappedLead:
    """A lead-bearing row after mapping: canonical names, parsed dates (UTC), original row kept as JSON."""

    source_record_id: str
    line_number: int
    profile: str
    received_at: datetime | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    name_suffix: str | None
    dob: date | None
    sex: str | None
    phone: str | None
    email: str | None
    address: str | None
    zip: str | None
    language: str | None
    diagnosis_codes: list[str] | None
    diagnosis_text: str | None
    referring_name: str | None
    referring_npi: str | None
    referring_practice: str | None
    payer: str | None
    member_id: str | None
    plan_type: str | None
    clinic: str | None
    surgery_date: date | None
    post_op: bool | None
    urgency: str | None
    notes: str | None
    preferred_contact: str | None
    sms_consent: bool | None
    email_consent: bool | None
    raw_json: str


@dataclass(slots=True)
class MappedPatientLead(MappedLead):
    """A referral-report or patient-export row: a lead row plus the EMR's own patient id."""

    patient_ref: str | None = None


def clean_text(value: Any) -> str | None:
    """Stripped text (numbers written as read, 12.0 -> "12"); None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def parse_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False if text else None
    raise RowError("not a yes/no value")


def parse_timestamp(value: Any, fmt: str | None, profile: MappingProfile) -> datetime | None:
    """A naive UTC timestamp; naive input is read in the profile's time zone."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        ts = parse_with_format(text, fmt) if fmt else datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))  # ISO is always understood
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=profile.zone)
    return ts.astimezone(UTC).replace(tzinfo=None)


def parse_date(value: Any, fmt: str | None) -> date | None:
    text = clean_text(value)
    if text is None:
        return None
    if fmt:
        try:
            return parse_with_format(text, fmt).date()
        except ValueError:
            pass
    return date.fromisoformat(text[:10])


def _codes(value: Any) -> list[str] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else re.split(r"[,;|\s]+", str(value))
    codes = [str(c).strip().upper() for c in items if str(c).strip()]
    return codes or None


def _lenient(parse: Any, value: Any, fmt: str | None) -> date | None:
    """Typed-in dates are often garbled; a bad one must not cost the lead (raw_json keeps the original)."""
    try:
        return parse(value, fmt)
    except (ValueError, TypeError):
        return None


def mapped_field(row: dict[str, Any], profile: MappingProfile, canonical: str) -> Any:
    """The row's value for a canonical field, with the profile's vendor words made canonical."""
    column = profile.columns.get(canonical)
    if not column:
        return None
    value = row.get(column)
    if isinstance(value, str) and canonical in profile.values:
        return profile.canonical_value(canonical, value)
    return value


def map_lead_row(
    row: dict[str, Any],
    profile: MappingProfile,
    *,
    record_id: str,
    line_number: int,
    raw_json: str,
    record_type: type[MappedLead] = MappedLead,
) -> MappedLead:
    """Map one row through the profile. Raises RowError when a field cannot be read at all.

    record_type MappedPatientLead also keeps the `patient_ref` column.
    """
    fmts = profile.formats

    def get(name: str) -> Any:
        return mapped_field(row, profile, name)

    def checked(name: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(get(name), *args)
        except (ValueError, TypeError) as exc:
            raise RowError(f"{name} unreadable") from exc

    first, middle, last, suffix = clean_text(get("first_name")), None, clean_text(get("last_name")), None
    if first is None and last is None:
        parts = split_full_name(clean_text(get("full_name")))
        first, middle, last, suffix = parts.first, parts.middle, parts.last, parts.suffix
    received_at = checked("received_at", parse_timestamp, fmts.get("received_at"), profile)
    if received_at is None and profile.kind in ("referral", "webform"):
        raise RowError("received_at missing")
    extra = {"patient_ref": clean_text(get("patient_ref"))} if record_type is MappedPatientLead else {}
    return record_type(
        **extra,
        source_record_id=record_id,
        line_number=line_number,
        profile=profile.name,
        received_at=received_at,
        first_name=first,
        middle_name=middle,
        last_name=last,
        name_suffix=suffix,
        dob=_lenient(parse_date, get("dob"), fmts.get("dob")),
        sex=clean_text(get("sex")),
        phone=clean_text(get("phone")),
        email=clean_text(get("email")),
        address=clean_text(get("address")),
        zip=clean_text(get("zip")),
        language=clean_text(get("language")),
        diagnosis_codes=_codes(get("diagnosis_codes")),
        diagnosis_text=clean_text(get("diagnosis_text")),
        referring_name=clean_text(get("referring_name")),
        referring_npi=clean_text(get("referring_npi")),
        referring_practice=clean_text(get("referring_practice")),
        payer=clean_text(get("payer")),
        member_id=clean_text(get("member_id")),
        plan_type=clean_text(get("plan_type")),
        clinic=clean_text(get("clinic")),
        surgery_date=checked("surgery_date", parse_date, fmts.get("surgery_date")),
        post_op=checked("post_op", parse_bool),
        urgency=clean_text(get("urgency")),
        notes=clean_text(get("notes")),
        preferred_contact=clean_text(get("preferred_contact")),
        sms_consent=checked("sms_consent", parse_bool),
        email_consent=checked("email_consent", parse_bool),
        raw_json=raw_json,
    )
