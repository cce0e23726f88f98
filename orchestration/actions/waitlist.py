"""Waitlist outreach: a cancelled booking frees a slot; the best-matching waiting leads get a call or SMS.

Three steps, each pure: `freed_slots` (cancelled appointments still free, inside the horizon),
`rank_offers` (per slot, waiting leads ranked by specialty fit, distance band, priority tier, time-of-day
preference, expected value: the same order as `slots.rank_waitlist`, but indexed so 100k waiting leads
cost one sort per clinic, not one per slot), and `apply_waitlist` (turn the top offers into compliant
actions that replace those leads' regular next action: still exactly one action per lead).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from orchestration.actions.compliance import earliest_allowed, zone
from orchestration.actions.engine import EngineContext, NextAction, build_action, pick_channel
from orchestration.actions.sequences import WaitlistConfig
from orchestration.actions.slots import (
    PREFERENCE_HOURS,
    Slot,
    SlotRequest,
    describe_slots,
    infer_time_preference,
    wanted_specialty,
)
from orchestration.actions.timeline import LeadInput, summarise
from orchestration.practice_config import Practice

__all__ = ["infer_time_preference"]  # kept importable from here (it moved to slots)

TIER_ORDER = {"high": 0, "standard": 1, "low": 2}
OTHER_CLINIC_KM = 50.0  # distance assumed to a clinic the lead has no distance for (as slots._slot_rank)


@dataclass(frozen=True, slots=True)
class CancelledAppointment:
    appointment_id: str
    therapist_id: str | None  # the practice.yaml therapist id (warehouse_reads resolves FHIR/HL7/EMR ids)
    start_at: datetime  # naive UTC
    duration_min: int = 60


@dataclass(frozen=True, slots=True)
class FreedSlot:
    slot_id: str  # the cancelled appointment's id
    slot: Slot
    duration_min: int


@dataclass(frozen=True, slots=True)
class RankedOffer:
    """One row of marts.waitlist_offers: a waiting lead ranked for a freed slot (no PHI)."""

    slot_id: str
    clinic_id: str
    therapist_id: str
    therapist_name: str
    slot_start_at: datetime  # naive UTC
    slot_local_start: datetime  # clinic local time, for scripts
    rank: int
    lead_id: str
    reason: str


def freed_slots(
    cancelled: Iterable[CancelledAppointment],
    booked: Iterable[tuple[str, datetime, int]],
    practice: Practice,
    as_of: datetime,
    cfg: WaitlistConfig,
) -> list[FreedSlot]:
    """Cancelled appointments starting in (as_of + min_notice, as_of + horizon] that nobody rebooked."""
    therapists = {t.id: t for t in practice.therapists}
    clinics = {c.id: c for c in practice.clinics}
    busy: dict[str, list[tuple[datetime, datetime]]] = {}
    for therapist_id, start, minutes in booked:
        busy.setdefault(therapist_id, []).append((start, start + timedelta(minutes=minutes)))
    out: dict[tuple[str, datetime], FreedSlot] = {}
    for appt in sorted(cancelled, key=lambda a: (a.start_at, a.appointment_id)):
        therapist = therapists.get(appt.therapist_id or "")
        if therapist is None or not (as_of + cfg.min_notice < appt.start_at <= as_of + cfg.horizon):
            continue
        end = appt.start_at + timedelta(minutes=appt.duration_min)
        if any(s < end and appt.start_at < e for s, e in busy.get(therapist.id, ())):
            continue  # the time was given to someone else already
        clinic = clinics[therapist.clinic]
        local = appt.start_at.replace(tzinfo=UTC).astimezone(zone(clinic.timezone)).replace(tzinfo=None)
        slot = Slot(
            therapist.id, therapist.name, clinic.id, appt.start_at, local, tuple(therapist.specialties)
        )
        out.setdefault((therapist.id, appt.start_at), FreedSlot(appt.appointment_id, slot, appt.duration_min))
    return list(out.values())


_Entry = tuple[tuple[float, ...], SlotRequest]
_Index = dict[tuple[str, str | None], list[_Entry]]


def _distance(req: SlotRequest, clinic_id: str) -> float:
    default = 0.0 if req.clinic_id == clinic_id else OTHER_CLINIC_KM
    return (req.distance_km_by_clinic or {}).get(clinic_id, default)


def _clinic_index(clinic_id: str, waiting: Iterable[tuple[int, SlotRequest]]) -> _Index:
    """Waiting leads bucketed by (wanted specialty, time preference), each bucket sorted by the parts of
    the rank that do not depend on the slot: distance band to this clinic, tier, value, arrival order."""
    buckets: _Index = {}
    for order, req in waiting:
        band = _distance(req, clinic_id) // 10
        wanted = wanted_specialty(req)
        pref = req.time_preference if req.time_preference in PREFERENCE_HOURS else None
        key = (band, TIER_ORDER.get(req.priority_tier, 3), -req.expected_value, order)
        buckets.setdefault((wanted, pref), []).append((key, req))
    for entries in buckets.values():
        entries.sort(key=lambda e: e[0])
    return buckets


def _near(waiting: list[SlotRequest]) -> dict[str, list[tuple[int, SlotRequest]]]:
    """Per clinic, the waiting leads nearer than OTHER_CLINIC_KM (one pass over every lead)."""
    near: dict[str, list[tuple[int, SlotRequest]]] = {}
    for order, req in enumerate(waiting):
        for clinic_id in {req.clinic_id, *(req.distance_km_by_clinic or {})}:
            if _distance(req, clinic_id) < OTHER_CLINIC_KM:
                near.setdefault(clinic_id, []).append((order, req))
    return near


def _ranked(slot: Slot, index: _Index) -> Iterator[_Entry]:
    """Every waiting lead for `slot` in rank order: a lazy merge of the pre-sorted buckets."""

    def stream(entries: list[_Entry], spec_miss: int, pref_miss: int) -> Iterator[_Entry]:
        for (band, tier, value, order), req in entries:
            yield (spec_miss, band, tier, pref_miss, value, order), req

    streams = []
    for (wanted, pref), entries in index.items():
        spec_miss = 0 if wanted in slot.specialties else 1
        pref_miss = 0
        if pref is not None:
            lo, hi = PREFERENCE_HOURS[pref]
            pref_miss = 0 if lo <= slot.local_start.time() < hi else 1
        streams.append(stream(entries, spec_miss, pref_miss))
    return heapq.merge(*streams, key=lambda e: e[0])


def _top(slot: Slot, index: _Index, depth: int) -> list[_Entry]:
    out: list[_Entry] = []
    for entry in _ranked(slot, index):
        if len(out) == depth:
            break
        out.append(entry)
    return out


def rank_offers(
    freed: Iterable[FreedSlot], waiting: list[SlotRequest], clinic_names: dict[str, str], depth: int
) -> list[RankedOffer]:
    """The `depth` best waiting leads per freed slot (spare ranks let compliance skip some).

    Rank order is (specialty miss, distance band, ...), so when a slot's `depth` best near leads (within
    OTHER_CLINIC_KM, all of band < 5) all match its specialty, no farther lead can outrank them: only
    near leads are indexed, and the index over every lead is built only for a clinic that needs it.
    """
    near = _near(waiting)
    near_index: dict[str, _Index] = {}
    full_index: dict[str, _Index] = {}
    out: list[RankedOffer] = []
    for item in freed:
        slot = item.slot
        clinic = slot.clinic_id
        if clinic not in near_index:
            near_index[clinic] = _clinic_index(clinic, near.get(clinic, ()))
        top = _top(slot, near_index[clinic], depth)
        if sum(1 for key, _ in top if key[0] == 0) < min(depth, len(waiting)):
            if clinic not in full_index:
                full_index[clinic] = _clinic_index(clinic, enumerate(waiting))
            top = _top(slot, full_index[clinic], depth)
        where = (
            f"waitlist: slot freed {slot.local_start:%a %b %d %H:%M} at "
            f"{clinic_names.get(clinic, clinic)} with {slot.therapist_name}"
        )
        for rank, (key, req) in enumerate(top, start=1):
            fit = "specialty match" if key[0] == 0 else "general"
            out.append(
                RankedOffer(
                    item.slot_id,
                    clinic,
                    slot.therapist_id,
                    slot.therapist_name,
                    slot.start_at,
                    slot.local_start,
                    rank,
                    req.lead_id,
                    f"{where}; {fit}; {req.priority_tier} priority",
                )
            )
    return out


def waitlist_action(
    lead: LeadInput, offer: RankedOffer, as_of: datetime, ctx: EngineContext
) -> NextAction | None:
    """The outreach for one offer, or None when no allowed channel reaches the lead in time."""
    cfg, rules = ctx.sequences.waitlist, ctx.compliance
    facts = summarise(lead, as_of, rules, ctx.unanswered)
    if facts.all_opted_out or facts.declined or facts.booked_online:
        return None
    channel, _ = pick_channel(cfg.channels, lead, facts, rules)
    if channel is None:
        return None
    due = earliest_allowed(as_of, channel, lead, facts, rules)
    if due > offer.slot_start_at - cfg.min_notice:
        return None  # quiet hours or caps push the contact too close to the slot: offer it to the next
    slot = Slot(
        offer.therapist_id,
        offer.therapist_name,
        offer.clinic_id,
        offer.slot_start_at,
        offer.slot_local_start,
        (),
    )
    return build_action(
        lead,
        as_of,
        ctx,
        "waitlist_offer",
        channel,
        due,
        as_of,  # a freed slot is urgent: due now for the call list's urgency
        ctx.sequences.owner_for(channel),
        offer.reason,
        f"waitlist:{offer.slot_id}",
        "waitlist",
        cfg.template,
        therapist_name=offer.therapist_name,
        slots_text=describe_slots([slot]),
    )


def apply_waitlist(
    actions: list[NextAction],
    offers: Iterable[RankedOffer],
    leads: dict[str, LeadInput],
    as_of: datetime,
    ctx: EngineContext,
) -> tuple[list[NextAction], int]:
    """Replace the regular next action of up to `offers_per_slot` leads per freed slot (earliest slot
    first, each lead offered one slot at most). Stop rules (opted out, declined, booked) are never
    replaced. Returns the new action list and how many offers were made."""
    per_slot = ctx.sequences.waitlist.offers_per_slot
    position = {a.lead_id: i for i, a in enumerate(actions)}
    out = list(actions)
    by_slot: dict[str, list[RankedOffer]] = {}
    for offer in offers:
        by_slot.setdefault(offer.slot_id, []).append(offer)
    taken: set[str] = set()
    made = 0
    for slot_offers in sorted(by_slot.values(), key=lambda o: (o[0].slot_start_at, o[0].slot_id)):
        given = 0
        for offer in sorted(slot_offers, key=lambda o: o.rank):
            if given == per_slot:
                break
            i = position.get(offer.lead_id)
            lead = leads.get(offer.lead_id)
            if i is None or lead is None or offer.lead_id in taken or out[i].rule.startswith("stop:"):
                continue
            action = waitlist_action(lead, offer, as_of, ctx)
            if action is None:
                continue
            out[i] = action
            taken.add(offer.lead_id)
            given += 1
            made += 1
    return out, made
