"""Benchmark: score 100k open leads (< 5 s target) and train on 100k leads (< 2 min target).

Synthetic feature frames of that size (tests/ml fixture generator's signal), no MLflow: this measures
the model code (landmark features, both candidate families, triage, reasons), not the tracking store.
Writes benchmarks/results/ml_speed.json.  Run: uv run python benchmarks/ml_speed.py [--leads 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "ml"))

from ml_feature_fixture import synthetic_features  # noqa: E402

from ml.candidates import choose, fit_candidates, time_split  # noqa: E402
from ml.features import FEATURES, LABEL, at_landmark, history_rates, training_rows  # noqa: E402
from ml.score import score_frame  # noqa: E402
from ml.scoring_config import load_scoring_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()
    config = load_scoring_config()
    cfg = config.model
    t0 = time.perf_counter()
    frame = synthetic_features(args.leads, seed=3, open_share=0.0)
    built = time.perf_counter() - t0

    t0 = time.perf_counter()
    rows = training_rows(frame, cfg.landmark_hours, cfg.history_prior_strength)
    split = time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction)
    candidates = fit_candidates(split, FEATURES, LABEL)
    best = choose(candidates)
    train_s = time.perf_counter() - t0

    open_leads = at_landmark(history_rates(frame, cfg.history_prior_strength), 0.0)
    timings = {}
    for cand in candidates:
        t0 = time.perf_counter()
        scores, _values, tiers, reasons = score_frame(open_leads, cand.model, config)
        timings[cand.family] = time.perf_counter() - t0
        assert len(reasons) == len(tiers) == scores.size == open_leads.height
    result = {
        "leads": args.leads,
        "training_rows": rows.height,
        "synthetic_frame_s": round(built, 2),
        "train_both_families_s": round(train_s, 2),
        "chosen_family": best.family,
        "holdout_auc": {c.family: round(c.metrics["auc"], 4) for c in candidates},
        "score_open_leads_s": {k: round(v, 2) for k, v in timings.items()},
        "targets": {"score_100k_s": 5, "train_100k_s": 120},
    }
    out = ROOT / "benchmarks" / "results" / "ml_speed.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
