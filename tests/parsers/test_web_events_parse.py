"""Web events JSON Lines: ISO or unix timestamps, allowed event types, bad lines by number."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.web_events_parse import EVENT_TYPES, WebEventsFormatError, parse_web_events


def _line(**over) -> str:
    event = {
        "event_id": "w1",
        "ts": "2024-03-05T14:02:11Z",
        "event": "scheduling_view",
        "token": "tk9",
        "url": "/s",
    }
    event.update(over)
    return json.dumps(event)


@pytest.mark.parametrize(
    "ts",
    [
        "2024-03-05T14:02:11Z",
        "2024-03-05T08:02:11-06:00",
        "2024-03-05 14:02:11",
        1709647331,
        1709647331000,
        "1709647331",
    ],
)
def test_timestamps_iso_or_unix_become_naive_utc(ts) -> None:
    (e,) = parse_web_events(_line(ts=ts).encode(), "web.jsonl").records
    assert e.ts == datetime(2024, 3, 5, 14, 2, 11)


def test_every_event_type_is_kept_with_token_and_url() -> None:
    data = "\n".join(_line(event_id=f"w{i}", event=t) for i, t in enumerate(sorted(EVENT_TYPES))).encode()
    parsed = parse_web_events(data, "web.jsonl")
    assert [e.event for e in parsed.records] == sorted(EVENT_TYPES)
    assert {(e.token, e.url) for e in parsed.records} == {("tk9", "/s")}


def test_anonymous_events_have_no_token() -> None:
    (e,) = parse_web_events(_line(token=None).encode() + b"\n", "web.jsonl").records
    assert e.token is None


def test_bad_lines_reported_good_ones_kept() -> None:
    lines = [
        _line(event_id="ok1"),
        _line(event_id="x", event="add_to_cart"),
        "[1, 2]",
        "",
        _line(event_id="x", ts="soon"),
        _line(event_id=None),
        json.dumps({"event_id": "x", "event": "page_view"}),
        _line(event_id="x", token=5),
        "{broken",
        _line(event_id="ok2", event="booking_completed"),
    ]
    parsed = parse_web_events("\n".join(lines).encode(), "web.jsonl")
    assert [e.source_record_id for e in parsed.records] == ["ok1", "ok2"]
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "unknown event type"),
        (3, "expected a JSON object, got list"),
        (5, "unparseable ts"),
        (6, "missing event_id"),
        (7, "missing ts"),
        (8, "token is not a string"),
        (9, "invalid JSON (Expecting property name enclosed in double quotes)"),
    ]


def test_non_utf8_line_reported() -> None:
    data = _line(event_id="a").encode() + b"\n" + b'{"url": "/caf\xe9"}\n' + _line(event_id="b").encode()
    parsed = parse_web_events(data, "web.jsonl")
    assert [e.source_record_id for e in parsed.records] == ["a", "b"]
    assert [(e.line, e.reason) for e in parsed.errors] == [(2, "not valid UTF-8")]


def test_empty_file_is_a_format_error() -> None:
    with pytest.raises(WebEventsFormatError, match="empty file"):
        parse_web_events(b"", "web.jsonl")


def test_wrong_columns_is_a_format_error() -> None:
    sendgrid = json.dumps({"email": "a@b.c", "timestamp": 1709647331, "event": "open", "sg_event_id": "e"})
    with pytest.raises(WebEventsFormatError, match="no line is a web event"):
        parse_web_events((sendgrid + "\n" + sendgrid).encode(), "email.jsonl")


@settings(max_examples=100, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    )
)
def test_iso_and_unix_forms_of_one_moment_agree(moment: datetime) -> None:
    unix = int(moment.replace(tzinfo=UTC).timestamp())
    lines = [_line(event_id="a", ts=moment.isoformat() + "Z"), _line(event_id="b", ts=unix)]
    a, b = parse_web_events("\n".join(lines).encode(), "web.jsonl").records
    assert a.ts == b.ts == moment


def test_lines_holding_several_values_or_running_over_are_errors() -> None:
    # The parser first decodes all lines in one call; these shapes must still be caught line by line.
    lines = [
        _line(event_id="ok1"),
        _line(event_id="a") + "," + _line(event_id="b"),
        '{"event_id": "c", "ts": [1',
        '2], "event": "page_view"}',
        "0",
        _line(event_id="ok2"),
    ]
    parsed = parse_web_events("\n".join(lines).encode(), "web.jsonl")
    assert [e.source_record_id for e in parsed.records] == ["ok1", "ok2"]
    assert [e.line for e in parsed.errors] == [2, 3, 4, 5]


def test_batch_and_line_by_line_decoding_agree() -> None:
    lines = [_line(event_id=f"w{i}", ts=1709647331 + i) for i in range(50)]
    together = parse_web_events("\n".join(lines).encode(), "web.jsonl").records
    alone = [parse_web_events(line.encode(), "web.jsonl").records[0] for line in lines]
    assert together == alone
