"""Exact occlusion contributions of a HistGradientBoosting model, without re-running every tree.

`model_pipeline.contributions` re-predicts the whole ensemble once per factor (11 passes of 250 trees
over every lead: 23 s per 100k leads). But setting a factor's columns to the reference lead only
changes a tree's output for rows whose path through that tree splits on one of those columns; on
every other row the hybrid lead follows the same path to the same leaf. So one pass finds each
row's leaf per tree (and with it the tree's output and the set of columns its path tested), and only
the (tree, row) pairs whose path touches the factor are re-predicted. The margin is summed in
sklearn's own order, so it is bit-identical to `decision_function`; contributions differ from the
full re-prediction only by float summation order (~1e-15).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator

_MAX_COLUMNS = 63  # path sets are int64 bitmasks, one bit per transformed column


@dataclass(frozen=True)
class _Tree:
    predictor: object  # sklearn TreePredictor
    leaf_finder: object  # the same tree whose leaves return their own node index
    path_columns: np.ndarray  # per node: bitmask of the columns tested on the way to it


def _path_columns(nodes: np.ndarray) -> np.ndarray:
    """Bitmask per node of the feature columns split on between the root and that node."""
    mask = np.zeros(len(nodes), dtype=np.int64)
    stack = [0]
    while stack:
        i = stack.pop()
        if nodes["is_leaf"][i]:
            continue
        below = mask[i] | (np.int64(1) << np.int64(nodes["feature_idx"][i]))
        for child in (int(nodes["left"][i]), int(nodes["right"][i])):
            mask[child] = below
            stack.append(child)
    return mask


def _trees(model: HistGradientBoostingClassifier) -> list[_Tree]:
    out = []
    for iteration in model._predictors:  # sklearn keeps the fitted trees here
        (predictor,) = iteration  # binary classification: one tree per iteration
        finder = copy.copy(predictor)
        finder.nodes = predictor.nodes.copy()
        finder.nodes["value"] = np.arange(len(finder.nodes), dtype=finder.nodes["value"].dtype)
        out.append(_Tree(predictor, finder, _path_columns(predictor.nodes)))
    return out


def supports(final: object, n_columns: int) -> bool:
    """True for a fitted binary HistGradientBoostingClassifier whose columns fit the bitmasks."""
    return (
        isinstance(final, HistGradientBoostingClassifier)
        and getattr(final, "n_trees_per_iteration_", 0) == 1
        and n_columns <= _MAX_COLUMNS
    )


def margin_and_contributions(
    model: HistGradientBoostingClassifier,
    xt: np.ndarray,
    ref_t: np.ndarray,
    factor_columns: Mapping[str, Sequence[int]],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """decision_function(xt) and, per factor, margin(x) - margin(x with the factor's columns at ref_t)."""
    x = model._preprocess_X(xt, reset=False)  # the exact array predict() uses
    n = x.shape[0]
    margin = np.zeros(n, dtype=model._baseline_prediction.dtype)
    margin += model._baseline_prediction.ravel()[0]
    # Trees walk binned columns (1 byte per value to gather, not 8): bin(x) <= b exactly when
    # x <= threshold[b], NaN is the missing bin either way, and the categorical codes come from the
    # pipeline's OrdinalEncoder (fitted on the same rows, unknowns NaN), so every leaf is the one
    # predict() reaches; tests hold margin and scores bit-identical.
    mapper = model._bin_mapper
    binned = np.ascontiguousarray(mapper.transform(x))
    ref_binned = mapper.transform(ref_t.reshape(1, -1))[0]
    missing_bin = mapper.missing_values_bin_idx_
    factors: list[tuple[str, np.int64, np.ndarray, np.ndarray]] = []
    for factor, cols in factor_columns.items():
        cols = sorted(set(cols))
        if not cols:
            continue
        # rows already at the reference values contribute exactly 0 (NaN != NaN: recomputed, still exact)
        changed = np.any(x[:, cols] != ref_t[cols], axis=1)
        hybrid = binned.copy()
        hybrid[:, cols] = ref_binned[cols]
        factors.append((factor, np.int64(sum(1 << c for c in cols)), changed, hybrid))
    out = {factor: np.zeros(n) for factor in factor_columns}
    for tree in _trees(model):
        leaf = tree.leaf_finder.predict_binned(binned, missing_bin, 1).astype(np.intp)
        value = tree.predictor.nodes["value"][leaf]
        margin += value  # same order and values as sklearn's _predict_iterations: bit-identical
        for factor, bits, changed, hybrid in factors:
            touches = (tree.path_columns & bits) != 0  # per node: its path tested the factor
            if not touches.any():
                continue  # this tree never splits on the factor
            rows = np.flatnonzero(changed & touches[leaf])
            if rows.size:
                again = tree.predictor.predict_binned(hybrid[rows], missing_bin, 1)
                out[factor][rows] += value[rows] - again
    return margin, out


def calibrated_probability(model: object, margin: np.ndarray) -> np.ndarray | None:
    """predict_proba[:, 1] of a CalibratedClassifierCV over one frozen estimator, from its margin.

    None when the wrapper is anything else (several folds, sigmoid...): the caller predicts normally.
    """
    if not isinstance(model, CalibratedClassifierCV) or len(model.calibrated_classifiers_) != 1:
        return None
    calibrated = model.calibrated_classifiers_[0]
    if calibrated.method != "isotonic" or not isinstance(calibrated.estimator, FrozenEstimator):
        return None
    (calibrator,) = calibrated.calibrators
    # sklearn: proba[:, 1] = calibrator.predict(pred), then the mean over one classifier (+0, /1)
    return np.asarray(calibrator.predict(margin), dtype=float)
