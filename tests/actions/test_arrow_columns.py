"""column_values gives, column by column, what DuckDB's fetchall gives row by row: equal values of the
same types (strings, naive timestamps, booleans, nulls), over chunked results too."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import pytest

from orchestration.actions.arrow_columns import column_values

SQL = """
select
    case when i % 7 = 0 then null else 'kind_' || (i % 5) end as kind,
    case when i % 11 = 0 then null else timestamp '2026-03-08 01:59:59.123456' + i * interval 37 minute end
        as at,
    i % 3 = 0 as flag,
    case when i % 2 = 0 then 'é' || i end as text,
    i::double / 3 as number
from range({n}) as r(i)
"""


@pytest.mark.parametrize("n", [0, 1, 5000])
def test_same_values_and_types_as_fetchall(n: int) -> None:
    con = duckdb.connect()
    expected = con.execute(SQL.format(n=n)).fetchall()
    table = con.sql(SQL.format(n=n)).to_arrow_table()
    rows = list(zip(*(column_values(column) for column in table.columns), strict=True))
    assert rows == expected
    assert [tuple(map(type, row)) for row in rows] == [tuple(map(type, row)) for row in expected]


def test_chunked_and_dictionary_columns() -> None:
    strings = pa.chunked_array([["a", None], ["b", "a"]])
    assert column_values(strings) == ["a", None, "b", "a"]
    assert column_values(pa.array(["x", None, "x"]).dictionary_encode()) == ["x", None, "x"]
    times = pa.array([datetime(2026, 1, 2, 3, 4, 5, 6), None], pa.timestamp("us"))
    assert column_values(times) == [datetime(2026, 1, 2, 3, 4, 5, 6), None]
    values = column_values(pa.array(["same", "same"]))
    assert values[0] is values[1]  # one object per distinct value
