"""read_json_lines agrees with json.loads applied to each line alone: a line that is not one JSON object is
an error on that line, whatever its neighbours hold (a one-call decode of all lines could be fooled)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest.json_lines_read import read_json_lines


def _by_json_loads(lines: list[str]) -> tuple[list[tuple[int, object]], list[int]]:
    objects, bad = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            bad.append(number)
            continue
        if isinstance(value, dict):
            objects.append((number, value))
        else:
            bad.append(number)
    return objects, bad


def test_fragments_that_join_into_valid_json_are_errors_on_their_lines() -> None:
    # Joined with ",0," between them these three lines decode as [{"a":1},0,{"b":2},0,[0,0,0]].
    data = b'{"a":1},0,{"b":2}\n[0\n0]\n{"c":3}\n'
    objects, errors = read_json_lines(data)
    assert objects == [(4, {"c": 3})]
    assert [e.line for e in errors] == [1, 2, 3]


_fragments = st.sampled_from(['{"a":1}', '{"b":"x', 'y"}', ",0,", "[0", "0]", "],[", "{}", "0", '"s"', "  "])


@given(st.lists(st.lists(_fragments, min_size=1, max_size=4).map("".join), min_size=1, max_size=8))
def test_each_line_reads_as_json_loads_reads_it_alone(lines: list[str]) -> None:
    objects, errors = read_json_lines("\n".join(lines).encode())
    expected_objects, expected_bad = _by_json_loads(lines)
    assert objects == expected_objects
    assert sorted({e.line for e in errors}) == expected_bad
