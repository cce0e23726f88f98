"""Issue 8's Spark must-show on a warehouse the pipeline already built: snapshot the dbt project, rebuild
`+fct_leads` on a copy of the warehouse (DuckDB, the reference) and on the Spark target from that one
snapshot, and write per-model row counts (and table rows compared value by value), wall and CPU seconds and
the load, as one JSON result. CPU counts this process and the children it waited for (dbt, the Spark
children and their JVMs, which scale.spark_jvm reaps so their CPU is counted).

    uv run --group spark python -m scale.spark_check --warehouse W --config C --as-of "2026-06-30 23:00:00" \\
        --leads 10000 --out benchmarks/results/spark-2026-11-29-10000.json   (PYTHONPATH=benchmarks)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR
from scale.spark_build import build_on_spark


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def snapshot_project(dest: Path) -> Path:
    """A copy of the dbt project both engines build from: model files edited meanwhile (the repo is
    shared) must not make the engines compare two versions of a model."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(DBT_PROJECT_DIR, dest, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return dest


def rebuild_duckdb(
    warehouse: Path, dest: Path, project_dir: Path, config_dir: Path, as_of: str, select: str
) -> Path:
    """Copy the warehouse and rebuild `select` on DuckDB from `project_dir` (the reference side)."""
    shutil.copyfile(warehouse, dest)
    env = {**os.environ, "PTLEADS_WAREHOUSE": str(dest), "PTLEADS_CONFIG": str(config_dir)}
    target = dest.parent / "duckdb_target"
    args = [str(Path(sys.executable).with_name("dbt")), "run", "--project-dir", str(project_dir)]
    args += ["--profiles-dir", str(project_dir), "--target-path", str(target), "--log-path", str(target)]
    args += ["--select", select, "--vars", json.dumps({"as_of": as_of})]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt on DuckDB failed (logs: {target})")
    return dest


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    return done.stdout.strip()


def check(warehouse: Path, config_dir: Path, as_of: str, workdir: Path, select: str) -> dict[str, object]:
    load_start, started, cpu_start = os.getloadavg(), time.perf_counter(), _cpu_seconds()
    workdir.mkdir(parents=True, exist_ok=True)
    project = snapshot_project(workdir / "dbt_project")
    reference = rebuild_duckdb(warehouse, workdir / "reference.duckdb", project, config_dir, as_of, select)
    duckdb_s = round(time.perf_counter() - started, 1)
    build = build_on_spark(reference, workdir, as_of, config_dir, select=select, project_dir=project)
    result = build.as_json()
    spark_rows, duckdb_rows = build.spark_rows.get("fct_leads"), build.duckdb_rows.get("fct_leads")
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "select": select,
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "dbt_project_uncommitted": _git("status", "--porcelain", "--", "."),
        "duckdb_rebuild_s": duckdb_s,
        "as_of": as_of,
        "fct_leads": {
            "status": build.statuses.get("fct_leads"),
            "spark_rows": spark_rows,
            "duckdb_rows": duckdb_rows,
            "equal": spark_rows is not None and spark_rows == duckdb_rows,
            "rows_only_one_engine_has": build.row_differences.get("fct_leads"),
        },
        "python_models": (
            "int_episode_rules, int_record_matches, int_identity_nodes, int_persons_clustered run their own "
            "code on the Spark driver (refs collected as Arrow into an in-process DuckDB; "
            "scale.spark_python_models): same results, not distributed"
        ),
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(_cpu_seconds() - cpu_start, 1),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
        **result,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--as-of", required=True, help="the pipeline run's as-of, 'YYYY-MM-DD HH:MM:SS' (UTC)")
    ap.add_argument("--leads", type=int, required=True)
    ap.add_argument("--workdir", type=Path, help="Spark metastore and tables (default: beside --out)")
    ap.add_argument("--select", default="+fct_leads")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    workdir = args.workdir or args.out.with_suffix(".spark")
    result = {"leads": args.leads, **check(args.warehouse, args.config, args.as_of, workdir, args.select)}
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["fct_leads"]), f"wall {result['wall_s']} s, cpu {result['cpu_s']} s")


if __name__ == "__main__":
    main()
