"""Email: SendGrid Event Webhook payloads -> `raw.email_events` (source_record_id = sg_event_id).

Custom args are kept as one JSON column, and `lead_id` (the arg our sends carry) is pulled out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.records import ParsedFile, RawTable
from orchestration.ingest.sendgrid_parse import SendgridEvent, parse_sendgrid_events

SOURCE = "email"


@dataclass(slots=True)
class EmailEvent:
    source_record_id: str
    sg_event_id: str | None
    sg_message_id: str | None
    email: str  # PHI
    event_at: datetime  # naive UTC
    event: str
    url: str | None
    category: list[str]
    reason: str | None
    status: str | None
    bounce_type: str | None
    bounce_classification: str | None
    asm_group_id: int | None
    smtp_id: str | None
    response: str | None
    attempt: int | None
    useragent: str | None
    ip: str | None
    lead_id: str | None
    custom_args_json: str | None


EVENTS = RawTable("email_events", EmailEvent)
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def flatten_event(e: SendgridEvent) -> EmailEvent:
    args = e.custom_args
    return EmailEvent(
        e.source_record_id,
        e.sg_event_id,
        e.sg_message_id,
        e.email,
        e.timestamp,
        e.event,
        e.url,
        e.category,
        e.reason,
        e.status,
        e.bounce_type,
        e.bounce_classification,
        e.asm_group_id,
        e.smtp_id,
        e.response,
        e.attempt,
        e.useragent,
        e.ip,
        args.get("lead_id") or None,
        _dumps(args) if args else None,
    )


def parse_email(path: Path, ctx: ParseContext) -> ParsedFile:
    result = parse_sendgrid_events(path.read_bytes(), path.name)
    rows = [flatten_event(e) for e in result.records]
    return ParsedFile(rows={EVENTS: rows} if rows else {}, errors=result.errors)


# A JSON array file is never cut (file_chunks cuts only files whose first line is JSON).
EMAIL = Source(
    name=SOURCE, tables=(EVENTS,), parse=parse_email, parallel=True, chunking=lambda _path: "lines"
)
