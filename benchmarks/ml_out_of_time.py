"""Benchmark: issue 5's out-of-time must-show at a size where its bars can be measured.

The same flow as tests/ml/test_ml_generator_out_of_time.py (reusing its `evaluate`): generate a
12-month practice, `ptleads run` as of the end of month 9, `ptleads train`, `ptleads run` as of month
12, then score every settled month 10-12 lead right after its first contact with the month-9 champion.
Records model / Bayes / rules AUC, the ratio, ECE and the Bayes ECE (p_convert's own ECE on the same
leads: the sampling-noise floor of the ECE bar), with wall and CPU seconds (children included) per step
and the load, in benchmarks/results/ml_out_of_time-<N>-seed<S>-<date>.json.

`--keep DIR` keeps the generated practice, warehouses and MLflow store in DIR; running again with the
same DIR reuses what is there (so a change in ml/ is re-measured by retraining only: `--retrain`).
Run: env -u PYTHONDONTWRITEBYTECODE nice uv run python benchmarks/ml_out_of_time.py --leads 16000 --seed 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "ml"))

import duckdb  # noqa: E402
from bench_clock import cpu_seconds, timed  # noqa: E402
from out_of_time_eval import evaluate  # noqa: E402

from ml import registry  # noqa: E402
from orchestration.settings import Settings  # noqa: E402

T = TypeVar("T")


def _step(fn: Callable[[], T]) -> tuple[T, dict[str, float]]:
    return timed(fn, digits=1, with_load=True)


END = "2025-06-30"
AS_OF_9 = "2025-03-31T23:59:59Z"
AS_OF_12 = "2025-06-30T23:59:59Z"
HOLDOUT_AFTER = datetime(2025, 4, 1)


def _cli(*args: str) -> None:
    done = subprocess.run(["uv", "run", "ptleads", *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        # CLI stderr carries step names and file names only (house rule: no PHI in logs)
        raise SystemExit(f"ptleads {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def run_flow(work: Path, leads: int, seed: int, retrain: bool, prepare_only: bool) -> dict[str, object]:
    gen = work / "gen"
    wh9, wh12 = work / "m9" / "warehouse.duckdb", work / "m12" / "warehouse.duckdb"
    common = ["--inbox", str(gen / "inbox"), "--config", str(gen / "config")]
    # step timings of an earlier invocation on the same folder (e.g. --prepare-only) carry over
    steps_file = work / "steps.json"
    steps: dict[str, object] = json.loads(steps_file.read_text()) if steps_file.exists() else {}
    if not (gen / "truth" / "leads.csv").exists():
        _, steps["generate"] = _step(lambda: _cli(
            "generate", "--out", str(gen), "--seed", str(seed), "--leads", str(leads), "--months", "12",
            "--max-faxes", "0", "--end", END))  # fmt: skip
    if not wh9.exists():
        _, steps["run_month9"] = _step(
            lambda: _cli("run", *common, "--warehouse", str(wh9), "--as-of", AS_OF_9)
        )
    if prepare_only:  # the practice and both warehouses, no model: retrain later without re-running
        if not wh12.exists():
            _, steps["run_month12"] = _step(
                lambda: _cli("run", *common, "--warehouse", str(wh12), "--as-of", AS_OF_12)
            )
        steps_file.write_text(json.dumps(steps, indent=2))
        return {"prepared": str(work), "steps": steps}
    # the month-9 run trained a baseline champion (cold start); `ptleads train` then retrains and
    # gates, as the test does. --retrain starts from an empty store: the new model is champion.
    if retrain or "train" not in steps:
        if retrain:
            shutil.rmtree(wh9.parent / "mlflow", ignore_errors=True)
        _, steps["train"] = _step(
            lambda: _cli("train", "--warehouse", str(wh9), "--config", str(gen / "config"))
        )
    if not wh12.exists():
        _, steps["run_month12"] = _step(
            lambda: _cli("run", *common, "--warehouse", str(wh12), "--as-of", AS_OF_12)
        )
    steps_file.write_text(json.dumps(steps, indent=2))
    champion = registry.load_champion(Settings(warehouse=wh9))
    if champion is None:
        raise SystemExit("no champion after training")
    model, version = champion
    con = duckdb.connect(str(wh12), read_only=True)
    try:
        result, steps["evaluate"] = _step(lambda: evaluate(con, model, gen / "truth", HOLDOUT_AFTER))
    finally:
        con.close()
    metrics = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(result).items()}
    return {
        **metrics,
        "auc_ratio": round(result.model_auc / result.bayes_auc, 4),
        "champion_version": version,
        "champion_family": "boosted_isotonic" if "Calibrated" in type(model).__name__ else "logistic",
        "features": list(getattr(model, "ptleads_features_", []) or []),
        "bars": {
            "auc_ratio_min": 0.97,
            "ece_max": 0.03,
            "met": bool(
                result.model_auc >= 0.97 * result.bayes_auc
                and result.ece <= 0.03
                and result.model_auc > result.rules_auc
            ),
        },
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=16_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the work folder here")
    parser.add_argument("--retrain", action="store_true", help="retrain from an empty MLflow store")
    parser.add_argument("--prepare-only", action="store_true", help="generate and run only (needs --keep)")
    args = parser.parse_args()
    if args.prepare_only and args.keep is None:
        parser.error("--prepare-only needs --keep")
    started = datetime.now(UTC).isoformat()
    load_before = [round(v, 2) for v in os.getloadavg()]
    wall, cpu = time.perf_counter(), cpu_seconds()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        flow = run_flow(args.keep.resolve(), args.leads, args.seed, args.retrain, args.prepare_only)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            flow = run_flow(Path(tmp), args.leads, args.seed, args.retrain, args.prepare_only)
    result = {
        "leads_generated": args.leads,
        "seed": args.seed,
        "measured_at": started,
        **flow,
        "total": {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(cpu_seconds() - cpu, 1)},
        "loadavg_before": load_before,
        "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        "cpu_count": os.cpu_count(),
    }
    if args.prepare_only:
        print(json.dumps(result, indent=2))
        return
    out = ROOT / "benchmarks" / "results" / f"ml_out_of_time-{args.leads}-seed{args.seed}-{date.today()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
