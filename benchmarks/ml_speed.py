"""Benchmark: score 100k open leads (< 5 s target) and train on 100k leads (< 2 min target).

A synthetic `marts.ml_lead_features` of that size (the tests/ml fixture's planted signal) in a temporary
warehouse. Measured: the whole `ml.train.train` (landmark rows, both families, holdout choice, MLflow
logging and registration into a temporary store) and the scoring of every lead by each family through
`ml.score.score_frame` (model, triage, routes, reasons) plus the full `score_open_leads` write.
Wall and CPU seconds (this process and its children) are recorded with the machine load, because the
benchmark machine is shared. Writes benchmarks/results/ml_speed-<date>.json.
Run: uv run python benchmarks/ml_speed.py [--leads 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "ml"))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from bench_clock import timed  # noqa: E402
from ml_feature_fixture import AS_OF, synthetic_features, write_feature_mart  # noqa: E402

from ml import registry  # noqa: E402
from ml.candidates import fit_candidates, time_split  # noqa: E402
from ml.compute_threads import single_threaded  # noqa: E402
from ml.features import (  # noqa: E402
    FEATURES,
    LABEL,
    load_feature_frame,
    model_input,
    scoring_rows,
    training_rows,
)
from ml.model_pipeline import contributions, scores_and_contributions  # noqa: E402
from ml.reasons import FACTOR_FEATURES  # noqa: E402
from ml.score import score_frame, score_open_leads  # noqa: E402
from ml.scoring_config import load_scoring_config  # noqa: E402
from ml.train import train  # noqa: E402
from orchestration.settings import Settings  # noqa: E402

T = TypeVar("T")


@single_threaded
def _same_as_full(model: object, rows: pl.DataFrame) -> dict[str, object]:
    """The scoring path against plain predict_proba + factor-by-factor occlusion (the pre-h26 path)."""
    x = model_input(rows, getattr(model, "ptleads_features_", None))
    reference = model.ptleads_reference_  # type: ignore[attr-defined]
    (scores, parts), fast = timed(lambda: scores_and_contributions(model, x, FACTOR_FEATURES, reference))
    (old_scores, old_parts), full = timed(
        lambda: (model.predict_proba(x)[:, 1], contributions(model, x, FACTOR_FEATURES, reference))  # type: ignore[attr-defined]
    )
    worst = max((float(np.abs(parts[f] - old_parts[f]).max()) for f in old_parts), default=0.0)
    return {
        "scores_bit_identical": bool(np.array_equal(scores, old_scores)),
        "max_score_diff": float(np.abs(scores - old_scores).max()),
        "max_contribution_diff": worst,
        "model_and_contributions": fast,
        "model_and_contributions_full_reprediction": full,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()
    config = load_scoring_config()
    cfg = config.model
    load_before = os.getloadavg()
    result: dict[str, object] = {"leads": args.leads, "measured_at": datetime.now(UTC).isoformat()}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(warehouse=Path(tmp) / "warehouse.duckdb", as_of=AS_OF.replace(tzinfo=UTC))
        # every lead open for the scoring half: 100k leads to score; settled ones train
        frame, result["synthetic_frame"] = timed(lambda: synthetic_features(args.leads, seed=3))
        write_feature_mart(settings.warehouse, frame)
        con = duckdb.connect(str(settings.warehouse))
        try:
            report, result["train_full"] = timed(lambda: train(con, settings, force=True))
            result["train_family"] = report.family
            result["train_holdout_auc"] = {f: round(m["auc"], 4) for f, m in report.candidates.items()}
            features = load_feature_frame(con)
            rows = training_rows(features, cfg.landmark_hours, cfg.history_prior_strength)
            result["training_rows"] = rows.height
            split = time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction)
            candidates, result["fit_both_families"] = timed(lambda: fit_candidates(split, FEATURES, LABEL))
            everyone = scoring_rows(
                features.with_columns(is_open=True), cfg.landmark_hours, cfg.history_prior_strength
            )
            result["scored_leads"] = everyone.height
            for cand in candidates:
                scored, timing = timed(lambda cand=cand: score_frame(everyone, cand.model, config))
                assert len(scored.reasons) == len(scored.routes) == scored.scores.size == everyone.height
                result[f"score_frame_{cand.family}"] = timing
                result[f"same_as_full_reprediction_{cand.family}"] = _same_as_full(cand.model, everyone)
            _rules, result["score_frame_rules"] = timed(lambda: score_frame(everyone, None, config))
            con.execute("update marts.ml_lead_features set is_open = true")
            written, result["score_open_leads_champion"] = timed(lambda: score_open_leads(con, settings))
            result["score_open_leads_rows"] = written
            # the whole write path again with each family as champion (train picked one of them)
            for cand in candidates:
                as_champion = lambda _s, m=cand.model, f=cand.family: (m, f)  # noqa: E731
                with mock.patch.object(registry, "load_champion", as_champion):
                    _n, result[f"score_open_leads_{cand.family}"] = timed(
                        lambda: score_open_leads(con, settings)
                    )
            result["champion_version"] = registry.champion_version(settings)
        finally:
            con.close()
    result["loadavg_before"] = [round(v, 2) for v in load_before]
    result["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    result["cpu_count"] = os.cpu_count()
    result["targets"] = {"score_100k_s": 5, "train_100k_s": 120}
    out = ROOT / "benchmarks" / "results" / f"ml_speed-{date.today().isoformat()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
