"""What staff write back as sources for the next pipeline run: call outcomes and fax corrections.

Outcomes: `<inbox>/outcomes/outcomes_<date>_<user>.jsonl` with the contract's fields. Corrections:
`<inbox>/fax_corrections/fax_corrections_<date>_<user>.jsonl`, one line per reviewed fax.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from app.lib.journal_files import append_json_line
from orchestration.fax_fields import CONTRACT_FIELDS
from orchestration.settings import Settings

OUTCOMES = ("reached", "voicemail", "no_answer", "scheduled", "wrong_number", "declined", "opted_out")
CORRECTABLE_FIELDS = CONTRACT_FIELDS


def _safe_user(user: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", user) or "unknown"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def outcomes_file(inbox: Path, user: str, at: datetime) -> Path:
    return inbox / "outcomes" / f"outcomes_{at.date().isoformat()}_{_safe_user(user)}.jsonl"


def log_outcome(
    lead_id: str, outcome: str, user: str, note: str = "", settings: Settings | None = None
) -> dict[str, str]:
    """Append one outcome line; returns the record written."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    at = _now()
    record = {
        "outcome_id": uuid.uuid4().hex,
        "lead_id": lead_id,
        "at": at.isoformat(),
        "user": user,
        "outcome": outcome,
        "note": note.strip(),
    }
    append_json_line(outcomes_file((settings or Settings()).inbox, user, at), record)
    return record


def corrections_file(inbox: Path, user: str, at: datetime) -> Path:
    return inbox / "fax_corrections" / f"fax_corrections_{at.date().isoformat()}_{_safe_user(user)}.jsonl"


def log_fax_correction(
    source_record_id: str, fields: dict[str, str], user: str, settings: Settings | None = None
) -> dict[str, object]:
    """Append the corrected values of one fax (only fields the reviewer changed or confirmed)."""
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable: {', '.join(sorted(unknown))}")
    at = _now()
    record: dict[str, object] = {
        "correction_id": uuid.uuid4().hex,
        "source_record_id": source_record_id,
        "at": at.isoformat(),
        "user": user,
        "fields": fields,
    }
    append_json_line(corrections_file((settings or Settings()).inbox, user, at), record)
    return record
