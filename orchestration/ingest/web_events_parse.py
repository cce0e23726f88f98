"""Scheduling-page and site events: JSON Lines `{"event_id","ts","event","token","url"}` -> WebEvent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orchestration.ingest.json_lines_read import instant_to_utc, optional_text, read_json_lines, strip_bom
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


def parse_web_events(data: bytes, file_name: str) -> ParsedWebEvents:
    """Parse one web-events file; bad lines are reported by number and skipped.

    Raises WebEventsFormatError when the file is empty or no line at all is a web event.
    """
    if not strip_bom(data).strip():
        raise WebEventsFormatError(f"{file_name}: empty file")
    objects, errors = read_json_lines(data)
    out = ParsedWebEvents(errors=errors)
    records = out.records
    for number, obj in objects:
        event_id = obj.get("event_id")
        if event_id is None or event_id == "" or isinstance(event_id, dict | list):
            errors.append(LineError(number, "missing event_id"))
            continue
        event = obj.get("event")
        if event not in EVENT_TYPES:
            errors.append(LineError(number, "missing event" if event is None else "unknown event type"))
            continue
        try:
            ts = instant_to_utc(obj["ts"])
        except KeyError:
            errors.append(LineError(number, "missing ts"))
            continue
        except (ValueError, TypeError, OverflowError, OSError):
            errors.append(LineError(number, "unparseable ts"))
            continue
        try:
            token = optional_text(obj, "token")
            url = optional_text(obj, "url")
        except ValueError as exc:
            errors.append(LineError(number, str(exc)))
            continue
        records.append(WebEvent(str(event_id), ts, event, token, url))
    errors.sort(key=lambda e: e.line)
    if not records and errors:
        raise WebEventsFormatError(f"{file_name}: no line is a web event (first problem: {errors[0].reason})")
    return out
