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

# The day's affected nodes and every pair inside them, saved by int_record_matches from the scan of its kept
# pairs it makes anyway (save_cluster_pairs), so the re-clustering does not scan every pair (15.8M at 1M
# leads) nor int_persons_clustered twice. The state (one row, none when not saved) says for which records
# version, clusters version and cannot-link weight they hold.
CLUSTER_KEYS = "int_record_matches_cluster_keys"
CLUSTER_PAIRS = "int_record_matches_cluster_pairs"
CLUSTER_STATE = "int_record_matches_cluster_state"

# cluster_node_indexes' own split: a cannot-link never merges, a merge is an accepted non-cannot-link
CANNOT_LINK_SQL = "(coalesce(p.vetoed, false) or p.match_weight < {weight!r})"


def cannot_link_sql(cannot_link_below_weight: float) -> str:
    """SQL: whether pair `p` is a cannot-link."""
    return CANNOT_LINK_SQL.format(weight=cannot_link_below_weight)


def _one(session: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    return session.execute(sql, params or []).fetchall()[0]


def clusters_updatable(session: duckdb.DuckDBPyConnection, schema: str, version: int | None) -> bool:
    """True when the last build's clusters can be updated in place: they describe the previous (or this)
    int_source_records version, which was an increment, and the pairs' dirty nodes describe this one."""
    if version is None:
        return False
    names = {
        (t, c)
        for t, c in session.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ?",
            [schema],
        ).fetchall()
    }
    needed = {
        ("int_persons_clustered", "component_key"),
        ("int_persons_clustered", "source_version"),
        ("int_record_matches_dirty", "source_version"),
        ("int_source_records_state", "rebuilt"),
        ("int_source_records_changes", "person_key"),
    }
    if not needed <= names:
        return False
    clusters = _clusters_version(session, schema)
    dirty = _one(
        session, f'select min(source_version), max(source_version) from "{schema}"."int_record_matches_dirty"'
    )
    state = _one(session, f'select version, rebuilt from "{schema}"."int_source_records_state"')
    return (
        clusters is not None
        and clusters in (version - 1, version)
        and tuple(state) == (version, False)
        and (dirty[0] is None or (dirty[0] == dirty[1] == version))
    )


def person_id_of(cluster_key: str) -> str:
    """A person's id: a hash of its cluster's representative node (stable as records arrive)."""
    return "P" + hashlib.md5(cluster_key.encode()).hexdigest()[:15]


# person_id_of in SQL, for the rows of a registered cluster_rows table `src` (DuckDB's md5 of the same
# UTF-8 key: the same id, without a Python call per node).
CLUSTER_ROWS_SQL = (
    "select person_key, cluster_key, 'P' || left(md5(cluster_key), 15) as person_id, component_key from {src}"
)


def component_keys(keys: pa.Array, component: np.ndarray) -> pa.Array:
    """Each node's component named by its first node (nodes are in first-seen order)."""
    first = np.full(int(component.max()) + 1 if len(component) else 0, len(component), dtype=np.int64)
    np.minimum.at(first, component, np.arange(len(component), dtype=np.int64))
    return keys.take(pa.array(first[component]))


def cluster_rows(keys: pa.Array, representative: np.ndarray, component: np.ndarray) -> pa.Table:
    """int_persons_clustered's rows for `keys` without the person id (CLUSTER_ROWS_SQL adds it): each
    node's cluster (its representative's key) and component."""
    return pa.table(
        {
            "person_key": keys,
            "cluster_key": keys.take(pa.array(representative)),
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
    merge = f"coalesce(p.accepted, false) and not {cannot_link}"
    pairs_from = "id_cluster_pairs"
    if saved_cluster_pairs(session, schema, version, cannot_link_below_weight):
        # int_record_matches found the affected nodes and the pairs inside them (save_cluster_pairs).
        session.execute(
            "create or replace temp table id_cluster_affected_keys as "
            f'select person_key from "{schema}"."{CLUSTER_KEYS}"'
        )
        pairs_from = f'"{schema}"."{CLUSTER_PAIRS}"'
    else:
        affected_keys(session, schema, version, cannot_link, "id_cluster_pairs")
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
        from {pairs_from} as p
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
    session.execute(f"insert into id_cluster_new {CLUSTER_ROWS_SQL.format(src='id_cluster_new_src')}")
    session.unregister("id_cluster_new_src")
    return len(keys)


def affected_keys(
    session: duckdb.DuckDBPyConnection, schema: str, version: int | None, cannot_link: str, pairs: str | None
) -> bool:
    """Temp table id_cluster_affected_keys: the nodes a day's re-clustering recomputes (see
    recluster_touched), from the last build's clusters and this version's dirty nodes. The dirty nodes'
    merge partners come from the pairs int_record_matches rescored when it listed them all (a day's few
    thousand), else from `pairs` (every pair now); False (nothing created) when neither is at hand."""
    previous = f'"{schema}"."int_persons_clustered"'
    dirty = f'"{schema}"."int_record_matches_dirty"'
    merge = f"coalesce(p.accepted, false) and not {cannot_link}"
    dirty_pairs = dirty_pairs_source(session, schema, version) or pairs
    if dirty_pairs is None:
        return False
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
    return True


def _clusters_version(session: duckdb.DuckDBPyConnection, schema: str) -> int | None:
    low, high = _one(
        session, f'select min(source_version), max(source_version) from "{schema}"."int_persons_clustered"'
    )
    return low if low == high else None


def clear_cluster_pairs(session: duckdb.DuckDBPyConnection, schema: str) -> None:
    """No saved affected set for this build (the re-clustering then finds it itself)."""
    session.execute(f'create schema if not exists "{schema}"')
    session.execute(
        f'create or replace table "{schema}"."{CLUSTER_STATE}" '
        "(source_version bigint, clusters_version bigint, cannot_link_below_weight double)"
    )


def save_cluster_pairs(
    session: duckdb.DuckDBPyConnection, schema: str, version: int | None, cannot_link_below_weight: float
) -> None:
    """int_record_matches, after update_kept_pairs scanned the kept pairs for id_cluster_affected_keys too
    (temp table id_pair_scan: every old pair with a node in it) and before dbt appends id_changed_pairs:
    save the affected nodes and every pair of the table as it will be with both nodes among them (old
    pairs of no stale node, which stay, and the rescored pairs), for int_persons_clustered."""
    clear_cluster_pairs(session, schema)
    inside = (
        "person_key_l in (select person_key from id_cluster_affected_keys) "
        "and person_key_r in (select person_key from id_cluster_affected_keys)"
    )
    session.execute(
        f'create or replace table "{schema}"."{CLUSTER_KEYS}" as '
        "select distinct person_key from id_cluster_affected_keys"
    )
    session.execute(
        f"""
        create or replace table "{schema}"."{CLUSTER_PAIRS}" as
        select person_key_l, person_key_r, match_weight, accepted, vetoed from id_pair_scan
        where {inside}
            and person_key_l not in (select person_key from id_stale_nodes)
            and person_key_r not in (select person_key from id_stale_nodes)
        union all
        select person_key_l, person_key_r, match_weight, accepted, vetoed from id_changed_pairs
        where {inside}
        """
    )
    # Filled last: a build that stops in between leaves no usable state.
    session.execute(
        f'insert into "{schema}"."{CLUSTER_STATE}" values (?, ?, ?)',
        [version, _clusters_version(session, schema), cannot_link_below_weight],
    )


def saved_cluster_pairs(
    session: duckdb.DuckDBPyConnection, schema: str, version: int | None, cannot_link_below_weight: float
) -> bool:
    """Whether int_record_matches saved the affected set for exactly this records version, the clusters
    as they are now (their version) and this cannot-link weight."""
    found = _one(
        session,
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and table_schema = ? and table_name in (?, ?, ?)",
        [schema, CLUSTER_KEYS, CLUSTER_PAIRS, CLUSTER_STATE],
    )[0]
    if found != 3 or version is None:
        return False
    rows = session.execute(
        f'select source_version, clusters_version, cannot_link_below_weight from "{schema}"."{CLUSTER_STATE}"'
    ).fetchall()
    clusters = _clusters_version(session, schema)
    return clusters is not None and rows == [(version, clusters, cannot_link_below_weight)]
