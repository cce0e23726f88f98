"""Daily clustering of only the merge components a day touched (int_persons_clustered).

Clustering (cluster_node_indexes) runs per connected component of the merge pairs: a node's cluster and
representative depend only on its component's nodes, their first-seen order and the pairs among them.
Pairs between two nodes whose records did not change stay as they were (int_record_matches), so a
component none of whose nodes was touched (records changed, pairs rescored, node gone) is exactly the
component of the last build, with the same clusters. Touched nodes can split or join components, and
guards (cannot-links) act across a whole component, so the nodes recomputed are those of every *new*
component that holds a touched node or a node of an *old* component that held one. Everything else keeps
its row. The result equals clustering every node (tests/identity/test_cluster_update.py)."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.identity.clustering import cluster_node_indexes, merge_components

# int_record_matches' pairs rescored for one records version (every pair a dirty node has), with one row
# without keys per build saying whether they are all listed (`complete`).
DIRTY_PAIRS = "int_record_matches_dirty_pairs"


def person_id_of(cluster_key: str) -> str:
    """A person's id: a hash of its cluster's representative node (stable as records arrive)."""
    return "P" + hashlib.md5(cluster_key.encode()).hexdigest()[:15]


def component_keys(keys: pa.Array, component: np.ndarray) -> pa.Array:
    """Each node's component named by its first node (nodes are in first-seen order)."""
    first = np.full(int(component.max()) + 1 if len(component) else 0, len(component), dtype=np.int64)
    np.minimum.at(first, component, np.arange(len(component), dtype=np.int64))
    return keys.take(pa.array(first[component]))


def cluster_rows(keys: pa.Array, representative: np.ndarray, component: np.ndarray) -> pa.Table:
    """int_persons_clustered's rows for `keys`: each node's cluster (its representative's key), person id and
    component."""
    cluster_keys = keys.take(pa.array(representative))
    return pa.table(
        {
            "person_key": keys,
            "cluster_key": cluster_keys,
            "person_id": [person_id_of(k) for k in cluster_keys.to_pylist()],
            "component_key": component_keys(keys, component),
        }
    )


def affected_nodes(
    component: np.ndarray, keys: pa.Array, touched: pa.Array, old_component_mates: pa.Array
) -> np.ndarray:
    """Boolean mask over nodes: in a new component holding a touched node or an old component-mate of one."""
    seeds = pc.is_in(keys, value_set=pa.concat_arrays([touched.cast(pa.string()), old_component_mates]))
    seed_components = np.unique(component[np.asarray(seeds.to_numpy(zero_copy_only=False), dtype=bool)])
    return np.isin(component, seed_components)


def cluster_subset(
    n_nodes: int,
    mask: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    accepted: np.ndarray,
    vetoed: np.ndarray,
    cannot_link_below_weight: float,
) -> np.ndarray:
    """cluster_node_indexes on the nodes of `mask` only (pairs in merge order, global node indexes):
    each masked node's representative as a global index; other entries are -1."""
    index = np.flatnonzero(mask)
    local = np.full(n_nodes, -1, dtype=np.int64)
    local[index] = np.arange(len(index), dtype=np.int64)
    inside = mask[left] & mask[right]
    representative = cluster_node_indexes(
        len(index),
        local[left[inside]],
        local[right[inside]],
        weight[inside],
        accepted[inside],
        vetoed[inside],
        cannot_link_below_weight,
    )
    out = np.full(n_nodes, -1, dtype=np.int64)
    out[index] = index[representative]
    return out


def dirty_pairs_source(session: duckdb.DuckDBPyConnection, schema: str, version: int | None) -> str | None:
    """DIRTY_PAIRS' pairs as a relation when they list every pair of the dirty nodes of `version` (each build
    of that version complete), else None."""
    found = session.execute(
        "select count(*) from information_schema.columns where table_catalog = current_database() "
        "and table_schema = ? and table_name = ? and column_name in ('complete', 'person_key_l')",
        [schema, DIRTY_PAIRS],
    ).fetchone()[0]
    if found != 2 or version is None:
        return None
    table = f'"{schema}"."{DIRTY_PAIRS}"'
    low, high, complete = session.execute(
        f"select min(source_version), max(source_version), bool_and(complete) from {table} "
        "where person_key_l is null"
    ).fetchone()
    if not complete or low != version or high != version:
        return None
    return f"(select * from {table} where person_key_l is not null)"


def recluster_touched(
    session: duckdb.DuckDBPyConnection,
    schema: str,
    version: int | None,
    cannot_link: str,
    cannot_link_below_weight: float,
) -> int:
    """int_persons_clustered's day in place: the rows of the nodes whose component can have changed are
    deleted and their clusters appended to temp table id_cluster_new (person_key, cluster_key, person_id,
    component_key); every other row keeps its values and takes `version`. Returns how many nodes were
    clustered again.

    Affected: the touched nodes (records changed, pairs rescored: new, changed or gone), every node of an
    old component holding one, and every node of an old component a rescored node now has a merge pair
    with. Only pairs of rescored nodes differ from the last build, so an edge leaving that set would be an
    old edge inside an old component already in it: the set is a union of whole new components (equal to
    clustering every node; tests/identity/test_cluster_update.py). Reads the pairs of the rescored nodes
    and those inside the set, not every merge pair of the history, and rewrites only those rows."""
    previous = f'"{schema}"."int_persons_clustered"'
    dirty = f'"{schema}"."int_record_matches_dirty"'
    merge = f"coalesce(p.accepted, false) and not {cannot_link}"
    # The dirty nodes' merge partners: from the pairs int_record_matches just rescored when it listed them
    # all (a day's few thousand), else from every pair.
    dirty_pairs = dirty_pairs_source(session, schema, version) or "id_cluster_pairs"
    session.execute(
        f"""
        create or replace temp table id_cluster_touched as
        select person_key from "{schema}"."int_source_records_changes"
        union select person_key from {dirty}
        union select p.person_key_r from {dirty_pairs} as p
        where p.person_key_l in (select person_key from {dirty}) and {merge}
        union select p.person_key_l from {dirty_pairs} as p
        where p.person_key_r in (select person_key from {dirty}) and {merge}
        """
    )
    session.execute(
        f"""
        create or replace temp table id_cluster_affected_keys as
        select person_key from id_cluster_touched
        union
        select person_key from {previous}
        where component_key in (
            select component_key from {previous}
            where person_key in (select person_key from id_cluster_touched)
        )
        """
    )
    session.execute(
        """
        create or replace temp table id_cluster_nodes as
        select
            person_key,
            cast(row_number() over (order by first_seen_at nulls last, person_key) - 1 as bigint) as node
        from id_cluster_node_rows
        semi join id_cluster_affected_keys using (person_key)
        """
    )
    keys = session.sql("select person_key from id_cluster_nodes order by node").to_arrow_table().column(0)
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    session.execute(
        f"delete from {previous} where person_key in (select person_key from id_cluster_affected_keys)"
    )
    value = "null" if version is None else str(int(version))
    session.execute(
        f"update {previous} set source_version = {value} where source_version is distinct from {value}"
    )
    session.execute(
        "create or replace temp table id_cluster_new "
        "(person_key varchar, cluster_key varchar, person_id varchar, component_key varchar)"
    )
    if len(keys) == 0:
        return 0
    pairs = session.sql(
        f"""
        select l.node as left_node, r.node as right_node, p.match_weight,
            coalesce(p.accepted, false) as accepted, coalesce(p.vetoed, false) as vetoed,
            {merge} as is_merge
        from id_cluster_pairs as p
        inner join id_cluster_nodes as l on p.person_key_l = l.person_key
        inner join id_cluster_nodes as r on p.person_key_r = r.person_key
        where {merge} or {cannot_link}
        order by p.match_weight desc, p.person_key_l, p.person_key_r
        """
    ).to_arrow_table()
    left, right = pairs.column("left_node").to_numpy(), pairs.column("right_node").to_numpy()
    merges = pairs.column("is_merge").to_numpy().astype(bool)
    component = merge_components(len(keys), left[merges], right[merges])
    representative = cluster_node_indexes(
        len(keys),
        left,
        right,
        pairs.column("match_weight").to_numpy(),
        pairs.column("accepted").to_numpy().astype(bool),
        pairs.column("vetoed").to_numpy().astype(bool),
        cannot_link_below_weight,
    )
    session.register("id_cluster_new_src", cluster_rows(keys, representative, component))
    session.execute("insert into id_cluster_new select * from id_cluster_new_src")
    session.unregister("id_cluster_new_src")
    return len(keys)
