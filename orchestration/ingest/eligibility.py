"""Eligibility: X12 005010X279A1 271 files -> `raw.eligibility_responses`, one row per subscriber or
dependent answer (source_record_id = ISA13-ST02-loop index), AAA rejections flattened.

Files are read by the bulk reader (x12_271_bulk: straight to row tuples; the whole ingest path ~2.4x
faster); a file with an error, or one it does not read, by parse_271, whose rows the bulk reader's equal
(parity tests).
Parsed strictly; a file whose only fault is a mismatched control number (real senders get SE02/GE02/IEA02
wrong) is re-read leniently and marked partial. Any other X12Error quarantines the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import date
from operator import attrgetter
from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable, TupleRows
from orchestration.x12 import X12Error, parse_271
from orchestration.x12.model import EligibilityResponse, Rejection
from orchestration.x12.x12_271_bulk import ROW_FIELDS, bulk_271_rows

SOURCE = "eligibility"
_CONTROL_MISMATCH = re.compile(r"\b(SE02|GE02|IEA02) at segment \d+ does not match")


@dataclass(slots=True)
class EligibilityRow:
    source_record_id: str
    trace_id: str | None  # TRN02 = lead id of our 270
    payer_name: str | None
    payer_id: str | None
    provider_npi: str | None
    member_id: str | None  # PHI
    first_name: str | None  # PHI
    last_name: str | None  # PHI
    dob: date | None  # PHI
    is_dependent: bool
    active: bool | None
    plan_name: str | None
    group_number: str | None
    plan_begin: date | None
    plan_end: date | None
    copay: float | None
    coinsurance: float | None
    deductible: float | None
    deductible_remaining: float | None
    oop_max: float | None
    oop_remaining: float | None
    visit_limit: int | None
    visits_used: int | None
    auth_required: bool | None
    in_network: bool | None
    checked_at: date | None
    rejection_code: str | None  # first AAA03
    rejection_reason: str | None  # its words
    rejection_loop: str | None
    rejections_json: str | None  # every AAA as a JSON list (loop, code, reason, follow_up)


# The response fields the row copies as they are, in the row's column order (checked below). Read with one
# attrgetter: dataclasses.asdict's generic deep copy was ~45% of the parse time.
_SHARED = tuple(f.name for f in fields(EligibilityResponse) if f.name not in ("record_id", "rejections"))
if tuple(f.name for f in fields(EligibilityRow))[1 : len(_SHARED) + 1] != _SHARED:
    raise TypeError("EligibilityRow must list EligibilityResponse's fields after source_record_id, in order")
_shared_values = attrgetter(*_SHARED)
if tuple(f.name for f in fields(EligibilityRow)) != ROW_FIELDS:
    raise TypeError("EligibilityRow's columns must be x12_271_bulk.ROW_FIELDS, in order")


def _rejection_dict(x: Rejection) -> dict[str, str | None]:
    return {"loop": x.loop, "code": x.code, "reason": x.reason, "follow_up": x.follow_up}


def to_row(r: EligibilityResponse) -> EligibilityRow:
    rejections = r.rejections
    first = rejections[0] if rejections else None
    return EligibilityRow(
        r.record_id,
        *_shared_values(r),
        rejection_code=first.code if first else None,
        rejection_reason=first.reason if first else None,
        rejection_loop=first.loop if first else None,
        rejections_json=json.dumps([_rejection_dict(x) for x in rejections]) if rejections else None,
    )


def parse_eligibility(path: Path, ctx: ParseContext) -> ParsedFile:
    text = path.read_bytes().decode("utf-8-sig")
    rows = bulk_271_rows(text)
    if rows is not None:  # tuples: the framework converts a group of files to Arrow at once
        return ParsedFile(rows={RESPONSES: TupleRows(rows, EligibilityRow)} if rows else {})
    errors: list[LineError] = []
    try:
        responses = parse_271(text, strict=True)
    except X12Error as exc:
        if not _CONTROL_MISMATCH.search(str(exc)):
            raise QuarantineFile(f"{path.name}: not a valid 271: {exc}") from None
        try:
            responses = parse_271(text, strict=False)
        except X12Error as again:
            raise QuarantineFile(f"{path.name}: not a valid 271: {again}") from None
        errors.append(LineError(0, f"control numbers do not match, read leniently ({exc})"))
    table = RESPONSES
    return ParsedFile(rows={table: [to_row(r) for r in responses]} if responses else {}, errors=errors)


RESPONSES = RawTable("eligibility_responses", EligibilityRow)
ELIGIBILITY = Source(name=SOURCE, tables=(RESPONSES,), parse=parse_eligibility, parallel=True)
