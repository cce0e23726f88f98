"""Email: SendGrid Event Webhook payloads -> `raw.email_events` (source_record_id = sg_event_id).

Custom args are kept as one JSON column, and `lead_id` (the arg our sends carry) is pulled out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from pathlib import Path

import pyarrow as pa

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.plain_id_tables import PlainIdTable
from orchestration.ingest.records import ArrowRows, ParsedFile, long_ascii_strings
from orchestration.ingest.sendgrid_columns import plain_events_table
from orchestration.ingest.sendgrid_parse import SendgridEvent, read_sendgrid_objects, typed_events

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


EVENTS = PlainIdTable("email_events", EmailEvent, id_columns=("source_record_id", "sg_event_id"))
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
# EmailEvent's columns up to `ip` are SendgridEvent's fields in the same order (event_at is `timestamp`).
_SHARED = [f.name for f in fields(SendgridEvent)][:18]
_shared_values = attrgetter(*_SHARED)


def _plain(text: str) -> bool:
    """JSON writes the text as is between quotes (ensure_ascii=False escapes only ", \\ and controls)."""
    return '"' not in text and "\\" not in text and text.isprintable()


def custom_args_json(args: dict[str, str]) -> str | None:
    """`_dumps(args)` (None when empty), written directly when every key and value is plain text: the
    usual {"lead_id": "L0000010"} costs a fifth of what the encoder takes."""
    if not args:
        return None
    parts = []
    for key, value in args.items():
        if not (_plain(key) and _plain(value)):
            return _dumps(args)
        parts.append(f'"{key}":"{value}"')
    return "{" + ",".join(parts) + "}"


def events_to_arrow(events: list[SendgridEvent]) -> pa.Table:
    """EVENTS.to_arrow([flatten_event(e) for e in events]) without building the EmailEvents."""
    schema = EVENTS.arrow_schema
    columns = [*zip(*map(_shared_values, events), strict=True)]
    columns.append(tuple(e.custom_args.get("lead_id") or None for e in events))
    columns.append(tuple(custom_args_json(e.custom_args) for e in events))
    arrays = [
        (field.type == pa.string() and long_ascii_strings(values)) or pa.array(values, type=field.type)
        for values, field in zip(columns, schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def flatten_event(e: SendgridEvent) -> EmailEvent:
    """The reference of events_to_arrow's rows."""
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
    """Plain payloads go to Arrow a column at a time (sendgrid_columns), others event by event: same rows."""
    with gc_paused():
        objects, errors = read_sendgrid_objects(path.read_bytes(), path.name)
        table = plain_events_table(objects, path.name, EVENTS.arrow_schema)
        if table is None:
            result = typed_events(objects, errors, path.name)
            if not result.records:
                return ParsedFile(errors=result.errors)
            table = events_to_arrow(result.records)
        else:
            errors.sort(key=lambda e: e.line)
    return ParsedFile(rows={EVENTS: ArrowRows(table, EmailEvent)}, errors=errors)


# A JSON array file is never cut (file_chunks cuts only files whose first line is JSON).
EMAIL = Source(
    name=SOURCE, tables=(EVENTS,), parse=parse_email, parallel=True, chunking=lambda _path: "lines"
)
