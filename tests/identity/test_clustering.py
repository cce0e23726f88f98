"""Guarded union-find: accepted pairs join, cannot-links stop chains, representatives are stable."""

from __future__ import annotations

from clustering_reference import reference_cluster_nodes
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.identity import ScoredPair, cluster_nodes


def _p(a: str, b: str, w: float, accepted: bool = True, vetoed: bool = False) -> ScoredPair:
    return ScoredPair(a, b, w, accepted, vetoed)


def test_accepted_pairs_form_components_with_earliest_node_as_representative() -> None:
    clusters = cluster_nodes(["c", "a", "b", "d"], [_p("a", "b", 10), _p("b", "c", 9)], -4.0)
    assert clusters == {"c": "c", "a": "c", "b": "c", "d": "d"}


def test_weak_link_cannot_chain_two_people_who_disagree() -> None:
    # a~b strong, c~d strong, b~c weak but accepted; a and d are a vetoed pair (different DOB).
    pairs = [
        _p("a", "b", 20),
        _p("c", "d", 20),
        _p("b", "c", 5),
        _p("a", "d", -12, accepted=False, vetoed=True),
    ]
    clusters = cluster_nodes(["a", "b", "c", "d"], pairs, -4.0)
    assert clusters["a"] == clusters["b"] != clusters["c"] == clusters["d"]


def test_without_the_cannot_link_the_chain_joins() -> None:
    pairs = [_p("a", "b", 20), _p("c", "d", 20), _p("b", "c", 5)]
    assert len(set(cluster_nodes(["a", "b", "c", "d"], pairs, -4.0).values())) == 1


def test_rejected_pairs_do_not_link_and_unknown_nodes_are_ignored() -> None:
    pairs = [_p("a", "b", 1, accepted=False), _p("a", "zz", 30)]
    assert cluster_nodes(["a", "b"], pairs, -4.0) == {"a": "a", "b": "b"}


@settings(max_examples=300, deadline=None)
@given(
    n_nodes=st.integers(1, 12),
    raw_pairs=st.lists(
        st.tuples(
            st.integers(0, 14),  # indexes past the node list name unknown nodes
            st.integers(0, 14),
            st.sampled_from([-15.0, -4.0, -3.0, 1.0, 5.0, 9.0, 20.0]),  # ties in weight on purpose
            st.booleans(),
            st.booleans(),
        ),
        max_size=40,
    ),
)
def test_array_clustering_equals_the_per_pair_reference(n_nodes: int, raw_pairs: list) -> None:
    nodes = [f"n{i:02d}" for i in range(n_nodes)][::-1]  # first-seen order is not key order
    pairs = [_p(f"n{a:02d}", f"n{b:02d}", w, acc, veto) for a, b, w, acc, veto in raw_pairs if a != b]
    assert cluster_nodes(nodes, pairs, -4.0) == reference_cluster_nodes(nodes, pairs, -4.0)
