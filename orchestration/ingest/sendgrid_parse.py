"""SendGrid Event Webhook payloads (a JSON array, JSON Lines, or one POSTed array a line) -> SendgridEvent."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from orchestration.ingest.json_lines_read import (
    JsonDocumentError,
    gc_paused,
    instant_to_utc,
    read_json_array_or_lines,
    strip_bom,
)
from orchestration.ingest.records import LineError, QuarantineFile

# group_resubscribe is not in CONTRACTS.md's list but SendGrid documents and sends it; it is kept.
EVENT_TYPES = frozenset(
    {
        "processed",
        "delivered",
        "deferred",
        "bounce",
        "dropped",
        "open",
        "click",
        "spamreport",
        "unsubscribe",
        "group_unsubscribe",
        "group_resubscribe",
    }
)
# Keys SendGrid itself sets. Everything else in an event is a custom arg (unique_args / custom_args).
_MAPPED = frozenset(
    {
        "email",
        "timestamp",
        "event",
        "sg_event_id",
        "sg_message_id",
        "url",
        "category",
        "reason",
        "status",
        "type",
        "bounce_classification",
        "asm_group_id",
        "smtp-id",
        "response",
        "attempt",
        "useragent",
        "ip",
    }
)
_RESERVED = _MAPPED | {
    "tls",
    "cert_err",
    "url_offset",
    "pool",
    "newsletter",
    "marketing_campaign_id",
    "marketing_campaign_name",
    "marketing_campaign_version",
    "marketing_campaign_split_id",
    "post_type",
    "sg_user_id",
    "sg_content_type",
    "sg_machine_open",
    "mc_stats",
    "phase_id",
    "send_at",
    "singlesend_id",
    "singlesend_name",
    "template_id",
    "template_version_id",
    "template_hash",
    "sg_template_id",
    "sg_template_name",
}


_EPOCH = datetime(1970, 1, 1)
_MS_THRESHOLD = 100_000_000_000  # as in json_lines_read: larger unix values are milliseconds


class SendgridFormatError(QuarantineFile):
    """The whole file is not a SendGrid event payload."""


@dataclass(slots=True)
class SendgridEvent:
    source_record_id: str  # sg_event_id, else "<file>#<line>" (some documented events carry none)
    sg_event_id: str | None
    sg_message_id: str | None
    email: str  # PHI
    timestamp: datetime  # naive UTC
    event: str  # one of EVENT_TYPES, lower case
    url: str | None  # click / unsubscribe link
    category: list[str]  # a string category becomes a one-element list
    reason: str | None  # bounce / dropped reason
    status: str | None  # SMTP enhanced status, e.g. "5.0.0"
    bounce_type: str | None  # the `type` key: "bounce" (hard) | "blocked"
    bounce_classification: str | None
    asm_group_id: int | None
    smtp_id: str | None
    response: str | None  # receiving server's answer (delivered / deferred)
    attempt: int | None  # deferred delivery attempt
    useragent: str | None
    ip: str | None
    custom_args: dict[str, str]  # e.g. {"lead_id": "L00042"}; non-string values as compact JSON


@dataclass(slots=True)
class ParsedSendgridEvents:
    records: list[SendgridEvent] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def _text(value: Any, key: str) -> str | None:
    if type(value) is str:  # the common case first: this runs ~10 times per event
        return value or None
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{key} is not a string")


def _int(obj: dict[str, Any], key: str) -> int | None:
    return _int_value(obj.get(key), key)


# The warehouse stores these as BIGINT: a value outside it fails the event, not the file's Arrow conversion.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _int_value(value: Any, key: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{key} is not an integer")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        raise ValueError(f"{key} is not an integer") from None
    if not INT64_MIN <= number <= INT64_MAX:
        raise ValueError(f"{key} is out of range")
    return number


def _categories(value: Any) -> list[str]:
    if type(value) is str:
        return [value] if value else []
    if value is None:
        return []
    if isinstance(value, list) and all(type(v) is str for v in value):
        return value
    raise ValueError("category is neither a string nor a list of strings")


def _custom_args(obj: dict[str, Any]) -> dict[str, str]:
    """Keys SendGrid does not own, in the order sent; non-string values as compact JSON."""
    return {
        k: v if type(v) is str else json.dumps(v, separators=(",", ":"), sort_keys=True)
        for k, v in obj.items()
        if k not in _RESERVED
    }


def _timestamp(value: Any) -> datetime:
    if type(value) is int and 0 <= value < _MS_THRESHOLD:
        return _EPOCH + timedelta(seconds=value)  # naive UTC without a tz round trip
    return instant_to_utc(value)


def _event(obj: dict[str, Any], number: int, file_name: str) -> SendgridEvent | str:
    """The typed event, or the reason the line is unusable."""
    get = obj.get
    event = get("event")
    if type(event) is not str:
        return "missing event"
    if event not in EVENT_TYPES:
        event = event.lower()  # SendGrid's own docs show "Processed"
        if event not in EVENT_TYPES:
            return "unknown event type"
    email = get("email")
    if type(email) is not str or not email:
        return "missing email"
    if "timestamp" not in obj:
        return "missing timestamp"
    try:
        timestamp = _timestamp(obj["timestamp"])
    except (ValueError, TypeError, OverflowError, OSError):
        return "unparseable timestamp"
    try:
        sg_event_id = _text(get("sg_event_id"), "sg_event_id")
        return SendgridEvent(
            sg_event_id or f"{file_name}#{number}",
            sg_event_id,
            _text(get("sg_message_id"), "sg_message_id"),
            email,
            timestamp,
            event,
            _text(get("url"), "url"),
            _categories(get("category")),
            _text(get("reason"), "reason"),
            _text(get("status"), "status"),
            _text(get("type"), "type"),
            _text(get("bounce_classification"), "bounce_classification"),
            _int(obj, "asm_group_id"),
            _text(get("smtp-id"), "smtp-id"),
            _text(get("response"), "response"),
            _int(obj, "attempt"),
            _text(get("useragent"), "useragent"),
            _text(get("ip"), "ip"),
            _custom_args(obj),
        )
    except ValueError as exc:  # our own messages: they name the key, never the value
        return str(exc)


def parse_sendgrid_events(data: bytes, file_name: str) -> ParsedSendgridEvents:
    """Parse one payload file. `line` in errors is the line number for JSON Lines and the 1-based
    position of the event for a single JSON array.

    Raises SendgridFormatError when the file is empty, a broken JSON array, or holds no usable event.
    """
    with gc_paused():
        objects, errors = read_sendgrid_objects(data, file_name)
        return typed_events(objects, errors, file_name)


def read_sendgrid_objects(
    data: bytes, file_name: str
) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    """The payload's JSON objects with their line (or array position) numbers, and its bad lines.

    Raises SendgridFormatError when the file is empty or a broken JSON array."""
    if not strip_bom(data).strip():
        raise SendgridFormatError(f"{file_name}: empty file")
    try:
        return read_json_array_or_lines(data)
    except JsonDocumentError as exc:
        raise SendgridFormatError(f"{file_name}: {exc}") from None


def typed_events(
    objects: list[tuple[int, dict[str, Any]]], errors: list[LineError], file_name: str
) -> ParsedSendgridEvents:
    """parse_sendgrid_events after reading: each object typed, or its line reported (added to `errors`).

    Raises SendgridFormatError when no event is usable."""
    with gc_paused():
        out = ParsedSendgridEvents(errors=errors)
        for number, obj in objects:
            result = _event(obj, number, file_name)
            if isinstance(result, str):
                errors.append(LineError(number, result))
            else:
                out.records.append(result)
    errors.sort(key=lambda e: e.line)
    if not out.records and errors:
        raise SendgridFormatError(f"{file_name}: no usable SendGrid event ({errors[0].reason})", lines=errors)
    return out
