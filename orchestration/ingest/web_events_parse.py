"""Scheduling-page and site events: JSON Lines `{"event_id","ts","event","token","url"}` -> WebEvent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orchestration.ingest.json_lines_read import (
    gc_paused,
    instant_to_utc,
    optional_text,
    read_json_lines,
    strip_bom,
)
from orchestration.ingest.records import LineError, QuarantineFile

EVENT_TYPES = frozenset({"page_view", "scheduling_view", "booking_started", "booking_completed"})


class WebEventsFormatError(QuarantineFile):
    """The whole file is not web-event JSON Lines."""


@dataclass(slots=True)
class WebEvent:
    source_record_id: str  # the event_id
    ts: datetime  # naive UTC
    event: str  # one of EVENT_TYPES
    token: str | None  # tracked-link token sent to a lead; None for anonymous traffic
    url: str | None


@dataclass(slots=True)
class ParsedWebEvents:
    records: list[WebEvent] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def _web_event(obj: dict[str, Any]) -> WebEvent | str:
    """The typed event, or the reason the line is unusable (never its content)."""
    event_id = obj.get("event_id")
    if event_id is None or event_id == "" or isinstance(event_id, dict | list | bool):
        return "missing event_id"
    event = obj.get("event")
    if type(event) is not str or event not in EVENT_TYPES:
        return "missing event" if event is None else "unknown event type"
    if "ts" not in obj:
        return "missing ts"
    try:
        ts = instant_to_utc(obj["ts"])
    except (ValueError, TypeError, OverflowError, OSError):
        return "unparseable ts"
    try:
        return WebEvent(str(event_id), ts, event, optional_text(obj, "token"), optional_text(obj, "url"))
    except ValueError as exc:  # names the key only
        return str(exc)


def parse_web_events(data: bytes, file_name: str) -> ParsedWebEvents:
    """Parse one web-events file; bad lines are reported by number and skipped.

    Raises WebEventsFormatError when the file is empty or no line at all is a web event.
    """
    with gc_paused():
        objects, errors = read_web_objects(data, file_name)
        return typed_events(objects, errors, file_name)


def read_web_objects(data: bytes, file_name: str) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    """The file's JSON objects with their line numbers, and its bad lines.

    Raises WebEventsFormatError when the file is empty."""
    if not strip_bom(data).strip():
        raise WebEventsFormatError(f"{file_name}: empty file")
    return read_json_lines(data)


def typed_events(
    objects: list[tuple[int, dict[str, Any]]], errors: list[LineError], file_name: str
) -> ParsedWebEvents:
    """parse_web_events after reading: each object typed, or its line reported (added to `errors`).

    Raises WebEventsFormatError when no line at all is a web event."""
    with gc_paused():
        out = ParsedWebEvents(errors=errors)
        for number, obj in objects:
            result = _web_event(obj)
            if type(result) is str:
                errors.append(LineError(number, result))
            else:
                out.records.append(result)
    errors.sort(key=lambda e: e.line)
    if not out.records and errors:
        raise WebEventsFormatError(f"{file_name}: no line is a web event ({errors[0].reason})", lines=errors)
    return out
