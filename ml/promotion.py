"""The promotion gate and rollback, all by registry alias (MLflow 3 has no stages).

A challenger replaces the champion only if it beats it on the same out-of-time holdout: the newest
settled leads of the challenger's training data, scored by both. The replaced champion keeps the
`previous-champion` alias, so a rollback is one alias move.
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
from ml.scoring_config import ModelSettings
from orchestration.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateDecision:
    promoted: bool
    champion: str | None  # the champion version before the decision
    challenger: str
    champion_auc: float
    challenger_auc: float
    challenger_ece: float
    reason: str


def _holdout_metrics_of(settings: Settings, version: str, holdout: pl.DataFrame) -> dict[str, float]:
    model = registry.load_version(settings, version)
    features = getattr(model, "ptleads_features_", list(FEATURES))
    scores = np.asarray(model.predict_proba(model_input(holdout, features))[:, 1], dtype=float)  # type: ignore[attr-defined]
    return holdout_metrics(labels(holdout, LABEL), scores)


def gate(settings: Settings, challenger: str, holdout: pl.DataFrame, cfg: ModelSettings) -> GateDecision:
    """Score the holdout with champion and challenger; promote the challenger only if it wins."""
    champion = registry.champion_version(settings)
    new = _holdout_metrics_of(settings, challenger, holdout)
    if champion is None:
        promote(settings, challenger)
        return GateDecision(True, None, challenger, math.nan, new["auc"], new["ece"], "no champion yet")
    old = _holdout_metrics_of(settings, champion, holdout)
    gain = new["auc"] - old["auc"]
    if not gain > cfg.gate_min_auc_gain:
        reason = f"holdout AUC {new['auc']:.3f} does not beat champion's {old['auc']:.3f}"
        promoted = False
    elif not new["ece"] <= cfg.gate_max_ece:
        reason = f"holdout calibration error {new['ece']:.3f} above {cfg.gate_max_ece:.3f}"
        promoted = False
    else:
        reason = f"holdout AUC {new['auc']:.3f} beats champion's {old['auc']:.3f}"
        promoted = True
        promote(settings, challenger)
    log.info("gate v%s vs champion v%s: %s", challenger, champion, reason)
    return GateDecision(promoted, champion, challenger, old["auc"], new["auc"], new["ece"], reason)


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
