"""Connected components over accepted pairs (union-find), guarded against chaining: two clusters are
never merged when any compared pair between them is a cannot-link (vetoed or strongly negative)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ScoredPair:
    left: str
    right: str
    match_weight: float
    accepted: bool
    vetoed: bool


def cluster_nodes(
    nodes: Iterable[str], pairs: Iterable[ScoredPair], cannot_link_below_weight: float
) -> dict[str, str]:
    """Map each node to its cluster's representative (the first node of the cluster in the order of
    `nodes`, which callers sort by first-seen time so ids stay stable as records arrive).

    Accepted pairs are merged strongest first (ties by node keys), so a weak link is tried only after the
    strong structure is in place and is refused if it would join clusters that hold a cannot-link pair.
    Pairs naming an unknown node are ignored."""
    order = {n: i for i, n in enumerate(nodes)}
    known = sorted(
        (p for p in pairs if p.left in order and p.right in order),
        key=lambda p: (-p.match_weight, p.left, p.right),
    )
    keys = list(order)
    representatives = cluster_node_indexes(
        len(keys),
        np.array([order[p.left] for p in known], dtype=np.int64),
        np.array([order[p.right] for p in known], dtype=np.int64),
        np.array([p.match_weight for p in known], dtype=np.float64),
        np.array([bool(p.accepted) for p in known], dtype=bool),
        np.array([bool(p.vetoed) for p in known], dtype=bool),
        cannot_link_below_weight,
    )
    return {key: keys[rep] for key, rep in zip(keys, representatives.tolist(), strict=True)}


def merge_components(n_nodes: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component of each node 0..n-1 in the graph of the given (merge) pairs, named by its smallest node.

    Vectorised union-find in numpy (hook each pair's larger root under the smaller, then jump pointers to
    the roots, until no pair spans two roots), not scipy's connected_components: importing scipy.sparse
    cost each day's dbt process ~0.14 CPU-s (about 1 s of wall time on a loaded machine)."""
    label = np.arange(n_nodes, dtype=np.int64)
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    while len(left):
        low = np.minimum(label[left], label[right])
        high = np.maximum(label[left], label[right])
        spans = low != high
        if not spans.any():
            break
        # every label is a root here, so each hook joins two trees; the smaller root wins
        np.minimum.at(label, high[spans], low[spans])
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    return label


def cluster_node_indexes(
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    accepted: np.ndarray,
    vetoed: np.ndarray,
    cannot_link_below_weight: float,
) -> np.ndarray:
    """cluster_nodes on node indexes 0..n-1 (first-seen order), for millions of pairs: each node's
    representative index. Pairs must come in merge order (strongest first, ties in a fixed order).

    Only cannot-links inside one component of the accepted pairs can ever stop a merge, so the others
    (most of them: a veto usually separates two people who share nothing else) are dropped, and a component
    holding none of those is one cluster named by its first node (its merge_components label): the Python
    loop sees only the merge pairs of the components that hold a relevant cannot-link (at 100k leads a few
    percent of the accepted pairs; the loop over all of them and a find() per node were most of a full
    clustering's Python time)."""
    cannot_link = vetoed | (weight < cannot_link_below_weight)
    merge = accepted & ~cannot_link
    merge_left, merge_right = left[merge], right[merge]
    component = merge_components(n_nodes, merge_left, merge_right)
    relevant = cannot_link & (component[left] == component[right])
    guarded = np.zeros(n_nodes, dtype=bool)
    guarded[component[left[relevant]]] = True
    guarded = guarded[component]  # per node: its component holds a relevant cannot-link
    blocked: dict[int, set[int]] = {}
    for a, b in zip(left[relevant].tolist(), right[relevant].tolist(), strict=True):
        blocked.setdefault(a, set()).add(b)
        blocked.setdefault(b, set()).add(a)

    parent = list(range(n_nodes))
    size = [1] * n_nodes

    def find(n: int) -> int:
        root = n
        while parent[root] != root:
            root = parent[root]
        while parent[n] != root:  # path compression
            parent[n], n = root, parent[n]
        return root

    inside = guarded[merge_left]  # a merge pair's two nodes share a component
    for x, y in zip(merge_left[inside].tolist(), merge_right[inside].tolist(), strict=True):
        a, b = find(x), find(y)
        if a == b:
            continue
        small, large = (a, b) if size[a] <= size[b] else (b, a)
        small_blocked = blocked.get(small)
        if small_blocked and any(find(z) == large for z in small_blocked):
            continue
        parent[small] = large
        size[large] += size[small]
        if small_blocked:
            blocked.setdefault(large, set()).update(blocked.pop(small))
    roots = np.asarray(parent, dtype=np.int64)
    while True:  # pointer jumping to the roots (what find() returns), in numpy
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            break
        roots = jumped
    first = np.full(n_nodes, n_nodes, dtype=np.int64)
    np.minimum.at(first, roots, np.arange(n_nodes, dtype=np.int64))
    return np.where(guarded, first[roots], component)
