"""int_persons_clustered reads only the merge pairs and the cannot-links inside one merge component:
clustering that subset gives the same clusters as clustering every pair (property test)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.identity import cluster_node_indexes, merge_components

CANNOT_LINK_BELOW = -4.0


@settings(max_examples=300, deadline=None)
@given(
    n_nodes=st.integers(2, 12),
    raw_pairs=st.lists(
        st.tuples(
            st.integers(0, 11),
            st.integers(0, 11),
            st.sampled_from([-15.0, -4.0, -3.0, 1.0, 5.0, 9.0, 20.0]),  # ties in weight on purpose
            st.booleans(),
            st.booleans(),
        ),
        max_size=40,
    ),
)
def test_merges_plus_in_component_guards_cluster_like_all_pairs(n_nodes: int, raw_pairs: list) -> None:
    rows = sorted(
        {
            (min(a, b), max(a, b)): (w, acc, veto)
            for a, b, w, acc, veto in raw_pairs
            if a != b and max(a, b) < n_nodes
        }.items(),
        key=lambda kv: (-kv[1][0], kv[0]),  # merge order: strongest first, ties by keys
    )
    left = np.array([k[0] for k, _ in rows], dtype=np.int64)
    right = np.array([k[1] for k, _ in rows], dtype=np.int64)
    weight = np.array([v[0] for _, v in rows], dtype=np.float64)
    accepted = np.array([v[1] for _, v in rows], dtype=bool)
    vetoed = np.array([v[2] for _, v in rows], dtype=bool)
    everything = cluster_node_indexes(n_nodes, left, right, weight, accepted, vetoed, CANNOT_LINK_BELOW)

    cannot = vetoed | (weight < CANNOT_LINK_BELOW)
    merge = accepted & ~cannot
    component = merge_components(n_nodes, left[merge], right[merge])
    guard = cannot & (component[left] == component[right])
    subset = np.concatenate([np.flatnonzero(merge), np.flatnonzero(guard)])
    assert np.array_equal(
        cluster_node_indexes(
            n_nodes,
            left[subset],
            right[subset],
            weight[subset],
            accepted[subset],
            vetoed[subset],
            CANNOT_LINK_BELOW,
        ),
        everything,
    )


def test_merge_components_partitions_like_scipy() -> None:
    """The numpy union-find gives scipy's connected components (same partition), each named by its
    smallest node; random sparse graphs, chains and no pairs at all."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(7)
    graphs = [(5, np.array([], dtype=np.int64), np.array([], dtype=np.int64))]
    chain = rng.permutation(50)  # one long chain, its links in random order and direction
    graphs.append((50, chain[1:], chain[:-1]))
    for n_nodes, n_pairs in ((10, 4), (1_000, 700), (5_000, 6_000)):
        graphs.append((n_nodes, rng.integers(0, n_nodes, n_pairs), rng.integers(0, n_nodes, n_pairs)))
    for n_nodes, left, right in graphs:
        got = merge_components(n_nodes, left, right)
        graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n_nodes, n_nodes))
        expected = connected_components(graph, directed=False)[1]
        # same partition: the pairs (label, scipy label) are a bijection
        assert len(set(zip(got.tolist(), expected.tolist(), strict=True))) == len(set(expected.tolist()))
        assert len(set(got.tolist())) == len(set(expected.tolist()))
        assert all(got[node] <= node and got[got[node]] == got[node] for node in range(n_nodes))
