"""The next actions read the bookings that start before as-of + SLOT_DAYS + 2 days only: a later one
overlaps no open slot of the next SLOT_DAYS local days, in any time zone, at any hour of as-of."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from orchestration.actions.assets import SLOT_DAYS
from orchestration.actions.slots import BookedSlot, open_slots
from orchestration.practice_config import Practice, load_practice_config

CONFIG = Path(__file__).resolve().parents[2] / "config"
ZONES = ["Pacific/Kiritimati", "Asia/Tokyo", "Europe/London", "America/New_York", "Pacific/Honolulu"]


def _practice(zone: str) -> Practice:
    practice = load_practice_config(CONFIG).practice.model_copy(deep=True)
    for clinic in practice.clinics:
        clinic.timezone = zone
        clinic.hours = {day: "00:00-23:59" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return practice


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("hour", [0, 5, 11, 17, 23])
def test_later_bookings_change_no_open_slot(zone: str, hour: int) -> None:
    practice = _practice(zone)
    as_of = datetime(2026, 3, 7, hour, 30)  # a weekend before a DST change in the northern zones
    # every therapist booked every 5 hours for 30 days, half an hour long, from a day before as-of
    booked = [
        BookedSlot(t.id, as_of - timedelta(days=1) + timedelta(hours=5 * n + i), 30)
        for i, t in enumerate(practice.therapists)
        for n in range(30 * 24 // 5)
    ]
    until = as_of + timedelta(days=SLOT_DAYS + 2)
    read = [b for b in booked if b.start_at >= as_of and b.start_at < until]  # what the read returns
    every = [b for b in booked if b.start_at >= as_of]
    assert len(read) < len(every)
    assert open_slots(practice, read, as_of, days=SLOT_DAYS) == open_slots(
        practice, every, as_of, days=SLOT_DAYS
    )
