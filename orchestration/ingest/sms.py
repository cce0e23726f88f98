"""SMS: Twilio message-log CSV exports -> `raw.sms_messages` (source_record_id = Sid, opt_keyword kept)."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.records import ParsedFile, RawTable
from orchestration.ingest.twilio_parse import SmsMessage, parse_twilio_log

SOURCE = "sms"
MESSAGES = RawTable("sms_messages", SmsMessage)


def parse_sms(path: Path, ctx: ParseContext) -> ParsedFile:
    result = parse_twilio_log(path.read_bytes(), path.name)
    return ParsedFile(rows={MESSAGES: result.records} if result.records else {}, errors=result.errors)


SMS = Source(name=SOURCE, tables=(MESSAGES,), parse=parse_sms, parallel=True, chunking=lambda _path: "csv")
