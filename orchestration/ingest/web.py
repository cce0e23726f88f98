"""Web: scheduling-page and site events (JSON Lines) -> `raw.web_events` (source_record_id = event_id)."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.records import ArrowRows, ParsedFile, RawTable
from orchestration.ingest.web_events_columns import plain_events_table
from orchestration.ingest.web_events_parse import WebEvent, read_web_objects, typed_events

SOURCE = "web"
EVENTS = RawTable("web_events", WebEvent)


def parse_web(path: Path, ctx: ParseContext) -> ParsedFile:
    """Plain files go to Arrow a column at a time (web_events_columns), others event by event: same rows."""
    with gc_paused():
        objects, errors = read_web_objects(path.read_bytes(), path.name)
        table = plain_events_table(objects, EVENTS.arrow_schema)
        if table is not None:
            errors.sort(key=lambda e: e.line)
            return ParsedFile(rows={EVENTS: ArrowRows(table, WebEvent)}, errors=errors)
        result = typed_events(objects, errors, path.name)
    return ParsedFile(rows={EVENTS: result.records} if result.records else {}, errors=result.errors)


WEB = Source(name=SOURCE, tables=(EVENTS,), parse=parse_web, parallel=True, chunking=lambda _path: "lines")
