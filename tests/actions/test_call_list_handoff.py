"""next_actions hands its ranked call list to call_list in the same process only for the same warehouse,
as-of and config, once, and while marts.next_actions still holds the actions it wrote."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.actions import assets
from orchestration.actions.assets import _BuiltCallList, _take_built_call_list

AS_OF = datetime(2025, 3, 10, 15)
WH = Path("/wh/warehouse.duckdb")
CONFIG = Path("/config")
ROWS: list = ["row"]  # stands in for CallListRow values: the hand-off never looks inside


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.next_actions as select range as lead_id from range(3)")
    return con


def _leave(actions: int = 3, as_of: datetime = AS_OF) -> None:
    assets._built_call_list = _BuiltCallList(WH, as_of, CONFIG, actions, ROWS)


def test_taken_once_for_the_same_run(con: duckdb.DuckDBPyConnection) -> None:
    _leave()
    assert _take_built_call_list(con, WH, AS_OF, CONFIG) is ROWS
    assert _take_built_call_list(con, WH, AS_OF, CONFIG) is None


@pytest.mark.parametrize(
    ("warehouse", "as_of", "config"),
    [
        (Path("/other.duckdb"), AS_OF, CONFIG),
        (WH, datetime(2025, 3, 11, 15), CONFIG),
        (WH, AS_OF, Path("/c2")),
    ],
)
def test_other_run_reads_the_table(
    con: duckdb.DuckDBPyConnection, warehouse: Path, as_of: datetime, config: Path
) -> None:
    _leave()
    assert _take_built_call_list(con, warehouse, as_of, config) is None


def test_next_actions_rewritten_since(con: duckdb.DuckDBPyConnection) -> None:
    _leave(actions=4)
    assert _take_built_call_list(con, WH, AS_OF, CONFIG) is None
