"""int_record_matches' list of rescored nodes (int_record_matches_dirty): a second build of one
int_source_records version adds the keys the first did not list and never lists a key twice (a repeated
full build used to append a full copy of every node each time)."""

from __future__ import annotations

import importlib.util

import duckdb

from orchestration.settings import REPO_ROOT

MODEL = REPO_ROOT / "dbt_project" / "models" / "intermediate" / "leads" / "int_record_matches.py"


def _record_dirty_nodes():
    spec = importlib.util.spec_from_file_location("int_record_matches_model", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._record_dirty_nodes


def _build(con: duckdb.DuckDBPyConnection, version: int, dirty: list[str], gone: list[str]) -> None:
    for table, keys in (("id_dirty_nodes", dirty), ("id_gone_nodes", gone)):
        sql = f"create or replace temp table {table} as select unnest(?::varchar[]) as person_key"
        con.execute(sql, [keys])
    _record_dirty_nodes()(con, "s", version, False)


def _listed(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    sql = "select source_version, person_key from s.int_record_matches_dirty order by all"
    return con.execute(sql).fetchall()


def test_a_repeated_build_of_one_version_lists_each_key_once() -> None:
    con = duckdb.connect()
    _build(con, 3, ["n1", "n2"], ["n9"])
    _build(con, 3, ["n1", "n2"], ["n9"])
    assert _listed(con) == [(3, "n1"), (3, "n2"), (3, "n9")]


def test_a_second_build_of_one_version_adds_its_new_keys() -> None:
    con = duckdb.connect()
    _build(con, 3, ["n1"], [])
    _build(con, 3, ["n2"], ["n1"])
    assert _listed(con) == [(3, "n1"), (3, "n2")]


def test_a_new_version_replaces_the_last_ones_list() -> None:
    con = duckdb.connect()
    _build(con, 3, ["n1", "n2"], [])
    _build(con, 4, ["n2"], [])
    assert _listed(con) == [(4, "n2")]
