"""Permutation importance of a calibrated boosted model without re-running every tree on every copy.

Shuffling one column changes a tree's output only for rows whose path through that tree splits on
that column; every other row reaches the same leaf. So one binned pass finds each row's leaf per tree,
and only the (tree, row) pairs whose path holds a split on the shuffled column are re-predicted. Each
copy's margin is still summed tree by tree in sklearn's order, so its probabilities are the same
floats `predict_proba` gives for the shuffled frame (tests hold them bit-identical).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ml import tree_occlusion
from ml.model_pipeline import _output_columns, inner_pipeline


def _path_columns(nodes: np.ndarray) -> np.ndarray:
    """Per node: bitmask of the columns split on along the way from the root to that node."""
    mask = np.zeros(len(nodes), dtype=np.int64)
    stack = [0]
    while stack:
        i = stack.pop()
        node = nodes[i]
        if node["is_leaf"]:
            continue
        bits = mask[i] | (np.int64(1) << np.int64(node["feature_idx"]))
        for child in (int(node["left"]), int(node["right"])):
            mask[child] = bits
            stack.append(child)
    return mask


def _binned(transform: object, final: object, x: pd.DataFrame) -> np.ndarray:
    xt = final._preprocess_X(np.array(transform.transform(x), dtype=float), reset=False)  # type: ignore[attr-defined]
    return np.ascontiguousarray(final._bin_mapper.transform(xt))  # type: ignore[attr-defined]


def _binned_as_reassigned(
    transform: object, final: object, x: pd.DataFrame, name: str, binned: np.ndarray
) -> np.ndarray:
    """`binned`, or for a column whose dtype pandas re-infers when a shuffled copy is assigned back
    (object strings become `str`, None becomes NaN, which the imputer leaves missing), the binned
    frame of that reassigned column: the values the stacked copies of `permutation_auc` hold."""
    reassigned = x.copy()
    reassigned[name] = x[name].to_numpy()
    if reassigned[name].dtype == x[name].dtype:
        return binned
    return _binned(transform, final, reassigned)


def permuted_probabilities(
    model: object, x: pd.DataFrame, orders: Sequence[Sequence[np.ndarray]]
) -> np.ndarray | None:
    """predict_proba[:, 1] of `x` followed by one block per (column, order): `x` with that column's
    rows taken in that order (columns as in `x`, orders per column as given); None when the model is
    not a calibrated boosted pipeline with one transformed column per raw feature."""
    if tree_occlusion.calibrated_probability(model, np.zeros(1)) is None:
        return None  # not one isotonic map over a frozen pipeline
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    if not tree_occlusion.supports(final, len(x.columns)):
        return None
    columns = _output_columns(transform, list(x.columns))
    if any(len(columns[name]) != 1 for name in x.columns):
        return None
    binned = _binned(transform, final, x)
    missing_bin = final._bin_mapper.missing_values_bin_idx_
    # copy k: transformed column `col[k]` with its rows in order `order[k]` (the transform and the
    # binning work value by value, so shuffling before or after them is the same)
    as_shuffled = {
        name: _binned_as_reassigned(transform, final, x, name, binned)[:, columns[name][0]]
        for name in x.columns
    }
    col = [columns[name][0] for name, per_column in zip(x.columns, orders, strict=True) for _ in per_column]
    order = [o for per_column in orders for o in per_column]
    source = [
        as_shuffled[name] for name, per_column in zip(x.columns, orders, strict=True) for _ in per_column
    ]
    shuffled = [values[o] for values, o in zip(source, order, strict=True)]
    n, copies = len(x), len(order)
    margin = np.full(n, final._baseline_prediction.ravel()[0], dtype=final._baseline_prediction.dtype)
    margins = np.full((copies, n), final._baseline_prediction.ravel()[0], dtype=margin.dtype)
    for tree in tree_occlusion._trees(final):
        leaf = tree.leaf_finder.predict_binned(binned, missing_bin, 1).astype(np.intp)
        value = tree.predictor.nodes["value"][leaf]
        margin += value  # sklearn's order: baseline, then tree by tree
        on_path = _path_columns(tree.predictor.nodes)[leaf]
        redone = []
        for k in range(copies):
            rows = np.flatnonzero(on_path & (np.int64(1) << np.int64(col[k])))
            if rows.size:
                hybrid = binned[rows]
                hybrid[:, col[k]] = shuffled[k][rows]
                redone.append(
                    (k, rows, margins[k, rows], tree.predictor.predict_binned(hybrid, missing_bin, 1))
                )
        margins += value  # rows whose path skips the column: the row's own leaf
        for k, rows, before, again in redone:
            margins[k, rows] = before + again
    stacked = np.concatenate([margin, margins.ravel()])
    return tree_occlusion.calibrated_probability(model, stacked)
