"""Build the dbt project on the Spark target from a DuckDB warehouse's sources and compare row counts.

Three steps, each its own JVM (the embedded Derby metastore admits one at a time): register the
exported raw/ref tables, `dbt run --target spark`, count every built model. Used by the bench's
`--spark` flag and by tests/spark (PTLEADS_SPARK=1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR
from scale.spark_raw import export_sources, tables_json
from scale.spark_values import compare_rows


@dataclass
class SparkBuild:
    """What the Spark target built: per-model status, and row counts on Spark beside DuckDB's."""

    statuses: dict[str, str] = field(default_factory=dict)  # model name -> success / error / skipped
    spark_rows: dict[str, int] = field(default_factory=dict)
    duckdb_rows: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # first line of the error (SQL text only)
    seconds: dict[str, float] = field(default_factory=dict)
    # table models: rows only one engine has (scalar columns; see scale.spark_values)
    row_differences: dict[str, dict[str, int]] = field(default_factory=dict)

    def values_differ(self) -> dict[str, dict[str, int]]:
        return {m: d for m, d in self.row_differences.items() if d["duckdb_only"] or d["spark_only"]}

    def built(self) -> list[str]:
        return sorted(m for m, s in self.statuses.items() if s == "success")

    def as_json(self) -> dict[str, object]:
        return {
            "models_built": len(self.built()),
            "models_failed": sorted(m for m, s in self.statuses.items() if s == "error"),
            "models_skipped": sum(1 for s in self.statuses.values() if s == "skipped"),
            "rows_equal": sorted(
                m for m in self.built() if self.spark_rows.get(m) == self.duckdb_rows.get(m)
            ),
            "rows_differ": {
                m: [self.spark_rows.get(m), self.duckdb_rows.get(m)]
                for m in self.built()
                if self.spark_rows.get(m) != self.duckdb_rows.get(m)
            },
            "tables_compared_by_value": sorted(self.row_differences),
            "values_differ": self.values_differ(),
            "errors": self.errors,
            "seconds": self.seconds,
        }


def _in_child(args: list[str], spark_dir: Path) -> None:
    """`python -m scale.spark_raw ARGS` in a fresh interpreter (one JVM, closed at exit)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "scale.spark_raw", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=spark_dir)
    if done.returncode != 0:
        tail = [ln for ln in done.stderr.splitlines() if "Error" in ln or "Exception" in ln][-3:]
        raise RuntimeError(f"spark child {args[0]} failed in {spark_dir}: {tail}")


def register_sources(warehouse: Path, spark_dir: Path) -> int:
    tables = export_sources(warehouse, spark_dir / "parquet")
    listing = spark_dir / "tables.json"
    listing.write_text(tables_json(tables), encoding="utf-8")
    _in_child(["register", str(spark_dir), str(listing)], spark_dir)
    return len(tables)


def run_dbt_spark(
    spark_dir: Path, as_of: str, select: str, config_dir: Path, project_dir: Path = DBT_PROJECT_DIR
) -> dict[str, tuple[str, str]]:
    """`dbt run --target spark`; model name -> (status, first line of its message)."""
    target = spark_dir / "dbt_target"
    env = {
        **os.environ,
        "PTLEADS_SPARK_DIR": str(spark_dir.resolve()),
        "PTLEADS_CONFIG": str(config_dir),
        "PTLEADS_WAREHOUSE": os.environ.get("PTLEADS_WAREHOUSE", str(spark_dir / "unused.duckdb")),
    }
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")) if p
    )
    # dbt's CLI plus a `session` submission method, so the Python models run on the Spark driver.
    args = [sys.executable, "-m", "scale.spark_dbt", "run", "--target", "spark"]
    args += ["--project-dir", str(project_dir)]
    args += ["--profiles-dir", str(project_dir), "--target-path", str(target)]
    args += ["--log-path", str(target / "logs"), "--select", select, "--vars", json.dumps({"as_of": as_of})]
    subprocess.run(args, env=env, capture_output=True, text=True, cwd=spark_dir)
    results_path = target / "run_results.json"
    if not results_path.exists():
        raise RuntimeError(f"dbt on spark wrote no run_results.json (logs: {target / 'logs'})")
    out = {}
    for r in json.loads(results_path.read_text(encoding="utf-8"))["results"]:
        if not r["unique_id"].startswith("model."):
            continue  # on-run-start hooks are results too ('ptleads-on-run-start-0'), not relations
        name = r["unique_id"].split(".")[-1]
        message = (r.get("message") or "").strip().splitlines()
        out[name] = (r["status"], message[0][:200] if message else "")
    return out


def count_spark(spark_dir: Path, relations: dict[str, str]) -> dict[str, int]:
    listing, out_path = spark_dir / "relations.json", spark_dir / "counts.json"
    listing.write_text(json.dumps(relations), encoding="utf-8")
    _in_child(["count", str(spark_dir), str(listing), str(out_path)], spark_dir)
    return json.loads(out_path.read_text(encoding="utf-8"))


def build_on_spark(
    warehouse: Path,
    spark_dir: Path,
    as_of: str,
    config_dir: Path,
    select: str = "+fct_leads",
    project_dir: Path = DBT_PROJECT_DIR,
) -> SparkBuild:
    """Register sources, build `select` on Spark, and count each built model on both engines.
    The warehouse's models must come from the same `project_dir` (see scale.spark_check)."""
    build = SparkBuild()
    started = time.perf_counter()
    register_sources(warehouse, spark_dir)
    build.seconds["register_sources"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    for name, (status, message) in run_dbt_spark(spark_dir, as_of, select, config_dir, project_dir).items():
        build.statuses[name] = status
        if status == "error":
            build.errors[name] = message
    build.seconds["dbt_run"] = round(time.perf_counter() - started, 1)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        schemas = dict(
            con.execute("select table_name, table_schema from information_schema.tables").fetchall()
        )
        build.duckdb_rows = {
            m: con.execute(f'select count(*) from "{schemas[m]}"."{m}"').fetchone()[0]
            for m in build.built()
            if m in schemas
        }
    finally:
        con.close()
    started = time.perf_counter()
    relations = {m: f"{schemas.get(m, 'staging')}.{m}" for m in build.built()}
    build.spark_rows = count_spark(spark_dir, relations) if relations else {}
    build.seconds["count"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    tables = {m: schemas[m] for m in build.built() if m in schemas}
    build.row_differences = compare_rows(warehouse, spark_dir, tables)
    build.seconds["compare_values"] = round(time.perf_counter() - started, 1)
    return build
