"""Slot offers: every shipped diagnosis group wants a specialty a shipped therapist has, a practice's own
group can name its specialty, and the time of day a lead's own touches show shapes the next-action offer."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from orchestration.actions.slots import (
    PREFERENCE_HOURS,
    SPECIALTY_FOR_GROUP,
    SlotRequest,
    best_slots,
    offer_slots,
    open_slots,
    specialty_by_group,
    wanted_specialty,
)
from orchestration.practice_config import DiagnosisGroup, load_practice_config
from tests.actions.conftest import make_lead

CONFIG = Path(__file__).resolve().parents[2] / "config"
SHIPPED = load_practice_config(CONFIG)
GROUPS = [g.id for g in SHIPPED.diagnosis_groups]
MONDAY = datetime(2025, 3, 10, 12, 0)  # 07:00 Chicago


def test_the_default_mapping_covers_every_shipped_group() -> None:
    # a group missing here silently fell back to orthopedic (post-surgical knees, spines, pelvic health)
    assert set(GROUPS) <= set(SPECIALTY_FOR_GROUP)
    assert SPECIALTY_FOR_GROUP["knee_post_op"] == "post_surgical"
    assert SPECIALTY_FOR_GROUP["spine_lumbar"] == SPECIALTY_FOR_GROUP["spine_cervical"] == "spine"
    assert SPECIALTY_FOR_GROUP["pelvic"] == "pelvic_health"


@pytest.mark.parametrize("group", GROUPS)
def test_every_shipped_group_is_offered_a_therapist_with_its_specialty(group: str) -> None:
    specialties = specialty_by_group(SHIPPED.diagnosis_groups)
    wanted = specialties[group]
    assert wanted == SPECIALTY_FOR_GROUP[group]  # the yaml and the built-in default agree
    clinics = [t.clinic for t in SHIPPED.practice.therapists if wanted in t.specialties]
    assert clinics, f"no shipped therapist has {wanted}"
    slots = open_slots(SHIPPED.practice, [], MONDAY, days=7)
    req = SlotRequest("L", clinics[0], group, None, {clinics[0]: 0.0}, specialty=specialties[group])
    best = best_slots(req, [s for s in slots if s.clinic_id == clinics[0]])
    assert len(best) == 3
    assert all(wanted in s.specialties for s in best)


def test_a_practice_group_names_its_own_specialty() -> None:
    own = DiagnosisGroup.model_validate(
        {"id": "dance", "label": "Dance", "expected_visits": 6, "prefixes": ["S93"], "specialty": "sports"}
    )
    plain = DiagnosisGroup.model_validate(
        {"id": "misc", "label": "Misc", "expected_visits": 6, "prefixes": ["M"]}
    )
    mapping = specialty_by_group([own, plain])
    assert mapping["dance"] == "sports"
    assert "misc" not in mapping  # no key: the default (orthopedic) applies
    assert wanted_specialty(SlotRequest("L", "ATX-S", "misc", specialty=mapping.get("misc"))) == "orthopedic"
    assert wanted_specialty(SlotRequest("L", "ATX-S", "dance", specialty=mapping["dance"])) == "sports"


def _local_hours(best: list) -> list[int]:
    return [s.local_start.hour for s in best]


def test_next_action_offer_follows_the_time_of_day_the_lead_reaches_out() -> None:
    slots = open_slots(SHIPPED.practice, [], MONDAY, days=7)
    evening_lead = make_lead(lead_id="E", diagnosis_group="knee")
    quiet_lead = make_lead(lead_id="Q", diagnosis_group="knee")
    # three visits at 18:xx Chicago (23:xx UTC): an evening person
    inbound = {"E": [MONDAY - timedelta(days=d) + timedelta(hours=11, minutes=10) for d in (1, 2, 3)]}
    offered = offer_slots(
        [evening_lead, quiet_lead], slots, inbound, specialty_by_group(SHIPPED.diagnosis_groups)
    )
    lo, hi = PREFERENCE_HOURS["evening"]
    assert all(lo.hour <= h < hi.hour for h in _local_hours(offered["E"])), _local_hours(offered["E"])
    assert _local_hours(offered["Q"])[0] < lo.hour  # no preference: the earliest slots (the morning)
    assert all(s.clinic_id == "ATX-S" for s in offered["E"] + offered["Q"])


def test_offers_prefer_the_specialty_of_the_group() -> None:
    slots = open_slots(SHIPPED.practice, [], MONDAY, days=7)
    lead = make_lead(lead_id="P", diagnosis_group="pelvic")  # ATX-S has one pelvic-health therapist
    offered = offer_slots([lead], slots, {}, specialty_by_group(SHIPPED.diagnosis_groups))
    assert {s.therapist_id for s in offered["P"]} == {"T03"}
