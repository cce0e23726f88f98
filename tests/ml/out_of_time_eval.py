"""Out-of-time check on generator data: a model trained as of month 9 ranks months 10-12.

Warehouse leads map to truth leads through marts.lead_source_records joined to truth/records.csv
(majority true lead per warehouse lead); leads whose records disagree or are unmapped are dropped and
counted. Bayes AUC is p_convert's AUC on exactly the evaluated leads and labels.

Each lead is scored right after its first contact (72 h after receipt if nobody reached it), while it
was still unscheduled: the generator's p_convert depends on how fast staff reached the lead, so the
Bayes-optimal ranking is only defined for a scorer that knows that speed. At receipt (landmark 0) no
scorer can know it: there the model measured 0.62 against p_convert's 0.73. Scoring meets this state
in production as soon as a lead is reached (`ml.features.scoring_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from ml.evaluate import expected_calibration_error
from ml.features import LABEL, at_first_contact, history_rates, load_feature_frame, model_input, settled
from ml.score import rules_scores
from ml.scoring_config import load_scoring_config


@dataclass(frozen=True)
class OutOfTime:
    leads: int
    unmapped: int
    model_auc: float
    bayes_auc: float
    rules_auc: float
    ece: float
    bayes_ece: float  # p_convert's own calibration error on these leads: the sampling-noise floor


def truth_map(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> pl.DataFrame:
    """lead_id -> majority truth lead id and the share of its records that agree."""
    records = pl.read_csv(truth_dir / "records.csv", schema_overrides={"source_record_id": pl.Utf8})
    lineage = con.sql("select source, source_record_id, lead_id from marts.lead_source_records").pl()
    joined = lineage.join(
        records.rename({"lead_id": "truth_lead"}), on=["source", "source_record_id"], how="inner"
    ).filter(pl.col("truth_lead").is_not_null() & (pl.col("truth_lead") != ""))
    counts = joined.group_by(["lead_id", "truth_lead"]).len()
    return (
        counts.with_columns(share=pl.col("len") / pl.col("len").sum().over("lead_id"))
        .sort(["lead_id", "len"], descending=[False, True])
        .unique("lead_id", keep="first")
        .select("lead_id", "truth_lead", "share")
    )


def evaluate(
    con: duckdb.DuckDBPyConnection, model: object, truth_dir: Path, after: datetime, min_share: float = 0.8
) -> OutOfTime:
    """Settled leads received after `after`, right after their first contact, scored by `model`."""
    config = load_scoring_config()
    frame = settled(load_feature_frame(con)).filter(pl.col("received_at") > after)
    rows = at_first_contact(
        history_rates(frame, config.model.history_prior_strength), max(config.model.landmark_hours)
    )
    truth = pl.read_csv(truth_dir / "leads.csv").select(pl.col("lead_id").alias("truth_lead"), "p_convert")
    mapped = rows.join(truth_map(con, truth_dir), on="lead_id", how="left").join(
        truth, on="truth_lead", how="left"
    )
    clean = mapped.filter((pl.col("share") >= min_share) & pl.col("p_convert").is_not_null())
    y = clean.get_column(LABEL).cast(pl.Int8).to_numpy()
    features = getattr(model, "ptleads_features_", None)
    p = np.asarray(model.predict_proba(model_input(clean, features))[:, 1])  # type: ignore[attr-defined]
    rules = rules_scores(clean, config)[0]
    return OutOfTime(
        leads=clean.height,
        unmapped=rows.height - clean.height,
        model_auc=float(roc_auc_score(y, p)),
        bayes_auc=float(roc_auc_score(y, clean.get_column("p_convert").to_numpy())),
        rules_auc=float(roc_auc_score(y, rules)),
        ece=expected_calibration_error(y, p),
        bayes_ece=expected_calibration_error(y, clean.get_column("p_convert").to_numpy()),
    )
