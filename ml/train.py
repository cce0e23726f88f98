"""Train the conversion and no-show models on the feature mart, log them to MLflow, register, gate.

Both families (regularised logistic, isotonic-calibrated gradient boosting) are fitted on the same
time-ordered split; the better one on the out-of-time holdout is registered as `challenger` and becomes
`champion` only through the promotion gate (`ml/promotion.py`): against the champion, or, for the first
model, against the cold-start rules on the same holdout (a first model worse than the rules stays
challenger and the rules keep ranking). Only lead-free aggregates, parameters and the model reach
MLflow: no PHI.

The gate takes the challenger's holdout scores from its fit (no reload and re-predict of the registered
model); MLflow and matplotlib are imported only when a model is logged.
"""

from __future__ import annotations

import hashlib
import logging
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import sklearn

from ml import registry
from ml.candidates import Candidate, CandidateSet, TimeSplit, choose, fit_candidate_sets, time_split
from ml.compute_threads import single_threaded
from ml.evaluate import holdout_metrics
from ml.features import (
    FEATURES,
    LABEL,
    NO_SHOW_FEATURES,
    NO_SHOW_LABEL,
    labels,
    load_feature_frame,
    model_input,
    no_show_rows,
    recent_window,
    settled,
    training_rows,
)
from ml.model_pipeline import BOOSTED_PARAMS, LOGISTIC_PARAMS
from ml.permutation_auc import permutation_auc_drop
from ml.promotion import GateDecision, gate
from ml.scoring_config import ModelSettings, load_scoring_config
from orchestration.settings import Settings

MIN_NO_SHOW_ROWS = 100
IMPORTANCE_ROWS = 20_000

log = logging.getLogger(__name__)


@dataclass
class TrainReport:
    """What one training call did, for the CLI, the asset metadata and tests."""

    version: str | None
    alias: str | None = None
    family: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    candidates: dict[str, dict[str, float]] = field(default_factory=dict)
    gate: GateDecision | None = None
    no_show_version: str | None = None
    no_show_metrics: dict[str, float] = field(default_factory=dict)
    skipped: str = ""


def data_fingerprint(frame: pl.DataFrame) -> str:
    """sha256 over the sorted lead ids and the as_of range: same data, same fingerprint."""
    # polars sorts strings by their UTF-8 bytes, which is Python's code-point order; one update of the
    # joined ids hashes what an update per id and newline would
    ids = frame.get_column("lead_id").cast(pl.Utf8).unique().sort().to_list()
    digest = hashlib.sha256("".join(f"{lead_id}\n" for lead_id in ids).encode())
    as_of = frame.get_column("as_of")
    digest.update(f"{as_of.min()}|{as_of.max()}".encode())
    return digest.hexdigest()


def _pip_requirements() -> list[str]:
    # Explicit, so MLflow never runs its (slow, network-touching) requirement inference.
    import mlflow
    import pandas
    import skops

    return [
        f"mlflow=={mlflow.__version__}",
        f"scikit-learn=={sklearn.__version__}",
        f"numpy=={np.__version__}",
        f"pandas=={pandas.__version__}",
        f"skops=={skops.__version__}",
    ]


def train_if_needed(con: duckdb.DuckDBPyConnection, settings: Settings) -> str | None:
    """Train a first model (gated against the cold-start rules) when no model is registered yet and
    enough settled leads exist; else None. A first model that lost to the rules is retried by the
    weekly schedule, `ptleads train` or the app, not by every daily run."""
    return train(con, settings, force=False).version


@single_threaded
def train(con: duckdb.DuckDBPyConnection, settings: Settings, force: bool = True) -> TrainReport:
    """Train, log, register and gate; without `force`, an existing champion or challenger means nothing
    to do."""
    if not force and registry.champion_version(settings) is not None:
        return TrainReport(None, skipped="champion exists")
    if not force and registry.alias_version(settings, registry.CHALLENGER) is not None:
        return TrainReport(None, skipped="a challenger awaits the gate; retrain weekly or on demand")
    cfg = load_scoring_config(settings.config_dir).model
    frame = load_feature_frame(con)
    leads = settled(frame, cfg.label_window_days)
    if leads.height < cfg.min_labelled_leads:
        reason = f"cold start: {leads.height} settled leads (< {cfg.min_labelled_leads}); rules rank"
        log.info(reason)
        return TrainReport(None, skipped=reason)
    if leads.get_column(LABEL).n_unique() < 2:
        return TrainReport(None, skipped="settled leads hold a single outcome")
    frame = recent_window(frame, cfg.max_training_leads, cfg.label_window_days)
    rows = training_rows(frame, cfg.landmark_hours, cfg.history_prior_strength)
    split = time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction)
    if len(np.unique(labels(split.train))) < 2 or len(np.unique(labels(split.holdout))) < 2:
        return TrainReport(None, skipped="a time slice holds a single outcome")
    no_show = _no_show_split(frame, cfg)
    sets = [CandidateSet(split, FEATURES, LABEL)]
    if no_show is not None:
        sets.append(CandidateSet(no_show[1], NO_SHOW_FEATURES, NO_SHOW_LABEL))
    fitted = fit_candidate_sets(sets)
    candidates, no_show_fitted = fitted[0], fitted[1] if no_show is not None else []
    # the rest runs on this thread: beside each other, Python-heavy steps (MLflow, skops, the importances'
    # many small numpy calls) mostly wait for the interpreter lock (measured at 1M: slower, not faster)
    best = choose(candidates)
    evaluation = _evaluate(best, candidates, split, FEATURES, LABEL, cfg)
    version = _log_and_register(
        settings, registry.MODEL_NAME, best, candidates, split, rows, FEATURES, LABEL, cfg, evaluation
    )
    report = TrainReport(
        version,
        family=best.family,
        metrics=best.metrics,
        candidates={c.family: c.metrics for c in candidates},
    )
    # every new version is a challenger; only the gate crowns it (the first against the cold-start rules)
    registry.set_alias(settings, registry.CHALLENGER, version)
    report.alias = registry.CHALLENGER
    # the challenger's holdout scores are the ones its fit gave (the registered model is that object)
    report.gate = gate(settings, version, split.holdout, cfg, challenger_scores=best.holdout_scores)
    if report.gate.promoted:
        report.alias = registry.CHAMPION
    if no_show is not None:
        report.no_show_version, report.no_show_metrics = _register_no_show(
            settings, no_show[0], no_show[1], no_show_fitted, cfg
        )
    return report


def _no_show_split(frame: pl.DataFrame, cfg: ModelSettings) -> tuple[pl.DataFrame, TimeSplit] | None:
    """The no-show model's rows and split, or None when they cannot train it."""
    rows = no_show_rows(frame, cfg.history_prior_strength)
    if rows.height < MIN_NO_SHOW_ROWS or rows.get_column(NO_SHOW_LABEL).n_unique() < 2:
        return None
    split = time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction)
    if len(np.unique(labels(split.holdout, NO_SHOW_LABEL))) < 2:
        return None
    return rows, split


def _register_no_show(
    settings: Settings, rows: pl.DataFrame, split: TimeSplit, candidates: list[Candidate], cfg: ModelSettings
) -> tuple[str, dict]:
    """p(no-show at the evaluation) from what is known at booking; newest version is its champion."""
    best = choose(candidates)
    evaluation = _evaluate(best, candidates, split, NO_SHOW_FEATURES, NO_SHOW_LABEL, cfg)
    version = _log_and_register(
        settings,
        registry.NO_SHOW_MODEL_NAME,
        best,
        candidates,
        split,
        rows,
        NO_SHOW_FEATURES,
        NO_SHOW_LABEL,
        cfg,
        evaluation,
    )
    registry.set_alias(settings, registry.CHAMPION, version, registry.NO_SHOW_MODEL_NAME)
    return version, best.metrics


def _finite(metrics: dict[str, float], prefix: str = "") -> dict[str, float]:
    # MLflow stores NaN poorly across backends; a missing metric is clearer than a NaN.
    return {f"{prefix}{k}": float(v) for k, v in metrics.items() if not math.isnan(v)}


def _landmark_metrics(
    best: Candidate, holdout: pl.DataFrame, label: str, landmarks: list[float]
) -> dict[str, float]:
    """AUC/ECE per configured landmark, and for the at-first-contact rows (any other age)."""
    if "landmark_hours" not in holdout.columns or label != LABEL:
        return {}
    out: dict[str, float] = {}
    marks = holdout.get_column("landmark_hours").to_numpy()
    y = labels(holdout, label)
    fixed = np.isin(marks, landmarks)
    groups = [(f"landmark_{int(m)}h_", marks == m) for m in landmarks] + [("at_first_contact_", ~fixed)]
    for prefix, mask in groups:
        if mask.any():
            metrics = holdout_metrics(y[mask], best.holdout_scores[mask])
            out |= _finite({"auc": metrics["auc"], "ece": metrics["ece"]}, prefix)
    return out


@dataclass
class _Evaluation:
    """What is logged beside a model and needs no MLflow: holdout metrics, plots, importances, and the
    types skops must trust to load it (the folder lives until `close`)."""

    metrics: dict[str, float]
    folder: tempfile.TemporaryDirectory
    trusted_types: list[str]
    sample: pd.DataFrame  # the first holdout rows, for the logged signature

    def close(self) -> None:
        self.folder.cleanup()


def _evaluate(
    best: Candidate,
    candidates: list[Candidate],
    split: TimeSplit,
    features: tuple[str, ...],
    label: str,
    cfg: ModelSettings,
) -> _Evaluation:
    """The evaluation of `best`, logged beside it."""
    from ml.report_plots import calibration_plot, lift_plot  # matplotlib: only when a model is logged

    metrics = _finite(best.metrics)
    for cand in candidates:
        metrics |= _finite(cand.metrics, f"{cand.family}_")
    metrics |= _landmark_metrics(best, split.holdout, label, list(cfg.landmark_hours))
    holder = tempfile.TemporaryDirectory()
    folder = Path(holder.name)
    x_test, y_test = model_input(split.holdout, features), labels(split.holdout, label)
    calibration_plot(
        y_test, best.holdout_scores, folder / "calibration.png", title=f"Calibration: {best.family}"
    )
    lift_plot(y_test, best.holdout_scores, folder / "lift.png", title=f"Cumulative gain: {best.family}")
    # a 20k-row sample ranks features as well as the whole holdout at a fraction of the cost
    importance_mean, importance_std = permutation_auc_drop(
        best.model, x_test, y_test, n_repeats=3, max_rows=IMPORTANCE_ROWS
    )
    table = pl.DataFrame(
        {
            "feature": list(features),
            "auc_drop_mean": importance_mean,
            "auc_drop_std": importance_std,
        }
    ).sort("auc_drop_mean", descending=True)
    table.write_csv(folder / "feature_importances.csv")
    pl.DataFrame([{"family": c.family, **c.metrics} for c in candidates]).write_csv(folder / "candidates.csv")
    types = registry.trusted_types_of(best.model)
    return _Evaluation(metrics, holder, types, x_test.head(50))


def _log_and_register(
    settings: Settings,
    model_name: str,
    best: Candidate,
    candidates: list[Candidate],
    split: TimeSplit,
    rows: pl.DataFrame,
    features: tuple[str, ...],
    label: str,
    cfg: ModelSettings,
    evaluation: _Evaluation,
) -> str:
    import mlflow
    from mlflow.models import infer_signature

    try:
        experiment_id = registry.ensure_experiment(settings)
        received, as_of = rows.get_column("received_at"), rows.get_column("as_of")
        tags = {
            "model_name": model_name,
            "model_family": best.family,
            "training_fingerprint": data_fingerprint(rows),
            "as_of_min": str(as_of.min()),
            "as_of_max": str(as_of.max()),
            "received_at_min": str(received.min()),
            "received_at_max": str(received.max()),
            "holdout_received_at_min": str(split.holdout.get_column("received_at").min()),
        }
        params = {
            "label": label,
            "features": ",".join(features),
            "split": "time_ordered_by_lead",
            "landmark_hours": ",".join(str(h) for h in cfg.landmark_hours) if label == LABEL else "none",
            "holdout_fraction": cfg.holdout_fraction,
            "calibration_fraction": cfg.calibration_fraction,
            "history_prior_strength": cfg.history_prior_strength,
            "max_training_leads": cfg.max_training_leads,
            "n_train_rows": split.train.height + split.calibration.height,
            "n_holdout_rows": split.holdout.height,
            "n_leads": rows.get_column("lead_id").n_unique(),
            **{f"logistic_{k}": v for k, v in LOGISTIC_PARAMS.items()},
            **{f"boosted_{k}": v for k, v in BOOSTED_PARAMS.items()},
        }
        run_name = f"{model_name}-{best.family}"
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags) as run:
            mlflow.log_params(params)
            mlflow.log_metrics(evaluation.metrics)
            mlflow.log_artifacts(evaluation.folder.name, artifact_path="evaluation")
            sample = evaluation.sample
            signature = infer_signature(sample, best.model.predict_proba(sample)[:, 1])
            info = mlflow.sklearn.log_model(
                best.model,
                name="model",
                signature=signature,
                pip_requirements=_pip_requirements(),
                pyfunc_predict_fn="predict_proba",
                serialization_format="skops",
                skops_trusted_types=evaluation.trusted_types,
            )
            version = registry.register(settings, info.model_uri, run.info.run_id, model_name)
    finally:
        evaluation.close()
    log.info(
        "registered %s v%s (%s, holdout auc=%.3f)", model_name, version, best.family, best.metrics["auc"]
    )
    return version
