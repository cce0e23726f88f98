"""The Spark target's inputs: DuckDB's source schemas (raw, ref, and the scores the pipeline writes into
marts) exported to parquet, then registered in the Spark metastore as external tables of the same
schema.table names, so the dbt project's `source()` calls resolve unchanged on both targets."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from scale.spark_jvm import stop_and_reap

# Schemas dbt reads as sources (see models/staging/*/_*__sources.yml); marts only for lead_scores,
# written by ml.score between the dbt phases.
SOURCE_TABLES_SQL = """
select table_schema, table_name from information_schema.tables
where table_type = 'BASE TABLE'
  and (table_schema in ('raw', 'ref') or (table_schema = 'marts' and table_name = 'lead_scores'))
order by table_schema, table_name
"""


@dataclass(frozen=True)
class ExportedTable:
    schema: str
    name: str
    path: Path
    rows: int


def export_sources(warehouse: Path, out_dir: Path) -> list[ExportedTable]:
    """One parquet file per source table (read-only open of the warehouse)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    # Plain TIMESTAMPs hold UTC wall-clock time. Written as UTC instants, Spark reads them as its
    # `timestamp` (the marts' contract type) instead of timestamp_ntz, which the contracts reject.
    con.execute("SET TimeZone = 'UTC'")
    exported = []
    try:
        for schema, name in con.execute(SOURCE_TABLES_SQL).fetchall():
            path = out_dir / f"{schema}.{name}.parquet"
            # JSON columns become strings; Spark reads every other DuckDB type through parquet.
            con.execute(
                f"COPY (SELECT {_export_columns(con, schema, name)} FROM {schema}.{name}) "
                f"TO '{path}' (FORMAT parquet)"
            )
            rows = con.execute(f"SELECT count(*) FROM {schema}.{name}").fetchone()[0]
            exported.append(ExportedTable(schema, name, path, rows))
    finally:
        con.close()
    return exported


def _export_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return ", ".join(
        f'cast("{c}" as timestamptz) as "{c}"' if t == "TIMESTAMP" else f'"{c}"' for c, t in columns
    )


def register_in_spark(spark: object, tables: list[ExportedTable]) -> None:
    """`CREATE TABLE schema.name USING parquet LOCATION ...` for each export (replacing older ones)."""
    for schema in sorted({t.schema for t in tables}):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    for t in tables:
        spark.sql(f"DROP TABLE IF EXISTS {t.schema}.{t.name}")
        spark.sql(f"CREATE TABLE {t.schema}.{t.name} USING parquet LOCATION '{t.path.resolve()}'")


def spark_session(spark_dir: Path) -> object:
    """A local SparkSession with the same metastore and warehouse folder as the dbt `spark` target."""
    from pyspark.sql import SparkSession

    spark_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_config(spark_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def session_config(spark_dir: Path) -> dict[str, str]:
    """Mirror of profiles.yml `spark.server_side_parameters` (one metastore: both must agree)."""
    root = str(spark_dir.resolve())
    return {
        "spark.master": "local[2]",
        "spark.ui.enabled": "false",
        "spark.sql.warehouse.dir": f"{root}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={root}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
        "spark.driver.memory": "2g",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
    }


def main(argv: list[str]) -> None:
    """Child entry, one JVM per call: `register DIR TABLES.json` or `count DIR IN.json OUT.json`."""
    command, spark_dir = argv[0], Path(argv[1])
    session = spark_session(spark_dir)
    try:
        if command == "register":
            rows = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
            register_in_spark(
                session, [ExportedTable(r["schema"], r["name"], Path(r["path"]), r["rows"]) for r in rows]
            )
        elif command == "count":
            relations = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
            counts = {model: session.table(relation).count() for model, relation in relations.items()}
            Path(argv[3]).write_text(json.dumps(counts), encoding="utf-8")
        else:
            raise SystemExit(f"unknown command {command}")
    finally:
        stop_and_reap(session)  # the JVM's CPU then counts in the benchmark's getrusage


def tables_json(tables: list[ExportedTable]) -> str:
    return json.dumps([{**asdict(t), "path": str(t.path)} for t in tables])


if __name__ == "__main__":
    main(sys.argv[1:])
