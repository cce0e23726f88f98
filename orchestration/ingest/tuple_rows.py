"""Rows as tuples in a raw table's column order -> ArrowRows, for parsers that build rows column-wise."""

from __future__ import annotations

from operator import attrgetter

import pyarrow as pa

from orchestration.ingest.records import ArrowRows, RawTable, long_ascii_strings

_GETTERS: dict[RawTable, attrgetter] = {}


def as_tuple(table: RawTable, row: object) -> tuple:
    getter = _GETTERS.get(table)
    if getter is None:
        getter = _GETTERS[table] = attrgetter(*(c[0] for c in table.columns))
    return getter(row)


def tuples_to_arrow(table: RawTable, tuples: list[tuple]) -> ArrowRows:
    """Rows given as tuples in the table's column order -> ArrowRows (what RawTable.to_arrow builds)."""
    schema = table.arrow_schema
    columns = zip(*tuples, strict=True)
    arrays = [
        (field.type == pa.string() and long_ascii_strings(values)) or pa.array(values, type=field.type)
        for values, field in zip(columns, schema, strict=True)
    ]
    return ArrowRows(pa.Table.from_arrays(arrays, schema=schema), table.record_type)
