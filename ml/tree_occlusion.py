"""Exact occlusion contributions of a HistGradientBoosting model, without re-running every tree.

`model_pipeline.contributions` re-predicts the whole ensemble once per factor (11 passes of 250 trees
over every lead: 23 s per 100k leads). But setting a factor's columns to the reference lead only
changes a tree's output for rows whose path through that tree, at a split on one of those columns,
goes the other way than the reference would; everywhere else the hybrid lead follows the row's own
path to the same leaf. The leaf fixes the whole path, so one pass finds each row's leaf per tree
(its output, and from the tree's structure where that path parts from the reference's), and only
those (tree, row) pairs are re-predicted. The margin is summed in
sklearn's own order, so it is bit-identical to `decision_function`; contributions differ from the
full re-prediction only by float summation order (~1e-15).
"""

from __future__ import annotations

import copy
import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator

from ml.compute_threads import side_by_side
from orchestration.warehouse_transaction import atomic

_MAX_COLUMNS = 63  # path sets are int64 bitmasks, one bit per transformed column


@dataclass(frozen=True)
class _Tree:
    predictor: object  # sklearn TreePredictor
    leaf_finder: object  # the same tree whose leaves return their own node index


def _ref_goes_left(node: np.void, bitsets: np.ndarray, ref_binned: np.ndarray, missing_bin: int) -> bool:
    """The binned split of sklearn's _predict_from_binned_data, for the one reference row."""
    value = int(ref_binned[node["feature_idx"]])
    if value == missing_bin:
        return bool(node["missing_go_to_left"])
    if node["is_categorical"]:
        return bool((int(bitsets[node["bitset_idx"], value // 32]) >> (value % 32)) & 1)
    return value <= int(node["bin_threshold"])


def _diverging_columns(tree: object, ref_binned: np.ndarray, missing_bin: int) -> np.ndarray:
    """Per node: bitmask of the columns at whose splits the way to that node leaves the reference's way.

    A row's hybrid (some columns set to the reference's) walks the row's own path until the first
    split on one of those columns where the row and the reference part; if there is none on the
    path to the row's leaf, the hybrid lands in the same leaf and the tree adds exactly 0.
    """
    nodes, bitsets = tree.nodes, tree.binned_left_cat_bitsets  # type: ignore[attr-defined]
    mask = np.zeros(len(nodes), dtype=np.int64)
    stack = [0]
    while stack:
        i = stack.pop()
        node = nodes[i]
        if node["is_leaf"]:
            continue
        bit = np.int64(1) << np.int64(node["feature_idx"])
        ref_left = _ref_goes_left(node, bitsets, ref_binned, missing_bin)
        for child, is_left in ((int(node["left"]), True), (int(node["right"]), False)):
            mask[child] = mask[i] | (bit if is_left != ref_left else np.int64(0))
            stack.append(child)
    return mask


def _trees(model: HistGradientBoostingClassifier) -> list[_Tree]:
    out = []
    for iteration in model._predictors:  # sklearn keeps the fitted trees here
        (predictor,) = iteration  # binary classification: one tree per iteration
        finder = copy.copy(predictor)
        finder.nodes = predictor.nodes.copy()
        finder.nodes["value"] = np.arange(len(finder.nodes), dtype=finder.nodes["value"].dtype)
        out.append(_Tree(predictor, finder))
    return out


def supports(final: object, n_columns: int) -> bool:
    """True for a fitted binary HistGradientBoostingClassifier whose columns fit the bitmasks."""
    return (
        isinstance(final, HistGradientBoostingClassifier)
        and getattr(final, "n_trees_per_iteration_", 0) == 1
        and n_columns <= _MAX_COLUMNS
    )


# Below this many rows one thread does it all (a second one costs more than it saves).
SPLIT_ROWS = 20_000


def margin_and_contributions(
    model: HistGradientBoostingClassifier,
    xt: np.ndarray,
    ref_t: np.ndarray | None,
    factor_columns: Mapping[str, Sequence[int]],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """decision_function(xt) and, per factor, margin(x) - margin(x with the factor's columns at ref_t).

    With no factors (ref_t may be None) it is the margin alone, from one binned pass. Every row is
    summed on its own (tree by tree, in sklearn's order), so the two halves of a large `xt` go side by
    side, one thread each, into the same floats."""
    n = xt.shape[0]
    if n < SPLIT_ROWS:
        return _margin_and_contributions(model, xt, ref_t, factor_columns)
    halves = (slice(0, n // 2), slice(n // 2, n))
    done = side_by_side(
        [
            functools.partial(_margin_and_contributions, model, xt[half], ref_t, factor_columns)
            for half in halves
        ]
    )
    margin = np.concatenate([part[0] for part in done])
    return margin, {factor: np.concatenate([part[1][factor] for part in done]) for factor in factor_columns}


def model_key(final: object, missing_bin: int) -> str:
    """What a binned row's margin depends on: the baseline and every tree (nodes, category bitsets)."""
    digest = hashlib.sha256()
    digest.update(np.asarray(final._baseline_prediction).tobytes())  # type: ignore[attr-defined]
    digest.update(str(missing_bin).encode())
    for (predictor,) in final._predictors:  # type: ignore[attr-defined]
        digest.update(predictor.nodes.tobytes())
        digest.update(np.asarray(predictor.binned_left_cat_bitsets).tobytes())
    return digest.hexdigest()


def binary_rows(binned: np.ndarray) -> pa.Array:
    """Each row of a uint8 matrix as one Arrow binary value (its bytes), for DuckDB joins on whole rows."""
    n, width = binned.shape
    data = pa.py_buffer(np.ascontiguousarray(binned, dtype=np.uint8).tobytes())
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, data]).cast(pa.binary())


# The open leads' margins and contributions of the last scoring, per binned row (ml.score). Not under marts:
# the snapshot publishes marts, and this is the scorer's own state.
OPEN_CACHE = "ml_cache.open_lead_contributions"
_OPEN_CACHE_DDL = f"""
create schema if not exists ml_cache;
create table if not exists {OPEN_CACHE} (model_key varchar, binned blob, margin_and_parts blob)
"""


def cached_margin_and_contributions(
    con: duckdb.DuckDBPyConnection,
    model: HistGradientBoostingClassifier,
    xt: np.ndarray,
    ref_t: np.ndarray,
    factor_columns: Mapping[str, Sequence[int]],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """margin_and_contributions(model, xt, ref_t, factor_columns), the same floats, with the trees walked
    only for binned rows the last call (same model, reference and factors) did not hold.

    Every number there is a function of the row's binned values alone (leaves, hybrids and the
    reference's path are all walked on bins), summed per row in tree order: a row's margin and
    contributions are the same floats whichever rows are walked with it. An open lead's bins rarely move
    from one day to the next (100k practice: 86% of a day's distinct binned rows were the day before's),
    so the 250 trees x (1 + factors) walks of every open lead (~1.3 s a day at 1M leads) shrink to the
    new rows'. The cache then keeps this call's rows alone (its size is one day's open leads)."""
    n = xt.shape[0]
    if n == 0 or not factor_columns:
        return margin_and_contributions(model, xt, ref_t, factor_columns)
    mapper = model._bin_mapper
    binned = np.ascontiguousarray(mapper.transform(model._preprocess_X(xt, reset=False)), dtype=np.uint8)
    width = binned.shape[1]
    factors = list(factor_columns)
    digest = hashlib.sha256(model_key(model, int(mapper.missing_values_bin_idx_)).encode())
    digest.update(np.ascontiguousarray(mapper.transform(ref_t.reshape(1, -1)), dtype=np.uint8).tobytes())
    digest.update(repr([(f, sorted(set(factor_columns[f]))) for f in factors]).encode())
    key = digest.hexdigest()
    con.execute(_OPEN_CACHE_DDL)
    con.register("_ptleads_open_binned", pa.table({"i": pa.array(np.arange(n)), "b": binary_rows(binned)}))
    try:
        found = con.sql(
            f"select r.i, c.margin_and_parts from _ptleads_open_binned as r inner join {OPEN_CACHE} as c "
            "on c.binned = r.b and c.model_key = ?",
            params=[key],
        ).to_arrow_table()
        held = np.asarray(found.column(0).to_numpy(), dtype=np.intp)
        values = np.frombuffer(b"".join(found.column(1).to_pylist()), dtype=np.float64)
        values = values.reshape(len(held), 1 + len(factors))
        margin = np.empty(n, dtype=np.float64)
        parts = np.empty((n, len(factors)), dtype=np.float64)
        hit = np.zeros(n, dtype=bool)
        margin[held] = values[:, 0]
        parts[held] = values[:, 1:]
        hit[held] = True
        missing = np.flatnonzero(~hit)
        new = missing[:0]
        if missing.size:
            # one walk per distinct binned row not held (the rows are independent)
            _, first, again = np.unique(
                binned[missing].view(f"V{width}").ravel(), return_index=True, return_inverse=True
            )
            new = missing[first]
            new_margin, new_parts = margin_and_contributions(model, xt[new], ref_t, factor_columns)
            margin[missing] = new_margin[again.ravel()]
            new_values = np.column_stack([new_margin, *(new_parts[f] for f in factors)])
            parts[missing] = new_values[again.ravel(), 1:]
        # keep this call's rows alone: drop what it did not use (and any other model's), add what it walked;
        # one transaction, so one commit (a WAL sync) instead of two
        if new.size:
            rows = pa.table(
                {
                    "b": binary_rows(binned[new]),
                    "v": binary_rows(np.ascontiguousarray(new_values).view(np.uint8)),
                }
            )
            con.register("_ptleads_open_new", rows)
        try:
            with atomic(con):
                con.execute(
                    f"delete from {OPEN_CACHE} where model_key <> ? "
                    "or binned not in (select b from _ptleads_open_binned)",
                    [key],
                )
                if new.size:
                    con.execute(f"insert into {OPEN_CACHE} select ?, b, v from _ptleads_open_new", [key])
        finally:
            if new.size:
                con.unregister("_ptleads_open_new")
    finally:
        con.unregister("_ptleads_open_binned")
    return margin, {f: parts[:, k].copy() for k, f in enumerate(factors)}


def _margin_and_contributions(
    model: HistGradientBoostingClassifier,
    xt: np.ndarray,
    ref_t: np.ndarray | None,
    factor_columns: Mapping[str, Sequence[int]],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
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
    ref_binned = mapper.transform(ref_t.reshape(1, -1))[0] if factor_columns else binned[:0]
    missing_bin = mapper.missing_values_bin_idx_
    factors: list[tuple[str, np.int64, np.ndarray]] = []
    for factor, cols in factor_columns.items():
        cols = sorted(set(cols))
        if cols:
            hybrid = binned.copy()
            hybrid[:, cols] = ref_binned[cols]
            factors.append((factor, np.int64(sum(1 << c for c in cols)), hybrid))
    out = {factor: np.zeros(n) for factor in factor_columns}
    for tree in _trees(model):
        leaf = tree.leaf_finder.predict_binned(binned, missing_bin, 1).astype(np.intp)
        value = tree.predictor.nodes["value"][leaf]
        margin += value  # same order and values as sklearn's _predict_iterations: bit-identical
        if not factors:
            continue  # margin only (drift scoring)
        diverging = _diverging_columns(tree.predictor, ref_binned, missing_bin)
        for factor, bits, hybrid in factors:
            parts = (diverging & bits) != 0  # per node: the way there parts from the reference's
            if not parts.any():
                continue  # no row's hybrid leaves its own path in this tree
            rows = np.flatnonzero(parts[leaf])
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
