"""Train the conversion model on the feature mart, log it to MLflow and register it.

The baseline is a regularised logistic regression evaluated on a time-ordered holdout (older 80%
trains, newest 20% evaluates), because leads are scored on the future, never on a shuffled past.
Only lead ids, aggregate metrics and model parameters reach MLflow: no PHI.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

import duckdb
import mlflow
import numpy as np
import polars as pl
import sklearn
from mlflow.models import infer_signature

from ml import registry
from ml.evaluate import holdout_metrics
from ml.features import FEATURES, labelled_rows, labels, load_feature_frame, model_input
from ml.model_pipeline import DEFAULT_PARAMS, build_pipeline, fit_pipeline
from orchestration.settings import Settings

MIN_LABELLED_ROWS = 200
TRAIN_FRACTION = 0.8

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimeSplit:
    train: pl.DataFrame
    test: pl.DataFrame


def time_ordered_split(frame: pl.DataFrame, train_fraction: float = TRAIN_FRACTION) -> TimeSplit:
    """Older rows train, newest rows test; ties broken by lead id so the split is reproducible."""
    ordered = frame.sort(["received_at", "lead_id"])
    cut = math.floor(ordered.height * train_fraction)
    return TimeSplit(train=ordered.head(cut), test=ordered.slice(cut))


def data_fingerprint(frame: pl.DataFrame) -> str:
    """sha256 over the sorted lead ids and the as_of range: same data, same fingerprint."""
    digest = hashlib.sha256()
    for lead_id in sorted(str(v) for v in frame.get_column("lead_id").to_list()):
        digest.update(lead_id.encode())
        digest.update(b"\n")
    as_of = frame.get_column("as_of")
    digest.update(f"{as_of.min()}|{as_of.max()}".encode())
    return digest.hexdigest()


def _pip_requirements() -> list[str]:
    # Explicit, so MLflow never runs its (slow, network-touching) requirement inference.
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
    """Train and crown a baseline when no champion exists and >= 200 labelled rows do; else None."""
    return train(con, settings, force=False)


def train(con: duckdb.DuckDBPyConnection, settings: Settings, force: bool = True) -> str | None:
    """Train, log and register a new version; returns it, or None when skipped.

    Without `force`, an existing champion means nothing to do. The new version becomes `champion`
    when there is none yet, otherwise `challenger` (promotion is a separate, gated step).
    """
    if not force and registry.champion_version(settings) is not None:
        log.info("champion exists; training skipped")
        return None
    frame = labelled_rows(load_feature_frame(con))
    if frame.height < MIN_LABELLED_ROWS:
        log.info("only %d labelled rows (< %d); training skipped", frame.height, MIN_LABELLED_ROWS)
        return None
    y_all = labels(frame).to_numpy()
    if len(np.unique(y_all)) < 2:
        log.warning("labelled rows hold a single class; training skipped")
        return None
    split = time_ordered_split(frame)
    y_train = labels(split.train).to_numpy()
    if len(np.unique(y_train)) < 2:
        log.warning("the older %d%% holds a single class; training skipped", int(TRAIN_FRACTION * 100))
        return None
    return _fit_log_register(split, frame, settings)


def _fit_log_register(split: TimeSplit, frame: pl.DataFrame, settings: Settings) -> str:
    x_train, y_train = model_input(split.train), labels(split.train).to_numpy()
    x_test, y_test = model_input(split.test), labels(split.test).to_numpy()
    pipeline = fit_pipeline(build_pipeline(), x_train, y_train)
    metrics = holdout_metrics(y_test, pipeline.predict_proba(x_test)[:, 1])

    experiment_id = registry.ensure_experiment(settings)
    received = frame.get_column("received_at")
    as_of = frame.get_column("as_of")
    tags = {
        "training_fingerprint": data_fingerprint(frame),
        "as_of_min": str(as_of.min()),
        "as_of_max": str(as_of.max()),
        "received_at_min": str(received.min()),
        "received_at_max": str(received.max()),
        "model_family": "logistic_regression_baseline",
    }
    params = {
        **DEFAULT_PARAMS,
        "features": ",".join(FEATURES),
        "split": "time_ordered",
        "train_fraction": TRAIN_FRACTION,
        "n_train": split.train.height,
        "n_test": split.test.height,
        "label": "label_scheduled_14d",
    }
    with mlflow.start_run(experiment_id=experiment_id, run_name="baseline-logreg", tags=tags) as run:
        mlflow.log_params(params)
        # MLflow rejects NaN metrics poorly across stores; a missing metric is clearer than a NaN.
        mlflow.log_metrics({k: v for k, v in metrics.items() if not math.isnan(v)})
        signature = infer_signature(x_train.head(50), pipeline.predict_proba(x_train.head(50))[:, 1])
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            signature=signature,
            pip_requirements=_pip_requirements(),
            pyfunc_predict_fn="predict_proba",
            skops_trusted_types=registry.trusted_types_of(pipeline),
        )
        version = mlflow.register_model(info.model_uri, registry.MODEL_NAME, tags={"run_id": run.info.run_id})
    version_id = str(version.version)
    alias = registry.CHAMPION if registry.champion_version(settings) is None else registry.CHALLENGER
    registry.set_alias(settings, alias, version_id)
    log.info(
        "registered %s v%s as %s (auc=%.3f, n_train=%d, n_test=%d)",
        registry.MODEL_NAME,
        version_id,
        alias,
        metrics["auc"],
        split.train.height,
        split.test.height,
    )
    return version_id
