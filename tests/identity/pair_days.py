"""A drawn two-day identity pair graph for the clustering tests: day 1's scored pairs, the nodes whose pairs
day 2 rescores (one may be new, one may be gone) and day 2's pairs (day 1's untouched pairs plus new ones of
the touched nodes)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

WEIGHTS = st.sampled_from([8.0, 5.0, 2.0, 1.0, -1.0, -6.0])
Pairs = dict[tuple[str, str], tuple[float, bool]]


@dataclass(frozen=True)
class PairDays:
    nodes: list[str]
    day1: Pairs
    touched: set[str]
    gone: set[str]
    day2_nodes: list[str]
    day2: Pairs


def draw_pair_days(data: st.DataObject) -> PairDays:
    n = data.draw(st.integers(4, 12))
    nodes = [f"n{i:02d}" for i in range(n)]
    pair_keys = st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)).filter(lambda p: p[0] < p[1])
    day1 = data.draw(st.dictionaries(pair_keys, st.tuples(WEIGHTS, st.booleans()), max_size=20))
    touched = set(data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3)))
    day2_nodes = list(nodes)
    if data.draw(st.booleans()):
        day2_nodes.append("n99")
        touched.add("n99")
    gone = data.draw(st.sets(st.sampled_from(sorted(touched)), max_size=1))
    day2_nodes = [x for x in day2_nodes if x not in gone]
    day2 = {p: v for p, v in day1.items() if p[0] not in touched and p[1] not in touched}
    new_keys = st.tuples(st.sampled_from(day2_nodes), st.sampled_from(day2_nodes)).filter(
        lambda p: p[0] < p[1] and (p[0] in touched or p[1] in touched)
    )
    if touched - gone:
        day2.update(data.draw(st.dictionaries(new_keys, st.tuples(WEIGHTS, st.booleans()), max_size=6)))
    return PairDays(nodes, day1, touched, gone, day2_nodes, day2)
