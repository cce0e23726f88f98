"""Publishing starts from the previous snapshot and writes only what changed, and still ends with exactly
the rows a fresh copy would hold: unchanged tables kept, big tables patched by bucket (duplicates, NULLs,
updates, inserts, deletes), small changed tables copied, new and re-typed tables copied, tables the
warehouse no longer publishes dropped."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.serving import bucket_state, snapshot_sync
from orchestration.serving import publish as pub

AS_OF = datetime(2026, 7, 1, 5, 0)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    monkeypatch.setattr(snapshot_sync, "DELTA_MIN_ROWS", 500)  # "big" at test size
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts; create schema ref; create schema raw; create schema staging")
    con.execute(
        "create table marts.big as select range % 900 as k, 'v' || (range % 7) as v, "
        "case when range % 11 = 0 then null else range * 0.5 end as x from range(3000)"
    )
    con.execute("insert into marts.big select * from marts.big where k < 10")  # exact duplicate rows
    con.execute("create table marts.small as select range as id, 'a' as s from range(50)")
    con.execute("create table marts.steady as select range as id from range(2000)")
    con.execute("create table ref.clinics as select 'C1' as id, 'North' as name")
    con.execute("create table raw.ingest_log as select 'f1' as file, 'ok' as status")
    con.execute("create table raw.not_published as select 1 as x")
    con.execute("create view staging.stg_fax__review_queue as select id, s from marts.small where id < 3")
    con.execute("create table marts.dropped_later as select 1 as x")
    con.execute("create view staging.stg_eligibility__responses as select * from marts.big where k <> 0")
    return con


def _tables(path: Path) -> dict[str, list[tuple]]:
    """Every published table's rows (the publish step's own bucket sums aside: see _stored_sums_hold)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name <> ? order by 1, 2",
            [bucket_state.SCHEMA],
        ).fetchall()
        return {
            f"{s}.{t}": sorted(con.execute(f'select * from "{s}"."{t}"').fetchall(), key=repr)
            for s, t in names
        }


def _stored_sums_hold(path: Path) -> int:
    """Every stored bucket sum equals the one recomputed from the snapshot's rows; returns the tables held."""
    with duckdb.connect(str(path), read_only=True) as con:
        heads = con.execute(
            f"select table_name, signature, rows from {bucket_state.SCHEMA}.bucket_heads"
        ).fetchall()
        for table, signature, rows in heads:
            bits, row_hash, _ = signature.split("|", 2)
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == rows
            bucket = f"(({row_hash}) >> {64 - int(bits)})"
            recomputed = (
                f"select {bucket} as b, count(*) as n, sum(({row_hash})::hugeint) as f "
                f"from {table} group by b"
            )
            stored = f"select b, n, f from {bucket_state.SCHEMA}.bucket_sums where table_name = '{table}'"
            for a, b in ((recomputed, stored), (stored, recomputed)):
                assert con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0] == 0, table
        return len(heads)


def _types(path: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"describe select * from {table}").fetchall()


def test_republish_writes_only_what_changed_and_equals_a_fresh_copy(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    snapshot = tmp_path / "serving" / "snapshot.duckdb"
    first = pub.publish(warehouse, snapshot, AS_OF)
    assert {t.action for t in first.tables} == {"copied"}

    # one of two identical rows goes: the multiset, not the set, must match
    warehouse.execute("delete from marts.big where rowid in (select min(rowid) from marts.big where k = 7)")
    warehouse.execute("update marts.big set x = null where k = 8")
    warehouse.execute("insert into marts.big values (1, 'v1', 0.5), (5000, 'new', null)")
    warehouse.execute("update marts.small set s = 'b' where id = 3")
    warehouse.execute("update marts.steady set id = id where id = 1")  # a write that changes no row
    warehouse.execute("create table marts.added as select 42 as answer")
    warehouse.execute("drop table marts.dropped_later")
    warehouse.execute("alter table ref.clinics alter name type varchar(20)")
    warehouse.execute("alter table raw.ingest_log add column rows integer")
    again = pub.publish(warehouse, snapshot, AS_OF)
    actions = {t.name: t.action for t in again.tables}
    assert actions["marts.steady"] == "kept"
    assert actions["staging.stg_fax__review_queue"] == "kept"
    assert actions["marts.big"] == "patched"
    assert actions["staging.stg_eligibility__responses"] == "patched"  # a view: materialised once, patched
    assert 0 < next(t.written for t in again.tables if t.name == "marts.big") < 3030 * 0.25
    assert actions["marts.small"] == "copied"
    assert actions["marts.added"] == "copied"
    assert actions["raw.ingest_log"] == "copied"

    fresh = tmp_path / "fresh" / "snapshot.duckdb"
    pub.publish(warehouse, fresh, AS_OF)
    assert _tables(snapshot) == _tables(fresh)
    assert _stored_sums_hold(snapshot) == 3  # the big tables (big, steady, the eligibility view)
    assert "marts.dropped_later" not in _tables(snapshot)
    assert "raw.not_published" not in _tables(snapshot)
    assert _types(snapshot, "raw.ingest_log") == _types(fresh, "raw.ingest_log")
    assert again.counts == pub.publish(warehouse, fresh, AS_OF).counts

    warehouse.execute("update marts.big set v = 'changed' where k in (3, 4)")
    patched = pub.publish(warehouse, snapshot, AS_OF)  # compared against the stored sums this time
    assert {t.name: t.action for t in patched.tables}["marts.big"] == "patched"
    assert _stored_sums_hold(snapshot) == 3
    unchanged = pub.publish(warehouse, snapshot, AS_OF)
    assert {t.action for t in unchanged.tables} == {"kept"}
    fresh_again = tmp_path / "fresh_again" / "snapshot.duckdb"
    pub.publish(warehouse, fresh_again, AS_OF)
    assert _tables(snapshot) == _tables(fresh_again)


def test_a_table_mostly_rewritten_is_copied_whole(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snapshot.duckdb"
    pub.publish(warehouse, snapshot, AS_OF)
    warehouse.execute("update marts.big set v = v || '!' where k % 2 = 0")
    result = pub.publish(warehouse, snapshot, AS_OF)
    assert {t.name: t.action for t in result.tables}["marts.big"] == "copied"
    fresh = tmp_path / "fresh.duckdb"
    pub.publish(warehouse, fresh, AS_OF)
    assert _tables(snapshot) == _tables(fresh)


def test_a_previous_snapshot_that_is_mostly_free_space_is_not_reused(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snapshot.duckdb"
    warehouse.execute(
        "create table marts.huge as select range as id, md5(range::varchar) as h from range(150000)"
    )
    pub.publish(warehouse, snapshot, AS_OF)
    warehouse.execute("drop table marts.huge")
    pub.publish(warehouse, snapshot, AS_OF)  # drops it from the copy: the file is now mostly free blocks
    result = pub.publish(warehouse, snapshot, AS_OF)
    assert {t.action for t in result.tables} == {"copied"}  # started from an empty file
    assert "marts.huge" not in _tables(snapshot)


def test_a_new_as_of_on_every_row_is_set_in_place_and_only_changed_rows_are_rewritten(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """ml_lead_features stamps the run's as_of on every row: a new day must not make it 'all changed'."""
    warehouse.execute(
        "create table marts.features as select range as lead_id, range % 5 as f, "
        "timestamp '2026-06-30 05:00' as as_of from range(4000)"
    )
    warehouse.execute(
        "create table marts.stamped_small as "
        "select range as id, timestamp '2026-06-30' as as_of from range(9)"
    )
    snapshot = tmp_path / "snapshot.duckdb"
    pub.publish(warehouse, snapshot, AS_OF)
    warehouse.execute("update marts.features set as_of = timestamp '2026-07-01 05:00'")
    warehouse.execute("update marts.features set f = f + 100 where lead_id < 20")
    warehouse.execute("update marts.stamped_small set as_of = timestamp '2026-07-01'")
    result = {t.name: t for t in pub.publish(warehouse, snapshot, AS_OF).tables}
    features, small = result["marts.features"], result["marts.stamped_small"]
    assert (features.action, features.restamped) == ("patched", 4000 - features.written)
    assert 20 <= features.written < 4000 * 0.25  # the 20 changed rows' buckets, not the whole table
    assert (small.action, small.written, small.restamped) == ("patched", 0, 9)
    fresh = tmp_path / "fresh.duckdb"
    pub.publish(warehouse, fresh, AS_OF)
    assert _tables(snapshot) == _tables(fresh)
    again = {t.name: t.action for t in pub.publish(warehouse, snapshot, AS_OF).tables}
    assert again["marts.features"] == again["marts.stamped_small"] == "kept"
