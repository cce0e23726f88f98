"""Id columns created uncompressed keep their values: raw.email_events' ids round-trip through a warehouse."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.ingest.email import EVENTS, EmailEvent
from orchestration.ingest.plain_id_tables import PlainIdTable


def test_email_ids_are_created_uncompressed_and_read_back(tmp_path) -> None:
    sql = EVENTS.create_sql()
    assert "\n  source_record_id VARCHAR USING COMPRESSION uncompressed,\n" in sql
    assert "\n  sg_event_id VARCHAR USING COMPRESSION uncompressed,\n" in sql
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute(sql)
    con.execute(
        "INSERT INTO raw.email_events (source_record_id, sg_event_id, email, event_at, event, category) "
        "SELECT 'e' || i, 'e' || i, 'a@example.com', TIMESTAMP '2026-01-01', 'open', [] "
        "FROM range(200000) t(i)"
    )
    con.execute("CHECKPOINT")
    kinds = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('raw.email_events') "
        "WHERE column_name = 'sg_event_id' AND segment_type = 'VARCHAR'"
    ).fetchall()
    assert kinds == [("Uncompressed",)]
    assert con.execute(
        "SELECT count(DISTINCT sg_event_id), max(source_record_id) FROM raw.email_events"
    ).fetchone() == (
        200000,
        "e99999",
    )


def test_an_id_column_the_table_lacks_is_an_error() -> None:
    with pytest.raises(TypeError):
        PlainIdTable("email_events", EmailEvent, id_columns=("no_such_id",)).create_sql()
