"""The plan of a daily identity build, in the side tables the daily data tests read (macros/test_scope.sql):
<model>_run (create / full / increment) and, for an increment, <model>_scope (the person_keys whose rows it
deleted and recomputed). unique_in_increment then looks up only those keys against every row instead of
grouping every node of the history each day (at 1M leads `unique` on int_identity_nodes and
int_persons_clustered took 0.34 + 0.30 s a day)."""

from __future__ import annotations

import duckdb


def record_plan(
    con: duckdb.DuckDBPyConnection, schema: str, model: str, plan: str, scope: str | None = None
) -> None:
    """Write <model>_run with `plan`; with `scope` (a relation with a person_key column) also <model>_scope,
    else drop it (a build whole is tested whole)."""
    if plan not in ("create", "full", "increment"):
        raise ValueError(f"unknown plan {plan!r}")
    # Spark runs these models in a fresh in-memory DuckDB: no schema there yet.
    con.execute(f'create schema if not exists "{schema}"')
    con.execute(f'create or replace table "{schema}"."{model}_run" as select \'{plan}\' as plan')
    if scope is None:
        con.execute(f'drop table if exists "{schema}"."{model}_scope"')
    else:
        con.execute(
            f'create or replace table "{schema}"."{model}_scope" as select distinct person_key from {scope}'
        )
