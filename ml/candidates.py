"""Fit both model families on a time-ordered split and pick the better one on the holdout.

Leads (not landmark rows) are split by receipt time: oldest train, then a calibration slice, then the
newest holdout, so every row of one lead lands in one part and nothing from the future trains.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import polars as pl

from ml.compute_threads import single_threaded
from ml.evaluate import holdout_metrics
from ml.features import labels, model_input
from ml.model_pipeline import build_boosted, build_logistic, calibrate_isotonic, reference_row


@dataclass(frozen=True)
class TimeSplit:
    train: pl.DataFrame
    calibration: pl.DataFrame
    holdout: pl.DataFrame


@dataclass
class Candidate:
    family: str  # logistic | boosted_isotonic
    model: object
    metrics: dict[str, float] = field(default_factory=dict)
    holdout_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))


def time_split(rows: pl.DataFrame, holdout_fraction: float, calibration_fraction: float) -> TimeSplit:
    """Split by lead receipt time (ties by lead id) so a lead's landmark rows stay together."""
    leads = rows.select("lead_id", "received_at").unique("lead_id").sort(["received_at", "lead_id"])
    n = leads.height
    test_start = math.floor(n * (1 - holdout_fraction))
    cal_start = math.floor(n * (1 - holdout_fraction - calibration_fraction))
    ids = leads.get_column("lead_id")
    part = pl.DataFrame(
        {
            "lead_id": ids,
            "_part": ["train"] * cal_start + ["cal"] * (test_start - cal_start) + ["test"] * (n - test_start),
        }
    )
    tagged = rows.join(part, on="lead_id", how="left")
    pick = lambda name: tagged.filter(pl.col("_part") == name).drop("_part")  # noqa: E731
    return TimeSplit(pick("train"), pick("cal"), pick("test"))


def informative(x: pd.DataFrame) -> list[str]:
    """Columns with at least two distinct known values (e.g. contact times the warehouse lacks drop out)."""
    return [name for name in x.columns if x[name].dropna().nunique() > 1]


@single_threaded
def fit_candidates(split: TimeSplit, features: Sequence[str], label: str, seed: int = 0) -> list[Candidate]:
    """Logistic on train+calibration (it is calibrated by construction); trees on train, isotonic on cal."""
    both = pl.concat([split.train, split.calibration], how="diagonal_relaxed")
    features = informative(model_input(both, features))
    x_both, y_both = model_input(both, features), labels(both, label)
    x_train, y_train = model_input(split.train, features), labels(split.train, label)
    x_cal, y_cal = model_input(split.calibration, features), labels(split.calibration, label)
    x_test, y_test = model_input(split.holdout, features), labels(split.holdout, label)
    reference = reference_row(x_both)

    out: list[Candidate] = []
    logistic = build_logistic(features).fit(x_both, y_both)
    out.append(Candidate("logistic", logistic))
    if len(np.unique(y_cal)) == 2 and len(np.unique(y_train)) == 2:
        boosted = calibrate_isotonic(build_boosted(features, seed=seed).fit(x_train, y_train), x_cal, y_cal)
        out.append(Candidate("boosted_isotonic", boosted))
    for cand in out:
        cand.model.ptleads_reference_ = reference  # travels with the pickled model for reasons
        cand.model.ptleads_features_ = list(features)
        cand.holdout_scores = np.asarray(cand.model.predict_proba(x_test)[:, 1], dtype=float)
        cand.metrics = holdout_metrics(y_test, cand.holdout_scores)
    return out


def better(a: Candidate, b: Candidate) -> Candidate:
    """Higher holdout AUC wins; Brier breaks near-ties (within 0.002) in favour of calibration."""
    auc_a, auc_b = a.metrics.get("auc", math.nan), b.metrics.get("auc", math.nan)
    if math.isnan(auc_b) or (not math.isnan(auc_a) and abs(auc_a - auc_b) > 0.002):
        return a if math.isnan(auc_b) or auc_a > auc_b else b
    return a if a.metrics["brier"] <= b.metrics["brier"] else b


def choose(candidates: list[Candidate]) -> Candidate:
    best = candidates[0]
    for cand in candidates[1:]:
        best = better(best, cand)
    return best
