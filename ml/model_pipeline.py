"""Candidate sklearn pipelines and per-feature contributions behind the plain-words reasons.

Two families are compared on the same time-ordered split: a regularised logistic regression (one-hot,
splines, scaling) and gradient boosting (HistGradientBoosting, native categoricals) calibrated with
isotonic regression on a later time slice. Both take the raw feature columns, so the logged model's
signature is the mart's vocabulary, not an encoding.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, SplineTransformer, StandardScaler

from ml import tree_occlusion
from ml.features import CATEGORICAL, DISTANCE, FEATURES, FLAGS

LOGISTIC_PARAMS: dict[str, float | int] = {
    "C": 0.5,  # L2 strength: thousands of rows, ~60 encoded columns: regularise moderately
    "min_category_frequency": 10,  # rarer payers/sources share one "infrequent" column
    "distance_knots": 5,
    "max_iter": 3000,
}
BOOSTED_PARAMS: dict[str, float | int] = {
    "learning_rate": 0.05,
    "max_iter": 250,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,  # small practices: big leaves keep the trees from memorising referrers
    "l2_regularization": 1.0,
}
# Raw features whose values are only known when they are present (NaN -> explicit indicator).
_MAY_BE_MISSING: tuple[str, ...] = (DISTANCE, "log_hours_to_contact")


def build_logistic(features: Sequence[str] = FEATURES, params: dict | None = None) -> Pipeline:
    p = {**LOGISTIC_PARAMS, **(params or {})}
    steps: list[tuple[str, object, list[str]]] = []
    for name in features:
        if name in CATEGORICAL:
            encoder = OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=int(p["min_category_frequency"]),
                sparse_output=False,
            )
            imputer = SimpleImputer(strategy="constant", fill_value="missing")
            steps.append((name, make_pipeline(imputer, encoder), [name]))
        elif name in FLAGS:
            steps.append((name, "passthrough", [name]))
        elif name == DISTANCE:
            # a few km hardly differ; 30+ km is a real barrier: a spline
            spline = SplineTransformer(
                n_knots=int(p["distance_knots"]), degree=3, knots="quantile", extrapolation="constant"
            )
            steps.append((name, make_pipeline(SimpleImputer(strategy="median"), spline), [name]))
        else:
            scaled = make_pipeline(
                SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
            )
            steps.append((name, scaled, [name]))
        if name in _MAY_BE_MISSING:
            steps.append((f"{name}_missing", MissingIndicator(features="all"), [name]))
    transform = ColumnTransformer(steps, remainder="drop", verbose_feature_names_out=True)
    model = LogisticRegression(C=float(p["C"]), max_iter=int(p["max_iter"]))
    return Pipeline([("features", transform), ("model", model)])


def build_boosted(features: Sequence[str] = FEATURES, params: dict | None = None, seed: int = 0) -> Pipeline:
    p = {**BOOSTED_PARAMS, **(params or {})}
    cats = [f for f in features if f in CATEGORICAL]
    rest = [f for f in features if f not in CATEGORICAL]
    encoder = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    )
    transform = ColumnTransformer(
        [
            (
                "categorical",
                make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), encoder),
                cats,
            ),
            ("numeric", "passthrough", rest),
        ],
        remainder="drop",
    )
    model = HistGradientBoostingClassifier(
        learning_rate=float(p["learning_rate"]),
        max_iter=int(p["max_iter"]),
        max_leaf_nodes=int(p["max_leaf_nodes"]),
        min_samples_leaf=int(p["min_samples_leaf"]),
        l2_regularization=float(p["l2_regularization"]),
        categorical_features=list(range(len(cats))),
        random_state=seed,
    )
    return Pipeline([("features", transform), ("model", model)])


def calibrate_isotonic(fitted: Pipeline, x_cal: pd.DataFrame, y_cal: np.ndarray) -> CalibratedClassifierCV:
    """Isotonic map fitted on a later time slice than the trees (FrozenEstimator: no refit)."""
    return CalibratedClassifierCV(FrozenEstimator(fitted), method="isotonic").fit(x_cal, y_cal)


def inner_pipeline(model: object) -> Pipeline:
    """The feature pipeline under an optional calibration wrapper (what contributions explain)."""
    if isinstance(model, CalibratedClassifierCV):
        frozen = model.calibrated_classifiers_[0].estimator
        return frozen.estimator if isinstance(frozen, FrozenEstimator) else frozen
    return model  # type: ignore[return-value]


def reference_row(x: pd.DataFrame) -> dict[str, object]:
    """A typical training lead: mode of each categorical/flag, median of each number."""
    ref: dict[str, object] = {}
    for name in x.columns:
        column = x[name]
        if name in CATEGORICAL or name in FLAGS:
            mode = column.dropna().mode()
            ref[name] = mode.iloc[0] if len(mode) else None
        else:
            ref[name] = float(column.median()) if column.notna().any() else np.nan
    return ref


def _output_columns(transform: ColumnTransformer, features: Sequence[str]) -> dict[str, list[int]]:
    """Raw feature -> the transformed columns it produces (one-hot/spline blocks, indicators, passthrough)."""
    out: dict[str, list[int]] = {}
    for name, _trans, columns in transform.transformers_:
        if name == "remainder" or name not in transform.output_indices_:
            continue
        block = transform.output_indices_[name]
        cols = [columns] if isinstance(columns, str) else list(columns)
        width = block.stop - block.start
        if width == len(cols):  # one output column per input column, in order
            for k, feature in enumerate(cols):
                out.setdefault(feature, []).append(block.start + k)
        elif len(cols) == 1:
            out.setdefault(cols[0], []).extend(range(block.start, block.stop))
    return {f: out.get(f, []) for f in features}


def _reference_frame(x: pd.DataFrame, reference: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame({n: pd.Series([reference.get(n)], dtype=x[n].dtype) for n in x.columns})


def _factor_columns(
    x: pd.DataFrame, groups: dict[str, Sequence[str]], columns: dict[str, list[int]]
) -> dict[str, list[int]]:
    """Factor -> its transformed columns; factors with none of their features in `x` are left out."""
    return {
        factor: sorted({c for n in names if n in x.columns for c in columns.get(n, [])})
        for factor, names in groups.items()
        if any(n in x.columns for n in names)
    }


def scores_and_contributions(
    model: object,
    x: pd.DataFrame,
    groups: dict[str, Sequence[str]],
    reference: dict[str, object],
    cache: duckdb.DuckDBPyConnection | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """predict_proba[:, 1] and `contributions`, sharing one transform and one pass over the trees.

    Boosted models take `ml.tree_occlusion` (same numbers, a fraction of the tree passes: 100k leads
    in seconds), through its cache of the last call's binned rows in `cache` when given (the daily
    scoring's warehouse); anything else predicts, then occludes factor by factor.
    """
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    # the boosted transform gives one column per raw feature (ordinal codes, passthrough numbers)
    if not tree_occlusion.supports(final, len(x.columns)):
        scores = np.asarray(model.predict_proba(x)[:, 1], dtype=float)  # type: ignore[attr-defined]
        return scores, contributions(model, x, groups, reference)
    xt = np.array(transform.transform(x), dtype=float)
    ref_t = np.asarray(transform.transform(_reference_frame(x, reference)), dtype=float)[0]
    factors = _factor_columns(x, groups, _output_columns(transform, list(x.columns)))
    if cache is not None:
        margin, parts = tree_occlusion.cached_margin_and_contributions(cache, final, xt, ref_t, factors)
    else:
        margin, parts = tree_occlusion.margin_and_contributions(final, xt, ref_t, factors)
    scores = tree_occlusion.calibrated_probability(model, margin)
    if scores is None:
        scores = np.asarray(model.predict_proba(x)[:, 1], dtype=float)  # type: ignore[attr-defined]
    return scores, parts


def positive_probability(model: object, x: pd.DataFrame) -> np.ndarray:
    """predict_proba[:, 1], through the binned tree pass for a calibrated boosted model (same floats)."""
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    if isinstance(model, Pipeline) or not tree_occlusion.supports(final, len(x.columns)):
        return np.asarray(model.predict_proba(x)[:, 1], dtype=float)  # type: ignore[attr-defined]
    margin, _ = tree_occlusion.margin_and_contributions(
        final, np.array(transform.transform(x), dtype=float), None, {}
    )
    scores = tree_occlusion.calibrated_probability(model, margin)
    return scores if scores is not None else np.asarray(model.predict_proba(x)[:, 1], dtype=float)  # type: ignore[attr-defined]


def contributions(
    model: object, x: pd.DataFrame, groups: dict[str, Sequence[str]], reference: dict[str, object]
) -> dict[str, np.ndarray]:
    """Per factor, how much the lead's own values move its margin away from a typical lead's.

    Occlusion: each factor's features are set to the reference lead's values and the margin
    recomputed; model-agnostic (logistic or boosted). The raw frame is transformed once and the
    factor's transformed columns swapped, so a factor costs at most one final-estimator pass.
    """
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    xt = np.array(transform.transform(x), dtype=float)
    ref_t = np.asarray(transform.transform(_reference_frame(x, reference)), dtype=float)[0]
    factors = _factor_columns(x, groups, _output_columns(transform, list(x.columns)))
    base = np.asarray(final.decision_function(xt), dtype=float).ravel()
    out: dict[str, np.ndarray] = {}
    for factor, cols in factors.items():
        if not cols:
            out[factor] = np.zeros(len(x))
            continue
        # rows already at the reference values contribute exactly 0: only the others need a pass
        changed = np.any(xt[:, cols] != ref_t[cols], axis=1)  # NaN != NaN: recomputed, still exact
        part = np.zeros(len(x))
        if changed.any():
            swapped = xt[changed]
            swapped[:, cols] = ref_t[cols]
            part[changed] = base[changed] - np.asarray(final.decision_function(swapped), dtype=float).ravel()
        out[factor] = part
    return out
