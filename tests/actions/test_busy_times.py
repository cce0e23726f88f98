"""open_slots on BusyTimes (load_busy_times' columns) frees exactly the slots it frees on BookedSlots
(load_booked_slots' rows), and the two reads describe the same bookings; an already time-ordered touch
timeline (TimeOrdered, what the warehouse read builds) gives the facts of the same touches sorted."""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.actions import warehouse_reads as reads
from orchestration.actions.busy_times import busy_by_therapist, epoch_us
from orchestration.actions.slots import BookedSlot, open_slots
from orchestration.actions.timeline import TimeOrdered, Touch, summarise
from orchestration.practice_config import Practice, load_practice_config
from tests.actions.conftest import make_lead

CONFIG = Path(__file__).resolve().parents[2] / "config"
AS_OF = datetime(2026, 3, 6, 13, 30)  # a Friday before a DST change in the northern zones


class _Busy:
    """The reference: a therapist's booked intervals as datetimes, asked by bisect (what open_slots used
    before BusyTimes): of the intervals starting before `end`, does the latest end pass `start`."""

    def __init__(self, intervals: list[tuple[datetime, datetime]]) -> None:
        ordered = sorted(intervals, key=lambda interval: interval[0])
        self.starts = [s for s, _ in ordered]
        self.latest_end = list(accumulate((e for _, e in ordered), max))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        before_end = bisect_left(self.starts, end)
        return before_end > 0 and self.latest_end[before_end - 1] > start


def _practice() -> Practice:
    return load_practice_config(CONFIG).practice


def _columns(booked: list[BookedSlot]) -> pa.Table:
    return pa.table(
        {
            "therapist_id": [b.therapist_id for b in booked],
            "start_us": pa.array([epoch_us(b.start_at) for b in booked], pa.int64()),
            "end_us": pa.array(
                [epoch_us(b.start_at + timedelta(minutes=b.duration_min)) for b in booked], pa.int64()
            ),
        }
    )


def _random_bookings(rng: random.Random, practice: Practice, n: int) -> list[BookedSlot]:
    """Bookings on the practice's therapists (and one unknown), on the quarter hour or odd minutes, with
    ties, overlaps, zero and long durations, unsorted."""
    ids = [t.id for t in practice.therapists] + ["NOT-A-THERAPIST"]
    out = []
    for _ in range(n):
        start = AS_OF + timedelta(minutes=rng.choice([15, 7, 60]) * rng.randint(-20, 16 * 24 * 4))
        out.append(BookedSlot(rng.choice(ids), start, rng.choice([0, 30, 45, 60, 60, 90, 240])))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_busy_times_free_the_slots_booked_slots_free(seed: int) -> None:
    rng = random.Random(seed)
    practice = _practice()
    booked = _random_bookings(rng, practice, rng.choice([0, 1, 5, 40, 400, 3000]))
    as_of = AS_OF + timedelta(minutes=rng.randint(0, 24 * 60))
    expected = open_slots(practice, booked, as_of, days=14)
    busy = busy_by_therapist(_columns(booked))
    assert open_slots(practice, (), as_of, days=14, busy_times=busy) == expected


def test_busy_times_answer_every_interval_as_the_python_intervals() -> None:
    rng = random.Random(7)
    booked = _random_bookings(rng, _practice(), 500)
    busy = busy_by_therapist(_columns(booked))
    for therapist, times in busy.items():
        intervals = [
            (b.start_at, b.start_at + timedelta(minutes=b.duration_min))
            for b in booked
            if b.therapist_id == therapist
        ]
        reference = _Busy(intervals)
        for _ in range(300):
            start = AS_OF + timedelta(minutes=rng.randint(-600, 16 * 24 * 60))
            end = start + timedelta(minutes=rng.choice([0, 1, 30, 60]))
            assert times.overlaps(start, end) == reference.overlaps(start, end)


def _warehouse(booked: list[tuple[str, datetime, int | None, str]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for schema in ("staging", "marts"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table staging.stg_ref__therapists as select * from (values "
        "('T1', 'Maria Gonzalez'), ('T2', 'Sam Lee')) as t(therapist_id, therapist_name)"
    )
    con.execute(
        "create table staging.stg_fhir__practitioners as select * from (values "
        "('pr-9', '1234567890', 'maria gonzalez')) as p(practitioner_id, npi, practitioner_name)"
    )
    con.execute(
        "create table marts.fct_appointments "
        "(practitioner_id varchar, start_at timestamp, duration_min integer, status varchar, "
        "appointment_id varchar)"
    )
    for n, (who, start, minutes, status) in enumerate(booked):
        con.execute(
            "insert into marts.fct_appointments values (?, ?, ?, ?, ?)",
            [who, start, minutes, status, f"A{n}"],
        )
    return con


def test_load_busy_times_reads_the_bookings_load_booked_slots_reads() -> None:
    until = AS_OF + timedelta(days=16)
    con = _warehouse(
        [
            ("T1", AS_OF + timedelta(hours=2), 45, "booked"),
            ("pr-9", AS_OF + timedelta(hours=2), None, "booked"),  # FHIR id of T1, default hour
            ("1234567890", AS_OF + timedelta(days=3), 30, "booked"),  # NPI of T1
            ("Sam Lee", AS_OF + timedelta(days=1, minutes=7), 90, "booked"),  # T2 by name
            ("T2", AS_OF + timedelta(days=2), 60, "cancelled"),
            ("T2", AS_OF - timedelta(minutes=1), 60, "booked"),  # before as-of
            ("T2", until, 60, "booked"),  # not before until
            ("nobody", AS_OF + timedelta(hours=3), 60, "booked"),
        ]
    )
    slots = reads.load_booked_slots(con, AS_OF, until=until)
    busy = reads.load_busy_times(con, AS_OF, until)
    assert sorted(busy) == ["T1", "T2"]
    expected = busy_by_therapist(_columns(slots))
    for therapist, times in busy.items():
        assert times.starts.tolist() == expected[therapist].starts.tolist()
        assert times.latest_end.tolist() == expected[therapist].latest_end.tolist()
    assert open_slots(_practice(), (), AS_OF, days=14, busy_times=busy) == open_slots(
        _practice(), slots, AS_OF, days=14
    )


def test_no_practitioner_table_reads_no_busy_times() -> None:
    assert reads.load_busy_times(duckdb.connect(), AS_OF, AS_OF + timedelta(days=1)) == {}


@pytest.mark.parametrize("seed", range(20))
def test_time_ordered_touches_give_the_sorted_touches_facts(seed: int, ctx) -> None:
    rng = random.Random(seed)
    kinds = [
        ("call", "outbound", "no answer", None),
        ("call", "outbound", "completed", None),
        ("sms", "outbound", "delivered", None),
        ("sms", "inbound", "received", "stop"),
        ("sms", "inbound", "received", "start"),
        ("email", None, "processed", None),
        ("email", None, "open", None),
        ("web", None, "scheduling_view", None),
        ("outcome", None, "no_answer", None),
        ("call", "inbound", "completed", None),
    ]
    base = datetime(2025, 3, 10, 15, 0)
    touches = [
        Touch(base + timedelta(minutes=rng.choice([0, 30, 60]) * rng.randint(0, 40)), *rng.choice(kinds))
        for _ in range(rng.randint(0, 25))
    ]
    ordered = sorted(touches, key=lambda t: t.at)  # stable: ties keep their order, as the read's sort
    as_of = base + timedelta(hours=rng.randint(0, 24))
    plain = summarise(make_lead(touches=tuple(ordered)), as_of, ctx.compliance, ctx.unanswered)
    marked = summarise(make_lead(touches=TimeOrdered(ordered)), as_of, ctx.compliance, ctx.unanswered)
    assert marked == plain
    assert TimeOrdered(ordered) == tuple(ordered)
