"""Fax corrections: field values staff fixed or confirmed in the review queue (JSON Lines the app writes,
see app/lib/staff_writes.py) -> `raw.fax_corrections` (source_record_id = correction_id).

A line: `{"correction_id","source_record_id" (the fax),"at","user","fields": {field: text}}`. The form
sends every correctable field as text, so an empty value means "the fax has none" and is kept as a
correction to NULL; `fields_set` records which fields a line carries (NULL alone cannot say it).
Values are typed here (dates, yes/no, ICD-10 code lists); a value that cannot be read costs only its
line, reported by line number and field name, never by value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import instant_to_utc, optional_text, parse_typed_lines
from orchestration.ingest.records import ParsedFile, RawTable

SOURCE = "fax_corrections"
TEXT_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "zip",
    "referring_name",
    "referring_npi",
    "payer",
    "member_id",
    "orders",
)
DATE_FIELDS = ("dob", "surgery_date")
# Same set as app/lib/staff_writes.CORRECTABLE_FIELDS (the app is not imported: it pulls in Streamlit).
CORRECTABLE_FIELDS = frozenset((*TEXT_FIELDS, *DATE_FIELDS, "diagnosis_codes", "post_op"))
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_CODE_SPLIT = re.compile(r"[,;|\s]+")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(slots=True)
class FaxCorrection:
    source_record_id: str  # correction_id
    line_number: int
    fax_record_id: str  # the corrected fax: raw.fax_extractions.source_record_id (its file name)
    corrected_at: datetime  # naive UTC
    user_name: str | None
    fields_set: list[str]  # the fields this line corrects (sorted); a NULL value below is a correction
    first_name: str | None  # PHI
    last_name: str | None  # PHI
    dob: date | None  # PHI
    phone: str | None  # PHI
    zip: str | None
    diagnosis_codes: list[str] | None
    referring_name: str | None
    referring_npi: str | None
    payer: str | None
    member_id: str | None  # PHI
    post_op: bool | None
    surgery_date: date | None
    orders: str | None


FAX_CORRECTIONS = RawTable("fax_corrections", FaxCorrection)


def parse_correction_date(text: str) -> date:
    """ISO (what the form shows for a date) or US month/day/year (what staff type)."""
    if m := _US_DATE.fullmatch(text):
        return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    return date.fromisoformat(text)


def parse_yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("not a yes/no value")


def parse_codes(text: str) -> list[str]:
    return [c.upper() for c in _CODE_SPLIT.split(text) if c]


def _typed_fields(fields: dict[str, Any]) -> dict[str, Any] | str:
    """Field name -> typed value (None for an emptied field), or the reason the line is unusable."""
    unknown = sorted(set(fields) - CORRECTABLE_FIELDS)
    if unknown:
        return f"not a correctable field: {', '.join(unknown)}"
    typed: dict[str, Any] = {}
    for name, value in fields.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            return f"{name} is not text"
        text = "" if value is None else str(value).strip()
        if not text:
            typed[name] = None
            continue
        try:
            if name in DATE_FIELDS:
                typed[name] = parse_correction_date(text)
            elif name == "post_op":
                typed[name] = parse_yes_no(text)
            elif name == "diagnosis_codes":
                typed[name] = parse_codes(text) or None
            else:
                typed[name] = text
        except ValueError:
            return f"{name} unreadable"
    return typed


def correction_from(obj: dict[str, Any], line: int) -> FaxCorrection | str:
    """The typed correction, or the reason the line is unusable (never its content)."""
    correction_id, fax_id = obj.get("correction_id"), obj.get("source_record_id")
    if not isinstance(correction_id, str) or not correction_id:
        return "missing correction_id"
    if not isinstance(fax_id, str) or not fax_id:
        return "missing source_record_id"
    fields = obj.get("fields")
    if not isinstance(fields, dict) or not fields:
        return "missing fields"
    try:
        at = instant_to_utc(obj.get("at"))
        user = optional_text(obj, "user")
    except (ValueError, TypeError, OverflowError, OSError):
        return "unreadable at or user"
    typed = _typed_fields(fields)
    if isinstance(typed, str):
        return typed
    return FaxCorrection(
        source_record_id=correction_id,
        line_number=line,
        fax_record_id=fax_id,
        corrected_at=at,
        user_name=user,
        fields_set=sorted(typed),
        first_name=typed.get("first_name"),
        last_name=typed.get("last_name"),
        dob=typed.get("dob"),
        phone=typed.get("phone"),
        zip=typed.get("zip"),
        diagnosis_codes=typed.get("diagnosis_codes"),
        referring_name=typed.get("referring_name"),
        referring_npi=typed.get("referring_npi"),
        payer=typed.get("payer"),
        member_id=typed.get("member_id"),
        post_op=typed.get("post_op"),
        surgery_date=typed.get("surgery_date"),
        orders=typed.get("orders"),
    )


def parse_fax_corrections(path: Path, ctx: ParseContext) -> ParsedFile:
    return parse_typed_lines(
        path.read_bytes(), path.name, FAX_CORRECTIONS, correction_from, "a fax correction"
    )


FAX_CORRECTIONS_SOURCE = Source(name=SOURCE, tables=(FAX_CORRECTIONS,), parse=parse_fax_corrections)
