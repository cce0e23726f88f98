"""The column-at-a-time web path (web_events_columns.plain_events_table) gives exactly the reference's table
(typed_events -> the raw table's record conversion) whenever it answers, and answers for plain files;
parse_web's rows and line errors are the reference's for any file."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.framework import ParseContext
from orchestration.ingest.records import QuarantineFile
from orchestration.ingest.web import EVENTS, parse_web
from orchestration.ingest.web_events_columns import plain_events_table
from orchestration.ingest.web_events_parse import parse_web_events, read_web_objects

_odd = st.one_of(
    st.sampled_from(["", " ", "x", "\ud800", "1700000000", "20250813", "20250813T205246Z"]),
    st.integers(-5, 2**40), st.floats(allow_nan=False), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=1),
)  # fmt: skip
_ts = st.sampled_from(
    ["2025-08-13T20:52:46Z", "2025-03-09T01:59:00-06:00", "2025-08-13T20:52:46.250", " 2025-08-13T20:52:46Z",
     "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00", "0001-01-01T05:00:00", "2025-02-30T00:00:00"]
)  # fmt: skip
_event = st.fixed_dictionaries(
    {
        "event_id": st.one_of(st.sampled_from(["62b0f720", "586b0b01", "e3"]), st.text(max_size=4)),
        "event": st.sampled_from(["page_view", "scheduling_view", "booking_started", "booking_completed"]),
    },
    optional={
        "ts": st.one_of(_ts, st.datetimes().map(lambda d: d.isoformat())),
        "token": st.one_of(st.none(), st.sampled_from(["x2PtfxE1DP", ""]), st.text(max_size=4)),
        "url": st.one_of(st.none(), st.just("https://example.com/s?t=x"), st.text(max_size=6)),
    },
)
_odd_event = st.tuples(_event, st.sampled_from(["event_id", "event", "ts", "token", "url"]), _odd).map(
    lambda t: t[0] | {t[1]: t[2]}
)


def _reference(data: bytes) -> tuple[pa.Table | None, list] | str:
    try:
        parsed = parse_web_events(data, "w.jsonl")
    except QuarantineFile as exc:
        return str(exc)
    try:
        return (EVENTS.to_arrow(parsed.records) if parsed.records else None), parsed.errors
    except UnicodeEncodeError:
        return "unicode"


def _fast(path: Path) -> tuple[pa.Table | None, list] | str:
    try:
        parsed = parse_web(path, ParseContext(path.parent))
    except QuarantineFile as exc:
        return str(exc)
    try:
        rows = parsed.rows.get(EVENTS)
        return (EVENTS.to_arrow(rows) if rows else None), parsed.errors
    except UnicodeEncodeError:
        return "unicode"


def _check(tmp_path_factory: pytest.TempPathFactory, events: list[dict]) -> None:
    data = "\n".join(json.dumps(e) for e in events).encode("utf-8", "surrogatepass")
    path = tmp_path_factory.mktemp("web") / "w.jsonl"
    path.write_bytes(data)
    got, expected = _fast(path), _reference(data)
    if isinstance(got, str) or isinstance(expected, str):
        assert got == expected
        return
    assert got[1] == expected[1]
    assert (got[0] is None) == (expected[0] is None)
    if got[0] is not None:
        assert got[0].equals(expected[0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_event, _odd_event), min_size=1, max_size=6))
def test_parse_web_is_the_reference(tmp_path_factory: pytest.TempPathFactory, events: list[dict]) -> None:
    _check(tmp_path_factory, events)


@settings(max_examples=200, deadline=None)
@given(st.lists(_event, min_size=1, max_size=6))
def test_plain_files_are_the_reference(tmp_path_factory: pytest.TempPathFactory, events: list[dict]) -> None:
    _check(tmp_path_factory, events)


def test_plain_file_takes_the_column_path() -> None:
    events = [
        {"event_id": "a1", "ts": "2025-08-13T20:52:46Z", "event": "page_view", "token": "x2Pt", "url": "https://e.x/s"},
        {"event_id": "a2", "ts": "2025-03-09T01:59:00-06:00", "event": "booking_started", "token": ""},
        {"event_id": "a3", "ts": "2025-08-13T20:52:46.250", "event": "booking_completed", "url": None},
    ]  # fmt: skip
    objects, _ = read_web_objects("\n".join(json.dumps(e) for e in events).encode(), "w.jsonl")
    table = plain_events_table(objects, EVENTS.arrow_schema)
    assert table is not None
    assert table.equals(
        EVENTS.to_arrow(parse_web_events("\n".join(json.dumps(e) for e in events).encode(), "w").records)
    )
    assert table.column("token").to_pylist() == ["x2Pt", None, None]


@pytest.mark.parametrize(
    "change",
    [{"event_id": 7}, {"event_id": ""}, {"event": "click"}, {"ts": "1755116852"}, {"ts": 1755116852},
     {"ts": " 2025-08-13T20:52:46Z"}, {"ts": "0001-01-01T00:00:00+01:00"}, {"token": 5}, {"url": ["x"]}],
)  # fmt: skip
def test_anything_unusual_takes_the_reference_path(change: dict) -> None:
    plain = {"event_id": "a1", "ts": "2025-08-13T20:52:46Z", "event": "page_view"}
    data = f"{json.dumps(plain)}\n{json.dumps(plain | change)}\n".encode()
    objects, _ = read_web_objects(data, "w.jsonl")
    assert plain_events_table(objects, EVENTS.arrow_schema) is None
