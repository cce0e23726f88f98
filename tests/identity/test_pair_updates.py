"""In-place incremental pair scoring (int_record_matches as a dbt incremental model): deleting the last
build's pairs of new, changed or gone nodes and appending the rescored ones equals a full scoring."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
import pytest

from orchestration.identity import (
    NodeSource,
    identity_config_for,
    node_hashes,
    node_table,
    score_changed_pairs,
    score_pairs,
    update_kept_pairs,
)
from orchestration.settings import REPO_ROOT

# record key, person key, first, last, dob, phone  (synthetic people)
DAY1 = [
    ("r1", "n1", "William", "Testperson", date(1970, 3, 4), "+15125550001"),
    ("r2", "n2", "Bill", "Testperson", date(1970, 3, 4), "+15125550001"),
    ("r3", "n3", "Wiliam", "Testpersn", date(1970, 4, 3), None),
    ("r4", "n4", "Mary", "Testperson", date(1972, 8, 9), "+15125550001"),
    ("r5", "n5", "Ann", "Testperson", date(1990, 1, 1), None),
    ("r7", "n7", "Will", "Testperson", date(1970, 3, 4), None),  # pairs with n1 on both days (kept)
]
DAY2 = [
    ("r0", "n1", "William", "Testperson", date(1970, 3, 4), "+15125550001"),  # n1 gains a smaller key
    *[r for r in DAY1 if r[0] not in ("r2", "r4")],  # r2's raw row deleted: node n2 is gone
    ("r4", "n4", "Mary", "Testperson", date(1972, 8, 10), "+15125550001"),  # n4's profile changed (DOB)
    ("r6", "n6", "Billy", "Testperson", date(1970, 3, 4), None),  # a new node
]


def _records(rows: list[tuple]) -> pa.Table:
    return pa.table(
        {
            "record_key": [r[0] for r in rows],
            "person_key": [r[1] for r in rows],
            "event_at": [datetime(2025, 1, 1) for _ in rows],
            "first_name": [r[2] for r in rows],
            "last_name": [r[3] for r in rows],
            "dob": [r[4] for r in rows],
            "phone_e164": [r[5] for r in rows],
            "email": [None for _ in rows],
            "zip5": ["78704" for _ in rows],
        }
    )


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["person_key_l"], r["person_key_r"]))


def test_in_place_update_equals_full_scoring() -> None:
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    con.register("day1", _records(DAY1))
    con.register("day2", _records(DAY2))
    pairs1 = score_pairs(con, "day1", config)
    con.register("pairs1_src", pairs1)
    con.execute("create table pairs as select * from pairs1_src")
    con.register("hashes1_src", node_hashes(con, "day1", config))
    con.execute("create table hashes1 as select * from hashes1_src")

    changed = score_changed_pairs(con, "day2", config, "hashes1")
    update_kept_pairs(con, "pairs")
    con.register("changed_src", changed)
    con.execute("insert into pairs by name select * from changed_src")
    incremental = con.sql("select * from pairs").to_arrow_table().to_pylist()

    fresh = duckdb.connect()
    fresh.register("day2", _records(DAY2))
    full = score_pairs(fresh, "day2", config).to_pylist()
    assert _sorted(incremental) == _sorted(full)
    # the scenario exercises every path: a gone node, a changed one, a new one, a kept pair
    keys = {(r["person_key_l"], r["person_key_r"]) for r in full}
    assert not any("n2" in k for k in keys)
    assert any("n4" in k for k in keys) and any("n6" in k for k in keys)
    assert changed.num_rows < len(full)
    assert {r["record_key_l"] for r in full if r["person_key_l"] == "n1"} == {"r0"}


def test_changed_pairs_without_previous_hashes_are_all_pairs() -> None:
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    con.register("day2", _records(DAY2))
    assert _sorted(score_changed_pairs(con, "day2", config, None).to_pylist()) == _sorted(
        score_pairs(con, "day2", config).to_pylist()
    )


@pytest.mark.parametrize("in_transaction", [False, True])
def test_update_of_known_nodes_equals_full_scoring(in_transaction: bool) -> None:
    """With the node profiles the pairs were written with (`written_with`), only the changed nodes' pairs
    are deleted and only moved representatives' pairs rewritten (appended anew): the same table as the
    general update, on a connection in autocommit (the update opens its own transaction) or inside one (as
    dbt runs a model: it must not open another)."""
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    con.register("day1", _records(DAY1))
    con.register("day2", _records(DAY2))
    pairs1 = score_pairs(con, "day1", config)
    con.register("pairs1_src", pairs1)
    con.execute("create table pairs as select * from pairs1_src")
    nodes1 = node_table(con, "day1", config, NodeSource(version=1))
    con.execute(f"create table nodes1 as select * from {nodes1.alias}")
    # a kept pair whose node's representative moves (n1: r1 -> r0) and must be updated
    moved = "select count(*) from pairs where person_key_l = 'n1' and record_key_l = 'r1'"
    assert con.execute(moved).fetchone()[0]

    changed = score_changed_pairs(con, "day2", config, "nodes1")
    if in_transaction:
        con.execute("begin transaction")
    update_kept_pairs(con, "pairs", "nodes1")
    con.register("changed_src", changed)
    con.execute("insert into pairs by name select * from changed_src")
    if in_transaction:
        con.execute("commit")
    incremental = con.sql("select * from pairs").to_arrow_table().to_pylist()

    fresh = duckdb.connect()
    fresh.register("day2", _records(DAY2))
    assert _sorted(incremental) == _sorted(score_pairs(fresh, "day2", config).to_pylist())
