"""The baseline sklearn pipeline and the per-feature logit contributions behind plain-words reasons.

One ColumnTransformer step per raw feature, named after that feature, so each feature's output
columns are known (`output_indices_`) and a linear model's logit splits exactly into per-feature parts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

from ml.features import CATEGORICAL, DISTANCE, FEATURES, FLAGS, NUMERIC

DEFAULT_PARAMS: dict[str, float | int] = {
    "C": 0.5,  # L2 strength: a few thousand rows and ~40 one-hot columns, so regularise moderately
    "min_category_frequency": 10,  # rarer payers/sources share one "infrequent" column
    "distance_knots": 5,
    "max_iter": 2000,
}


def build_pipeline(params: dict[str, float | int] | None = None) -> Pipeline:
    p = {**DEFAULT_PARAMS, **(params or {})}
    steps: list[tuple[str, object, list[str]]] = []
    for name in CATEGORICAL:
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            min_frequency=int(p["min_category_frequency"]),
            sparse_output=False,
        )
        steps.append(
            (name, make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), encoder), [name])
        )
    for name in NUMERIC:
        steps.append((name, make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), [name]))
    # Distance matters non-linearly (a few km hardly differ; 30+ km is a real barrier): a spline.
    spline = SplineTransformer(
        n_knots=int(p["distance_knots"]), degree=3, knots="quantile", extrapolation="constant"
    )
    steps.append((DISTANCE, make_pipeline(SimpleImputer(strategy="median"), spline), [DISTANCE]))
    steps.append((f"{DISTANCE}_missing", MissingIndicator(features="all"), [DISTANCE]))
    for name in FLAGS:
        steps.append((name, "passthrough", [name]))
    transform = ColumnTransformer(steps, remainder="drop", verbose_feature_names_out=True)
    model = LogisticRegression(C=float(p["C"]), max_iter=int(p["max_iter"]))
    return Pipeline([("features", transform), ("model", model)])


def fit_pipeline(pipeline: Pipeline, x: pd.DataFrame, y: np.ndarray) -> Pipeline:
    """Fit, then remember the mean transformed row: the baseline that contributions are measured from."""
    pipeline.fit(x[list(FEATURES)], y)
    transformed = np.asarray(pipeline.named_steps["features"].transform(x[list(FEATURES)]), dtype=float)
    pipeline.ptleads_feature_means_ = transformed.mean(axis=0)  # travels with the pickled model
    return pipeline


def contributions(pipeline: Pipeline, x: pd.DataFrame) -> pd.DataFrame:
    """Per raw feature, how much it moves each row's logit away from the average training lead."""
    transform: ColumnTransformer = pipeline.named_steps["features"]
    coef = np.asarray(pipeline.named_steps["model"].coef_, dtype=float).ravel()
    transformed = np.asarray(transform.transform(x[list(FEATURES)]), dtype=float)
    means = getattr(pipeline, "ptleads_feature_means_", None)
    baseline = np.asarray(means, dtype=float) if means is not None else transformed.mean(axis=0)
    weighted = (transformed - baseline) * coef
    out: dict[str, np.ndarray] = {}
    for step, cols in transform.output_indices_.items():
        if step == "remainder" or cols.stop == cols.start:
            continue
        feature = DISTANCE if step == f"{DISTANCE}_missing" else step
        part = weighted[:, cols].sum(axis=1)
        out[feature] = out.get(feature, 0.0) + part
    return pd.DataFrame(out, index=x.index)
