"""Triage rules and cold-start scoring, both from `config/scoring.yaml`.

Triage sets the priority tier and route: complex cases (several diagnoses, neuro/vestibular, an
unrecognised or workers' comp plan) go to therapist review first; post-surgical, high-value plans and
the top expected values go to senior staff; the rest to the standard queue. Cold-start weights are
factor contributions to a probability-like score, so the same reason machinery explains rules and model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.scoring_config import ColdStart, RuleCondition, ScoringConfig

TIERS: tuple[str, ...] = ("complex", "high", "standard")


@dataclass(frozen=True)
class TriageResult:
    tier: str  # complex | high | standard
    route: str  # therapist_review | senior_staff | standard_queue
    fired: tuple[str, ...]  # plain-words reasons of the rules that fired for this tier


def _present(value: Any) -> bool:
    return value is not None and value == value and str(value).strip() != ""  # value == value drops NaN


def _fires(cond: RuleCondition, row: Mapping[str, Any], value_share_above: float) -> bool:
    checks: list[bool] = []
    if cond.post_op is not None:
        checks.append(bool(row.get("post_op")) == cond.post_op)
    if cond.payer_tiers is not None:
        tier = row.get("payer_tier") if _present(row.get("payer_tier")) else "unknown"
        checks.append(str(tier).lower() in cond.payer_tiers)
    if cond.payers is not None:
        checks.append(str(row.get("payer")) in cond.payers)
    if cond.diagnosis_groups is not None:
        checks.append(str(row.get("diagnosis_group")) in cond.diagnosis_groups)
    if cond.min_diagnoses is not None:
        # the mart may not carry a diagnosis count yet: no evidence, no fire
        n = row.get("n_diagnoses")
        checks.append(_present(n) and int(n) >= cond.min_diagnoses)
    if cond.top_expected_value_share is not None:
        checks.append(value_share_above < cond.top_expected_value_share)
    return bool(checks) and all(checks)


def triage(row: Mapping[str, Any], config: ScoringConfig, value_share_above: float = 1.0) -> TriageResult:
    """Tier, route and fired reasons of one lead; `value_share_above` = share of open leads worth more."""
    for tier in ("complex", "high"):
        spec = getattr(config.triage, tier)
        fired = tuple(r.reason for r in spec.rules if _fires(r.when, row, value_share_above))
        if fired:
            return TriageResult(tier, spec.route, fired)
    return TriageResult("standard", config.triage.standard.route, ())


def value_share_above(values: np.ndarray) -> np.ndarray:
    """Per lead, the fraction of leads with a strictly higher expected value (0 = the best)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return values
    ordered = np.sort(values)[::-1]
    return np.searchsorted(-ordered, -values, side="left") / values.size


def rule_contributions(row: Mapping[str, Any], weights: ColdStart | None = None) -> dict[str, float]:
    """Each cold-start factor's contribution for one lead (0 when the rule says nothing)."""
    w = weights or ColdStart()
    payer = row.get("payer")
    if not _present(payer):
        payer_part = w.no_payer
    else:
        payer_part = w.tier_weights.get(str(row.get("payer_tier")).lower(), 0.0)
    km = row.get("distance_km")
    if not _present(km):
        distance_part = 0.0  # no evidence either way
    elif float(km) <= w.near_km:
        distance_part = w.near
    elif float(km) > w.far_km:
        distance_part = w.far
    else:
        distance_part = 0.0
    return {
        "post_op": w.post_op if row.get("post_op") else 0.0,
        "payer": payer_part,
        "distance": distance_part,
        "referrer": w.referrer if row.get("has_referrer") else 0.0,
    }


def rule_score(contributions: Mapping[str, float], weights: ColdStart | None = None) -> float:
    w = weights or ColdStart()
    return float(min(w.max_score, max(w.min_score, w.base_score + sum(contributions.values()))))
