"""Holdout metrics behave as their definitions say."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ml.evaluate import expected_calibration_error, holdout_metrics, lift_at_top


def test_perfectly_calibrated_scores_have_small_ece() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20000)
    y = (rng.uniform(0, 1, p.size) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.02
    assert expected_calibration_error(y, np.clip(p + 0.3, 0, 1)) > 0.15


def test_lift_of_a_perfect_ranking_is_one_over_the_base_rate() -> None:
    y = np.array([1] * 10 + [0] * 90)
    p = np.linspace(1, 0, 100)
    assert math.isclose(lift_at_top(y, p, 0.1), 10.0)
    assert math.isclose(lift_at_top(y, p[::-1], 0.1), 0.0)


def test_single_class_holdout_gives_nan_ranking_metrics() -> None:
    metrics = holdout_metrics(np.zeros(20, dtype=int), np.linspace(0, 1, 20))
    assert math.isnan(metrics["auc"]) and math.isnan(metrics["pr_auc"])
    assert metrics["brier"] > 0


@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=1, max_size=200))
def test_ece_is_a_probability_gap(pairs: list[tuple[int, float]]) -> None:
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    assert 0.0 <= expected_calibration_error(y, p) <= 1.0
