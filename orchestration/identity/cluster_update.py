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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.identity.clustering import cluster_node_indexes


def component_keys(keys: pa.Array, component: np.ndarray) -> pa.Array:
    """Each node's component named by its first node (nodes are in first-seen order)."""
    first = np.full(int(component.max()) + 1 if len(component) else 0, len(component), dtype=np.int64)
    np.minimum.at(first, component, np.arange(len(component), dtype=np.int64))
    return keys.take(pa.array(first[component]))


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
