"""Stacked permutation importance measures what sklearn's permutation_importance measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression

from ml.permutation_auc import permutation_auc_drop


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
