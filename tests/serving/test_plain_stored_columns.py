"""Row identifiers listed in snapshot_sync.PLAIN_STORED_COLUMNS are stored uncompressed in the snapshot (a
copy's CPU goes to compressing them); the snapshot's rows and column types stay exactly the warehouse's,
through a first publish, a day's patch and a whole re-copy."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.serving import publish as pub
from orchestration.serving import snapshot_sync

AS_OF = datetime(2026, 7, 1, 5, 0)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    monkeypatch.setattr(snapshot_sync, "DELTA_MIN_ROWS", 500)
    monkeypatch.setattr(snapshot_sync, "PLAIN_STORED_COLUMNS", {"marts.touches": ("touch_id", "absent")})
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts")
    con.execute(
        "create table marts.touches as select 'calls:call:' || md5(range::varchar) as touch_id, "
        "'L' || (range % 97) as lead_id, range::decimal(12, 2) as amount, [range, 1] as pair, "
        "case when range % 13 = 0 then null else range end as n from range(300000)"
    )
    con.execute("create table marts.others as select 'x' || range as touch_id from range(300000)")
    return con


def _compression(snapshot: Path, table: str) -> dict[str, set[str]]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute(
            "select column_name, compression from pragma_storage_info(?) "
            "where segment_type not in ('VALIDITY') and column_path not like '%.%'",
            [table],
        ).fetchall()
    out: dict[str, set[str]] = {}
    for column, method in rows:
        out.setdefault(column, set()).add(method)
    return out


def _same_as_warehouse(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    con.execute(f"attach '{snapshot}' as snap (read_only)")
    try:
        for table in ("marts.touches", "marts.others"):
            assert (
                con.execute(f"describe snap.{table}").fetchall()
                == con.execute(f"describe {table}").fetchall()
            )
            for a, b in ((f"snap.{table}", table), (table, f"snap.{table}")):
                assert con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0] == 0
    finally:
        con.execute("detach snap")


def test_listed_columns_are_stored_plain_and_rows_stay_the_warehouses(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snapshot.duckdb"
    pub.publish(warehouse, snapshot, AS_OF)
    stored = _compression(snapshot, "marts.touches")
    assert stored["touch_id"] == {"Uncompressed"}
    assert stored["lead_id"] != {"Uncompressed"}  # only the listed columns
    assert _compression(snapshot, "marts.others")["touch_id"] != {"Uncompressed"}  # only the listed table
    _same_as_warehouse(warehouse, snapshot)

    warehouse.execute("update marts.touches set lead_id = 'moved' where n % 1000 = 1")
    warehouse.execute("insert into marts.touches values ('new', 'L1', 1.5, [1, 2], null)")
    day = {t.name: t.action for t in pub.publish(warehouse, snapshot, AS_OF).tables}
    assert day["marts.touches"] == "patched"
    assert _compression(snapshot, "marts.touches")["touch_id"] == {"Uncompressed"}
    _same_as_warehouse(warehouse, snapshot)

    warehouse.execute("update marts.touches set touch_id = touch_id || '!'")
    whole = {t.name: t.action for t in pub.publish(warehouse, snapshot, AS_OF).tables}
    assert whole["marts.touches"] == "copied"
    assert _compression(snapshot, "marts.touches")["touch_id"] == {"Uncompressed"}
    _same_as_warehouse(warehouse, snapshot)
