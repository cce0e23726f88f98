"""SendGrid Event Webhook payloads: every documented example, arrays vs JSON Lines, bad events by line."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from orchestration.ingest.sendgrid_parse import SendgridFormatError, parse_sendgrid_events

DOC_EXAMPLES = Path(__file__).parents[1] / "fixtures" / "sendgrid" / "sendgrid_doc_examples_2021.json"


def _event(**over) -> dict:
    event = {
        "email": "lead@example.com",
        "timestamp": 1709647331,
        "event": "delivered",
        "sg_event_id": "ev1",
        "sg_message_id": "msg1.filter-1",
        "category": "nurture",
        "lead_id": "L00042",
    }
    event.update(over)
    return event


def _lines(*events) -> bytes:
    return "\n".join(e if isinstance(e, str) else json.dumps(e) for e in events).encode()


def test_every_documented_example_parses() -> None:
    docs = json.loads(DOC_EXAMPLES.read_text())
    parsed = parse_sendgrid_events(DOC_EXAMPLES.read_bytes(), DOC_EXAMPLES.name)
    assert parsed.errors == []
    assert len(parsed.records) == len(docs) == 24
    assert {e.event for e in parsed.records} == {
        "processed",
        "deferred",
        "delivered",
        "open",
        "click",
        "bounce",
        "dropped",
        "spamreport",
        "unsubscribe",
        "group_unsubscribe",
        "group_resubscribe",
    }
    bounce = next(e for e in parsed.records if e.event == "bounce")
    assert (bounce.reason, bounce.status) == ("500 unknown recipient", "5.0.0")
    deferred = next(e for e in parsed.records if e.event == "deferred")
    assert (deferred.attempt, deferred.response) == (5, "400 try again later")
    group = next(e for e in parsed.records if e.event == "group_unsubscribe")
    assert (group.asm_group_id, group.url) == (10, "http://www.sendgrid.com/")
    assert [e.category for e in parsed.records[11:14]] == [
        ["newuser"],
        ["olduser"],
        ["newuser", "transactional"],
    ]
    quirky = parsed.records[16]  # "Processed", timestamp as a string, custom args, no sg_event_id
    assert (quirky.event, quirky.timestamp) == ("processed", datetime(1973, 11, 29, 21, 33, 9))
    assert quirky.custom_args == {
        "New Argument 1": "New Value 1",
        "activationAttempt": "1",
        "customerAccountNumber": "55555",
    }
    assert quirky.source_record_id == f"{DOC_EXAMPLES.name}#17" and quirky.sg_event_id is None
    millis = parsed.records[17]  # single-send example gives timestamp in milliseconds
    assert millis.timestamp == datetime(2020, 6, 9, 18, 19, 12, 372000)
    click = parsed.records[-1]
    assert click.custom_args == {"unique_arg_key": "unique_arg_value"}  # newsletter/url_offset are SendGrid's


def test_json_lines_and_arrays_give_the_same_events() -> None:
    events = [_event(sg_event_id=f"ev{i}", timestamp=1709647331 + i) for i in range(3)]
    as_lines = parse_sendgrid_events(_lines(*events), "a.jsonl")
    as_array = parse_sendgrid_events(json.dumps(events, indent=2).encode(), "a.json")
    posts = parse_sendgrid_events(_lines(events[:2], events[2:]), "posts.jsonl")  # one POST a line
    assert as_lines.records == as_array.records == posts.records
    first = as_lines.records[0]
    assert (first.source_record_id, first.email, first.category, first.custom_args) == (
        "ev0",
        "lead@example.com",
        ["nurture"],
        {"lead_id": "L00042"},
    )
    assert first.timestamp == datetime(2024, 3, 5, 14, 2, 11)


def test_bad_lines_reported_good_ones_kept() -> None:
    data = _lines(
        _event(sg_event_id="ok1"),
        _event(sg_event_id="x", event="account_status_change"),
        "{not json",
        _event(sg_event_id="x", timestamp="yesterday"),
        "",
        _event(sg_event_id="x", email=None),
        '["not an object"]',
        _event(sg_event_id="x", category={"a": 1}),
        _event(sg_event_id="x", asm_group_id="ten"),
        _event(sg_event_id="ok2", event="Click", url="https://ex.com/book?t=abc"),
    )
    parsed = parse_sendgrid_events(data, "ev.jsonl")
    assert [e.source_record_id for e in parsed.records] == ["ok1", "ok2"]
    assert parsed.records[1].event == "click"
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "unknown event type"),
        (3, "invalid JSON (Expecting property name enclosed in double quotes)"),
        (4, "unparseable timestamp"),
        (6, "missing email"),
        (7, "expected a JSON object, got str"),
        (8, "category is neither a string nor a list of strings"),
        (9, "asm_group_id is not an integer"),
    ]


def test_array_positions_number_the_errors() -> None:
    data = json.dumps([_event(), _event(event="bogus"), 7]).encode()
    parsed = parse_sendgrid_events(data, "a.json")
    assert len(parsed.records) == 1
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "unknown event type"),
        (3, "expected a JSON object, got int"),
    ]


def test_non_utf8_line_reported_others_kept() -> None:
    data = (
        _lines(_event(sg_event_id="a"))
        + b"\n"
        + b'{"email": "caf\xe9"}'
        + b"\n"
        + _lines(_event(sg_event_id="b"))
    )
    parsed = parse_sendgrid_events(data, "ev.jsonl")
    assert [e.source_record_id for e in parsed.records] == ["a", "b"]
    assert [(e.line, e.reason) for e in parsed.errors] == [(2, "not valid UTF-8")]


def test_empty_file_is_a_format_error() -> None:
    with pytest.raises(SendgridFormatError, match="empty file"):
        parse_sendgrid_events(b"  \n", "ev.json")


def test_empty_array_is_an_empty_payload() -> None:
    parsed = parse_sendgrid_events(b"[]", "ev.json")
    assert parsed.records == [] and parsed.errors == []


def test_broken_array_is_a_format_error() -> None:
    with pytest.raises(SendgridFormatError, match="invalid JSON array"):
        parse_sendgrid_events(b'[{"event": "open"', "ev.json")


def test_wrong_columns_no_event_is_usable() -> None:
    other = _lines({"event_id": "w1", "ts": 1709647331, "event": "page_view", "token": "t", "url": "/"})
    with pytest.raises(SendgridFormatError, match="no usable SendGrid event"):
        parse_sendgrid_events(other, "web.jsonl")


def test_reasons_never_hold_the_email() -> None:
    parsed = parse_sendgrid_events(
        _lines(_event(), _event(event="nope", email="secret@example.com")), "e.jsonl"
    )
    assert parsed.errors and all("secret" not in e.reason for e in parsed.errors)
