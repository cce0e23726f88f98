"""A day on the known nodes scores the kept pairs of a moved node again instead of reading them back: the
scores equal the stored ones (a pair's scores follow from its nodes' profiles), only the record keys move;
and the node marking's read of the changed keys' previous rows is reused only for the node table it read."""

from __future__ import annotations

import duckdb

from orchestration.identity import NodeSource, changed_pairs_relation, identity_config_for, score_pairs
from orchestration.identity.node_changes import touched_before
from orchestration.identity.pair_scoring import rescore_pairs
from orchestration.settings import REPO_ROOT
from tests.identity.test_identity_day_nodes import _day1
from tests.identity.test_pair_updates import DAY2, _records

SOURCE = NodeSource(version=2, previous="nodes1", changed="changes")


def test_rescored_pairs_equal_a_full_scoring_of_the_day() -> None:
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    _day1(con, config)
    changed_pairs_relation(con, "day2", config, "nodes1", SOURCE, known=True)
    # every pair of day 2 between nodes whose profile did not change, scored again from the pair keys alone
    fresh = duckdb.connect()
    fresh.register("day2", _records(DAY2))
    full = score_pairs(fresh, "day2", config)
    con.register("full_pairs", full)
    con.execute(
        """
        create table kept as select person_key_l, person_key_r from full_pairs
        where person_key_l not in (select person_key from id_dirty_nodes)
            and person_key_r not in (select person_key from id_dirty_nodes)
        """
    )
    # n1's representative record moved (r1 -> r0); its pair with n7 is kept
    assert ("n1", "n7") in con.execute("select * from kept").fetchall()
    rescored = con.execute(f"select * from ({rescore_pairs(con, 'kept')}) order by all").fetchall()
    expected = "select * from full_pairs semi join kept using (person_key_l, person_key_r) order by all"
    assert rescored == con.execute(expected).fetchall()


def test_touched_rows_reused_only_for_the_node_table_they_came_from() -> None:
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    _day1(con, config)
    changed_pairs_relation(con, "day2", config, "nodes1", SOURCE, known=True)
    assert touched_before(con, "nodes1") == "id_touched_before"
    assert touched_before(con, "other_nodes") is None
    # the changed keys that had a node before (n2 is gone now, n6 is new)
    rows = con.execute("select person_key from id_touched_before order by 1").fetchall()
    assert rows == [("n1",), ("n2",), ("n4",)]
    # every node marked again (not on the known nodes): the earlier rows are not reused
    changed_pairs_relation(con, "day2", config, "nodes1", SOURCE, known=False)
    assert touched_before(con, "nodes1") is None
