"""Plain-words reasons: raw features grouped into factors staff know, phrased from the lead's values.

Both the model (per-factor margin contributions) and the cold-start rules (rule weights) produce a
contribution per factor; the top three, most favourable first, become the lead's reasons.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# factor shown to staff -> the raw features behind it (payer tier and rate are one thing to a front desk)
FACTOR_FEATURES: dict[str, tuple[str, ...]] = {
    "post_op": ("post_op",),
    "payer": ("payer", "payer_tier", "rate_per_visit"),
    "distance": ("distance_km",),
    "contact": (
        "contacted",
        "log_hours_to_contact",
        "log_hours_since_contact",
        "landmark_hours",
        "just_contacted",
    ),
    "referrer": ("has_referrer", "referrer_rate", "referrer_history"),
    "diagnosis": ("diagnosis_group", "expected_visits"),
    "source": ("source", "channel", "source_rate"),
    "verification": ("verified", "coverage_inactive"),
    "multi_channel": ("multi_channel",),
    "reachability": ("has_phone", "has_email"),
    "clinic": ("clinic_id",),
}
# Tie order: the factors staff act on first.
FACTOR_ORDER: tuple[str, ...] = tuple(FACTOR_FEATURES)
N_REASONS = 3

_TIER_WORDS = {"high": "High", "standard": "Standard", "low": "Low"}


def _present(value: Any) -> bool:
    return value is not None and value == value and str(value).strip() != ""  # value == value drops NaN


def phrase(factor: str, row: Mapping[str, Any]) -> str:
    """One factor of one lead in words; never includes PHI (only codes, ids, distances, rates)."""
    if factor == "post_op":
        return "Post-surgical referral" if row.get("post_op") else "Not a post-surgical referral"
    if factor == "payer":
        payer, tier = row.get("payer"), row.get("payer_tier")
        if not _present(payer):
            return "No insurance on file"
        word = _TIER_WORDS.get(str(tier).lower(), "Unknown")
        return f"{word}-reimbursement payer ({payer})"
    if factor == "distance":
        km = row.get("distance_km")
        return f"{round(float(km))} km from nearest clinic" if _present(km) else "Distance to clinic unknown"
    if factor == "contact":
        if row.get("contacted") and _present(row.get("log_hours_to_contact")):
            hours = math.expm1(float(row["log_hours_to_contact"]))
            return "Reached within the hour" if hours < 1 else f"Reached after {round(hours)} h"
        mark = row.get("landmark_hours")
        return f"Not reached in {round(float(mark))} h" if _present(mark) and mark else "Not contacted yet"
    if factor == "referrer":
        if not row.get("has_referrer"):
            return "No referring physician on file"
        history, rate = row.get("referrer_history"), row.get("referrer_rate")
        if _present(history) and float(history) > math.log(5) and _present(rate):
            return f"Referrer's past referrals booked {round(100 * float(rate))}%"
        return "Physician referral (NPI on file)"
    if factor == "diagnosis":
        group = row.get("diagnosis_group")
        if not _present(group):
            return "Diagnosis not yet coded"
        visits = row.get("expected_visits")
        label = str(group).replace("_", " ")
        return f"Diagnosis: {label} (~{int(visits)} visits)" if _present(visits) else f"Diagnosis: {label}"
    if factor == "source":
        source, channel = row.get("source"), row.get("channel")
        if _present(channel) and channel != source:
            return f"Came in via {source} ({channel})"
        return f"Came in via {source}"
    if factor == "verification":
        if row.get("coverage_inactive"):
            return "Eligibility check: plan not active"
        return "Insurance verified" if row.get("verified") else "Insurance not yet verified"
    if factor == "multi_channel":
        return "Reached out through a second channel" if row.get("multi_channel") else "One channel so far"
    if factor == "reachability":
        if row.get("has_phone"):
            return "Phone and email on file" if row.get("has_email") else "Phone on file"
        return "No phone number on file"
    if factor == "clinic":
        return f"Clinic {row.get('clinic_id')}"
    raise ValueError(f"unknown factor {factor!r}")


def top_reasons(
    factor_contributions: Mapping[str, float], row: Mapping[str, Any], n: int = N_REASONS
) -> list[str]:
    """The n factors that raise this lead's score most (least unfavourable when few raise it)."""
    order = {f: i for i, f in enumerate(FACTOR_ORDER)}
    ranked = sorted(factor_contributions, key=lambda f: (-factor_contributions[f], order.get(f, 99)))
    return [phrase(f, row) for f in ranked[:n]]
