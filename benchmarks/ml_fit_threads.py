"""Benchmark: the conversion model's boosted fit on 1 vs 2 OpenMP threads, and whether they agree bit for bit.

Reads `marts.ml_lead_features` READ-ONLY from a warehouse (100k copy, or the 1M warehouse with a memory
cap), rebuilds train's rows and time split (the same recent window), then fits the boosted + isotonic
candidate exactly as `ml.candidates` does, once per thread count (interleaved, `--repeats` rounds).
Per fit: wall and CPU seconds (this process, every thread), and against the first one-thread fit:
np.array_equal of the holdout scores, of predict_proba on the holdout and of every tree's node array
and the bin thresholds. Prints JSON; writes nothing.
Run: uv run python benchmarks/ml_fit_threads.py --warehouse /tmp/h120/wh/warehouse.duckdb [--threads 1 2]
     [--save-features rows.parquet]; later runs may read --features rows.parquet instead.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from ml.candidates import CandidateSet, _family_fits, time_split
from ml.features import FEATURES, LABEL, load_feature_frame, model_input, recent_window, training_rows
from ml.model_pipeline import inner_pipeline
from ml.scoring_config import load_scoring_config


def _trees(model: object) -> tuple[list[np.ndarray], list[np.ndarray]]:
    final = inner_pipeline(model).steps[-1][1]
    nodes = [p.nodes for iteration in final._predictors for p in iteration]
    return nodes, list(final._bin_mapper.bin_thresholds_)


def _same_arrays(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    if len(a) != len(b):
        return False
    return all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--warehouse", type=Path, help="read marts.ml_lead_features from it, read-only")
    source.add_argument("--features", type=Path, help="a parquet file --save-features wrote")
    parser.add_argument("--save-features", type=Path, help="write the feature rows read to this parquet")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--memory-limit", default="2500MB")
    args = parser.parse_args()
    cfg = load_scoring_config().model
    tmp = Path(f"/tmp/h120_tmp_{os.getpid()}")
    config = {
        "memory_limit": args.memory_limit,
        "threads": 2,
        "temp_directory": str(tmp),
        "max_temp_directory_size": "6GB",
    }
    t0 = time.perf_counter()
    if args.features is not None:
        frame = pl.read_parquet(args.features)
    else:
        with duckdb.connect(str(args.warehouse), read_only=True, config=config) as con:
            frame = load_feature_frame(con)
    read_s = time.perf_counter() - t0
    if args.save_features is not None:
        frame.write_parquet(args.save_features)
    frame = recent_window(frame, cfg.max_training_leads, cfg.label_window_days)
    rows = training_rows(frame, cfg.landmark_hours, cfg.history_prior_strength)
    split = time_split(rows, cfg.holdout_fraction, cfg.calibration_fraction)
    out: dict[str, object] = {
        "source": str(args.warehouse or args.features),
        "read_features_s": round(read_s, 2),
        "train_rows": split.train.height,
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
        "fits": [],
    }
    x_test = model_input(split.holdout, FEATURES)
    reference = None
    for _round in range(args.repeats):
        for threads in args.threads:
            _cost, boosted = _family_fits(CandidateSet(split, FEATURES, LABEL))[-1]
            with threadpool_limits(limits=threads):
                wall, cpu = time.perf_counter(), time.process_time()
                cand = boosted()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            proba = cand.model.predict_proba(x_test[cand.model.ptleads_features_])  # type: ignore[attr-defined]
            nodes, thresholds = _trees(cand.model)
            fit = {"threads": threads, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "trees": len(nodes)}
            if reference is None:
                reference = (cand.holdout_scores, proba, nodes, thresholds)
            else:
                fit["holdout_scores_equal"] = bool(np.array_equal(cand.holdout_scores, reference[0]))
                fit["predict_proba_equal"] = bool(np.array_equal(proba, reference[1]))
                fit["trees_equal"] = _same_arrays(nodes, reference[2])
                fit["bin_thresholds_equal"] = _same_arrays(thresholds, reference[3])
            out["fits"].append(fit)  # type: ignore[union-attr]
            print(json.dumps(fit), flush=True)
    out["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
