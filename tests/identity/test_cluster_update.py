"""Clustering only the merge components a day touched (cluster_update) equals clustering every node.

Random graphs: day 2 changes the pairs of a few touched nodes (new, changed or removed pairs, a node
gone or a new node), pairs between untouched nodes stay; the update recomputes the new components holding
a touched node or an old component-mate of one and keeps every other representative."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.identity import cluster_node_indexes, merge_components
from orchestration.identity.cluster_update import (
    DIRTY_PAIRS,
    affected_nodes,
    cannot_link_sql,
    cluster_subset,
    component_keys,
    dirty_pairs_source,
    person_id_of,
    recluster_touched,
)
from tests.identity.pair_days import draw_pair_days

CANNOT_LINK = -4.0


def _merge_order(pairs: dict[tuple[str, str], tuple[float, bool]]) -> list[tuple[str, str, float, bool]]:
    rows = [(a, b, w, v) for (a, b), (w, v) in pairs.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))


def _arrays(nodes: list[str], pairs: dict) -> tuple[np.ndarray, ...]:
    index = {n: i for i, n in enumerate(nodes)}
    rows = [r for r in _merge_order(pairs) if r[0] in index and r[1] in index]
    left = np.array([index[r[0]] for r in rows], dtype=np.int64)
    right = np.array([index[r[1]] for r in rows], dtype=np.int64)
    weight = np.array([r[2] for r in rows], dtype=np.float64)
    vetoed = np.array([r[3] for r in rows], dtype=bool)
    accepted = weight >= 1.0
    return left, right, weight, accepted, vetoed


def _full(nodes: list[str], pairs: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Every node's representative and component key, clustering everything."""
    left, right, weight, accepted, vetoed = _arrays(nodes, pairs)
    rep = cluster_node_indexes(len(nodes), left, right, weight, accepted, vetoed, CANNOT_LINK)
    merge = accepted & ~(vetoed | (weight < CANNOT_LINK))
    component = merge_components(len(nodes), left[merge], right[merge])
    keys = pa.array(nodes)
    comp_keys = component_keys(keys, component).to_pylist()
    return {n: nodes[r] for n, r in zip(nodes, rep.tolist(), strict=True)}, dict(
        zip(nodes, comp_keys, strict=True)
    )


def _update(
    nodes: list[str], pairs: dict, old_reps: dict[str, str], old_comps: dict[str, str], touched: set[str]
) -> dict[str, str]:
    left, right, weight, accepted, vetoed = _arrays(nodes, pairs)
    merge = accepted & ~(vetoed | (weight < CANNOT_LINK))
    component = merge_components(len(nodes), left[merge], right[merge])
    seed_comps = {old_comps[t] for t in touched if t in old_comps}
    mates = [n for n, c in old_comps.items() if c in seed_comps]
    keys = pa.array(nodes)
    mask = affected_nodes(
        component, keys, pa.array(sorted(touched), pa.string()), pa.array(mates, pa.string())
    )
    rep = cluster_subset(len(nodes), mask, left, right, weight, accepted, vetoed, CANNOT_LINK)
    return {n: (nodes[rep[i]] if mask[i] else old_reps[n]) for i, n in enumerate(nodes)}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_update_of_touched_components_equals_full_clustering(data) -> None:
    n = data.draw(st.integers(4, 14))
    nodes = [f"n{i:02d}" for i in range(n)]
    weights = st.sampled_from([8.0, 5.0, 2.0, 1.0, -1.0, -6.0])
    pair_keys = st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)).filter(lambda p: p[0] < p[1])
    day1 = data.draw(st.dictionaries(pair_keys, st.tuples(weights, st.booleans()), max_size=25))
    old_reps, old_comps = _full(nodes, day1)

    touched = set(data.draw(st.lists(st.sampled_from(nodes), max_size=3)))
    day2_nodes = list(nodes)
    if data.draw(st.booleans()):  # a new node, seen last
        day2_nodes.append("n99")
        touched.add("n99")
    gone = data.draw(st.sets(st.sampled_from(sorted(touched)), max_size=1)) if touched else set()
    day2_nodes = [x for x in day2_nodes if x not in gone]
    # Pairs between two untouched nodes stay; pairs touching a touched node are redrawn.
    day2 = {p: v for p, v in day1.items() if p[0] not in touched and p[1] not in touched}
    new_keys = st.tuples(st.sampled_from(day2_nodes), st.sampled_from(day2_nodes)).filter(
        lambda p: p[0] < p[1] and (p[0] in touched or p[1] in touched)
    )
    if touched - gone:
        day2.update(data.draw(st.dictionaries(new_keys, st.tuples(weights, st.booleans()), max_size=6)))

    expected, _ = _full(day2_nodes, day2)
    assert _update(day2_nodes, day2, old_reps, old_comps, touched) == expected


def _dirty_pairs_table(con: duckdb.DuckDBPyConnection, version: int, complete: bool) -> None:
    con.execute(
        f"create or replace table s.{DIRTY_PAIRS} (source_version bigint, complete boolean, "
        "person_key_l varchar, person_key_r varchar, match_weight double, accepted boolean, vetoed boolean)"
    )
    con.execute(f"insert into s.{DIRTY_PAIRS} (source_version, complete) values (?, ?)", [version, complete])


def test_dirty_pairs_are_read_only_when_complete_for_the_version() -> None:
    """The rescored pairs replace a scan of every pair only when every build of this version listed them."""
    con = duckdb.connect()
    con.execute("create schema s")
    assert dirty_pairs_source(con, "s", 2) is None  # no list (an older int_record_matches)
    _dirty_pairs_table(con, 2, True)
    assert dirty_pairs_source(con, "s", 2) is not None
    assert dirty_pairs_source(con, "s", 3) is None  # another version's list
    con.execute(f"insert into s.{DIRTY_PAIRS} (source_version, complete) values (2, false)")
    assert dirty_pairs_source(con, "s", 2) is None  # a build of this version rescored every pair


def _clusters_table(con: duckdb.DuckDBPyConnection, nodes: list[str], pairs: dict, version: int) -> None:
    reps, comps = _full(nodes, pairs)
    con.execute(
        "create or replace table s.int_persons_clustered "
        "(person_key varchar, cluster_key varchar, person_id varchar, component_key varchar, "
        "source_version bigint)"
    )
    con.executemany(
        "insert into s.int_persons_clustered values (?, ?, ?, ?, ?)",
        [[n, reps[n], person_id_of(reps[n]), comps[n], version] for n in nodes],
    )


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_recluster_in_place_equals_full_clustering(data) -> None:
    """recluster_touched on warehouse-shaped tables: the rows it keeps and the rows it appends equal
    clustering every node. It reads only the pairs of rescored nodes and of the affected set: a rescored
    node's new merge pair with an untouched node reaches that node's old component-mates, which no touched
    node shared a component with (the case a seed set of touched nodes and their old mates misses)."""
    days = draw_pair_days(data)
    nodes, day1, touched, day2_nodes, day2 = days.nodes, days.day1, days.touched, days.day2_nodes, days.day2

    con = duckdb.connect()
    con.execute("create schema s")
    _clusters_table(con, nodes, day1, 1)
    con.execute("create table s.int_record_matches_dirty (source_version bigint, person_key varchar)")
    for t in sorted(touched):
        con.execute("insert into s.int_record_matches_dirty values (2, ?)", [t])
    con.execute("create table s.int_source_records_changes (person_key varchar)")
    # pairs stored the way int_record_matches holds them (accepted = weight >= 1, as _arrays decides)
    con.execute(
        "create table id_pairs (person_key_l varchar, person_key_r varchar, match_weight double, "
        "accepted boolean, vetoed boolean)"
    )
    for (a, b), (w, v) in day2.items():
        con.execute("insert into id_pairs values (?, ?, ?, ?, ?)", [a, b, w, w >= 1.0, v])
    con.execute("create view id_cluster_pairs as select * from id_pairs")
    if data.draw(st.booleans()):  # int_record_matches listed the rescored pairs: the touched nodes' pairs
        _dirty_pairs_table(con, 2, True)
        con.execute(
            f"insert into s.{DIRTY_PAIRS} select 2, true, * from id_pairs "
            "where person_key_l in (select person_key from s.int_record_matches_dirty) "
            "or person_key_r in (select person_key from s.int_record_matches_dirty)"
        )
    con.execute("create table id_nodes_rows (person_key varchar, first_seen_at timestamp)")
    con.executemany(
        "insert into id_nodes_rows values (?, timestamp '2025-01-01' + to_minutes(?))",
        [[x, i] for i, x in enumerate(day2_nodes)],
    )
    con.execute("create view id_cluster_node_rows as select * from id_nodes_rows")

    recluster_touched(con, "s", 2, cannot_link_sql(CANNOT_LINK), CANNOT_LINK)
    rows = con.execute(
        "select person_key, cluster_key, component_key, person_id from s.int_persons_clustered "
        "union all select person_key, cluster_key, component_key, person_id from id_cluster_new"
    ).fetchall()
    reps, comps = _full(day2_nodes, day2)
    assert sorted(rows) == sorted((x, reps[x], comps[x], person_id_of(reps[x])) for x in day2_nodes)
    assert con.execute("select min(source_version) = 2 from s.int_persons_clustered").fetchone()[0] in (
        True,
        None,
    )
