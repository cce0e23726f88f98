"""SMS: Twilio message-log CSV exports -> `raw.sms_messages` (source_record_id = Sid, opt_keyword kept)."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.records import ArrowRows, ParsedFile, RawTable, TupleRows
from orchestration.ingest.twilio_columns import plain_messages_table
from orchestration.ingest.twilio_parse import SmsMessage, split_twilio_rows, typed_rows

SOURCE = "sms"
MESSAGES = RawTable("sms_messages", SmsMessage)


def parse_sms(path: Path, ctx: ParseContext) -> ParsedFile:
    """Plain exports go to Arrow a column at a time (twilio_columns), others row by row: same rows."""
    with gc_paused():
        header, starts, rows, errors = split_twilio_rows(path.read_bytes(), path.name)
        table = plain_messages_table(header, rows, MESSAGES.arrow_schema)
        if table is not None:
            errors.sort(key=lambda e: e.line)
            return ParsedFile(rows={MESSAGES: ArrowRows(table, SmsMessage)}, errors=errors)
        records, errors = typed_rows(header, starts, rows, errors)
    return ParsedFile(rows={MESSAGES: TupleRows(records, SmsMessage)} if records else {}, errors=errors)


SMS = Source(name=SOURCE, tables=(MESSAGES,), parse=parse_sms, parallel=True, chunking=lambda _path: "csv")
