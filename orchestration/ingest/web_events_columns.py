"""Web events -> `raw.web_events` as Arrow, a column at a time, when every event of a file is plain.

The reference (web_events_parse._web_event per line, then the raw table's record transpose) types each
event in Python. Here each line's five keys are read in one pass and transposed; pa.array checks the text
columns (it refuses any JSON value but a string or null) and Arrow compute the rest; `ts` is read by
fromisoformat and put into UTC by Arrow (naive values taken as UTC, as instant_to_utc does). A file is
"plain" when every `event_id` is non-empty text, every `event` a known type, every `ts` ISO 8601 text
with a "T" (never the unix-seconds text instant_to_utc reads as a number), and token / url text or null.
Anything else returns None and the caller takes the reference path for the whole file, so errors and odd
values keep exactly the reference's handling (tests/ingest/test_web_columns.py: both give the same table).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.arrow_constants import null_text, sorted_strings
from orchestration.ingest.web_events_parse import EVENT_TYPES

_KEYS = ("event_id", "ts", "event", "token", "url")
_UTC = pa.timestamp("us", tz="UTC")
_NAIVE = pa.timestamp("us")
_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
# A day inside Python's years: an offset time at the very edge overflows astimezone in the reference.
_FIRST_US, _LAST_US = (datetime(1, 1, 2) - _EPOCH) // _US, (datetime(9999, 12, 30) - _EPOCH) // _US


def within_python_years(stamps: pa.Array) -> bool:
    """Whether every (UTC) time is at least a day inside years 1-9999, where the reference's astimezone
    cannot overflow (outside it the reference reports the value or fails: it decides)."""
    bounds = pc.min_max(stamps.cast(pa.int64()))
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return low is None or (low >= _FIRST_US and high <= _LAST_US)


def _texts(values: tuple) -> pa.Array | None:
    """Arrow strings of str-or-null values (None when any is another JSON value)."""
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowException, TypeError, ValueError):  # ValueError: a lone surrogate
        return None


def _empty_as_null(array: pa.Array) -> pa.Array:
    if array.null_count == len(array):
        return array
    empty = pc.equal(array, "")
    return pc.if_else(empty, null_text(), array) if pc.any(empty).as_py() else array


def plain_events_table(objects: list[tuple[int, dict[str, Any]]], schema: pa.Schema) -> pa.Table | None:
    """The raw table of these events (in `schema`, WebEvent's), or None when any event is not plain."""
    if not objects:
        return None
    # Every key of one event, then the next (column by column re-reads each dict from memory).
    event_ids, stamps, events, tokens, urls = zip(
        *[tuple(map(obj.get, _KEYS)) for _, obj in objects], strict=True
    )
    ids = _texts(event_ids)
    if ids is None or ids.null_count or pc.any(pc.equal(ids, "")).as_py():
        return None
    kinds = _texts(events)
    if kinds is None or kinds.null_count or not pc.all(pc.is_in(kinds, sorted_strings(EVENT_TYPES))).as_py():
        return None
    ts_text = _texts(stamps)
    if ts_text is None or ts_text.null_count or not pc.all(pc.match_substring(ts_text, "T")).as_py():
        return None
    try:
        ts = pa.array(list(map(datetime.fromisoformat, stamps)), _UTC).cast(_NAIVE)
    except ValueError:  # not ISO 8601 as fromisoformat reads it (e.g. padded): the reference decides
        return None
    if not within_python_years(ts):
        return None
    token_text, url_text = _texts(tokens), _texts(urls)
    if token_text is None or url_text is None:
        return None
    columns = {
        "source_record_id": ids,
        "ts": ts,
        "event": kinds,
        "token": _empty_as_null(token_text),
        "url": _empty_as_null(url_text),
    }
    return pa.Table.from_arrays([columns[field.name] for field in schema], schema=schema)
