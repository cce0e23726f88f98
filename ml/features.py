"""The model's inputs, read from the dbt feature mart `marts.ml_lead_features` and nothing else.

The feature list is fixed here so training and scoring cannot drift apart. Encoding (one-hot,
splines, scaling) lives inside the sklearn pipeline (see `ml/model_pipeline.py`), so the logged
model takes these raw columns.

`hours_to_first_contact` is deliberately not a feature: at scoring time a brand-new lead is
uncontacted only because it is new, while in training "never contacted" means the lead was dropped,
so the model would learn to push new leads down the call list (train/serve skew).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl

FEATURE_TABLE = "marts.ml_lead_features"
LABEL = "label_scheduled_14d"
LABEL_WINDOW_DAYS = 14

CATEGORICAL: tuple[str, ...] = ("source", "channel", "payer", "payer_tier", "diagnosis_group", "clinic_id")
NUMERIC: tuple[str, ...] = ("rate_per_visit", "expected_visits")
DISTANCE = "distance_km"
FLAGS: tuple[str, ...] = ("post_op", "has_referrer")
FEATURES: tuple[str, ...] = (*CATEGORICAL, *NUMERIC, DISTANCE, *FLAGS)

# Columns kept beside the features: identity, time order, label, and what scoring needs.
CONTEXT: tuple[str, ...] = ("lead_id", "received_at", "as_of", "is_open", LABEL, "referring_npi")


def load_feature_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every lead of the newest as_of in the feature mart, with the derived feature columns."""
    frame = con.sql(
        f"""
        select *
        from {FEATURE_TABLE}
        where as_of = (select max(as_of) from {FEATURE_TABLE})
        order by received_at, lead_id
        """
    ).pl()
    return add_derived_columns(frame)


def add_derived_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Features computed from mart columns (kept tiny: set logic belongs in dbt)."""
    npi = pl.col("referring_npi").cast(pl.Utf8)
    return frame.with_columns(
        has_referrer=(npi.is_not_null() & (npi.str.strip_chars() != "")).fill_null(False),
    )


def labelled_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows whose 14-day outcome is settled as of the run (received >= 14 days earlier), oldest first.

    The mart labels a lead 1 as soon as it schedules, so among the last 14 days only the positives
    carry a label; keeping those would inflate the newest (holdout) slice's conversion rate.
    """
    settled = pl.col("received_at") <= pl.col("as_of") - pl.duration(days=LABEL_WINDOW_DAYS)
    return frame.filter(pl.col(LABEL).is_not_null() & settled).sort(["received_at", "lead_id"])


def open_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("is_open").fill_null(False))


def model_input(frame: pl.DataFrame) -> pd.DataFrame:
    """The fixed feature columns as pandas with stable dtypes: what the pipeline and signature see."""
    out = pd.DataFrame(index=range(frame.height))
    for name in CATEGORICAL:
        values = (
            frame.get_column(name).cast(pl.Utf8).to_list() if name in frame.columns else [None] * frame.height
        )
        out[name] = pd.Series(values, dtype="object")
    for name in (*NUMERIC, DISTANCE):
        out[name] = (
            frame.get_column(name).cast(pl.Float64).to_numpy() if name in frame.columns else float("nan")
        )
    for name in FLAGS:
        out[name] = frame.get_column(name).cast(pl.Float64).fill_null(0.0).to_numpy()
    return out


def labels(frame: pl.DataFrame) -> pl.Series:
    return frame.get_column(LABEL).cast(pl.Int8)
