"""Email events go to Arrow straight from the parsed SendGrid events (events_to_arrow): the same table as
the EmailEvent records (flatten_event) give through the raw table's own conversion, custom args JSON
included whatever their text holds."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.email import EVENTS, custom_args_json, events_to_arrow, flatten_event
from orchestration.ingest.sendgrid_parse import parse_sendgrid_events

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["L0000010", 'say "hi"', "back\\slash", "tab\there", "\u2028", "é", "\ud800", ""]),
)
_value = st.one_of(_text, st.integers(), st.booleans(), st.none(), st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_text, _text, max_size=4))
def test_custom_args_json_is_the_encoders(args: dict[str, str]) -> None:
    assert custom_args_json(args) == (_dumps(args) if args else None)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "email": st.sampled_from(["a@example.com", "b@example.org"]),
                "timestamp": st.integers(1_600_000_000, 1_800_000_000),
                "event": st.sampled_from(["processed", "delivered", "open", "click", "bounce", "Processed"]),
            },
            optional={
                "sg_event_id": st.text(max_size=8),
                "lead_id": _text,
                "campaign": _value,
                "url": st.text(max_size=8),
                "category": st.one_of(st.text(max_size=5), st.lists(st.text(max_size=5), max_size=2)),
                "asm_group_id": st.integers(0, 99),
                "attempt": st.sampled_from(["1", 2, ""]),
                "ip": st.text(max_size=6),
            },
        ),
        min_size=1,
        max_size=8,
    )
)
def test_events_to_arrow_is_the_records_table(events: list[dict]) -> None:
    data = "\n".join(json.dumps(e) for e in events).encode()
    parsed = parse_sendgrid_events(data, "ev.jsonl")
    try:
        expected = EVENTS.to_arrow([flatten_event(e) for e in parsed.records])
    except UnicodeEncodeError:  # a lone surrogate Arrow cannot hold: both ways fail the same
        try:
            events_to_arrow(parsed.records)
        except UnicodeEncodeError:
            return
        raise AssertionError("events_to_arrow stored what the records' table could not") from None
    got = events_to_arrow(parsed.records)
    assert got.schema.equals(expected.schema)
    assert got.equals(expected)
