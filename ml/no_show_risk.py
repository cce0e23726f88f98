"""p(no-show at the evaluation) for every lead whose first evaluation is booked and not yet held.

The no-show model (`ptleads-noshow`, trained beside the conversion model) learns from what was known at
booking; here it scores the leads now in that state, so staff can confirm or remind the risky ones.
Written to `marts.no_show_risk`, replaced per as_of like `marts.lead_scores`.
"""

from __future__ import annotations

import logging
from datetime import datetime

import duckdb
import polars as pl

from ml import registry
from ml.as_of_rows import replace_as_of_rows
from ml.features import NO_SHOW_LABEL, at_landmark, history_rates
from orchestration.settings import Settings

log = logging.getLogger(__name__)
_COLUMNS = {"lead_id": pl.Utf8, "as_of": pl.Datetime("us"), "p_no_show": pl.Float64, "model_version": pl.Utf8}

RISK_TABLE = "marts.no_show_risk"
_CREATE = f"""
create schema if not exists marts;
create table if not exists {RISK_TABLE} (
    lead_id varchar,
    as_of timestamp,
    p_no_show double,
    model_version varchar
)
"""


def booked_rows(features: pl.DataFrame, prior_strength: float) -> pl.DataFrame:
    """Leads with a booked evaluation whose outcome is not known yet, in the state the model trained on
    (at booking: landmark 0, history rates as of the run)."""
    if "scheduled_at" not in features.columns or NO_SHOW_LABEL not in features.columns:
        return features.clear()
    booked = features.filter(pl.col("scheduled_at").is_not_null() & pl.col(NO_SHOW_LABEL).is_null())
    if booked.height == 0:
        return booked
    return at_landmark(history_rates(booked, prior_strength), 0.0)


def write_no_show_risk(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    features: pl.DataFrame,
    prior_strength: float,
    as_of: datetime,
    score: object,
) -> int:
    """Replace this as_of's rows; returns how many leads were scored (0 without a no-show champion).

    `score(model, frame) -> probabilities` is the conversion scorer's (the model's own feature list)."""
    con.execute(_CREATE)
    champion = registry.load_champion(settings, registry.NO_SHOW_MODEL_NAME)
    rows = booked_rows(features, prior_strength)
    out = pl.DataFrame(schema=_COLUMNS)
    if champion is not None and rows.height:
        model, version = champion
        out = pl.DataFrame(
            {
                "lead_id": rows.get_column("lead_id").cast(pl.Utf8),
                "as_of": pl.Series([as_of] * rows.height, dtype=pl.Datetime("us")),
                "p_no_show": pl.Series(score(model, rows), dtype=pl.Float64),
                "model_version": pl.Series([version] * rows.height, dtype=pl.Utf8),
            }
        )
    columns = "lead_id, as_of, p_no_show, model_version"
    replace_as_of_rows(con, RISK_TABLE, out, columns, columns, as_of)
    log.info("no-show risk of %d booked leads as of %s", out.height, as_of)
    return out.height
