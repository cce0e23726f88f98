"""HL7 v2 DTM field text -> (Hl7Time, naive UTC, its JSON) for the columnar path (hl7v2_columns), kept per
process and zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from orchestration.ingest.hl7v2_fields import get
from orchestration.ingest.hl7v2_rows import to_utc
from orchestration.ingest.hl7v2_segments import Hl7Time, parse_dtm

_CACHE_MAX = 50_000  # entries per zone (as hl7v2_columns' caches); cleared when full
NO_TIME = (None, None, "null")


class Times(dict):
    """DTM field text -> (Hl7Time, naive UTC, its JSON), kept per process and zone: an appointment's start
    repeats in 3-4 fields, and slot times and send times repeat across files. Keyed by the raw field; the
    value is read as Segment.get reads it (the Hl7Time is shared: nothing mutates it).

    Read as `times[raw]`: a dict, so a time seen before (nearly every one) is a subscript in C, no Python
    call; only a first sight runs __missing__ (1.2M reads at 100k leads: ~0.15 us each less than a
    __call__ that looked the dict up)."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__()
        self.zone = zone

    def __missing__(self, raw: str) -> tuple[Hl7Time | None, datetime | None, str]:
        if len(self) >= _CACHE_MAX:
            self.clear()
        t = _second_dtm(raw) if len(raw) == 19 else _NOT_FAST
        if t is _NOT_FAST:
            t = parse_dtm(get([raw], 0))
        hit = self[raw] = (t, to_utc(t, self.zone), time_json(t))
        return hit


_NOT_FAST = object()


def _second_dtm(raw: str) -> Hl7Time | object | None:
    """parse_dtm(get([raw], 0)) of YYYYMMDDHHMMSS+/-ZZZZ (what nearly every sender writes), or _NOT_FAST
    for any other text. Plain digits and a sign need none of get's reading (no delimiter, escape or space)
    and take parse_dtm's fast path: its steps here, without the calls."""
    if not (raw[14] in "+-" and raw.isascii() and raw[:14].isdigit() and raw[15:].isdigit()):
        return _NOT_FAST
    try:
        value = datetime(
            int(raw[:4]), int(raw[4:6]), int(raw[6:8]), int(raw[8:10]), int(raw[10:12]), int(raw[12:14])
        )
    except ValueError:
        return None
    hh, mm = int(raw[15:17]), int(raw[17:19])
    if hh > 14 or mm > 59:
        return None
    return Hl7Time(value, "second", (hh * 60 + mm) if raw[14] == "+" else -(hh * 60 + mm))


_TIMES: dict[ZoneInfo, Times] = {}


def times_in(zone: ZoneInfo) -> Times:
    times = _TIMES.get(zone)
    if times is None:
        times = _TIMES[zone] = Times(zone)
    return times


def time_json(t: Hl7Time | None) -> str:
    """_dumps(time_dict(t)) written directly (a first sight of every time paid the JSON encoder): the value
    prints as digits, '-', ':', ' ' and '.', the precision is a plain word, so nothing needs escaping."""
    if t is None:
        return "null"
    offset = "null" if t.offset_min is None else str(t.offset_min)
    return f'{{"value":"{t.value}","precision":"{t.precision}","offset_min":{offset}}}'


def time_dict(t: Hl7Time | None) -> dict[str, object] | None:
    return None if t is None else {"value": t.value, "precision": t.precision, "offset_min": t.offset_min}
