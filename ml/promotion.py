"""The promotion gate and rollback, all by registry alias (MLflow 3 has no stages).

A challenger replaces the champion only if it beats it on the same out-of-time holdout: the newest
settled leads of the challenger's training data, scored by both. With no champion yet, the bar is the
cold-start rules that rank meanwhile (`scoring.yaml` `cold_start`), scored on the same holdout: a first
model that ranks worse than the rules, or is badly calibrated, stays challenger and the rules keep
ranking. The replaced champion keeps the `previous-champion` alias, so a rollback is one alias move.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from ml import registry
from ml.evaluate import holdout_metrics
from ml.features import FEATURES, LABEL, labels, model_input
from ml.model_pipeline import positive_probability
from ml.scoring_config import ModelSettings, load_scoring_config
from ml.triage_frame import rule_contributions_frame, rule_scores_frame
from orchestration.settings import Settings

log = logging.getLogger(__name__)


RULES = "rules"  # the baseline when no champion exists: the cold-start rules


@dataclass(frozen=True)
class GateDecision:
    promoted: bool
    champion: str | None  # the champion version before the decision (None: the rules were the bar)
    challenger: str
    champion_auc: float  # the bar's holdout AUC (the champion's, else the cold-start rules')
    challenger_auc: float
    challenger_ece: float
    reason: str
    baseline: str = "champion"  # what the challenger was measured against: champion | rules

    @property
    def verdict(self) -> str:
        """'promoted', 'kept champion' or 'kept the rules' (no champion: cold-start rules still rank)."""
        if self.promoted:
            return "promoted"
        return "kept champion" if self.baseline != RULES else "kept the rules"


def _holdout_metrics_of(settings: Settings, version: str, holdout: pl.DataFrame) -> dict[str, float]:
    model = registry.load_version(settings, version)
    features = getattr(model, "ptleads_features_", list(FEATURES))
    # predict_proba's floats (a calibrated boosted model through the binned tree pass: tested the same)
    scores = positive_probability(model, model_input(holdout, features))
    return holdout_metrics(labels(holdout, LABEL), scores)


@dataclass(frozen=True)
class GateBar:
    """What a challenger must beat on a holdout: the champion's metrics there, else the rules'."""

    champion: str | None  # the champion version (None: the cold-start rules are the bar)
    metrics: dict[str, float]

    @property
    def baseline(self) -> str:
        return "champion" if self.champion is not None else RULES


def gate_bar(settings: Settings, holdout: pl.DataFrame) -> GateBar:
    """The bar's holdout metrics: the champion's (scored on `holdout`), or the cold-start rules'."""
    champion = registry.champion_version(settings)
    if champion is None:
        return GateBar(None, rules_holdout_metrics(settings, holdout))
    return GateBar(champion, _holdout_metrics_of(settings, champion, holdout))


def rules_holdout_metrics(settings: Settings, holdout: pl.DataFrame) -> dict[str, float]:
    """The cold-start rules' metrics on the holdout (what ranks leads while there is no champion)."""
    weights = load_scoring_config(settings.config_dir).cold_start
    scores = rule_scores_frame(rule_contributions_frame(holdout, weights), weights)
    metrics = holdout_metrics(labels(holdout, LABEL), scores)
    if math.isnan(metrics["auc"]):  # rules giving every lead one score rank no better than chance
        metrics = {**metrics, "auc": 0.5}
    return metrics


def decide(
    new: dict[str, float], bar: dict[str, float], cfg: ModelSettings, baseline: str = "champion"
) -> tuple[bool, str]:
    """The gate's rule: beat the bar's holdout AUC by more than gate_min_auc_gain and be calibrated
    (ECE at most gate_max_ece). Returns (promote, reason in words)."""
    other = "champion's" if baseline != RULES else "cold-start rules'"
    if not new["auc"] - bar["auc"] > cfg.gate_min_auc_gain:
        return False, f"holdout AUC {new['auc']:.3f} does not beat the {other} {bar['auc']:.3f}"
    if not new["ece"] <= cfg.gate_max_ece:
        return False, f"holdout calibration error {new['ece']:.3f} above {cfg.gate_max_ece:.3f}"
    return True, f"holdout AUC {new['auc']:.3f} beats the {other} {bar['auc']:.3f}"


def gate(
    settings: Settings,
    challenger: str,
    holdout: pl.DataFrame,
    cfg: ModelSettings,
    challenger_scores: np.ndarray | None = None,
) -> GateDecision:
    """Score the holdout with champion (else the cold-start rules) and challenger; promote the
    challenger only if it wins.

    Training passes the challenger's holdout scores it already has (from the very model it registered)."""
    bar = gate_bar(settings, holdout)
    if challenger_scores is None:
        new = _holdout_metrics_of(settings, challenger, holdout)
    else:
        new = holdout_metrics(labels(holdout, LABEL), challenger_scores)
    promoted, reason = decide(new, bar.metrics, cfg, bar.baseline)
    if promoted:
        promote(settings, challenger)
    log.info("gate v%s vs %s: %s", challenger, f"champion v{bar.champion}" if bar.champion else RULES, reason)
    return GateDecision(
        promoted, bar.champion, challenger, bar.metrics["auc"], new["auc"], new["ece"], reason, bar.baseline
    )


def promote(settings: Settings, version: str) -> None:
    """Make `version` champion; the old champion becomes previous-champion."""
    current = registry.champion_version(settings)
    if current is not None and current != version:
        registry.set_alias(settings, registry.PREVIOUS, current)
    registry.set_alias(settings, registry.CHAMPION, version)
    if registry.alias_version(settings, registry.CHALLENGER) == version:
        registry.configure(settings).delete_registered_model_alias(registry.MODEL_NAME, registry.CHALLENGER)


def rollback(settings: Settings) -> str:
    """Point champion back at previous-champion; returns the restored version."""
    previous = registry.alias_version(settings, registry.PREVIOUS)
    if previous is None:
        raise LookupError("no previous champion to roll back to")
    current = registry.champion_version(settings)
    registry.set_alias(settings, registry.CHAMPION, previous)
    if current is not None:
        registry.set_alias(settings, registry.PREVIOUS, current)
    return previous
