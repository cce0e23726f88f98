"""A day on the node profiles the pairs were written with (int_record_matches' known-nodes path and
int_identity_nodes in place) touches only the person_keys int_source_records changed, and equals scoring
and profiling every node. Cases: a node whose records changed without changing its profile but whose
representative record moved (its kept pairs with an unchanged node must follow), a gone node, a changed
profile, a new node; and a change of the scoring parameters, which must rescore every pair."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.identity import (
    NodeSource,
    changed_pairs_relation,
    identity_config_for,
    node_profiles,
    node_table,
    score_pairs,
    update_kept_pairs,
)
from orchestration.identity.fresh_nodes import save_fresh_nodes, saved_fresh_nodes
from orchestration.identity.pair_scoring import changed_node_table
from orchestration.settings import REPO_ROOT
from tests.identity.test_pair_updates import DAY1, DAY2, _records, _sorted

# What int_source_records_changes lists for DAY1 -> DAY2: the person_keys of records added, changed or gone.
CHANGED = ("n1", "n2", "n4", "n6")
NODE_COLUMNS = "* exclude (source_version)"


def _day1(con: duckdb.DuckDBPyConnection, config) -> None:
    con.register("day1", _records(DAY1))
    con.register("day2", _records(DAY2))
    con.register("pairs1_src", score_pairs(con, "day1", config))
    con.execute("create table pairs as select * from pairs1_src")
    nodes1 = node_table(con, "day1", config, NodeSource(version=1))
    con.execute(f"create table nodes1 as select * from {nodes1.alias}")
    con.execute("create table changes (person_key varchar)")
    con.executemany("insert into changes values (?)", [[k] for k in CHANGED])


@pytest.mark.parametrize("listed", [True, False])
def test_day_on_known_nodes_equals_full_scoring(monkeypatch: pytest.MonkeyPatch, listed: bool) -> None:
    if not listed:  # the changed keys as a table instead of constant lists
        monkeypatch.setattr(node_profiles, "MAX_LISTED_KEYS", 0)
        monkeypatch.setattr("orchestration.identity.kept_pairs.MAX_LISTED_KEYS", 0)
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    _day1(con, config)
    source = NodeSource(version=2, previous="nodes1", changed="changes")

    changed = changed_pairs_relation(con, "day2", config, "nodes1", source, known=True)
    # only the changed keys that still have a node were profiled and hashed; n2 is gone
    assert sorted(k for (k,) in con.execute("select person_key from id_touched_nodes").fetchall()) == [
        "n1",
        "n4",
        "n6",
    ]
    assert {k for (k,) in con.execute("select person_key from id_gone_nodes").fetchall()} == {"n2"}
    # n1's profile is unchanged (only its representative record moved): not dirty
    assert {k for (k,) in con.execute("select person_key from id_dirty_nodes").fetchall()} == {"n4", "n6"}
    update_kept_pairs(con, "pairs", "nodes1")
    con.execute(f"insert into pairs by name select * from {changed.alias}")
    incremental = con.sql("select * from pairs").to_arrow_table().to_pylist()

    fresh = duckdb.connect()
    fresh.register("day2", _records(DAY2))
    assert _sorted(incremental) == _sorted(score_pairs(fresh, "day2", config).to_pylist())

    # int_identity_nodes in place: delete the changed keys, append their profiles now, take the version
    rows = changed_node_table(con, "day2", config, source)
    con.execute("delete from nodes1 where person_key in (select person_key from changes)")
    con.execute(f"insert into nodes1 by name select * from {rows.alias}")
    full = node_table(fresh, "day2", config, NodeSource(version=2))
    got = con.execute(f"select {NODE_COLUMNS} from nodes1 order by person_key").fetchall()
    assert got == fresh.execute(f"select {NODE_COLUMNS} from {full.alias} order by person_key").fetchall()


def test_changed_scoring_parameters_rescore_every_pair() -> None:
    """Nodes hashed under other parameters: the known-nodes path must not trust their hashes."""
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    _day1(con, config)
    stricter = min(0.999, config.threshold_match_probability + (1 - config.threshold_match_probability) / 2)
    other = config.model_copy(update={"threshold_match_probability": stricter})
    source = NodeSource(version=2, previous="nodes1", changed="changes")
    changed = changed_pairs_relation(con, "day2", other, "nodes1", source, known=True)
    n_nodes = con.execute("select count(*) from id_nodes").fetchone()[0]
    assert con.execute("select count(*) from id_dirty_nodes").fetchone()[0] == n_nodes
    update_kept_pairs(con, "pairs", "nodes1")
    con.execute(f"insert into pairs by name select * from {changed.alias}")
    fresh = duckdb.connect()
    fresh.register("day2", _records(DAY2))
    assert _sorted(con.sql("select * from pairs").to_arrow_table().to_pylist()) == _sorted(
        score_pairs(fresh, "day2", other).to_pylist()
    )


def test_int_identity_nodes_takes_the_profiles_pair_scoring_saved() -> None:
    """int_record_matches saves the day's recomputed profiles; int_identity_nodes' rows from them equal its
    own recomputation, and they are refused for any other source or scoring parameters."""
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    _day1(con, config)
    source = NodeSource(version=2, previous="nodes1", changed="changes", previous_version=1)
    changed_pairs_relation(con, "day2", config, "nodes1", source, known=True)
    save_fresh_nodes(con, "main", source, config)

    saved = saved_fresh_nodes(con, "main", source, config)
    assert saved is not None
    from_saved = changed_node_table(con, "day2", config, source, saved).to_arrow_table()
    recomputed = changed_node_table(con, "day2", config, source).to_arrow_table()
    assert from_saved.num_rows == 3 and from_saved.equals(recomputed)

    stricter = config.model_copy(update={"threshold_match_probability": 0.999})
    others = (
        NodeSource(version=3, previous="nodes1", changed="changes", previous_version=1),
        NodeSource(version=2, previous="nodes1", changed="changes", previous_version=2),
        NodeSource(version=2, previous="nodes1", changed="id_no_changes", previous_version=1),
        NodeSource(version=2),
    )
    assert all(saved_fresh_nodes(con, "main", other, config) is None for other in others)
    assert saved_fresh_nodes(con, "main", source, stricter) is None
    # a build without copy-forward leaves nothing to take
    save_fresh_nodes(con, "main", NodeSource(version=2), config)
    assert saved_fresh_nodes(con, "main", source, config) is None
