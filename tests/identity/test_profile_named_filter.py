"""Node profiles filter records on int_source_records' stored has_identity when the relation has it (one
boolean column scanned) and on the three identity columns otherwise: the same profiles."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa

from orchestration.identity.node_profiles import NodeSource, build_nodes, profile_sql

# record key, person key, first, last, dob, phone (synthetic; r3 and r5 name nobody)
ROWS = [
    ("r1", "n1", "William", "Testperson", date(1970, 3, 4), "+15125550001"),
    ("r2", "n1", None, None, None, "+15125550009"),
    ("r3", "n2", None, None, None, "+15125550002"),
    ("r4", "n2", "Mary", None, None, None),
    ("r5", "n3", None, None, None, "+15125550003"),
    ("r6", "n4", None, None, date(1980, 1, 2), None),
]


def _records(with_flag: bool) -> pa.Table:
    columns = {
        "record_key": [r[0] for r in ROWS],
        "person_key": [r[1] for r in ROWS],
        "event_at": [datetime(2025, 1, i + 1) for i in range(len(ROWS))],
        "first_name": [r[2] for r in ROWS],
        "last_name": [r[3] for r in ROWS],
        "dob": [r[4] for r in ROWS],
        "phone_e164": [r[5] for r in ROWS],
        "email": [None for _ in ROWS],
        "zip5": ["78704" for _ in ROWS],
    }
    if with_flag:
        columns["has_identity"] = [r[2] is not None or r[3] is not None or r[4] is not None for r in ROWS]
    return pa.table(columns)


def _nodes(with_flag: bool, source: NodeSource) -> list[tuple]:
    con = duckdb.connect()
    con.register("records", _records(with_flag))
    con.execute(f"create table previous as {profile_sql('records', 'and person_key = ' + repr('n1'))}")
    con.execute("create table changed as select * from (values ('n2'), ('n3'), ('n4')) t(person_key)")
    build_nodes(con, "records", source)
    table = "id_nodes" if source.previous is None else "id_fresh_nodes"
    return con.execute(f"select * from {table} order by person_key").fetchall()


def test_stored_flag_gives_the_same_profiles() -> None:
    whole = NodeSource(version=1)
    assert _nodes(True, whole) == _nodes(False, whole)
    assert [n[0] for n in _nodes(True, whole)] == ["n1", "n2", "n4"]  # n3 names nobody: no node
    changed = NodeSource(version=2, previous="previous", changed="changed", previous_version=1)
    assert _nodes(True, changed) == _nodes(False, changed)
    assert [n[0] for n in _nodes(True, changed)] == ["n2", "n4"]


def test_profile_sql_filters_on_the_stored_flag_only_when_told() -> None:
    assert "has_identity" in profile_sql("records", "", True)
    assert "has_identity" not in profile_sql("records")
