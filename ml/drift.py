"""Drift report: score distribution and calibration by month of receipt -> `marts.ml_drift`.

Every settled lead is scored in its state at receipt (landmark 0) by the model scoring this run, so
a month whose observed rate drifts from the mean score shows up as a calibration gap.

That is every settled lead every day (at 1M leads ~11 s of the daily scoring, most of it walking 250
trees per lead). A settled lead's features barely move from one day to the next (its referrer and
source rates shrink toward an overall rate that moves a little), and a boosted model's margin depends
only on the lead's *binned* features. So margins are kept per model and binned row
(`ml_cache.drift_margins`): a day walks the trees only for binned rows it has not seen with this model.
Margins are summed per row exactly as a full pass sums them, so scores are bit-identical.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

from ml import tree_occlusion
from ml.evaluate import expected_calibration_error
from ml.features import model_input
from ml.model_pipeline import inner_pipeline, positive_probability
from orchestration.warehouse_transaction import atomic

DRIFT_TABLE = "marts.ml_drift"
# Not under marts: the snapshot publishes marts, and this is the scorer's own state.
MARGIN_CACHE = "ml_cache.drift_margins"
_CACHE_DDL = f"""
create schema if not exists ml_cache;
create table if not exists {MARGIN_CACHE} (model_key varchar, binned blob, margin double)
"""

_CREATE = f"""
create schema if not exists marts;
create table if not exists {DRIFT_TABLE} (
    as_of timestamp, model_version varchar, month date, leads integer, mean_score double,
    p10_score double, p90_score double, observed_rate double, calibration_error double
)
"""


def drift_by_month(received_at: pl.Series, y: np.ndarray, scores: np.ndarray) -> pl.DataFrame:
    frame = pl.DataFrame({"month": received_at.dt.truncate("1mo").dt.date(), "y": y, "p": scores})
    rows = []
    for (month,), part in frame.group_by(["month"], maintain_order=True):
        p, yy = part.get_column("p").to_numpy(), part.get_column("y").to_numpy()
        rows.append(
            {
                "month": month,
                "leads": part.height,
                "mean_score": float(p.mean()),
                "p10_score": float(np.quantile(p, 0.1)),
                "p90_score": float(np.quantile(p, 0.9)),
                "observed_rate": float(yy.mean()),
                "calibration_error": expected_calibration_error(yy, p),
            }
        )
    return pl.DataFrame(rows).sort("month") if rows else pl.DataFrame()


def write_drift(con: duckdb.DuckDBPyConnection, report: pl.DataFrame, as_of: datetime, version: str) -> None:
    """Replace this as_of's drift rows (idempotent per run)."""
    con.execute(_CREATE)
    con.execute(f"delete from {DRIFT_TABLE} where as_of = ?", [as_of])
    if report.is_empty():
        return
    out = report.with_columns(
        as_of=pl.lit(as_of, dtype=pl.Datetime("us")), model_version=pl.lit(version)
    ).select("as_of", "model_version", "month", "leads", "mean_score", "p10_score", "p90_score",
             "observed_rate", "calibration_error")  # fmt: skip
    con.register("_ptleads_drift", out)
    try:
        con.execute(f"insert into {DRIFT_TABLE} select * from _ptleads_drift")
    finally:
        con.unregister("_ptleads_drift")


def settled_probabilities(con: duckdb.DuckDBPyConnection, model: object, frame: pl.DataFrame) -> np.ndarray:
    """positive_probability of `frame`'s rows (the same floats), through the margin cache when the model
    is a calibrated HistGradientBoosting pipeline; any other model predicts every row."""
    features = getattr(model, "ptleads_features_", None)
    x = model_input(frame, features) if features else model_input(frame)
    cached = _cached_probabilities(con, model, x)
    return cached if cached is not None else positive_probability(model, x)


def _transformed(transform: object, x: pd.DataFrame) -> np.ndarray:
    """np.array(transform.transform(x), dtype=float), without running the encoders on every row.

    At 1M settled leads the boosted pipeline's ColumnTransformer (impute + ordinal-encode six string
    columns, pass the numbers through) costs seconds a day. Each categorical column holds a handful of
    distinct values, so the transform itself encodes one probe row per distinct value and the rows take
    their value's code: the same floats. Any other transform layout runs the transform as before."""
    layout = _ordinal_layout(transform, x)
    if layout is None:
        return np.array(transform.transform(x), dtype=float)  # type: ignore[attr-defined]
    cats, rest, cat_slice, num_slice, width = layout
    out = np.empty((len(x), width), dtype=float)
    codes = []
    for name in cats:
        row_codes, uniques = pd.factorize(x[name])  # missing values (None from model_input) -> -1
        values = list(uniques)
        if (row_codes < 0).any():
            missing = x[name].to_numpy()[row_codes < 0]
            if any(value is not None for value in missing):
                return np.array(transform.transform(x), dtype=float)  # type: ignore[attr-defined]
            row_codes = np.where(row_codes < 0, len(values), row_codes)
            values.append(None)
        codes.append((row_codes, values))
    n_probe = max(len(values) for _, values in codes)
    probe = x.iloc[[0] * n_probe].reset_index(drop=True)
    for name, (_, values) in zip(cats, codes, strict=True):
        probe[name] = pd.Series(values + [values[0]] * (n_probe - len(values)), dtype=object)
    encoded = np.array(transform.transform(probe), dtype=float)[:, cat_slice]  # type: ignore[attr-defined]
    for k, (row_codes, values) in enumerate(codes):
        out[:, cat_slice.start + k] = encoded[: len(values), k][row_codes]
    out[:, num_slice] = np.array(x[rest].to_numpy(), dtype=float)
    return out


def _ordinal_layout(
    transform: object, x: pd.DataFrame
) -> tuple[list[str], list[str], slice, slice, int] | None:
    """(categorical columns, numeric columns, their output slices, output width) when `transform` is
    build_boosted's: object columns through a per-row imputer + encoder, numbers passed through as is."""
    if not isinstance(transform, ColumnTransformer) or len(x) == 0:
        return None
    blocks = [(name, step, cols) for name, step, cols in transform.transformers_ if name != "remainder"]
    remainder = [step for name, step, _ in transform.transformers_ if name == "remainder"]
    if remainder and remainder[0] != "drop":
        return None
    if [name for name, _, _ in blocks] != ["categorical", "numeric"]:
        return None
    (_, cat_step, cats), (_, num_step, rest) = blocks
    if not (isinstance(cat_step, Pipeline) and len(cat_step.steps) == 2):
        return None
    imputer, encoder = cat_step.steps[0][1], cat_step.steps[1][1]
    if not (isinstance(imputer, SimpleImputer) and isinstance(encoder, OrdinalEncoder)):
        return None
    if not (isinstance(num_step, FunctionTransformer) and num_step.func is None and not num_step.validate):
        return None
    if not set(cats) | set(rest) <= set(x.columns) or any(x[name].dtype != object for name in cats):
        return None
    if any(x[name].dtype == object for name in rest):
        return None
    indices = transform.output_indices_
    cat_slice, num_slice = indices["categorical"], indices["numeric"]
    if cat_slice.stop - cat_slice.start != len(cats) or num_slice.stop - num_slice.start != len(rest):
        return None
    return list(cats), list(rest), cat_slice, num_slice, max(cat_slice.stop, num_slice.stop)


_model_key = tree_occlusion.model_key  # the key of a model's margins (shared with the open leads' cache)


def _cached_probabilities(
    con: duckdb.DuckDBPyConnection, model: object, x: pd.DataFrame
) -> np.ndarray | None:
    pipeline = inner_pipeline(model)
    transform, final = pipeline.steps[0][1], pipeline.steps[-1][1]
    if isinstance(model, Pipeline) or not tree_occlusion.supports(final, len(x.columns)):
        return None
    if tree_occlusion.calibrated_probability(model, np.zeros(1)) is None or len(x) == 0:
        return None
    xt = _transformed(transform, x)

    def walk(rows: np.ndarray, _binned: np.ndarray) -> np.ndarray:
        return tree_occlusion.margin_and_contributions(final, xt[rows], None, {})[0]  # type: ignore[arg-type]

    margin = cached_margins(con, final, final._preprocess_X(xt, reset=False), walk)
    return tree_occlusion.calibrated_probability(model, margin)


def cached_margins(
    con: duckdb.DuckDBPyConnection,
    final: object,
    prepared: np.ndarray,
    walk: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Every row's tree margin through the cache: `prepared` is final._preprocess_X(xt) (binned with the
    mapper margin_and_contributions and predict() use); `walk(rows, binned_rows)` gives the margins of
    those rows, called only for binned rows the cache has not seen with this model."""
    mapper = final._bin_mapper  # type: ignore[attr-defined]
    binned = np.ascontiguousarray(mapper.transform(prepared), dtype=np.uint8)
    n, width = binned.shape
    key = _model_key(final, int(mapper.missing_values_bin_idx_))
    rows = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, pa.py_buffer(binned.tobytes())])
    con.execute(_CACHE_DDL)
    con.register("_ptleads_binned", pa.table({"i": pa.array(np.arange(n)), "b": rows.cast(pa.binary())}))
    try:
        found = con.execute(
            f"select r.i, c.margin from _ptleads_binned as r inner join {MARGIN_CACHE} as c "
            "on c.binned = r.b and c.model_key = ?",
            [key],
        ).fetchnumpy()
    finally:
        con.unregister("_ptleads_binned")
    margin = np.empty(n, dtype=float)
    hit = np.zeros(n, dtype=bool)
    margin[found["i"]] = found["margin"]
    hit[found["i"]] = True
    missing = np.flatnonzero(~hit)
    if missing.size:
        # one tree walk per distinct binned row not seen before (the rows are independent)
        _, first, again = np.unique(
            binned[missing].view(f"V{width}").ravel(), return_index=True, return_inverse=True
        )
        new = missing[first]
        new_margin = walk(new, binned[new])
        margin[missing] = new_margin[again.ravel()]
        _remember(con, key, binned[new], new_margin)
    return margin


def _remember(con: duckdb.DuckDBPyConnection, key: str, binned: np.ndarray, margin: np.ndarray) -> None:
    """Add the new rows' margins; margins of any other model go (a new champion starts afresh)."""
    rows = tree_occlusion.binary_rows(binned)
    con.register("_ptleads_margins", pa.table({"b": rows, "m": pa.array(margin)}))
    try:
        with atomic(con):
            con.execute(f"delete from {MARGIN_CACHE} where model_key <> ?", [key])
            con.execute(f"insert into {MARGIN_CACHE} select ?, b, m from _ptleads_margins", [key])
    finally:
        con.unregister("_ptleads_margins")
