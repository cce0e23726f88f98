"""The drift pass's shortcut through the boosted pipeline's ColumnTransformer (ml/drift.py `_transformed`):
the same floats as `transform.transform`, with missing, unseen and literal 'missing' categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ml_feature_fixture import synthetic_features

import ml.drift as drift
from ml.candidates import informative
from ml.compute_threads import single_threaded
from ml.features import (
    CATEGORICAL,
    FEATURES,
    LABEL,
    at_landmark,
    history_rates,
    model_input,
    settled,
    training_rows,
)
from ml.model_pipeline import build_boosted


@single_threaded
def _fitted_transform_and_input() -> tuple[object, pd.DataFrame]:
    done = settled(synthetic_features(600, seed=3))
    rows = training_rows(done, (0.0, 24.0), 10.0)
    features = informative(model_input(rows, FEATURES))
    trees = build_boosted(features, {"max_iter": 5}, seed=0)
    trees.fit(model_input(rows, features), rows.get_column(LABEL))
    return trees.steps[0][1], model_input(at_landmark(history_rates(done, 10.0), 0.0), features)


def _with_odd_categories(x: pd.DataFrame) -> pd.DataFrame:
    out = x.copy()
    rng = np.random.default_rng(7)
    for name in [c for c in CATEGORICAL if c in out.columns]:
        column = out[name].to_numpy().copy()
        picked = rng.choice(len(column), 60, replace=False)
        column[picked[:20]] = None
        column[picked[20:40]] = "never_seen_in_training"
        column[picked[40:]] = "missing"  # the imputer's fill value as a real value
        out[name] = pd.Series(column, dtype=object)
    return out


@pytest.mark.parametrize("odd", [False, True])
def test_shortcut_equals_the_column_transformer(odd: bool) -> None:
    transform, x = _fitted_transform_and_input()
    frame = _with_odd_categories(x) if odd else x
    assert drift._ordinal_layout(transform, frame) is not None  # the shortcut is taken
    expected = np.array(transform.transform(frame), dtype=float)
    got = drift._transformed(transform, frame)
    assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)


def test_other_layouts_run_the_transform() -> None:
    transform, x = _fitted_transform_and_input()
    assert drift._ordinal_layout(transform, x.iloc[:0]) is None
    assert drift._ordinal_layout(object(), x) is None
    nan_not_none = x.copy()
    nan_not_none["source"] = pd.Series([np.nan, *x["source"].iloc[1:]], dtype=object)
    assert np.array_equal(
        drift._transformed(transform, nan_not_none),
        np.array(transform.transform(nan_not_none), dtype=float),
        equal_nan=True,
    )
