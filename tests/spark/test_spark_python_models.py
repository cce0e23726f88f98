"""The Spark target's driver path for dbt Python models (benchmarks/scale/spark_python_models), without a
JVM: a stand-in for the SparkSession hands Arrow tables over and records what is written back."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import pyarrow as pa
import pytest

from orchestration.identity import identity_config_for
from orchestration.settings import REPO_ROOT, Settings

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from scale.spark_python_models import MATERIALIZATION_MARKER, naive_timestamps, run_on_driver

MODELS = REPO_ROOT / "dbt_project" / "models" / "intermediate" / "leads"

# What dbt's py_script_postfix appends to a model file (ref/config/this shims), then dbt-spark's write-back.
POSTFIX = """
def ref(*args, **kwargs):
    refs = {"int_source_records": "intermediate.int_source_records"}
    return kwargs["dbt_load_df_function"](refs[".".join(args)])

class config:
    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def get(key, default=None):
        return default

class this:
    schema = "intermediate"
    identifier = "int_demo"

class dbtObj:
    def __init__(self, load_df_function) -> None:
        self.ref = lambda *args, **kwargs: ref(*args, **kwargs, dbt_load_df_function=load_df_function)
        self.config = config
        self.this = this()
"""
SPARK_WRITE_BACK = f"""
{MATERIALIZATION_MARKER}
dbt = dbtObj(spark.table)
df = model(dbt, spark)
raise RuntimeError("dbt-spark's Databricks write-back must not run")
"""


class _Frame:
    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def toArrow(self) -> pa.Table:
        return self.table


class _Writer:
    def __init__(self, sink: dict[str, Any], table: pa.Table) -> None:
        self.sink, self.table = sink, table

    def mode(self, mode: str) -> _Writer:
        self.sink["mode"] = mode
        return self

    def format(self, file_format: str) -> _Writer:
        self.sink["format"] = file_format
        return self

    def saveAsTable(self, relation: str) -> None:
        self.sink[relation] = self.table


class _WrittenFrame:
    def __init__(self, sink: dict[str, Any], table: pa.Table) -> None:
        self.write = _Writer(sink, table)


class FakeSpark:
    """spark.table(name).toArrow() and spark.createDataFrame(arrow).write...saveAsTable(name)."""

    def __init__(self, tables: dict[str, pa.Table]) -> None:
        self.tables, self.written = tables, {}

    def table(self, name: str) -> _Frame:
        return _Frame(self.tables[name])

    def createDataFrame(self, table: pa.Table) -> _WrittenFrame:
        return _WrittenFrame(self.written, table)


def test_naive_timestamps_keeps_utc_wall_clock_and_other_columns() -> None:
    instant = datetime(2026, 3, 30, 14, 5)
    table = pa.table(
        {
            "at": pa.array([instant, None], pa.timestamp("us", tz="UTC")),
            "plain": pa.array([instant, instant], pa.timestamp("us")),
            "n": [1, 2],
        }
    )
    out = naive_timestamps(table)
    assert out.schema.field("at").type == pa.timestamp("us")
    assert out.column("at").to_pylist() == [instant, None]
    assert out.schema.field("plain").type == pa.timestamp("us") and out.column("n").to_pylist() == [1, 2]


def test_a_model_reading_a_ref_runs_in_duckdb_and_is_written_back() -> None:
    model = """
def model(dbt, session):
    dbt.ref("int_source_records").create_view("demo_records", replace=True)
    return session.sql(
        "select person_key, count(*) as records, min(event_at) as first_at from demo_records "
        "group by person_key order by person_key"
    ).to_arrow_table()
"""
    records = pa.table(
        {
            "person_key": ["b", "a", "b"],
            # Spark hands timestamps over as UTC instants; the model must see plain TIMESTAMPs.
            "event_at": pa.array(
                [datetime(2026, 1, 2), datetime(2026, 1, 1), datetime(2026, 1, 3)],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    spark = FakeSpark({"intermediate.int_source_records": records})
    rows = run_on_driver(spark, model + POSTFIX + SPARK_WRITE_BACK, "intermediate.int_demo")
    written = spark.written["intermediate.int_demo"]
    assert rows == 2 and spark.written["format"] == "parquet" and spark.written["mode"] == "overwrite"
    assert written.column("person_key").to_pylist() == ["a", "b"]
    assert written.column("records").to_pylist() == [1, 2]
    assert written.schema.field("first_at").type == pa.timestamp("us")
    assert written.column("first_at").to_pylist() == [datetime(2026, 1, 1), datetime(2026, 1, 2)]


def test_the_projects_episode_rules_model_runs_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTLEADS_CONFIG", str(REPO_ROOT / "config"))
    code = (MODELS / "int_episode_rules.py").read_text(encoding="utf-8")
    spark = FakeSpark({})
    run_on_driver(spark, code + POSTFIX + SPARK_WRITE_BACK, "intermediate.int_episode_rules")
    expected = identity_config_for(Settings().config_dir).episodes.idle_days
    assert spark.written["intermediate.int_episode_rules"].to_pylist() == [{"idle_days": expected}]


def test_code_without_dbts_marker_is_refused() -> None:
    with pytest.raises(ValueError, match="marker"):
        run_on_driver(FakeSpark({}), "def model(dbt, session):\n    return None\n", "x.y")


def test_session_connections_default_to_the_driver_submission() -> None:
    pytest.importorskip("dbt.adapters.spark", reason="dbt-spark is in the optional `spark` group")
    from dbt.adapters.spark.impl import SparkAdapter
    from scale.spark_python_models import SessionPythonJobHelper, install_session_submission

    saved = (SparkAdapter.python_submission_helpers, SparkAdapter.default_python_submission_method)
    try:
        install_session_submission()
        install_session_submission()  # idempotent

        class Credentials:
            method = "session"

        adapter = SparkAdapter.__new__(SparkAdapter)
        adapter.connections = type("C", (), {"profile": type("P", (), {"credentials": Credentials()})()})()
        assert adapter.default_python_submission_method == "session"
        assert adapter.python_submission_helpers["session"] is SessionPythonJobHelper
        assert "all_purpose_cluster" in adapter.python_submission_helpers
    finally:
        SparkAdapter.python_submission_helpers, SparkAdapter.default_python_submission_method = saved


def test_helper_targets_the_models_relation() -> None:
    from scale.spark_python_models import SessionPythonJobHelper

    helper = SessionPythonJobHelper({"schema": "intermediate", "alias": "int_persons_clustered"}, None)
    assert helper.relation == "intermediate.int_persons_clustered"
