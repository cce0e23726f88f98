"""SMS: Twilio message-log CSV exports -> `raw.sms_messages` (source_record_id = Sid, opt_keyword kept)."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.records import ParsedFile, RawTable, TupleRows
from orchestration.ingest.twilio_parse import SmsMessage, parse_twilio_rows

SOURCE = "sms"
MESSAGES = RawTable("sms_messages", SmsMessage)


def parse_sms(path: Path, ctx: ParseContext) -> ParsedFile:
    rows, errors = parse_twilio_rows(path.read_bytes(), path.name)
    return ParsedFile(rows={MESSAGES: TupleRows(rows, SmsMessage)} if rows else {}, errors=errors)


SMS = Source(name=SOURCE, tables=(MESSAGES,), parse=parse_sms, parallel=True, chunking=lambda _path: "csv")
