"""The drift report's scores of every settled lead, built from the polars frame without pandas.

`drift.settled_probabilities` turns ~1M settled rows a day (at 1M leads) into a pandas frame of object
columns (`model_input`), then factorizes each categorical column to encode one probe row per distinct
value (`drift._transformed`): ~2 of the step's ~5 CPU-s. Here the same matrix comes from the polars
columns directly: each categorical column's distinct values go through the pipeline's own transform as
the same probe rows, and every row takes its value's code by index; the numbers are model_input's casts.
The model's own preprocessing (HistGradientBoosting re-encodes the categorical columns) takes the same
shortcut (`preprocessed`). Same floats (tests compare the matrices, the preprocessed matrices and the
scores), then the same margin cache as `drift`.
Anything this path does not recognise goes through `drift.settled_probabilities` unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import polars as pl
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

from ml import drift, tree_occlusion
from ml.compute_threads import side_by_side
from ml.features import FEATURES, FLAGS, model_input
from ml.model_pipeline import inner_pipeline


def settled_probabilities(con: duckdb.DuckDBPyConnection, model: object, frame: pl.DataFrame) -> np.ndarray:
    """drift.settled_probabilities(con, model, frame): the same floats and the same cache rows."""
    features: Sequence[str] = getattr(model, "ptleads_features_", None) or FEATURES
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    head = model_input(frame.head(1), features)  # the column names and dtypes every row gets
    if (
        frame.height == 0
        or isinstance(model, Pipeline)
        or not tree_occlusion.supports(final, len(head.columns))
        or tree_occlusion.calibrated_probability(model, np.zeros(1)) is None
    ):
        return drift.settled_probabilities(con, model, frame)
    encoded = _encode(transform, frame, head)
    if encoded is None:
        return drift.settled_probabilities(con, model, frame)
    # in place: a second ~1M x 24 float matrix costs its page faults and copy in every daily process
    prepared = preprocessed(final, encoded, in_place=True)
    # rows the cache lacks are walked from their bins (drift's walker would preprocess and bin them again:
    # ~40% of a cold cache's walk, every settled lead on the first score of a new model)
    margins = drift.cached_margins(con, final, prepared, lambda _rows, binned: binned_margins(final, binned))
    return tree_occlusion.calibrated_probability(model, margins)  # type: ignore[return-value]


def binned_margins(final: object, binned: np.ndarray) -> np.ndarray:
    """tree_occlusion.margin_and_contributions(final, xt, None, {})[0] for the rows binned as `binned`:
    the baseline plus each tree's leaf value (predict_binned returns the leaf's own value), tree by tree
    in sklearn's order, so the same floats; halves side by side, one thread each, as there."""
    n = binned.shape[0]
    if n < tree_occlusion.SPLIT_ROWS:
        return _walk(final, binned)
    halves = (binned[: n // 2], binned[n // 2 :])
    return np.concatenate(side_by_side([functools.partial(_walk, final, half) for half in halves]))


def _walk(final: object, binned: np.ndarray) -> np.ndarray:
    missing_bin = final._bin_mapper.missing_values_bin_idx_  # type: ignore[attr-defined]
    baseline = final._baseline_prediction  # type: ignore[attr-defined]
    margin = np.zeros(binned.shape[0], dtype=baseline.dtype)
    margin += baseline.ravel()[0]
    for (predictor,) in final._predictors:  # type: ignore[attr-defined]
        margin += predictor.predict_binned(binned, missing_bin, 1)
    return margin


@dataclass(frozen=True)
class _Encoded:
    """The pipeline transform's matrix and how its categorical columns were filled."""

    xt: np.ndarray  # preprocessed(in_place=True) turns it into the model's preprocessed matrix
    cat_slice: slice
    row_codes: list[np.ndarray]  # per categorical column: each row's index among the column's values
    probe: np.ndarray  # the transform's output for the probe rows (every distinct value, per column)
    n_values: list[int]


def transformed(transform: object, frame: pl.DataFrame, head: pd.DataFrame) -> np.ndarray | None:
    """drift._transformed(transform, model_input(frame, features)) where `head` is model_input of the
    frame's first row; None when the transform is not build_boosted's layout."""
    encoded = _encode(transform, frame, head)
    return encoded.xt if encoded is not None else None


def _encode(transform: object, frame: pl.DataFrame, head: pd.DataFrame) -> _Encoded | None:
    layout = drift._ordinal_layout(transform, head)
    if layout is None:
        return None
    cats, rest, cat_slice, num_slice, width = layout
    if not cats:
        return None
    n = frame.height
    # column-major: every step fills or reads it a column at a time (the bin mapper too: ~3x faster)
    out = np.empty((n, width), dtype=float, order="F")
    codes = [_value_codes(frame, name) for name in cats]
    n_probe = max(len(values) for _, values in codes)
    # drift._transformed's probe: the first row repeated, each categorical column its distinct values
    probe = head.iloc[[0] * n_probe].reset_index(drop=True)
    for name, (_, values) in zip(cats, codes, strict=True):
        probe[name] = pd.Series(values + [values[0]] * (n_probe - len(values)), dtype=object)
    probe_t = np.array(transform.transform(probe), dtype=float)  # type: ignore[attr-defined]
    encoded = probe_t[:, cat_slice]
    for k, (row_codes, values) in enumerate(codes):
        out[:, cat_slice.start + k] = encoded[: len(values), k][row_codes]
    for k, name in enumerate(rest):
        out[:, num_slice.start + k] = _number(frame, name)
    return _Encoded(out, cat_slice, [c for c, _ in codes], probe_t, [len(v) for _, v in codes])


def preprocessed(final: object, encoded: _Encoded, *, in_place: bool = False) -> np.ndarray:
    """final._preprocess_X(encoded.xt, reset=False): the same floats.

    HistGradientBoosting re-encodes its categorical columns (an OrdinalEncoder inside its own
    ColumnTransformer) and passes the numbers through check_array: a second pass over ~1M rows. The
    categorical columns hold only the probe's values, so the probe rows go through the model's own
    preprocessing and every row takes its value's row; the numbers are kept. With `in_place` the
    categorical columns of encoded.xt itself are overwritten and encoded.xt returned (the margins are
    walked from its binned rows: the pipeline's rows are not read again). Any other layout of the
    model's preprocessor runs it on every row, into a new matrix."""
    xt = encoded.xt
    if not _preprocessor_layout_is(final, encoded.cat_slice, xt.shape[1]):
        return final._preprocess_X(xt, reset=False)  # type: ignore[attr-defined]
    probe = final._preprocess_X(encoded.probe, reset=False)  # type: ignore[attr-defined]
    n_cats = encoded.cat_slice.stop
    if in_place and xt.dtype == probe.dtype:
        out = xt
    else:
        out = np.empty(xt.shape, dtype=probe.dtype, order="F")  # column-major, as xt
        out[:, n_cats:] = xt[:, n_cats:]
    for k, (row_codes, n_values) in enumerate(zip(encoded.row_codes, encoded.n_values, strict=True)):
        out[:, k] = probe[:n_values, k][row_codes]
    return out


def _preprocessor_layout_is(final: object, cat_slice: slice, width: int) -> bool:
    """True when the model's preprocessor encodes exactly the first columns (the pipeline's categorical
    block) and passes the rest through check_array, each in place: what sklearn 1.9 builds for
    categorical_features given as the first column indices."""
    pre = getattr(final, "_preprocessor", None)
    mask = getattr(final, "is_categorical_", None)
    n_cats = cat_slice.stop - cat_slice.start
    if not isinstance(pre, ColumnTransformer) or mask is None or cat_slice.start != 0:
        return False
    if list(np.asarray(mask, dtype=bool)) != [True] * n_cats + [False] * (width - n_cats):
        return False
    blocks = [(name, step) for name, step, _ in pre.transformers_ if name != "remainder"]
    if [name for name, _ in blocks] != ["encoder", "numerical"]:
        return False
    (_, encoder), (_, numerical) = blocks
    if not isinstance(encoder, OrdinalEncoder) or not isinstance(numerical, FunctionTransformer):
        return False
    if any(name == "remainder" and step != "drop" for name, step, _ in pre.transformers_):
        return False
    indices = pre.output_indices_
    return indices.get("encoder") == slice(0, n_cats) and indices.get("numerical") == slice(n_cats, width)


def _value_codes(frame: pl.DataFrame, name: str) -> tuple[np.ndarray, list[str | None]]:
    """Per row, the index of its value in the column's distinct values (None last, when present)."""
    if name not in frame.columns:
        return np.zeros(frame.height, dtype=np.intp), [None]
    column = frame.get_column(name).cast(pl.Utf8)
    values: list[str | None] = column.drop_nulls().unique(maintain_order=True).to_list()
    if values:
        index = column.cast(pl.Enum(values)).to_physical().cast(pl.Int64)
    else:
        index = pl.Series([None] * frame.height, dtype=pl.Int64)
    if column.null_count():
        index = index.fill_null(len(values))
        values.append(None)
    return index.to_numpy().astype(np.intp, copy=False), values


def _number(frame: pl.DataFrame, name: str) -> np.ndarray | float:
    """model_input's float column `name` (flags: null -> 0; numbers: null -> NaN; absent: 0 / NaN)."""
    if name not in frame.columns:
        return 0.0 if name in FLAGS else np.nan
    column = frame.get_column(name).cast(pl.Float64)
    return (column.fill_null(0.0) if name in FLAGS else column).to_numpy()
