"""Stacked permutation importance measures what sklearn's permutation_importance measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from ml_feature_fixture import synthetic_features
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression

from ml.candidates import informative
from ml.features import FEATURES, LABEL, at_landmark, history_rates, model_input
from ml.model_pipeline import build_boosted, build_logistic, calibrate_isotonic, inner_pipeline
from ml.permutation_auc import (
    _stacked_probabilities,
    _transformed_once_probabilities,
    permutation_auc_drop,
)
from ml.tree_permutation import permuted_probabilities


def test_auc_drop_matches_sklearn_and_ranks_signal_over_noise() -> None:
    rng = np.random.default_rng(3)
    x = pd.DataFrame({name: rng.normal(size=4000) for name in ("strong", "weak", "noise")})
    logit = 2.0 * x["strong"] + 0.5 * x["weak"]
    y = (rng.random(4000) < 1 / (1 + np.exp(-logit))).astype(int)
    model = LogisticRegression().fit(x, y)
    mean, std = permutation_auc_drop(model, x, y, n_repeats=5, max_rows=3000)
    reference = permutation_importance(model, x, y, scoring="roc_auc", n_repeats=5, random_state=0)
    assert list(np.argsort(-mean)) == [0, 1, 2]
    assert np.allclose(mean, reference.importances_mean, atol=0.01)
    assert abs(mean[2]) < 0.005 and mean[0] > 0.2 and (std >= 0).all()


@pytest.fixture(scope="module")
def fitted() -> tuple[object, object, pd.DataFrame, np.ndarray]:
    """A calibrated boosted model, a logistic one, and frames with unknown categories, NaNs, None and
    columns neither model reads."""
    rows = at_landmark(history_rates(synthetic_features(2400, seed=31), 20.0), 24.0)
    rows = rows.filter(pl.col(LABEL).is_not_null())
    features = informative(model_input(rows, FEATURES))
    half = rows.height // 2
    fit, cal = rows.head(half), rows.tail(rows.height - half)
    trees = build_boosted(features, {"max_iter": 40}).fit(model_input(fit, features), fit.get_column(LABEL))
    boosted = calibrate_isotonic(trees, model_input(cal, features), cal.get_column(LABEL).to_numpy())
    logistic = build_logistic(features).fit(model_input(fit, features), fit.get_column(LABEL))
    x = model_input(cal, FEATURES)  # every feature: some are not the models' (not informative here)
    x.loc[::7, "payer"] = "NEW_PAYER_NEVER_SEEN"
    x.loc[::9, "payer_tier"] = None
    x.loc[::5, "distance_km"] = np.nan
    return boosted, logistic, x, cal.get_column(LABEL).to_numpy()


def _orders(n_columns: int, n: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(5)
    return [[rng.permutation(n) for _ in range(2)] for _column in range(n_columns)]


def test_boosted_shuffled_copies_are_the_stacked_predict_proba(fitted) -> None:
    """The tree path (re-predicting only rows whose path splits on the shuffled column) gives the same
    floats as predict_proba on the stacked shuffled frames."""
    boosted, _logistic, x, y = fitted
    orders = _orders(len(x.columns), len(x))
    fast = permuted_probabilities(boosted, x, orders)
    assert fast is not None
    assert np.array_equal(fast, _stacked_probabilities(boosted, x, orders))  # the same floats
    assert permuted_probabilities(inner_pipeline(boosted), x, orders) is None  # uncalibrated: not this path
    mean, _std = permutation_auc_drop(boosted, x, y, n_repeats=2)
    assert mean.max() > 0.01


def test_logistic_copies_transformed_once_are_the_stacked_predict_proba(fitted) -> None:
    _boosted, logistic, x, y = fitted
    orders = _orders(len(x.columns), len(x))
    once = _transformed_once_probabilities(logistic, x, orders)
    assert once is not None
    assert np.array_equal(once, _stacked_probabilities(logistic, x, orders))
    assert permuted_probabilities(logistic, x, orders) is None
    mean, _std = permutation_auc_drop(logistic, x, y, n_repeats=2)
    assert mean.max() > 0.01
