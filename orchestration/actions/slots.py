"""Evaluation slots: the 3 best open slots per lead, and a ranked waitlist when a booked slot is freed.

Therapist schedules come from `practice.yaml`: a therapist's optional `schedule:` ({mon: "08:00-16:00",
...}) else the clinic's `hours`. Open slots = schedule in `slot_minutes` steps minus booked appointments.
Ranking: specialty match for the lead's diagnosis group, distance to the clinic, time-of-day preference,
then the earliest start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from orchestration.actions.busy_times import BusyTimes, epoch_us
from orchestration.actions.compliance import zone
from orchestration.actions.timeline import LeadInput
from orchestration.practice_config import Practice

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Which therapist specialty serves which diagnosis group best: the shipped diagnosis_groups.yaml groups.
# A group's own `specialty:` key in diagnosis_groups.yaml overrides this (`specialty_by_group`), so a
# practice's own groups match too; a group named after a specialty (sports, geriatric, ...) maps to it.
DEFAULT_SPECIALTY = "orthopedic"
SPECIALTY_FOR_GROUP: dict[str, str] = {
    "knee_post_op": "post_surgical",
    "knee": "orthopedic",
    "shoulder": "orthopedic",
    "spine_lumbar": "spine",
    "spine_cervical": "spine",
    "hip": "orthopedic",
    "ankle_foot": "orthopedic",
    "vestibular": "vestibular",
    "neuro": "neuro",
    "pelvic": "pelvic_health",
    "general": "orthopedic",
    **{name: name for name in ("post_surgical", "spine", "pelvic_health", "sports", "geriatric")},
}
PREFERENCE_HOURS = {
    "morning": (time(6), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(22)),
}


@dataclass(frozen=True, slots=True)
class Slot:
    therapist_id: str
    therapist_name: str
    clinic_id: str
    start_at: datetime  # naive UTC
    local_start: datetime  # clinic local, naive, for display
    specialties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """What ranking needs about a lead (no PHI)."""

    lead_id: str
    clinic_id: str
    diagnosis_group: str | None = None
    time_preference: str | None = None  # morning | afternoon | evening
    distance_km_by_clinic: dict[str, float] | None = None
    priority_tier: str = "standard"
    expected_value: float = 0.0
    specialty: str | None = None  # wanted therapist specialty; None: SPECIALTY_FOR_GROUP of the group


def wanted_specialty(req: SlotRequest) -> str:
    """The therapist specialty that serves this lead best (the practice's mapping, else the default)."""
    return req.specialty or SPECIALTY_FOR_GROUP.get(req.diagnosis_group or "", DEFAULT_SPECIALTY)


def specialty_by_group(groups: Iterable[object]) -> dict[str, str]:
    """Group id -> specialty: the defaults, overridden by each diagnosis group's optional `specialty`."""
    out = dict(SPECIALTY_FOR_GROUP)
    for group in groups:
        extra = getattr(group, "model_extra", None) or {}
        if extra.get("specialty"):
            out[str(group.id)] = str(extra["specialty"])  # type: ignore[attr-defined]
    return out


@dataclass(frozen=True, slots=True)
class BookedSlot:
    therapist_id: str
    start_at: datetime  # naive UTC
    duration_min: int = 60


def _parse_hours(text: str) -> tuple[time, time]:
    start, end = text.split("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def busy_of_bookings(booked: Iterable[BookedSlot]) -> dict[str, BusyTimes]:
    """The bookings per therapist as BusyTimes: what warehouse_reads.load_busy_times reads as columns."""
    per: dict[str, tuple[list[int], list[int]]] = {}
    for b in booked:
        starts, ends = per.setdefault(b.therapist_id, ([], []))
        starts.append(epoch_us(b.start_at))
        ends.append(epoch_us(b.start_at + timedelta(minutes=b.duration_min)))
    return {t: BusyTimes.of(np.array(s, np.int64), np.array(e, np.int64)) for t, (s, e) in per.items()}


def open_slots(
    practice: Practice,
    booked: Iterable[BookedSlot],
    start: datetime,
    days: int = 14,
    slot_minutes: int = 60,
    busy_times: Mapping[str, BusyTimes] | None = None,
) -> list[Slot]:
    """Every free slot of every therapist from naive-UTC `start` for `days` days, in time order. The
    bookings come as `booked`, or as `busy_times` per therapist (load_busy_times; `booked` is then unread)."""
    clinics = {c.id: c for c in practice.clinics}
    if busy_times is None:
        busy_times = busy_of_bookings(booked)
    nothing_booked = BusyTimes.of(np.zeros(0, np.int64), np.zeros(0, np.int64))
    step = timedelta(minutes=slot_minutes)
    out: list[Slot] = []
    for therapist in practice.therapists:
        clinic = clinics[therapist.clinic]
        tz = zone(clinic.timezone)
        hours = (therapist.model_extra or {}).get("schedule") or clinic.hours
        busy = busy_times.get(therapist.id, nothing_booked)
        local_day: date = start.replace(tzinfo=UTC).astimezone(tz).date()
        for offset in range(days):
            day = local_day + timedelta(days=offset)
            window = hours.get(DAYS[day.weekday()])
            if not window:
                continue
            open_at, close_at = _parse_hours(window)
            at = datetime.combine(day, open_at, tzinfo=tz)
            close = datetime.combine(day, close_at, tzinfo=tz)
            while at + step <= close:
                utc = at.astimezone(UTC).replace(tzinfo=None)
                end = utc + step
                if utc >= start and not busy.overlaps(utc, end):
                    out.append(
                        Slot(
                            therapist.id,
                            therapist.name,
                            clinic.id,
                            utc,
                            at.replace(tzinfo=None),
                            tuple(therapist.specialties),
                        )
                    )
                at += step
    out.sort(key=lambda s: (s.start_at, s.therapist_id))
    return out


def _slot_rank(slot: Slot, req: SlotRequest) -> tuple[float, ...]:
    specialty_miss = 0 if wanted_specialty(req) in slot.specialties else 1
    distance = (req.distance_km_by_clinic or {}).get(
        slot.clinic_id, 0.0 if slot.clinic_id == req.clinic_id else 50.0
    )
    pref_miss = 0
    if req.time_preference in PREFERENCE_HOURS:
        lo, hi = PREFERENCE_HOURS[req.time_preference]
        pref_miss = 0 if lo <= slot.local_start.time() < hi else 1
    # Distance in 10 km bands so a slightly nearer clinic does not beat a much sooner slot.
    return (specialty_miss, distance // 10, pref_miss, slot.start_at.timestamp())


def best_slots(req: SlotRequest, slots: list[Slot], n: int = 3) -> list[Slot]:
    """The n best slots for one lead, at most one per day and therapist so the offer is a real choice."""
    chosen: list[Slot] = []
    seen: set[tuple[str, date]] = set()
    for slot in sorted(slots, key=lambda s: _slot_rank(s, req)):
        key = (slot.therapist_id, slot.local_start.date())
        if key in seen:
            continue
        seen.add(key)
        chosen.append(slot)
        if len(chosen) == n:
            break
    return chosen


def infer_time_preference(inbound_at: Iterable[datetime], timezone: str) -> str | None:
    """The part of day (morning/afternoon/evening) holding most of the lead's own touches (web visits,
    calls and texts they started), when at least 2 touches and a strict majority agree; else None."""
    parts: Counter[str] = Counter()
    tz = zone(timezone)
    for at in inbound_at:
        clock = at.replace(tzinfo=UTC).astimezone(tz).time()
        for name, (lo, hi) in PREFERENCE_HOURS.items():
            if lo <= clock < hi:
                parts[name] += 1
    total = sum(parts.values())
    if total < 2:
        return None
    name, count = parts.most_common(1)[0]
    return name if count * 2 > total else None


def offer_slots(
    leads: Iterable[LeadInput],
    slots: list[Slot],
    inbound: Mapping[str, Iterable[datetime]] | None = None,
    specialties: Mapping[str, str] | None = None,
) -> dict[str, list[Slot]]:
    """The 3 best slots at each lead's clinic (any clinic if it has none): specialty wanted for the
    diagnosis group (`specialties`, else the default mapping), time of day the lead's own touches
    (`inbound`) show, earliest start. Ranked once per (clinic, specialty, time preference)."""
    if not slots:  # a fully booked practice: every lead's list is empty, no preference to read
        return {lead.lead_id: [] for lead in leads}
    by_clinic: dict[str, list[Slot]] = {}
    for slot in slots:
        by_clinic.setdefault(slot.clinic_id, []).append(slot)
    cache: dict[tuple[str, str, str | None], list[Slot]] = {}
    # the same list per (clinic, diagnosis group, preference): the request is built once per such key
    by_group: dict[tuple[str, str | None, str | None], list[Slot]] = {}
    times = inbound or {}
    out: dict[str, list[Slot]] = {}
    for lead in leads:
        own = times.get(lead.lead_id)
        preference = infer_time_preference(own, lead.timezone) if own else None  # none: no majority
        group_key = (lead.clinic_id, lead.diagnosis_group, preference)
        best = by_group.get(group_key)
        if best is None:
            req = SlotRequest(
                lead.lead_id,
                lead.clinic_id,
                lead.diagnosis_group,
                preference,
                {lead.clinic_id: 0.0},
                specialty=(specialties or {}).get(lead.diagnosis_group or ""),
            )
            key = (lead.clinic_id, wanted_specialty(req), req.time_preference)
            if key not in cache:
                cache[key] = best_slots(req, by_clinic.get(lead.clinic_id) or slots)
            best = by_group[group_key] = cache[key]
        out[lead.lead_id] = best
    return out


def describe_slots(slots: list[Slot]) -> str:
    """'Tue Mar 11 09:00 with Maria Gonzalez; ...' for scripts (no PHI)."""
    return "; ".join(f"{s.local_start:%a %b %d %H:%M} with {s.therapist_name}" for s in slots)


@dataclass(frozen=True, slots=True)
class WaitlistOffer:
    rank: int
    lead_id: str
    slot: Slot
    reason: str


def rank_waitlist(freed: Slot, waiting: Iterable[SlotRequest], n: int = 5) -> list[WaitlistOffer]:
    """Rank waitlisted leads for a freed slot: specialty fit, distance, priority, expected value."""
    tier_order = {"high": 0, "standard": 1, "low": 2}

    def key(req: SlotRequest) -> tuple[float, ...]:
        specialty_miss, distance_band, pref_miss, _ = _slot_rank(freed, req)
        # sorted() is stable: equal keys keep the waitlist's order (first come, first served)
        return (
            specialty_miss,
            distance_band,
            tier_order.get(req.priority_tier, 3),
            pref_miss,
            -req.expected_value,
        )

    ranked = sorted(waiting, key=key)[:n]
    return [
        WaitlistOffer(
            i + 1,
            req.lead_id,
            freed,
            f"slot freed {freed.local_start:%a %H:%M} with {freed.therapist_name}; "
            f"{'specialty match' if key(req)[0] == 0 else 'general'}; {req.priority_tier} priority",
        )
        for i, req in enumerate(ranked)
    ]
