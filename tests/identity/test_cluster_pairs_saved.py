"""The re-clustering's affected nodes and the pairs inside them, saved by int_record_matches from its scan
of the kept pairs (cluster_update.save_cluster_pairs), give the clusters of clustering every node, and
int_persons_clustered reads no other pair then; the kept pairs' update keeps the extra nodes' pairs of its
scan without changing the table it leaves."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.identity import (
    NodeSource,
    cluster_node_indexes,
    identity_config_for,
    merge_components,
    node_table,
    score_changed_pairs,
    score_pairs,
    update_kept_pairs,
)
from orchestration.identity.cluster_update import (
    CLUSTER_STATE,
    DIRTY_PAIRS,
    affected_keys,
    cannot_link_sql,
    clear_cluster_pairs,
    component_keys,
    person_id_of,
    recluster_touched,
    save_cluster_pairs,
    saved_cluster_pairs,
)
from orchestration.settings import REPO_ROOT
from tests.identity.pair_days import draw_pair_days

CANNOT_LINK = -4.0


def _full(nodes: list[str], pairs: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Every node's representative and component key, clustering everything (accepted: weight >= 1)."""
    index = {n: i for i, n in enumerate(nodes)}
    rows = sorted(
        [(a, b, w, v) for (a, b), (w, v) in pairs.items() if a in index and b in index],
        key=lambda r: (-r[2], r[0], r[1]),
    )
    left = pa.array([index[r[0]] for r in rows], pa.int64()).to_numpy()
    right = pa.array([index[r[1]] for r in rows], pa.int64()).to_numpy()
    weight = pa.array([r[2] for r in rows], pa.float64()).to_numpy()
    vetoed = pa.array([r[3] for r in rows], pa.bool_()).to_numpy(zero_copy_only=False)
    accepted = weight >= 1.0
    rep = cluster_node_indexes(len(nodes), left, right, weight, accepted, vetoed, CANNOT_LINK)
    merge = accepted & ~(vetoed | (weight < CANNOT_LINK))
    component = merge_components(len(nodes), left[merge], right[merge])
    comps = component_keys(pa.array(nodes), component).to_pylist()
    return {n: nodes[r] for n, r in zip(nodes, rep.tolist(), strict=True)}, dict(
        zip(nodes, comps, strict=True)
    )


def _pairs_table(con: duckdb.DuckDBPyConnection, name: str, pairs: dict) -> None:
    con.execute(
        f"create or replace temp table {name} (person_key_l varchar, person_key_r varchar, "
        "match_weight double, accepted boolean, vetoed boolean)"
    )
    for (a, b), (w, v) in pairs.items():
        con.execute(f"insert into {name} values (?, ?, ?, ?, ?)", [a, b, w, w >= 1.0, v])


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_saved_affected_pairs_give_full_clustering(data) -> None:
    """Day 2 rescored the pairs of the dirty nodes (new, changed or gone); other nodes' records changed
    without changing their profile (their pairs kept). int_record_matches' part: the affected nodes, the
    scan of the old pairs for them and the stale nodes, the saved pairs; int_persons_clustered's part then
    has no view of every pair (id_cluster_pairs) at all, and its rows equal clustering every node."""
    days = draw_pair_days(data)
    nodes, day1, dirty, day2_nodes, day2 = days.nodes, days.day1, days.touched, days.day2_nodes, days.day2
    clean_changes = set(data.draw(st.lists(st.sampled_from(nodes), max_size=2))) - dirty
    rescored = {p: v for p, v in day2.items() if p[0] in dirty or p[1] in dirty}

    con = duckdb.connect()
    con.execute("create schema s")
    reps, comps = _full(nodes, day1)
    con.execute(
        "create table s.int_persons_clustered (person_key varchar, cluster_key varchar, person_id varchar, "
        "component_key varchar, source_version bigint)"
    )
    con.executemany(
        "insert into s.int_persons_clustered values (?, ?, ?, ?, 1)",
        [[x, reps[x], person_id_of(reps[x]), comps[x]] for x in nodes],
    )
    con.execute(
        "create table s.int_record_matches_dirty as select 2 as source_version, * from (values "
        + ", ".join(f"('{d}')" for d in sorted(dirty))
        + ") t(person_key)"
    )
    con.execute("create table s.int_source_records_changes (person_key varchar)")
    for c in sorted(clean_changes | dirty):
        con.execute("insert into s.int_source_records_changes values (?)", [c])
    _pairs_table(con, "id_changed_pairs", rescored)
    con.execute(
        f"create table s.{DIRTY_PAIRS} as select cast(2 as bigint) as source_version, true as complete, * "
        "from id_changed_pairs union all select 2, true, null, null, null, null, null"
    )
    # int_record_matches: the affected nodes, its scan of the old pairs (theirs and the stale nodes'), saved
    cannot_link = cannot_link_sql(CANNOT_LINK)
    assert affected_keys(con, "s", 2, cannot_link, None)
    _pairs_table(con, "id_old_pairs", day1)
    con.execute("create temp table id_stale_nodes as select person_key from s.int_record_matches_dirty")
    con.execute(
        "create temp table id_pair_scan as select * from id_old_pairs where person_key_l in "
        "(select person_key from id_cluster_affected_keys union select person_key from id_stale_nodes) "
        "or person_key_r in "
        "(select person_key from id_cluster_affected_keys union select person_key from id_stale_nodes)"
    )
    save_cluster_pairs(con, "s", 2, CANNOT_LINK)
    assert saved_cluster_pairs(con, "s", 2, CANNOT_LINK)
    assert not saved_cluster_pairs(con, "s", 3, CANNOT_LINK)
    assert not saved_cluster_pairs(con, "s", 2, CANNOT_LINK + 1)
    for name in ("id_cluster_affected_keys", "id_cluster_touched", "id_pair_scan", "id_old_pairs"):
        con.execute(f"drop table {name}")

    con.execute("create table id_nodes_rows (person_key varchar, first_seen_at timestamp)")
    con.executemany(
        "insert into id_nodes_rows values (?, timestamp '2025-01-01' + to_minutes(?))",
        [[x, i] for i, x in enumerate(day2_nodes)],
    )
    con.execute("create view id_cluster_node_rows as select * from id_nodes_rows")
    recluster_touched(con, "s", 2, cannot_link, CANNOT_LINK)  # no id_cluster_pairs: only the saved pairs
    rows = con.execute(
        "select person_key, cluster_key, component_key, person_id from s.int_persons_clustered "
        "union all select person_key, cluster_key, component_key, person_id from id_cluster_new"
    ).fetchall()
    reps, comps = _full(day2_nodes, day2)
    assert sorted(rows) == sorted((x, reps[x], comps[x], person_id_of(reps[x])) for x in day2_nodes)


def test_saved_pairs_are_not_used_for_other_clusters() -> None:
    """Saved against the clusters of one version: once the clusters moved on (or nothing was saved) the
    re-clustering finds its own affected nodes."""
    con = duckdb.connect()
    con.execute("create schema s")
    con.execute(
        "create table s.int_persons_clustered "
        "(person_key varchar, component_key varchar, source_version bigint)"
    )
    con.execute("insert into s.int_persons_clustered values ('a', 'a', 1)")
    assert not saved_cluster_pairs(con, "s", 2, CANNOT_LINK)  # nothing saved
    con.execute("create temp table id_cluster_affected_keys as select 'a' as person_key")
    con.execute("create temp table id_stale_nodes (person_key varchar)")
    con.execute(
        "create temp table id_pair_scan (person_key_l varchar, person_key_r varchar, "
        "match_weight double, accepted boolean, vetoed boolean)"
    )
    con.execute("create temp table id_changed_pairs as select * from id_pair_scan")
    save_cluster_pairs(con, "s", 2, CANNOT_LINK)
    assert saved_cluster_pairs(con, "s", 2, CANNOT_LINK)
    con.execute("update s.int_persons_clustered set source_version = 2")  # the clusters of version 2 now
    assert not saved_cluster_pairs(con, "s", 2, CANNOT_LINK)
    clear_cluster_pairs(con, "s")
    assert con.execute(f"select count(*) from s.{CLUSTER_STATE}").fetchone()[0] == 0


# record key, person key, first, last, dob, phone  (synthetic people, as tests/identity/test_pair_updates.py)
DAY1 = [
    ("r1", "n1", "William", "Testperson", date(1970, 3, 4), "+15125550001"),
    ("r2", "n2", "Bill", "Testperson", date(1970, 3, 4), "+15125550001"),
    ("r3", "n3", "Wiliam", "Testpersn", date(1970, 4, 3), None),
    ("r4", "n4", "Mary", "Testperson", date(1972, 8, 9), "+15125550001"),
    ("r5", "n5", "Ann", "Testperson", date(1990, 1, 1), None),
    ("r7", "n7", "Will", "Testperson", date(1970, 3, 4), None),
]
DAY2 = [
    ("r0", "n1", "William", "Testperson", date(1970, 3, 4), "+15125550001"),  # n1's representative moves
    *[r for r in DAY1 if r[0] not in ("r2", "r4")],  # n2 gone
    ("r4", "n4", "Mary", "Testperson", date(1972, 8, 10), "+15125550001"),  # n4 changed
    ("r6", "n6", "Billy", "Testperson", date(1970, 3, 4), None),  # new
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


def test_kept_pairs_scan_also_keeps_the_extra_nodes_pairs() -> None:
    """update_kept_pairs with `scan_also`: the same table as without, and id_pair_scan holds every old pair
    with a node among the extra nodes or the stale and moved ones."""
    config = identity_config_for(REPO_ROOT / "config")
    con = duckdb.connect()
    con.register("day1", _records(DAY1))
    con.register("day2", _records(DAY2))
    con.register("pairs1_src", score_pairs(con, "day1", config))
    con.execute("create table pairs as select * from pairs1_src")
    con.execute("create table old_pairs as select * from pairs")
    nodes1 = node_table(con, "day1", config, NodeSource(version=1))
    con.execute(f"create table nodes1 as select * from {nodes1.alias}")
    changed = score_changed_pairs(con, "day2", config, "nodes1")
    con.execute("create table extra as select 'n7' as person_key union all select 'n5'")
    update_kept_pairs(con, "pairs", "nodes1", scan_also="extra")
    con.register("changed_src", changed)
    con.execute("insert into pairs by name select * from changed_src")
    fresh = duckdb.connect()
    fresh.register("day2", _records(DAY2))
    key = ("person_key_l", "person_key_r")
    got = sorted(
        con.sql("select * from pairs").to_arrow_table().to_pylist(), key=lambda r: [r[k] for k in key]
    )
    want = sorted(score_pairs(fresh, "day2", config).to_pylist(), key=lambda r: [r[k] for k in key])
    assert got == want
    scanned = con.execute(
        "select person_key_l, person_key_r, match_weight from id_pair_scan order by all"
    ).fetchall()
    expected = con.execute(
        """
        select person_key_l, person_key_r, match_weight from old_pairs
        where person_key_l in (select person_key from id_scan_nodes)
            or person_key_r in (select person_key from id_scan_nodes)
        order by all
        """
    ).fetchall()
    assert scanned == expected and scanned
    assert (
        con.execute(
            "select count(*) from id_scan_nodes where person_key in ('n5', 'n7', 'n2', 'n4', 'n1')"
        ).fetchone()[0]
        == 5
    )
