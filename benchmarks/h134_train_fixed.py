"""The scale bench's train step (`python -m scale.steps train`) on fresh copies of one warehouse, A/B.

Each run copies the warehouse file into a new folder (no MLflow store beside it: the first model for a
new warehouse, as the bench trains it), runs the step in a child process with the code tree of the
variant on PYTHONPATH, and accounts for it like `benchmarks/scale/child_step.py`: wall seconds, CPU
seconds (user + system from `os.wait4`) and peak RSS. Variants alternate (A B A B ...) so both see the
same load. The environment is passed as it is (PYTHONDONTWRITEBYTECODE included, as in the bench).

    uv run python benchmarks/h134_train_fixed.py --warehouse /tmp/s19/100000/wh/warehouse.duckdb \
        --params /tmp/s19/100000/logs/train.params.json --work /tmp/h134/bench \
        --variant before=/tmp/h134_base --variant after=/tmp/h134 --runs 3 --out result.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def run_once(tree: Path, warehouse: Path, params: dict, work: Path, env_extra: dict[str, str]) -> dict:
    folder = work / "wh"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    copy = folder / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    run_params = {**params, "warehouse": str(copy)}
    params_path, result_path = work / "train.params.json", work / "train.result.json"
    params_path.write_text(json.dumps(run_params), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    env = os.environ.copy() | env_extra
    env["PYTHONPATH"] = os.pathsep.join([str(tree / "benchmarks"), str(tree)])
    command = [sys.executable, "-m", "scale.steps", "train", str(params_path), str(result_path)]
    load = os.getloadavg()[0]
    with open(work / "train.log", "w", encoding="utf-8") as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tree)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"train exited {child.returncode} (log {work / 'train.log'})")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "load_1m_at_start": round(load, 2),
        **json.loads(result_path.read_text(encoding="utf-8")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--params", type=Path, required=True, help="a scale run's train.params.json")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--variant", action="append", required=True, help="name=code tree")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for every child")
    parser.add_argument("--variant-env", action="append", default=[], help="name:KEY=VALUE for one variant")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.work, args.warehouse = args.work.resolve(), args.warehouse.resolve()
    params = json.loads(args.params.read_text(encoding="utf-8"))
    variants = dict(v.split("=", 1) for v in args.variant)
    env_extra = dict(e.split("=", 1) for e in args.env)
    per_variant: dict[str, dict[str, str]] = {name: dict(env_extra) for name in variants}
    for spec in args.variant_env:
        name, pair = spec.split(":", 1)
        key, value = pair.split("=", 1)
        per_variant[name][key] = value
    results: dict[str, list[dict]] = {name: [] for name in variants}
    for run in range(args.runs):
        for name, tree in variants.items():
            out = run_once(Path(tree), args.warehouse, params, args.work / name, per_variant[name])
            results[name].append(out)
            print(name, run, json.dumps(out), flush=True)
    summary = {
        name: {
            "wall_s": [r["wall_s"] for r in rows],
            "cpu_s": [r["cpu_s"] for r in rows],
            "peak_rss_mb": [r["peak_rss_mb"] for r in rows],
            "load_1m_at_start": [r["load_1m_at_start"] for r in rows],
        }
        for name, rows in results.items()
    }
    args.out.write_text(json.dumps({"env": per_variant, "variants": variants, "runs": summary}, indent=1))
    for name in variants:
        shutil.rmtree(args.work / name / "wh", ignore_errors=True)


if __name__ == "__main__":
    main()
