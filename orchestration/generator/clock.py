"""Time helpers. The generator keeps instants as UTC epoch seconds and formats them per output."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from orchestration.generator.practice import Clinic


@lru_cache(maxsize=64)
def tz(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(ts: float, tz_name: str) -> datetime:
    return datetime.fromtimestamp(ts, tz(tz_name))


def at_local(d: date, minutes: int, tz_name: str) -> float:
    """Epoch seconds of a local wall-clock time on day d."""
    return datetime(d.year, d.month, d.day, minutes // 60, minutes % 60, tzinfo=tz(tz_name)).timestamp()


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(ts: float, tz_name: str) -> str:
    return local(int(ts), tz_name).isoformat()


def is_open(ts: float, clinic: Clinic) -> bool:
    dt = local(ts, clinic.timezone)
    span = clinic.open_by_weekday.get(dt.weekday())
    return span is not None and span[0] <= dt.hour * 60 + dt.minute < span[1]


def next_open(ts: float, clinic: Clinic) -> float:
    """ts itself if the clinic is open then, else its next opening time."""
    if is_open(ts, clinic):
        return ts
    dt = local(ts, clinic.timezone)
    minute = dt.hour * 60 + dt.minute
    d = dt.date()
    for k in range(8):
        span = clinic.open_by_weekday.get(d.weekday())
        if span and (k > 0 or minute < span[0]):
            return at_local(d, span[0], clinic.timezone)
        d = d + timedelta(days=1)
    return ts


def business_time(day: date, clinic: Clinic, rng: random.Random, slot: int = 1) -> float:
    """A random time within opening hours on day (or the next open day), on a slot-minute grid."""
    for _ in range(8):
        span = clinic.open_by_weekday.get(day.weekday())
        if span:
            lo, hi = span
            m = rng.randrange(lo, max(lo + 1, hi - 30))
            return at_local(day, m - m % slot, clinic.timezone)
        day = day + timedelta(days=1)
    return at_local(day, 9 * 60, clinic.timezone)
