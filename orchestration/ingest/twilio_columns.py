"""Twilio message-log rows -> `raw.sms_messages` as Arrow, a column at a time, when every row is plain.

The reference (twilio_parse._message per row, then RawTable's tuple transpose) strips, checks and
converts each field of each row in Python. Here the rows are transposed once and each column is done as a
whole: the few distinct values of low-cardinality columns (Status, Direction, NumSegments, Price, ...) are
converted once each and mapped, the others go through str.strip by map(); SentDate is read by
fromisoformat and put into UTC by Arrow (naive values taken as UTC, as the reference does). A file is
"plain" when no row has an error the reference would report (missing Sid, unknown Direction / Status,
SentDate fromisoformat cannot read, non-integer NumSegments / ErrorCode, non-numeric Price); otherwise
None, and the caller types the file row by row with the reference (twilio_parse.typed_rows), which says
which rows and why. tests/ingest/test_sms_columns.py checks both give the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from orchestration.ingest.twilio_parse import COLUMNS, DIRECTIONS, STATUSES, _opt_keyword
from orchestration.ingest.web_events_columns import within_python_years

_DIRECTIONS = frozenset(DIRECTIONS)
_STATUSES = frozenset(STATUSES)
_UTC = pa.timestamp("us", tz="UTC")
_NAIVE = pa.timestamp("us")
# A column whose first _PROBE values hold at most 1/_MAP_BELOW distinct ones converts each distinct value
# once, then maps; others (ids, numbers, dates) convert value by value without hashing them into a set.
_PROBE = 256
_MAP_BELOW = 4


class _NotPlain(Exception):
    """Some row needs the reference (it is an error there, or a value this path does not read)."""


def _column(values: Sequence[str], convert: Callable[[str], Any]) -> Sequence[Any]:
    """convert(v) for every value; raises _NotPlain when convert does (ValueError, TypeError)."""
    try:
        if len(set(values[:_PROBE])) * _MAP_BELOW > min(len(values), _PROBE):  # ids, numbers, dates
            return list(map(convert, values))
        distinct = set(values)
        mapping = {v: convert(v) for v in distinct}
    except (ValueError, TypeError):
        raise _NotPlain from None
    if all(mapping[v] is v for v in distinct):
        return values
    return [mapping[v] for v in values]


def _one_of(allowed: frozenset[str]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError
        return value

    return convert


def _sid(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValueError
    return value


def _digits(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError
    return int(value)  # ValueError for digits int() refuses (e.g. superscripts): the reference's call


def _price(text: str) -> float | None:
    value = text.strip()
    return float(value) if value else None


def _optional(text: str) -> str | None:
    return text.strip() or None


def _sent_at(text: str) -> datetime | None:
    value = text.strip()
    return datetime.fromisoformat(value) if value else None  # RFC 2822 and the rest: the reference


def plain_messages_table(header: list[str], rows: list[list[str]], schema: pa.Schema) -> pa.Table | None:
    """The raw table of these rows (in `schema`, SmsMessage's), or None when any row is not plain."""
    if not rows:
        return None
    columns = list(zip(*rows, strict=True))
    (from_, to, body, status, sent, api, segments, error, account, sid, direction, price, unit) = (
        columns[header.index(name)] for name in COLUMNS
    )
    try:
        sids = _column(sid, _sid)
        directions = _column(direction, _one_of(_DIRECTIONS))
        statuses = _column(status, _one_of(_STATUSES))
        sent_at = _column(sent, _sent_at)
        segment_counts = _column(segments, _digits)
        error_codes = _column(error, _digits)
        prices = _column(price, _price)
    except _NotPlain:
        return None
    sent_utc = pa.array(sent_at, _UTC).cast(_NAIVE)
    if not within_python_years(sent_utc):
        return None
    keywords = [
        _opt_keyword(text) if d == "inbound" else None for text, d in zip(body, directions, strict=True)
    ]
    values = {
        "source_record_id": sids,
        "from_number": _column(from_, str.strip),
        "to_number": _column(to, str.strip),
        "body": body,
        "status": statuses,
        "sent_at": sent_utc,
        "api_version": _column(api, _optional),
        "num_segments": segment_counts,
        "error_code": error_codes,
        "account_sid": _column(account, _optional),
        "direction": directions,
        "price": prices,
        "price_unit": _column(unit, _optional),
        "opt_keyword": keywords,
    }
    arrays = [
        column if isinstance(column, pa.Array) else pa.array(column, type=field.type)
        for column, field in ((values[field.name], field) for field in schema)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)
