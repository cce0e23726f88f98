"""The analyst's model room: MLflow runs and aliases, evaluation artifacts, a champion-vs-challenger
comparison on one shared holdout, and retrain / gated promotion. Reads and calls ml/, never edits it.

Training and the holdout read the published snapshot (read-only): the feature mart is in it, and the
pipeline's writer file is never touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from orchestration.settings import Settings

if TYPE_CHECKING:
    from ml.promotion import GateDecision
    from ml.train import TrainReport

EVALUATION_ARTIFACTS = ("calibration.png", "lift.png")


@dataclass(frozen=True)
class Aliases:
    champion: str | None
    challenger: str | None
    previous: str | None


def mlflow_available(settings: Settings) -> bool:
    from ml import registry

    return registry.store_exists(settings)


def aliases(settings: Settings) -> Aliases:
    from ml import registry

    return Aliases(
        registry.alias_version(settings, registry.CHAMPION),
        registry.alias_version(settings, registry.CHALLENGER),
        registry.alias_version(settings, registry.PREVIOUS),
    )


def runs(settings: Settings) -> pl.DataFrame:
    """One row per training run: time, family, data range, key metrics, params; newest first."""
    import mlflow

    from ml import registry

    registry.configure(settings)
    found = mlflow.search_runs(experiment_names=[registry.EXPERIMENT_NAME], order_by=["start_time DESC"])
    if found is None or len(found) == 0:
        return pl.DataFrame()
    frame = pl.from_pandas(found.astype({c: "string" for c in found.columns if found[c].dtype == object}))
    keep = ["run_id", "start_time", "tags.mlflow.runName", "tags.model_family"]
    keep += [c for c in frame.columns if c.startswith("tags.received_at_") or c.startswith("tags.as_of_")]
    keep += [c for c in frame.columns if c.startswith("metrics.") and c.count("_") <= 1]
    keep += [c for c in frame.columns if c.startswith("params.") and c != "params.features"]
    return frame.select([c for c in dict.fromkeys(keep) if c in frame.columns])


def run_of_version(settings: Settings, version: str) -> str | None:
    from ml import registry

    client = registry.configure(settings)
    return client.get_model_version(registry.MODEL_NAME, version).run_id


def artifact_files(settings: Settings, run_id: str, dest: Path) -> dict[str, Path]:
    """The run's evaluation PNGs and feature importances, downloaded to `dest`."""
    import mlflow

    from ml import registry

    registry.configure(settings)
    found: dict[str, Path] = {}
    for name in (*EVALUATION_ARTIFACTS, "feature_importances.csv"):
        try:
            local = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=f"evaluation/{name}", dst_path=str(dest / run_id)
            )
        except Exception:
            continue
        found[name] = Path(local)
    return found


def holdout(snapshot: Path, settings: Settings) -> pl.DataFrame:
    """The holdout slice exactly as training cuts it, from the published feature mart."""
    from app.lib.snapshot import connect_read_only
    from ml.candidates import time_split
    from ml.features import load_feature_frame, training_rows
    from ml.scoring_config import load_scoring_config

    cfg = load_scoring_config(settings.config_dir).model
    con = connect_read_only(snapshot)
    try:
        frame = load_feature_frame(con)
    finally:
        con.close()
    rows = training_rows(frame, cfg.landmark_hours, cfg.history_prior_strength)
    return time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction).holdout


def compare_on_holdout(settings: Settings, versions: dict[str, str], rows: pl.DataFrame) -> pl.DataFrame:
    """Holdout metrics of each named version (e.g. champion, challenger) on the same rows."""
    from ml import registry
    from ml.evaluate import holdout_metrics
    from ml.features import FEATURES, LABEL, labels, model_input

    out = []
    y = labels(rows, LABEL)
    for role, version in versions.items():
        model = registry.load_version(settings, version)
        features = getattr(model, "ptleads_features_", list(FEATURES))
        scores = np.asarray(model.predict_proba(model_input(rows, features))[:, 1], dtype=float)  # type: ignore[attr-defined]
        metrics = {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in holdout_metrics(y, scores).items()
        }
        out.append({"role": role, "version": version, "holdout_rows": rows.height, **metrics})
    return pl.DataFrame(out)


@dataclass(frozen=True)
class TrainOutcome:
    """What a retrain from the app did, in words for the page and the audit log (ids and metrics only)."""

    version: str | None
    alias: str | None
    message: str


def describe_training(report: TrainReport) -> TrainOutcome:
    if report.version is None:
        return TrainOutcome(None, None, f"No model trained: {report.skipped}")
    auc = report.metrics.get("auc")
    text = f"Trained version {report.version} ({report.family}"
    text += f", holdout AUC {auc:.3f})" if auc is not None and not math.isnan(auc) else ")"
    text += f", now {report.alias}"
    if report.gate is not None:
        verdict = report.gate.verdict
        text += f"; promotion gate {verdict}: {report.gate.reason}"
    return TrainOutcome(report.version, report.alias, text)


def retrain(snapshot: Path, settings: Settings) -> TrainOutcome:
    """Train on the snapshot's feature mart, as `ptleads train` does on the warehouse: the new version is
    a challenger and train() runs the promotion gate itself (against the champion, or against the
    cold-start rules when there is none yet)."""
    from app.lib.snapshot import connect_read_only
    from ml.train import train

    con = connect_read_only(snapshot)
    try:
        report = train(con, settings, force=True)
    finally:
        con.close()
    return describe_training(report)


def promote_through_gate(snapshot: Path, settings: Settings, challenger: str) -> GateDecision:
    """Run the promotion gate on the shared holdout; it promotes only if the challenger wins."""
    from ml.promotion import gate
    from ml.scoring_config import load_scoring_config

    cfg = load_scoring_config(settings.config_dir).model
    return gate(settings, challenger, holdout(snapshot, settings), cfg)
