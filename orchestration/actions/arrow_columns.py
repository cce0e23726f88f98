"""Python values of an Arrow column, built once per distinct value where values repeat.

`fetchall` makes one Python object per cell: at 1M leads the open leads' ~0.8M touches are ~4M strings
(a handful of distinct kinds, directions and results) and 0.8M datetimes. Arrow output plus these
conversions give the same values (equal, and of the same types) with one string object per distinct value.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def column_values(column: pa.ChunkedArray | pa.Array) -> list:
    """The column's values as `fetchall` gives them, for string, naive timestamp and other simple columns:
    strings through a dictionary (one str per distinct value), naive timestamps as datetime.datetime
    through numpy (microseconds, None for null), anything else through to_pylist."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _dictionary_values(array.dictionary_encode())
    if pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type):
        return _dictionary_values(array)
    if pa.types.is_timestamp(kind) and kind.tz is None and kind.unit in ("s", "ms", "us"):
        return array.to_numpy(zero_copy_only=False).astype("datetime64[us]").tolist()
    return array.to_pylist()


def _dictionary_values(array: pa.DictionaryArray) -> list:
    values = [*array.dictionary.to_pylist(), None]
    codes = pc.fill_null(array.indices, len(values) - 1).to_numpy(zero_copy_only=False)
    return [values[code] for code in codes.tolist()]
