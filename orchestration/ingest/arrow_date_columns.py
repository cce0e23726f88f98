"""Columns of text times and dates converted in bulk, only where the result is provably the one the
per-value Python conversion gives; every other value is left undecided for that conversion.

Web-form received_at values are all distinct (one submission a minute), so converting once per distinct
value does not help there: fromisoformat + astimezone cost ~4 us a row in Python. Fixed-width ISO texts
with an offset are read here as a byte matrix (numpy, a few microseconds a file, ~0.2 us a row); pyarrow's
strptime was tried and dropped: it rolls Feb 30 over to Mar 2, and its per-call cost (~20 calls a file of
a few hundred rows) was more than the Python it replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

_ISO_WIDTH = 25  # 2025-01-01T13:21:00-06:00
_FILLER = "0000-00-00T00:00:00+00:00"  # a value not decided here: fails the checks below
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24]
_MARKS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 22: ":"}
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _number(m: np.ndarray, start: int, width: int) -> np.ndarray:
    out = np.zeros(len(m), dtype=np.int64)
    for column in range(start, start + width):
        out = out * 10 + m[:, column]
    return out


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's days_from_civil)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _real_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _DAYS_IN_MONTH[np.clip(month, 1, 12) - 1] + ((month == 2) & leap)
    return (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)


def _fixed_width(text: str) -> str:
    """The text if it may be `YYYY-MM-DDTHH:MM:SS+HH:MM` (`Z` written as +00:00), else the filler."""
    if len(text) == _ISO_WIDTH and text.isascii():
        return text
    if len(text) == 20 and text[19] == "Z" and text.isascii():
        return text[:19] + "+00:00"
    return _FILLER


def iso_offset_utc(values: Sequence[Any]) -> tuple[pa.TimestampArray, np.ndarray] | None:
    """Naive UTC timestamps of `YYYY-MM-DDTHH:MM:SS+HH:MM` (or `Z`) texts, exactly what
    fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) gives, and the positions left undecided
    (any other shape or not a real time: another width, spaces, fractions, Feb 30, year 1 or 9999 whose
    UTC time Python cannot hold). None values stay null and decided; None when there is nothing to do."""
    if not values:
        return None
    texts = [_fixed_width(v) if type(v) is str else _FILLER for v in values]
    m = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), _ISO_WIDTH)
    ok = np.ones(len(texts), dtype=bool)
    for column, mark in _MARKS.items():
        ok &= m[:, column] == ord(mark)
    plus, minus = m[:, 19] == ord("+"), m[:, 19] == ord("-")
    ok &= plus | minus
    d = m.astype(np.int64) - ord("0")
    ok &= ((d[:, _DIGITS] >= 0) & (d[:, _DIGITS] <= 9)).all(axis=1)
    year, month, day = _number(d, 0, 4), _number(d, 5, 2), _number(d, 8, 2)
    hour, minute, second = _number(d, 11, 2), _number(d, 14, 2), _number(d, 17, 2)
    off_h, off_m = _number(d, 20, 2), _number(d, 23, 2)
    ok &= (year >= 2) & (year <= 9998) & _real_dates(year, month, day)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59) & (off_h <= 23) & (off_m <= 59)
    days = _days_from_civil(year, month, day)
    local_s = ((days * 24 + hour) * 60 + minute) * 60 + second
    utc_s = local_s - np.where(minus, -1, 1) * (off_h * 60 + off_m) * 60
    nulls = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    undecided = np.flatnonzero(~ok & ~nulls)
    stamps = pa.array(utc_s * 1_000_000, type=pa.int64(), mask=~ok).cast(pa.timestamp("us"))
    return stamps, undecided


_MONTHS = {**{str(n): n for n in range(1, 10)}, **{f"{n:02d}": n for n in range(1, 13)}}
_DAYS = {**{str(n): n for n in range(1, 10)}, **{f"{n:02d}": n for n in range(1, 32)}}
_NUMERIC_DATE = re.compile(r"%([mdY])([/.-])%([mdY])\2%([mdY])")


def numeric_date_parser(fmt: str) -> Callable[[str], date | None] | None:
    """For a format of %m, %d and %Y between one repeated separator, a function giving
    strptime(text, fmt).date() for the texts strptime's own patterns take (month 1-12 with or without a
    leading zero, day likewise, a four-digit year), or None for any other text (the caller then asks
    strptime). None for any other format."""
    shape = _NUMERIC_DATE.fullmatch(fmt)
    if shape is None or sorted(shape.group(1, 3, 4)) != ["Y", "d", "m"]:
        return None
    sep = shape.group(2)
    order = shape.group(1, 3, 4)
    year_at, month_at, day_at = order.index("Y"), order.index("m"), order.index("d")
    months, days = _MONTHS, _DAYS

    def parse(text: str) -> date | None:
        parts = text.split(sep)
        if len(parts) != 3:
            return None
        year, month, day = parts[year_at], months.get(parts[month_at]), days.get(parts[day_at])
        if month is None or day is None or len(year) != 4 or not (year.isascii() and year.isdigit()):
            return None
        try:
            return date(int(year), month, day)
        except ValueError:
            return None  # Feb 30, year 0: strptime decides (it raises)

    return parse


DateColumn = Callable[[Sequence[Any]], "tuple[pa.Date32Array, np.ndarray] | None"]


def numeric_date_column(fmt: str) -> DateColumn | None:
    """For a numeric_date_parser format, a whole-column conversion of its fixed-width texts (two-digit
    month and day, four-digit year: `07/04/1961`) to dates, exactly numeric_date_parser's result, with
    the positions left undecided (any other text or type: the caller's per-value conversion decides);
    None values stay null and decided (the conversions give None for them). None for other formats."""
    if numeric_date_parser(fmt) is None:
        return None
    shape = _NUMERIC_DATE.fullmatch(fmt)
    assert shape is not None  # numeric_date_parser took it
    order, sep = "".join(shape.group(1, 3, 4)), ord(shape.group(2))
    widths = {"Y": 4, "m": 2, "d": 2}
    starts, at = {}, 0
    for part in order:
        starts[part] = at
        at += widths[part] + 1
    seps = [starts[order[1]] - 1, starts[order[2]] - 1]
    digits = [i for i in range(10) if i not in seps]
    filler = "0" * 10  # fails the month check: undecided

    def convert(values: Sequence[Any]) -> tuple[pa.Date32Array, np.ndarray] | None:
        if not values:
            return None
        texts = [v if type(v) is str and len(v) == 10 and v.isascii() else filler for v in values]
        m = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), 10)
        ok = (m[:, seps[0]] == sep) & (m[:, seps[1]] == sep)
        d = m.astype(np.int64) - ord("0")
        ok &= ((d[:, digits] >= 0) & (d[:, digits] <= 9)).all(axis=1)
        year = _number(d, starts["Y"], 4)
        month, day = _number(d, starts["m"], 2), _number(d, starts["d"], 2)
        ok &= (year >= 1) & _real_dates(year, month, day)
        nulls = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        undecided = np.flatnonzero(~ok & ~nulls)
        days = np.where(ok, _days_from_civil(year, month, day), 0).astype(np.int32)
        return pa.array(days, type=pa.int32(), mask=~ok).cast(pa.date32()), undecided

    return convert
