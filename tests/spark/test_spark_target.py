"""Growth path: the dbt project on the `spark` target (dbt-spark session method, pyspark local[2])
builds from the same raw data as DuckDB with the same row counts.

Opt-in, so default CI does not pay for a JVM: `PTLEADS_SPARK=1 uv run --group spark pytest tests/spark`.
Every model upstream of fct_leads builds on Spark: DuckDB-only SQL goes through the cross_db dispatch
macros, and the four dbt Python models run their own code on the Spark driver.
PTLEADS_SPARK_WAREHOUSE may name a warehouse the pipeline already built (e.g. the bench's
/tmp/ptleads_scale/10000/wh/warehouse.duckdb, with PTLEADS_SPARK_CONFIG its config folder and
PTLEADS_SPARK_AS_OF its as-of); otherwise a 10k-lead practice is generated and run first (slow)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from orchestration.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.spark,
    pytest.mark.skipif(
        os.environ.get("PTLEADS_SPARK") != "1", reason="Spark target is opt-in: PTLEADS_SPARK=1"
    ),
]

# Reference models upstream of fct_leads (therapists are not): built on Spark at 10k leads on 2026-11-28.
REF_MODELS = {
    f"stg_ref__{t}" for t in ("clinics", "payers", "payer_aliases", "diagnosis_groups", "zip_codes")
}

# dbt-duckdb Python models upstream of fct_leads: on Spark they run their own code on the driver
# (scale.spark_python_models). int_identity_nodes takes the same path but is not upstream of fct_leads.
PYTHON_MODELS = {"int_episode_rules", "int_record_matches", "int_persons_clustered"}


def _warehouse(tmp: Path) -> tuple[Path, Path, str]:
    given = os.environ.get("PTLEADS_SPARK_WAREHOUSE")
    if given:
        return Path(given), Path(os.environ["PTLEADS_SPARK_CONFIG"]), os.environ["PTLEADS_SPARK_AS_OF"]
    from orchestration.generator import generate
    from orchestration.pipeline import run_pipeline
    from orchestration.settings import Settings

    end = date(2026, 6, 30)
    generate(tmp / "gen", 1, 10_000, 12, 3, end, 0, REPO_ROOT / "config", lambda _m: None)
    as_of = datetime(end.year, end.month, end.day, 23, tzinfo=UTC)
    settings = Settings().with_overrides(
        inbox=tmp / "gen" / "inbox",
        warehouse=tmp / "wh" / "warehouse.duckdb",
        config_dir=tmp / "gen" / "config",
        as_of=as_of,
    )
    run_pipeline(settings, lambda _m: None)
    return settings.warehouse, settings.config_dir, as_of.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory):
    from scale.spark_build import build_on_spark
    from scale.spark_check import rebuild_duckdb, snapshot_project

    tmp = tmp_path_factory.mktemp("spark")
    warehouse, config_dir, as_of = _warehouse(tmp)
    work = tmp / "spark"
    work.mkdir()
    # Both engines build from one snapshot of the project (a given warehouse may predate model edits).
    project = snapshot_project(work / "dbt_project")
    reference = rebuild_duckdb(warehouse, work / "reference.duckdb", project, config_dir, as_of, "+fct_leads")
    return build_on_spark(reference, work, as_of, config_dir, select="+fct_leads", project_dir=project)


def test_every_model_spark_builds_has_duckdbs_row_count(spark_build) -> None:
    assert set(spark_build.built()) >= REF_MODELS
    differ = {m: (spark_build.spark_rows.get(m), spark_build.duckdb_rows.get(m)) for m in spark_build.built()}
    assert {m: v for m, v in differ.items() if v[0] != v[1]} == {}


def test_spark_builds_fct_leads_with_duckdbs_row_count(spark_build) -> None:
    assert {m: spark_build.statuses.get(m) for m in PYTHON_MODELS} == dict.fromkeys(PYTHON_MODELS, "success")
    assert spark_build.statuses.get("fct_leads") == "success", spark_build.errors
    assert spark_build.spark_rows["fct_leads"] == spark_build.duckdb_rows["fct_leads"]


def test_spark_tables_hold_duckdbs_rows(spark_build) -> None:
    """Not only counts: every table model Spark stored (fct_leads among them) has DuckDB's rows."""
    assert "fct_leads" in spark_build.row_differences
    assert spark_build.values_differ() == {}
