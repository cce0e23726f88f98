"""Holdout metrics for a conversion model: discrimination, calibration, and what the call list gains."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def expected_calibration_error(y_true: np.ndarray, y_prob: np.ndarray, bins: int = 10) -> float:
    """Mean |observed rate - mean predicted| over equal-width probability bins, weighted by bin size."""
    y_true = np.asarray(y_true, dtype=float)
    y_prob = np.asarray(y_prob, dtype=float)
    if y_true.size == 0:
        return math.nan
    edges = np.linspace(0.0, 1.0, bins + 1)
    # right-closed last bin so a probability of exactly 1.0 is counted
    index = np.clip(np.digitize(y_prob, edges[1:-1], right=False), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() * abs(y_true[mask].mean() - y_prob[mask].mean())
    return float(total / y_true.size)


def lift_at_top(y_true: np.ndarray, y_prob: np.ndarray, fraction: float = 0.1) -> float:
    """Conversion rate in the top `fraction` by score over the overall rate (1.0 = random order)."""
    y_true = np.asarray(y_true, dtype=float)
    y_prob = np.asarray(y_prob, dtype=float)
    if y_true.size == 0 or y_true.mean() == 0:
        return math.nan
    k = max(1, math.ceil(fraction * y_true.size))
    # stable sort so ties keep time order and the metric is deterministic
    top = np.argsort(-y_prob, kind="stable")[:k]
    return float(y_true[top].mean() / y_true.mean())


def holdout_metrics(y_true: np.ndarray, y_prob: np.ndarray) -> dict[str, float]:
    """AUC, PR-AUC, Brier, ECE and top-decile lift; ranking metrics are NaN when one class is absent."""
    y_true = np.asarray(y_true, dtype=int)
    y_prob = np.asarray(y_prob, dtype=float)
    both_classes = len(np.unique(y_true)) == 2
    return {
        "auc": float(roc_auc_score(y_true, y_prob)) if both_classes else math.nan,
        "pr_auc": float(average_precision_score(y_true, y_prob)) if both_classes else math.nan,
        "brier": float(brier_score_loss(y_true, y_prob)),
        "ece": expected_calibration_error(y_true, y_prob),
        "lift_top_decile": lift_at_top(y_true, y_prob, 0.1),
        "positive_rate": float(y_true.mean()) if y_true.size else math.nan,
    }
