"""Waitlist: freed slots from cancellations, ranking (indexed ranking = the reference rank_waitlist), time
preference, and outreach that replaces a lead's action within compliance (property-tested)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.actions.engine import EngineContext, next_actions
from orchestration.actions.sequences import WaitlistConfig
from orchestration.actions.slots import Slot, SlotRequest, rank_waitlist
from orchestration.actions.timeline import LeadInput, Touch
from orchestration.actions.waitlist import (
    CancelledAppointment,
    FreedSlot,
    RankedOffer,
    apply_waitlist,
    freed_slots,
    infer_time_preference,
    rank_offers,
)
from orchestration.practice_config import Practice
from tests.actions.conftest import make_lead
from tests.actions.test_compliance_properties import leads as random_leads
from tests.actions.test_compliance_properties import violations

PRACTICE = Practice.model_validate(
    {
        "name": "Demo",
        "clinics": [
            {
                "id": "ATX-S",
                "name": "South Austin",
                "zip": "78704",
                "timezone": "America/Chicago",
                "hours": {},
            },
            {"id": "RR", "name": "Round Rock", "zip": "78664", "timezone": "America/Chicago", "hours": {}},
        ],
        "therapists": [
            {"id": "T1", "name": "Ortho One", "clinic": "ATX-S", "specialties": ["orthopedic"]},
            {"id": "T2", "name": "Neuro Two", "clinic": "RR", "specialties": ["neuro"]},
        ],
    }
)
AS_OF = datetime(2025, 3, 10, 15, 0)  # Monday 10:00 Chicago
CFG = WaitlistConfig(enabled=True)
NAMES = {"ATX-S": "South Austin", "RR": "Round Rock"}


def _freed(start: datetime, therapist: str = "T1", slot_id: str = "A1") -> FreedSlot:
    return freed_slots([CancelledAppointment(slot_id, therapist, start)], [], PRACTICE, AS_OF, CFG)[0]


def test_freed_slots_keep_only_future_unrebooked_slots_of_known_therapists() -> None:
    tomorrow = AS_OF + timedelta(days=1)
    cancelled = [
        CancelledAppointment("ok", "T1", tomorrow),
        CancelledAppointment("rebooked", "T2", tomorrow),
        CancelledAppointment("too-soon", "T1", AS_OF + timedelta(hours=2)),  # inside min_notice (3h)
        CancelledAppointment("too-late", "T1", AS_OF + timedelta(days=8)),  # past the 7d horizon
        CancelledAppointment("unknown-therapist", None, tomorrow),
        CancelledAppointment("twice", "T1", tomorrow),  # same therapist and time reported twice
    ]
    booked = [("T2", tomorrow - timedelta(minutes=30), 60)]  # overlaps the T2 slot: given away already
    freed = freed_slots(cancelled, booked, PRACTICE, AS_OF, CFG)
    assert [f.slot_id for f in freed] == ["ok"]
    assert freed[0].slot.local_start == datetime(2025, 3, 11, 10, 0)  # Chicago local time
    assert freed[0].slot.specialties == ("orthopedic",)


def test_time_preference_is_the_majority_part_of_day_of_own_touches() -> None:
    tz = "America/Chicago"
    evening = [datetime(2025, 3, d, 0, 30) for d in (3, 4, 5)]  # 18:30 the day before, Chicago
    assert infer_time_preference(evening, tz) == "evening"
    assert infer_time_preference(evening[:1], tz) is None  # one touch says nothing
    morning = [datetime(2025, 3, d, 15, 0) for d in (3, 4)]
    assert infer_time_preference([*evening[:2], *morning], tz) is None  # no majority


requests = st.builds(
    SlotRequest,
    lead_id=st.uuids().map(str),
    clinic_id=st.sampled_from(["ATX-S", "RR"]),
    diagnosis_group=st.sampled_from(["orthopedic", "neuro", "spine", None]),
    time_preference=st.sampled_from(["morning", "afternoon", "evening", None]),
    distance_km_by_clinic=st.one_of(
        st.none(), st.fixed_dictionaries({"ATX-S": st.floats(0, 80), "RR": st.floats(0, 80)})
    ),
    priority_tier=st.sampled_from(["high", "standard", "low"]),
    expected_value=st.sampled_from([0.0, 500.0, 1200.0, 3000.0]),
)


@settings(max_examples=60, deadline=None)
@given(
    waiting=st.lists(requests, max_size=60, unique_by=lambda r: r.lead_id),
    hour=st.integers(8, 19),
    therapist=st.sampled_from(["T1", "T2"]),
    depth=st.sampled_from([1, 3, 10]),
)
def test_indexed_ranking_equals_the_reference_ranking(
    waiting: list[SlotRequest], hour: int, therapist: str, depth: int
) -> None:
    """Both paths: the near-leads shortcut (enough specialty matches nearby) and the full index."""
    freed = _freed(datetime(2025, 3, 11, 5) + timedelta(hours=hour), therapist)  # local hour (CDT = UTC-5)
    fast = [o.lead_id for o in rank_offers([freed], waiting, NAMES, depth=depth)]
    assert fast == [o.lead_id for o in rank_waitlist(freed.slot, waiting, n=depth)]


def test_offers_name_the_freed_slot_and_clinic() -> None:
    freed = _freed(datetime(2025, 3, 11, 14, 0))
    waiting = [SlotRequest("L1", "ATX-S", "orthopedic", priority_tier="high")]
    (offer,) = rank_offers([freed], waiting, NAMES, depth=5)
    assert offer.reason.startswith("waitlist: slot freed Tue Mar 11 09:00 at South Austin with Ortho One")
    assert (offer.rank, offer.slot_id, offer.clinic_id) == (1, "A1", "ATX-S")


def _offer(lead_id: str, rank: int, start: datetime, slot_id: str = "A1") -> RankedOffer:
    slot: Slot = _freed(start, slot_id=slot_id).slot
    reason = f"waitlist: slot freed {slot.local_start:%a %b %d %H:%M} at South Austin"
    where = (slot.clinic_id, slot.therapist_id, slot.therapist_name, slot.start_at, slot.local_start)
    return RankedOffer(slot_id, *where, rank, lead_id, reason)


def test_outreach_replaces_the_top_leads_actions_within_the_rules(ctx: EngineContext) -> None:
    received = AS_OF - timedelta(days=2)
    opted_out = Touch(AS_OF - timedelta(days=1), "outcome", None, "opted_out")
    leads = [
        make_lead(lead_id="OPTED-OUT", received_at=received, touches=(opted_out,)),
        make_lead(lead_id="NO-PHONE", received_at=received, has_phone=False),
        make_lead(lead_id="FIRST", received_at=received),
        make_lead(lead_id="SECOND", received_at=received),
        make_lead(lead_id="THIRD", received_at=received),
    ]
    by_id = {lead.lead_id: lead for lead in leads}
    before = next_actions(leads, AS_OF, ctx)
    start = datetime(2025, 3, 11, 14, 0)
    offers = [_offer(lead.lead_id, rank, start) for rank, lead in enumerate(leads, start=1)]
    later = datetime(2025, 3, 12, 14, 0)
    offers += [_offer("FIRST", 1, later, "A2"), _offer("THIRD", 2, later, "A2")]  # FIRST already has one
    after, made = apply_waitlist(before, offers, by_id, AS_OF, ctx)

    assert made == 3 and len(after) == len(before)  # still exactly one action per lead
    waitlisted = {a.lead_id: a for a in after if a.sequence == "waitlist"}
    assert set(waitlisted) == {"FIRST", "SECOND", "THIRD"}  # 2 per slot; FIRST not offered twice
    assert waitlisted["THIRD"].rule == "waitlist:A2"
    untouched = {a.lead_id: a for a in after if a.sequence != "waitlist"}
    assert untouched == {a.lead_id: a for a in before if a.lead_id in untouched}
    for action in waitlisted.values():
        assert action.reason.startswith("waitlist: slot freed ")
        assert action.channel in ("call", "sms") and action.due_at <= action.as_of + timedelta(hours=1)
        assert "Ortho One" in action.script and action.tracking_token in (action.scheduling_link or "")
        assert not violations(action, by_id[action.lead_id], AS_OF, ctx)


def test_no_offer_when_the_rules_push_contact_past_the_slot(ctx: EngineContext) -> None:
    late = datetime(2025, 3, 11, 2, 30)  # 21:30 Chicago: calls and SMS wait until 08:00
    lead = make_lead(received_at=late - timedelta(days=1))
    before = next_actions([lead], late, ctx)
    soon = late + timedelta(hours=8)  # 05:30 local: the first allowed contact (08:00) is after the slot
    offer = RankedOffer(
        "A1", "ATX-S", "T1", "Ortho One", soon, soon - timedelta(hours=5), 1, "L1", "waitlist: x"
    )
    after, made = apply_waitlist(before, [offer], {"L1": lead}, late, ctx)
    assert made == 0 and after == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(random_leads(), min_size=10, max_size=30), hours_ahead=st.integers(4, 24 * 7))
def test_waitlist_outreach_never_breaks_contact_rules(
    ctx: EngineContext, batch: list[tuple[LeadInput, datetime]], hours_ahead: int
) -> None:
    """Random timelines (the compliance property tests' generator): every waitlist action obeys the rules."""
    for lead, as_of in batch:
        before = next_actions([lead], as_of, ctx)
        start = as_of + timedelta(hours=hours_ahead)
        offer = RankedOffer(
            "S", lead.clinic_id, "T1", "Ortho One", start, start, 1, lead.lead_id, "waitlist: x"
        )
        after, made = apply_waitlist(before, [offer], {lead.lead_id: lead}, as_of, ctx)
        assert len(after) == 1
        if made:
            action = after[0]
            assert action.due_at <= start - ctx.sequences.waitlist.min_notice
            problems = violations(action, lead, as_of, ctx)
            assert not problems, (lead.lead_id, action.channel, problems)
        else:
            assert after == before
