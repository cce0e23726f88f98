"""Plain-words reasons: raw features grouped into factors staff know, phrased from the lead's values.

Both the model (per-feature logit contributions) and the cold-start rules (rule weights) produce a
contribution per factor; the top three, most favourable first, become the lead's reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# raw feature -> factor shown to staff (payer tier and rate are one thing to a front desk)
FACTOR_OF_FEATURE: dict[str, str] = {
    "post_op": "post_op",
    "payer": "payer",
    "payer_tier": "payer",
    "rate_per_visit": "payer",
    "distance_km": "distance",
    "diagnosis_group": "diagnosis",
    "expected_visits": "diagnosis",
    "source": "source",
    "channel": "source",
    "clinic_id": "clinic",
    "has_referrer": "referrer",
}
# Tie order: the factors staff act on first.
FACTOR_ORDER: tuple[str, ...] = ("post_op", "payer", "distance", "referrer", "diagnosis", "source", "clinic")
N_REASONS = 3

_TIER_WORDS = {"high": "High", "standard": "Standard", "low": "Low"}


def _present(value: Any) -> bool:
    return value is not None and value == value and str(value).strip() != ""  # value == value drops NaN


def phrase(factor: str, row: Mapping[str, Any]) -> str:
    """One factor of one lead in words; never includes PHI (only codes, ids, distances)."""
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
    if factor == "referrer":
        return (
            "Physician referral (NPI on file)"
            if row.get("has_referrer")
            else "No referring physician on file"
        )
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
    if factor == "clinic":
        return f"Clinic {row.get('clinic_id')}"
    raise ValueError(f"unknown factor {factor!r}")


def group_by_factor(feature_contributions: Mapping[str, float]) -> dict[str, float]:
    """Sum raw-feature contributions into factors."""
    out: dict[str, float] = {}
    for feature, value in feature_contributions.items():
        factor = FACTOR_OF_FEATURE.get(feature)
        if factor is not None:
            out[factor] = out.get(factor, 0.0) + float(value)
    return out


def top_reasons(
    factor_contributions: Mapping[str, float], row: Mapping[str, Any], n: int = N_REASONS
) -> list[str]:
    """The n factors that raise this lead's score most (least unfavourable when few raise it)."""
    ranked = sorted(
        factor_contributions,
        key=lambda f: (-factor_contributions[f], FACTOR_ORDER.index(f) if f in FACTOR_ORDER else 99),
    )
    return [phrase(f, row) for f in ranked[:n]]
