"""Drift report: score distribution and calibration by month of receipt -> `marts.ml_drift`.

Every settled lead is scored in its state at receipt (landmark 0) by the model scoring this run, so
a month whose observed rate drifts from the mean score shows up as a calibration gap.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import polars as pl

from ml.evaluate import expected_calibration_error

DRIFT_TABLE = "marts.ml_drift"

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
