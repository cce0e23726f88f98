"""exact_json_loads (orjson when it gives the same answer) decodes every line exactly as json.loads does:
same values, same types (big integers stay integers), same errors for broken lines."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest.json_lines_read import exact_json_loads

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _same(a: object, b: object) -> bool:
    """Equal values of equal types all the way down (1 == 1.0 is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@given(st.lists(_values, min_size=1, max_size=5), st.booleans())
def test_lines_decode_as_json_loads_does(values: list, ascii_only: bool) -> None:
    lines = [json.dumps(v, ensure_ascii=ascii_only) for v in values]
    text = "\n".join(lines)
    for data in (text, text.encode("utf-8", "surrogatepass")):
        loads = exact_json_loads(data)
        for line in lines:
            assert _same(loads(line), json.loads(line))


@pytest.mark.parametrize(
    "line",
    ['{"n": 18446744073709551616}', '{"x": NaN}', "[1e400]", '{"s": "\\ud800"}', '{"a": 1, "a": 2}', "-0"],
)
def test_values_orjson_reads_differently_still_match_json(line: str) -> None:
    assert _same(exact_json_loads(line)(line), json.loads(line))


@pytest.mark.parametrize("line", ["{broken", '{"a": 1} {"b": 2}', ""])
def test_broken_lines_raise_json_errors(line: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        exact_json_loads(line)(line)
