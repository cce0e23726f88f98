"""Outcomes: staff call outcomes the app writes (JSON Lines) -> `raw.outcomes` (source_record_id =
outcome_id). `{"outcome_id","lead_id","at","user","outcome","note"}`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import instant_to_utc, optional_text, parse_typed_lines
from orchestration.ingest.records import ParsedFile, RawTable

SOURCE = "outcomes"
OUTCOMES_ALLOWED = frozenset(
    ["reached", "voicemail", "no_answer", "scheduled", "wrong_number", "declined", "opted_out"]
)


@dataclass(slots=True)
class Outcome:
    source_record_id: str
    line_number: int
    lead_id: str
    outcome_at: datetime  # naive UTC
    user_name: str | None
    outcome: str
    note: str | None  # may hold PHI typed by staff


OUTCOMES = RawTable("outcomes", Outcome)


def outcome_from(obj: dict[str, Any], line: int) -> Outcome | str:
    """The typed outcome, or the reason the line is unusable (never its content)."""
    outcome_id, lead_id = obj.get("outcome_id"), obj.get("lead_id")
    if not isinstance(outcome_id, str | int) or isinstance(outcome_id, bool) or outcome_id == "":
        return "missing outcome_id"
    if not isinstance(lead_id, str) or not lead_id:
        return "missing lead_id"
    outcome = obj.get("outcome")
    if not isinstance(outcome, str) or outcome.strip().lower() not in OUTCOMES_ALLOWED:
        return "unknown outcome"
    try:
        at = instant_to_utc(obj.get("at"))
        user, note = optional_text(obj, "user"), optional_text(obj, "note")
    except (ValueError, TypeError, OverflowError, OSError):
        return "unreadable at, user or note"
    return Outcome(str(outcome_id), line, lead_id, at, user, outcome.strip().lower(), note)


def parse_outcomes(path: Path, ctx: ParseContext) -> ParsedFile:
    return parse_typed_lines(path.read_bytes(), path.name, OUTCOMES, outcome_from, "an outcome")


OUTCOMES_SOURCE = Source(name=SOURCE, tables=(OUTCOMES,), parse=parse_outcomes)
