"""Web: scheduling-page and site events (JSON Lines) -> `raw.web_events` (source_record_id = event_id)."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.records import ParsedFile, RawTable
from orchestration.ingest.web_events_parse import WebEvent, parse_web_events

SOURCE = "web"
EVENTS = RawTable("web_events", WebEvent)


def parse_web(path: Path, ctx: ParseContext) -> ParsedFile:
    result = parse_web_events(path.read_bytes(), path.name)
    return ParsedFile(rows={EVENTS: result.records} if result.records else {}, errors=result.errors)


WEB = Source(name=SOURCE, tables=(EVENTS,), parse=parse_web, parallel=True, chunking=lambda _path: "lines")
