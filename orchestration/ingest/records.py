"""The shapes every source module hands to the ingestion framework: typed rows per raw table + line errors."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from operator import attrgetter
from typing import Any

import numpy as np
import pyarrow as pa

# Lineage columns the framework adds to every raw row (the parser never sets them).
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("ingested_at", "TIMESTAMP"),
)

_DUCKDB_TYPES: dict[Any, tuple[str, pa.DataType]] = {
    str: ("VARCHAR", pa.string()),
    int: ("BIGINT", pa.int64()),
    float: ("DOUBLE", pa.float64()),
    bool: ("BOOLEAN", pa.bool_()),
    datetime: ("TIMESTAMP", pa.timestamp("us")),  # naive UTC: parsers convert before handing rows over
    date: ("DATE", pa.date32()),
    list[str]: ("VARCHAR[]", pa.list_(pa.string())),
}


def _column_type(hint: Any) -> tuple[str, pa.DataType]:
    """Map a dataclass field annotation (optionally `X | None`) to DuckDB and Arrow types."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        non_null = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(non_null) != 1:
            raise TypeError(f"unsupported union annotation {hint!r}")
        hint = non_null[0]
    if hint not in _DUCKDB_TYPES:
        raise TypeError(f"unsupported raw column type {hint!r}")
    return _DUCKDB_TYPES[hint]


class QuarantineFile(Exception):
    """Raised by a parser when the whole file is unusable; the message is the quarantine reason (no PHI).

    lines: given when the verdict comes from the lines alone (no line gave a record: these are their
    errors). A chunk of a larger file (see file_chunks) then counts as a chunk without rows, and only the
    whole file having none quarantines it; without `lines` (a missing column, an unknown format) the
    verdict holds for the whole file."""

    def __init__(self, reason: str, lines: list[LineError] | None = None) -> None:
        super().__init__(reason)
        self.lines = lines


@dataclass(frozen=True)
class LineError:
    """A line (1-based) the parser could not use; reason names the problem, never the content."""

    line: int
    reason: str


def describe_line_errors(errors: list[LineError], limit: int = 20) -> str:
    """The ingest-log reason of a partial file: its bad line numbers (the first `limit`) and kinds."""
    lines = sorted({e.line for e in errors})
    shown = ", ".join(str(n) for n in lines[:limit])
    more = f" (+{len(lines) - limit} more)" if len(lines) > limit else ""
    kinds = sorted({e.reason for e in errors})[:3]
    return f"bad lines {shown}{more}: {'; '.join(kinds)}"


# Below this mean length per value pa.array's own conversion is as fast (measured: CSV raw_json rows of
# ~300 characters gain nothing, FHIR resources of 400-1300 characters convert ~3x faster).
_LONG_STRING_CHARS = 400


def long_ascii_strings(values: tuple) -> pa.StringArray | None:
    """Arrow strings built from one joined buffer, or None when this does not apply (a None or non-str
    value, any non-ASCII character, short values, or more than 2 GiB), leaving it to pa.array.

    The raw_json/resource_json columns every source keeps are long ASCII JSON: pa.array converts them
    string by string at ~4x the cost of one join, one encode and a cumulative sum of lengths. A warm
    micro-benchmark (best of several runs in one process) says the opposite, pa.array 5-8x faster: it
    hides the page faults of the builder's growing buffers, which a parse worker pays on fresh memory
    (100k FHIR ingest with plain pa.array, 2026-11-30: workers 5.0-5.3 -> 5.8-6.1 CPU-s)."""
    if not values or not isinstance(values[0], str) or len(values[0]) < _LONG_STRING_CHARS:
        return None  # cheap early exit for short or null-led columns (most columns)
    try:
        lengths = np.fromiter(map(len, values), np.int64, len(values))
    except TypeError:  # None or a non-str value: pa.array decides (nulls, or its own type error)
        return None
    if lengths.mean() < _LONG_STRING_CHARS or lengths.sum() >= 2**31:
        return None
    joined = "".join(values)
    if not joined.isascii():
        return None
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = joined.encode("ascii")
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))


@dataclass(frozen=True)
class RawTable:
    """A raw table declared by a source: `raw.<name>`, columns from a dataclass with a `source_record_id`."""

    name: str
    record_type: type

    @cached_property
    def columns(self) -> list[tuple[str, str, pa.DataType]]:
        hints = typing.get_type_hints(self.record_type)
        cols = []
        for f in dataclasses.fields(self.record_type):
            duck, arrow = _column_type(hints[f.name])
            cols.append((f.name, duck, arrow))
        if "source_record_id" not in {c[0] for c in cols}:
            raise TypeError(f"{self.record_type.__name__} needs a source_record_id field")
        return cols

    @property
    def qualified(self) -> str:
        return f"raw.{self.name}"

    def create_sql(self) -> str:
        body = ",\n  ".join(f"{n} {t}" for n, t in [*((c[0], c[1]) for c in self.columns), *LINEAGE_COLUMNS])
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} (\n  {body}\n)"

    def create_sql_compressing(self, compression: dict[str, str]) -> str:
        """RawTable's create_sql with each VARCHAR column of `compression` created `USING COMPRESSION
        <method>` (for subclasses' create_sql: the base statement, not their own)."""
        sql = RawTable.create_sql(self)
        for column, method in compression.items():
            plain = f"\n  {column} VARCHAR,\n"
            if plain not in sql:
                raise TypeError(f"{self.qualified} has no {column} VARCHAR column")
            sql = sql.replace(plain, f"\n  {column} VARCHAR USING COMPRESSION {method},\n", 1)
        return sql

    @cached_property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([(n, a) for n, _, a in self.columns])

    @cached_property
    def _row_getter(self) -> Callable[[Any], tuple]:
        names = [c[0] for c in self.columns]
        if len(names) == 1:  # attrgetter of one name returns the value, not a 1-tuple
            only = attrgetter(names[0])
            return lambda record: (only(record),)
        return attrgetter(*names)

    def to_arrow(self, records: Sequence[Any]) -> pa.Table:
        """Columnar copy of the records: attrgetter + zip transpose in C (about twice as fast as one
        getattr comprehension per column), then one typed Arrow array per column. ArrowRows (a columnar
        parser's output) are already that table; TupleRows skip the attrgetter."""
        schema = self.arrow_schema
        if isinstance(records, ArrowRows):
            if not records.table.schema.equals(schema):
                raise TypeError(f"rows for {self.qualified} do not have its Arrow schema")
            return records.table
        if not records:
            return schema.empty_table()
        if isinstance(records, TupleRows):
            return self._from_tuples(records.tuples)
        return self._from_tuples(map(self._row_getter, records))

    def to_arrow_parts(self, parts: Sequence[Sequence[Any]]) -> pa.Table:
        """One table of several files' rows, in order. Rows still in Python (records or TupleRows) are
        converted in one pass: each pa.array call has a fixed cost that ~80-row files paid per column."""
        if len(parts) == 1:
            return self.to_arrow(parts[0])
        if not any(isinstance(p, ArrowRows) for p in parts):
            if all(isinstance(p, TupleRows) for p in parts):
                return self._from_tuples([t for p in parts for t in p.tuples])
            if not any(isinstance(p, TupleRows) for p in parts):
                return self.to_arrow([r for p in parts for r in p])
        return pa.concat_tables([self.to_arrow(p) for p in parts]).combine_chunks()

    def _from_tuples(self, tuples: Iterable[tuple]) -> pa.Table:
        schema = self.arrow_schema
        columns = list(zip(*tuples, strict=True))
        if not columns:  # no rows at all
            return schema.empty_table()
        arrays = [
            (field.type == pa.string() and long_ascii_strings(values)) or pa.array(values, type=field.type)
            for values, field in zip(columns, schema, strict=True)
        ]
        return pa.Table.from_arrays(arrays, schema=schema)


class TupleRows(Sequence):
    """Rows a parser built as tuples in its RawTable's column order (no record objects in between); the
    framework converts them to Arrow together with the other files of a parse group (RawTable.to_arrow_parts).

    Like ArrowRows it stands where a list of records stands: len() counts rows, indexing or iterating gives
    the records themselves."""

    def __init__(self, tuples: list[tuple], record_type: type) -> None:
        self.tuples = tuples
        self.record_type = record_type

    def __len__(self) -> int:
        return len(self.tuples)

    def __iter__(self) -> Iterator[Any]:
        record_type = self.record_type
        return (record_type(*t) for t in self.tuples)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.record_type(*t) for t in self.tuples[index]]
        return self.record_type(*self.tuples[index])


class ArrowRows(Sequence):
    """Rows a columnar parser built straight into an Arrow table (in its RawTable's schema).

    It stands where a list of records stands in ParsedFile.rows: len() counts rows, and indexing or
    iterating gives the records themselves (built on demand; tests and small callers read them)."""

    def __init__(self, table: pa.Table, record_type: type) -> None:
        self.table = table
        self.record_type = record_type

    def __len__(self) -> int:
        return self.table.num_rows

    def __iter__(self) -> Iterator[Any]:
        record_type = self.record_type
        return (record_type(**row) for row in self.table.to_pylist())

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.record_type(**self.table.slice(index, 1).to_pylist()[0])


@dataclass
class ParsedFile:
    """What `parse(path)` returns: rows per raw table and the lines that could not be used."""

    rows: dict[RawTable, list[Any] | ArrowRows | TupleRows] = field(default_factory=dict)
    errors: list[LineError] = field(default_factory=list)

    def add(self, table: RawTable, record: Any) -> None:
        self.rows.setdefault(table, []).append(record)

    @property
    def record_count(self) -> int:
        return sum(len(v) for v in self.rows.values())
