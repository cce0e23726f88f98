"""The column-at-a-time email path (sendgrid_columns.plain_events_table) gives exactly the reference's table
(typed_events -> events_to_arrow) whenever it answers, and answers for the plain payloads real exports are
made of; parse_email's rows and line errors are the reference's for any payload."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.email import EVENTS, events_to_arrow, parse_email
from orchestration.ingest.framework import ParseContext
from orchestration.ingest.records import QuarantineFile
from orchestration.ingest.sendgrid_columns import plain_events_table
from orchestration.ingest.sendgrid_parse import parse_sendgrid_events, read_sendgrid_objects

_odd_text = st.sampled_from(["", "x", 'say "hi"', "back\\slash", "tab\there", "é", "\ud800", "\u2028"])
_odd = st.one_of(
    _odd_text, st.integers(-5, 2**70), st.floats(allow_nan=False), st.booleans(), st.none(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)  # fmt: skip
_events = st.lists(
    st.fixed_dictionaries(
        {
            "email": st.one_of(st.sampled_from(["a@example.com", "b@example.org"]), _odd),
            "event": st.one_of(st.sampled_from(["processed", "delivered", "open", "click", "bounce"]), _odd),
        },
        optional={
            "timestamp": st.one_of(
                st.integers(1_600_000_000, 1_800_000_000), _odd, st.just("2026-01-02T03:04:05Z")
            ),
            "sg_event_id": st.one_of(st.text(max_size=8), _odd),
            "sg_message_id": st.text(max_size=8),
            "lead_id": st.one_of(st.sampled_from(["L0000010", "L1"]), _odd),
            "campaign": _odd,
            "url": st.one_of(st.text(max_size=8), _odd),
            "category": st.one_of(st.text(max_size=5), st.lists(st.text(max_size=5), max_size=2), _odd),
            "asm_group_id": st.one_of(st.integers(0, 99), _odd),
            "attempt": st.one_of(st.sampled_from(["1", 2, "", None, 2.5]), _odd),
            "type": st.sampled_from(["bounce", "blocked", ""]),
            "smtp-id": st.text(max_size=6),
            "ip": st.text(max_size=6),
            "tls": st.integers(0, 1),
        },
    ),
    min_size=1,
    max_size=8,
)  # fmt: skip


_plain_text = st.one_of(st.none(), st.sampled_from(["", "x", "250 OK", "é"]), st.text(max_size=6))
# Values of the kinds exports hold (the column path answers for most of these payloads).
_plain_events = st.lists(
    st.fixed_dictionaries(
        {
            "email": st.sampled_from(["a@example.com", "b@example.org"]),
            "event": st.sampled_from(
                sorted(["processed", "delivered", "open", "click", "bounce", "deferred"])
            ),
            "timestamp": st.integers(0, 99_999_999_999),
            "lead_id": st.sampled_from(["L0000010", "L1", ""]),
        },
        optional={
            "sg_event_id": _plain_text,
            "sg_message_id": _plain_text,
            "url": _plain_text,
            "reason": _plain_text,
            "category": st.one_of(_plain_text, st.lists(st.text(max_size=4), max_size=3)),
            "asm_group_id": st.one_of(st.none(), st.integers(0, 99)),
            "attempt": st.sampled_from(["1", 2, "", None, "03"]),
            "type": _plain_text,
            "smtp-id": _plain_text,
            "useragent": _plain_text,
            "tls": st.integers(0, 1),
        },
    ),
    min_size=1,
    max_size=8,
)


def _reference(data: bytes, name: str) -> tuple[pa.Table | None, list] | str:
    try:
        parsed = parse_sendgrid_events(data, name)
    except QuarantineFile as exc:
        return str(exc)
    try:
        return (events_to_arrow(parsed.records) if parsed.records else None), parsed.errors
    except UnicodeEncodeError:
        return "unicode"


def _fast(path: Path) -> tuple[pa.Table | None, list] | str:
    try:
        parsed = parse_email(path, ParseContext(path.parent))
    except QuarantineFile as exc:
        return str(exc)
    except UnicodeEncodeError:
        return "unicode"
    rows = parsed.rows.get(next(iter(parsed.rows))) if parsed.rows else None
    return (rows.table if rows is not None else None), parsed.errors


def _same(got, expected) -> None:
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
        return
    (got_table, got_errors), (exp_table, exp_errors) = got, expected
    assert got_errors == exp_errors
    assert (got_table is None) == (exp_table is None)
    if got_table is not None:
        assert got_table.schema.equals(exp_table.schema)
        assert got_table.equals(exp_table)


def _check(tmp_path_factory: pytest.TempPathFactory, events: list[dict], array: bool) -> None:
    name = "ev.json" if array else "ev.jsonl"
    data = (json.dumps(events) if array else "\n".join(json.dumps(e) for e in events)).encode(
        "utf-8", "surrogatepass"
    )
    path = tmp_path_factory.mktemp("email") / name
    path.write_bytes(data)
    _same(_fast(path), _reference(data, name))


@pytest.mark.parametrize("attempt", [9.223372036854776e18, 2**63, -(2**63) - 1, 2**63 - 1])
def test_attempt_outside_bigint_fails_the_event_not_the_file(
    tmp_path_factory: pytest.TempPathFactory, attempt: float | int
) -> None:
    # hypothesis found 2**63 as a float crashing the Arrow conversion of the whole file (session 20's CI)
    event = {"email": "a@example.com", "event": "bounce", "timestamp": "2026-01-02T03:04:05Z"}
    for array in (False, True):
        _check(tmp_path_factory, [{**event, "attempt": attempt}, {**event, "attempt": 2}], array)
    path = tmp_path_factory.mktemp("email") / "ev.jsonl"
    path.write_text(json.dumps({**event, "attempt": attempt}) + "\n" + json.dumps({**event, "attempt": 2}))
    table, errors = _fast(path)
    fits = attempt == 2**63 - 1
    assert table.num_rows == (2 if fits else 1) and len(errors) == (0 if fits else 1)


@settings(max_examples=200, deadline=None)
@given(_events, st.booleans())
def test_parse_email_is_the_reference(
    tmp_path_factory: pytest.TempPathFactory, events: list[dict], array: bool
) -> None:
    _check(tmp_path_factory, events, array)


@settings(max_examples=200, deadline=None)
@given(_plain_events, st.booleans())
def test_plain_payloads_are_the_reference(
    tmp_path_factory: pytest.TempPathFactory, events: list[dict], array: bool
) -> None:
    _check(tmp_path_factory, events, array)


def test_plain_exports_take_the_column_path(tmp_path: Path) -> None:
    events = [
        {"email": "a@example.com", "timestamp": 1755116852, "event": "processed", "sg_event_id": "e1",
         "sg_message_id": "m1", "category": ["reminder", "clinic-a"], "lead_id": "L0000058",
         "smtp-id": "<x@y>"},
        {"email": "a@example.com", "timestamp": 1755116863, "event": "delivered", "sg_event_id": "e2",
         "sg_message_id": "m1", "category": "nurture", "lead_id": "L0000058", "response": "250 2.0.0 OK"},
        {"email": "a@example.com", "timestamp": 1755118286, "event": "deferred", "sg_event_id": "e3",
         "sg_message_id": "m1", "lead_id": "", "attempt": "2", "asm_group_id": 7},
        {"email": "b@example.com", "timestamp": 1755118300, "event": "bounce", "lead_id": "L1",
         "reason": "550 no such user", "status": "5.1.1", "type": "bounce", "tls": 1},
    ]  # fmt: skip
    data = "\n".join(json.dumps(e) for e in events).encode()
    objects, _ = read_sendgrid_objects(data, "ev.jsonl")
    table = plain_events_table(objects, "ev.jsonl", EVENTS.arrow_schema)
    assert table is not None
    expected, errors = _reference(data, "ev.jsonl")
    assert errors == []
    assert table.equals(expected)
    assert table.column("source_record_id").to_pylist()[3] == "ev.jsonl#4"
    assert table.column("lead_id").to_pylist() == ["L0000058", "L0000058", None, "L1"]


@pytest.mark.parametrize(
    "change",
    [
        {"event": "Processed"},
        {"email": ""},
        {"timestamp": "2026-01-02T03:04:05Z"},
        {"timestamp": 1_755_116_852_000},
        {"url": 5},
        {"category": ["a", 1]},
        {"attempt": True},
        {"campaign": "spring"},
        {"lead_id": 42},
        {"lead_id": 'say "hi"'},
    ],
)
def test_anything_unusual_takes_the_reference_path(change: dict) -> None:
    event = {"email": "a@example.com", "timestamp": 1755116852, "event": "open", "sg_event_id": "e1",
             "lead_id": "L1"} | change  # fmt: skip
    plain = {
        "email": "a@example.com",
        "timestamp": 1755116852,
        "event": "open",
        "sg_event_id": "e2",
        "lead_id": "L1",
    }
    objects, _ = read_sendgrid_objects(f"{json.dumps(plain)}\n{json.dumps(event)}\n".encode(), "ev.jsonl")
    assert plain_events_table(objects, "ev.jsonl", EVENTS.arrow_schema) is None
