"""Permutation importance of a calibrated boosted model without re-running every tree on every copy.

Shuffling one column changes a tree's output only for rows whose path through that tree splits on
that column; every other row reaches the same leaf. So one binned pass finds each row's leaf per tree,
and only the (tree, row) pairs whose path holds a split on the shuffled column are re-predicted. Each
copy's margin is still summed tree by tree in sklearn's order, so its probabilities are the same
floats `predict_proba` gives for the shuffled frame (tests hold them bit-identical).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def column_blocks(transform: object, x: pd.DataFrame) -> dict[str, list[int]] | None:
    """Raw column of `x` -> the transformed columns made from it alone (none for a column the model
    does not read); None unless every transformed column comes from exactly one raw column."""
    blocks = _output_columns(transform, list(x.columns))  # type: ignore[arg-type]
    width = max((s.stop for s in transform.output_indices_.values()), default=0)  # type: ignore[attr-defined]
    made = sorted(c for cols in blocks.values() for c in cols)
    return blocks if made == list(range(width)) else None


def as_reassigned(
    transformed: Callable[[pd.DataFrame], np.ndarray], x: pd.DataFrame, name: str, xt: np.ndarray
) -> np.ndarray:
    """`xt` (= transformed(x)), or for a column whose dtype pandas re-infers when a shuffled copy is
    assigned back (object strings become `str`, None becomes NaN, which the imputer leaves missing),
    transformed(x with that column reassigned): the values the stacked copies of `permutation_auc`
    hold, so the importances stay what the stacked predict_proba measured."""
    reassigned = x.copy()
    reassigned[name] = x[name].to_numpy()
    if reassigned[name].dtype == x[name].dtype:
        return xt
    return transformed(reassigned)


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
    blocks = column_blocks(transform, x)
    if blocks is None or any(len(cols) > 1 for cols in blocks.values()):
        return None
    binned = _binned(transform, final, x)
    # per raw column: its transformed column and its copies (index, binned values in the copy's row
    # order); the transform and the binning work value by value, so shuffling before or after them is
    # the same. A column the model does not read leaves every copy on the rows' own paths.
    groups: list[tuple[int, list[tuple[int, np.ndarray]]]] = []
    k = 0
    for name, per_column in zip(x.columns, orders, strict=True):
        copies_of_column = list(range(k, k + len(per_column)))
        k += len(per_column)
        if not blocks[name]:
            continue
        c = blocks[name][0]
        values = as_reassigned(lambda f: _binned(transform, final, f), x, name, binned)[:, c]
        groups.append((c, [(i, values[o]) for i, o in zip(copies_of_column, per_column, strict=True)]))
    n = len(x)
    trees = [(tree, _path_columns(tree.predictor.nodes)) for tree in tree_occlusion._trees(final)]
    margin, margins = _copy_margins(final, trees, binned, groups, k, slice(0, n))
    stacked = np.concatenate([margin, margins.ravel()])
    return tree_occlusion.calibrated_probability(model, stacked)


def _copy_margins(
    final: object,
    trees: list[tuple[tree_occlusion._Tree, np.ndarray]],
    binned_all: np.ndarray,
    groups_all: list[tuple[int, list[tuple[int, np.ndarray]]]],
    k: int,
    part: slice,
) -> tuple[np.ndarray, np.ndarray]:
    """The margin of the `part` rows of `x` and of each of the k copies (k rows of that many)."""
    binned = binned_all[part]
    groups = [(c, [(i, values[part]) for i, values in members]) for c, members in groups_all]
    missing_bin = final._bin_mapper.missing_values_bin_idx_  # type: ignore[attr-defined]
    n = binned.shape[0]
    baseline = final._baseline_prediction.ravel()[0]  # type: ignore[attr-defined]
    margin = np.full(n, baseline, dtype=final._baseline_prediction.dtype)  # type: ignore[attr-defined]
    margins = np.full((k, n), baseline, dtype=margin.dtype)
    for tree, paths in trees:
        leaf = tree.leaf_finder.predict_binned(binned, missing_bin, 1).astype(np.intp)
        value = tree.predictor.nodes["value"][leaf]
        margin += value  # sklearn's order: baseline, then tree by tree
        in_tree = int(np.bitwise_or.reduce(paths))
        on_path = paths[leaf]
        redone = []
        for c, members in groups:
            if not (in_tree >> c) & 1:
                continue  # no split on the column: every copy keeps the rows' leaves
            rows = np.flatnonzero(on_path & (np.int64(1) << np.int64(c)))
            if rows.size:
                own = binned[rows]
                for i, values in members:
                    hybrid = own.copy()
                    hybrid[:, c] = values[rows]
                    again = tree.predictor.predict_binned(hybrid, missing_bin, 1)
                    redone.append((i, rows, margins[i, rows], again))
        margins += value  # rows whose path skips the column: the row's own leaf
        for i, rows, before, again in redone:
            margins[i, rows] = before + again
    return margin, margins
