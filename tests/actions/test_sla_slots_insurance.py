"""SLA metrics, slot offers and waitlist ranking, insurance tasks and benefit summaries."""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestration.actions.call_list import SlaLead, sla_metrics
from orchestration.actions.insurance_tasks import benefit_summary, insurance_task
from orchestration.actions.slots import BookedSlot, SlotRequest, best_slots, open_slots, rank_waitlist
from orchestration.actions.timeline import Eligibility
from orchestration.practice_config import Practice
from tests.actions.conftest import make_lead

R = datetime(2025, 3, 10, 15, 0)
TARGETS = {"high": timedelta(minutes=30), "standard": timedelta(hours=2)}


def test_sla_metrics_shares() -> None:
    leads = [
        SlaLead("a", "high", R, R + timedelta(minutes=10)),  # hit
        SlaLead("b", "high", R, R + timedelta(minutes=31)),  # miss
        SlaLead("c", "high", R, None),  # miss
        SlaLead(
            "d", "high", R + timedelta(hours=5, minutes=50), None
        ),  # window still open at as-of: excluded
        SlaLead("e", "standard", R, R + timedelta(hours=2)),  # hit (exactly on target)
        SlaLead("f", "low", R, None),  # no target of its own: held to standard's 2 h, a miss
    ]
    metrics = {m.priority_tier: m for m in sla_metrics(leads, R + timedelta(hours=6), TARGETS)}
    assert (metrics["high"].leads, metrics["high"].within) == (3, 1)
    assert abs(metrics["high"].share - 1 / 3) < 1e-9
    assert (metrics["standard"].leads, metrics["standard"].share) == (1, 1.0)
    assert sla_metrics([], R, TARGETS)[0].share is None


PRACTICE = Practice.model_validate(
    {
        "name": "Demo",
        "clinics": [
            {
                "id": "A",
                "name": "A",
                "zip": "78704",
                "timezone": "America/Chicago",
                "hours": {"mon": "08:00-12:00"},
            },
            {
                "id": "B",
                "name": "B",
                "zip": "78664",
                "timezone": "America/Chicago",
                "hours": {"mon": "08:00-10:00"},
            },
        ],
        "therapists": [
            {"id": "T1", "name": "Ortho One", "clinic": "A", "specialties": ["orthopedic"]},
            {
                "id": "T2",
                "name": "Neuro Two",
                "clinic": "A",
                "specialties": ["neuro"],
                "schedule": {"mon": "09:00-11:00"},
            },
            {"id": "T3", "name": "Neuro Three", "clinic": "B", "specialties": ["neuro"]},
        ],
    }
)
MONDAY = datetime(2025, 3, 10, 12, 0)  # 07:00 Chicago


def test_open_slots_minus_bookings_and_best_three() -> None:
    booked = [BookedSlot("T2", datetime(2025, 3, 10, 14, 0))]  # 09:00 Chicago
    slots = open_slots(PRACTICE, booked, MONDAY, days=1)
    assert [s.local_start.hour for s in slots if s.therapist_id == "T2"] == [10]  # own schedule minus booking
    assert len([s for s in slots if s.therapist_id == "T1"]) == 4
    neuro = best_slots(
        SlotRequest("L", "A", diagnosis_group="neuro", distance_km_by_clinic={"A": 2, "B": 30}), slots
    )
    assert [s.therapist_id for s in neuro] == ["T2", "T3", "T1"]  # specialty first, nearer clinic first
    morning = best_slots(
        SlotRequest("L", "A", diagnosis_group="orthopedic", time_preference="afternoon"), slots
    )
    assert morning[0].therapist_id == "T1"


def test_waitlist_ranks_specialty_then_priority_then_value() -> None:
    freed = next(s for s in open_slots(PRACTICE, [], MONDAY, days=1) if s.therapist_id == "T2")
    waiting = [
        SlotRequest(
            "ortho-high", "A", diagnosis_group="orthopedic", priority_tier="high", expected_value=5000
        ),
        SlotRequest("neuro-std", "A", diagnosis_group="neuro", priority_tier="standard", expected_value=800),
        SlotRequest("neuro-high", "A", diagnosis_group="neuro", priority_tier="high", expected_value=700),
    ]
    offers = rank_waitlist(freed, waiting)
    assert [o.lead_id for o in offers] == ["neuro-high", "neuro-std", "ortho-high"]
    assert [o.rank for o in offers] == [1, 2, 3]


def test_insurance_tasks_route_to_the_right_role() -> None:
    now = R + timedelta(hours=1)
    assert insurance_task(make_lead(payer="AETNA"), now).task == "queue_270"
    assert insurance_task(make_lead(payer=None), now).owner_role == "intake_coordinator"
    sent = make_lead(payer="AETNA", inquiry_sent_at=R)
    assert insurance_task(sent, now) is None
    assert insurance_task(sent, R + timedelta(days=3)).owner_role == "insurance_verifier"
    inactive = make_lead(payer="AETNA", eligibility=Eligibility(active=False))
    assert insurance_task(inactive, now).task == "resolve_inactive_coverage"
    auth = make_lead(payer="AETNA", eligibility=Eligibility(active=True, auth_required=True))
    assert insurance_task(auth, now).owner_role == "billing_specialist"
    assert insurance_task(make_lead(payer="AETNA", eligibility=Eligibility(active=True)), now) is None


def test_benefit_summary_is_plain_language() -> None:
    text = benefit_summary(
        Eligibility(active=True, copay=30, deductible_remaining=250.5, visit_limit=20, visits_used=4)
    )
    assert (
        "co-pay is $30" in text and "$250.50 of your deductible" in text and "16 more therapy visits" in text
    )
    assert "deductible is met" in benefit_summary(Eligibility(active=True, deductible_remaining=0))
    assert "inactive" in benefit_summary(Eligibility(active=False))
    assert "checking" in benefit_summary(None)
