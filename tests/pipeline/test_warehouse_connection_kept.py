"""WarehouseResource.connect(keep_open=True): the day's tail steps hand one connection along, and nothing
keeps it (or the writer lock) past a plain connect(), locked(), a failed step or the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize

from orchestration import resources
from orchestration.resources import WarehouseResource, release_warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[WarehouseResource]:
    yield WarehouseResource(path=str(tmp_path / "warehouse.duckdb"))
    release_warehouse()


def _readable(path: Path) -> int:
    """Open the file read-only as another caller would (fails while a writer connection is open)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from t").fetchall()[0][0]
    finally:
        con.close()


def test_kept_connection_is_handed_to_the_next_connect_and_closed_by_it(warehouse: WarehouseResource) -> None:
    with warehouse.connect(keep_open=True) as first:
        first.execute("create table t as select 1 as x")
    assert resources._held
    with warehouse.connect(keep_open=True) as second:
        assert second is first
        second.execute("insert into t values (2)")
    with warehouse.connect() as third:
        assert third is first
    assert not resources._held
    assert _readable(warehouse.file) == 2


def test_the_same_file_spelled_differently_is_one_connection(warehouse: WarehouseResource) -> None:
    other = WarehouseResource(path=str(warehouse.file.parent / "." / warehouse.file.name))
    with warehouse.connect(keep_open=True) as first:
        first.execute("create table t as select 1 as x")
    with other.connect() as second:  # would wait for its own lock forever if it were a second key
        assert second is first
    assert not resources._held


def test_a_failed_step_does_not_keep_its_connection(warehouse: WarehouseResource) -> None:
    with warehouse.connect() as con:
        con.execute("create table t as select 1 as x")
    with pytest.raises(RuntimeError), warehouse.connect(keep_open=True) as con:
        raise RuntimeError("step failed")
    assert not resources._held
    assert _readable(warehouse.file) == 1


def test_locked_closes_a_kept_connection_first(warehouse: WarehouseResource) -> None:
    with warehouse.connect(keep_open=True) as con:
        con.execute("create table t as select 1 as x")
    with warehouse.locked():  # dbt opens the file in its own process while this lock is held
        assert not resources._held
        assert _readable(warehouse.file) == 1


def test_a_run_releases_the_connection_its_last_step_kept(warehouse: WarehouseResource) -> None:
    seen: list[int] = []

    @asset(key=["t_first"])
    def first(warehouse: WarehouseResource) -> None:
        with warehouse.connect(keep_open=True) as con:
            con.execute("create table t as select 1 as x")
            seen.append(id(con))

    @asset(key=["t_second"], deps=[AssetKey(["t_first"])])
    def second(warehouse: WarehouseResource) -> None:
        with warehouse.connect(keep_open=True) as con:
            con.execute("insert into t values (2)")
            seen.append(id(con))

    result = materialize(
        [first, second], resources={"warehouse": warehouse}, instance=DagsterInstance.ephemeral()
    )
    assert result.success
    assert len(set(seen)) == 1  # one connection for both steps of the run
    assert not resources._held  # the run's teardown closed it
    assert _readable(warehouse.file) == 2
