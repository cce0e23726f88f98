"""RawTable.to_arrow's joined-buffer string conversion gives exactly what pa.array gives."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.records import ArrowRows, RawTable, long_ascii_strings


@dataclass(slots=True)
class _Row:
    source_record_id: str
    raw_json: str | None
    n: int | None


TABLE = RawTable("t", _Row)
_long_ascii = st.text(alphabet=st.characters(max_codepoint=127), min_size=400, max_size=900)
_any_text = st.text(max_size=200)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            _any_text,
            st.one_of(_long_ascii, _any_text, st.none()),
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
        ),
        max_size=30,
    )
)
def test_to_arrow_equals_plain_pa_array(rows) -> None:
    records = [_Row(*r) for r in rows]
    table = TABLE.to_arrow(records)
    for name, field in zip(table.column_names, TABLE.arrow_schema, strict=True):
        expected = pa.array([getattr(r, name) for r in records], type=field.type)
        assert table[name].combine_chunks().equals(expected), name


@given(st.lists(_long_ascii, min_size=1, max_size=20))
def test_long_ascii_columns_take_the_joined_path(values) -> None:
    fast = long_ascii_strings(tuple(values))
    assert fast is not None and fast.equals(pa.array(values, type=pa.string()))


def test_the_joined_path_declines_what_it_cannot_copy() -> None:
    long = "x" * 500
    assert long_ascii_strings((long, None)) is None  # nulls
    assert long_ascii_strings((long, "é" * 500)) is None  # non-ASCII
    assert long_ascii_strings((long, 5)) is None  # not a string
    assert long_ascii_strings(("short", "ids")) is None  # short values: pa.array is as fast
    assert long_ascii_strings(("x" * 500, "y" * 10)) is None  # short on average
    assert long_ascii_strings(()) is None


def test_arrow_rows_stand_in_for_a_record_list() -> None:
    records = [_Row("a", "x" * 500, 1), _Row("b", None, None)]
    table = TABLE.to_arrow(records)
    rows = ArrowRows(table, _Row)
    assert TABLE.to_arrow(rows) is table  # already columnar: handed over as is
    assert len(rows) == 2 and list(rows) == records
    assert (rows[0], rows[-1], rows[1:]) == (records[0], records[1], records[1:])
    with pytest.raises(IndexError):
        rows[2]
    with pytest.raises(TypeError):
        TABLE.to_arrow(ArrowRows(table.drop_columns(["n"]), _Row))
