"""Cold-start scoring: transparent rules used until a champion model exists.

What every PT front desk already knows: post-surgical referrals convert, well-paying insurance
converts, and patients living close by show up. Weights are factor contributions to a probability-like
score around a base rate, so the same reason machinery explains rules and model alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BASE_SCORE = 0.30
MIN_SCORE, MAX_SCORE = 0.02, 0.95
POST_OP = 0.20
TIER_WEIGHTS = {"high": 0.15, "standard": 0.05, "low": -0.05}
NO_PAYER = -0.10
NEAR_KM, FAR_KM = 10.0, 25.0
NEAR, FAR = 0.10, -0.10
REFERRER = 0.05


def rule_contributions(row: Mapping[str, Any]) -> dict[str, float]:
    """Each rule factor's contribution for one lead (0 when the rule says nothing)."""
    tier = row.get("payer_tier")
    payer = row.get("payer")
    if payer is None or str(payer).strip() == "":
        payer_part = NO_PAYER
    else:
        payer_part = TIER_WEIGHTS.get(str(tier).lower(), 0.0)
    km = row.get("distance_km")
    if km is None or km != km:  # missing or NaN: no evidence either way
        distance_part = 0.0
    elif km <= NEAR_KM:
        distance_part = NEAR
    elif km > FAR_KM:
        distance_part = FAR
    else:
        distance_part = 0.0
    return {
        "post_op": POST_OP if row.get("post_op") else 0.0,
        "payer": payer_part,
        "distance": distance_part,
        "referrer": REFERRER if row.get("has_referrer") else 0.0,
    }


def rule_score(contributions: Mapping[str, float]) -> float:
    return float(min(MAX_SCORE, max(MIN_SCORE, BASE_SCORE + sum(contributions.values()))))
