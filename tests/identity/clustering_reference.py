"""The first, per-pair implementation of the guarded union-find (until 2026-11-28 in
orchestration/identity/clustering.py), kept as the reference the array version must equal."""

from __future__ import annotations

from collections.abc import Iterable

from orchestration.identity import ScoredPair


def reference_cluster_nodes(
    nodes: Iterable[str], pairs: Iterable[ScoredPair], cannot_link_below_weight: float
) -> dict[str, str]:
    """Map each node to its cluster's representative (the smallest node key in the cluster's order of
    `nodes`, which callers sort by first-seen time so ids stay stable as records arrive).

    Accepted pairs are merged strongest first, so a weak link is tried only after the strong structure
    is in place and is refused if it would join clusters that hold a cannot-link pair."""
    order = {n: i for i, n in enumerate(nodes)}
    parent = {n: n for n in order}
    members: dict[str, set[str]] = {n: {n} for n in order}
    blocked: dict[str, set[str]] = {n: set() for n in order}
    accepted: list[ScoredPair] = []
    for p in pairs:
        if p.left not in order or p.right not in order:
            continue
        if p.vetoed or p.match_weight < cannot_link_below_weight:
            blocked[p.left].add(p.right)
            blocked[p.right].add(p.left)
        elif p.accepted:
            accepted.append(p)

    def find(n: str) -> str:
        root = n
        while parent[root] != root:
            root = parent[root]
        while parent[n] != root:  # path compression
            parent[n], n = root, parent[n]
        return root

    accepted.sort(key=lambda p: (-p.match_weight, p.left, p.right))
    for p in accepted:
        a, b = find(p.left), find(p.right)
        if a == b:
            continue
        small, large = (a, b) if len(members[a]) <= len(members[b]) else (b, a)
        if any(find(x) == large for x in blocked[small]):
            continue
        parent[small] = large
        members[large] |= members.pop(small)
        blocked[large] |= blocked.pop(small)
    roots: dict[str, str] = {}
    for n in order:
        r = find(n)
        if r not in roots or order[n] < order[roots[r]]:
            roots[r] = n
    return {n: roots[find(n)] for n in order}
