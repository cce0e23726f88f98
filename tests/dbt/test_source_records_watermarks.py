"""int_source_records' increment trusts the rows at or before each raw table's watermark to be the ones its
last build read (macros/incremental_source_records.sql). A row deleted and, as many, a row that landed
back-dated to before the watermark (a clock set back at ingest) leave their count unchanged: the watermark's
fingerprint of those rows makes the day a full rebuild, whose table equals a rebuild of the same warehouse."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.transform.dbt_invoke import run_dbt
from tests.dbt.test_daily_test_scope import DAY1, DAY2, _form, _land_and_ingest, first_build
from tests.dbt.test_source_records_id_literals import _full_rebuild_rows, _plan, _rows


@pytest.mark.slow
def test_a_deleted_row_and_a_back_dated_one_rebuild_the_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    select = "+int_source_records"
    settings, target = first_build(tmp_path, monkeypatch, select)
    late = _form(7, DAY1 - timedelta(days=20))  # an old form: no time column in the day's window
    late["submission_id"] = "wf-late"
    _land_and_ingest(settings, "forms_late.jsonl", [late])
    con = duckdb.connect(str(settings.warehouse))
    try:
        watermark = con.execute(
            "select watermark from intermediate.int_source_records_watermarks "
            "where table_name = 'webforms_submissions'"
        ).fetchone()[0]
        # the clock was set back when the late form landed; one of day 1's forms was deleted
        con.execute(
            "update raw.webforms_submissions set ingested_at = ? where source_record_id = 'wf-late'",
            [watermark - timedelta(minutes=1)],
        )
        first = con.execute(
            "select min(source_record_id) from raw.webforms_submissions where source_record_id <> 'wf-late'"
        ).fetchone()[0]
        con.execute("delete from raw.webforms_submissions where source_record_id = ?", [first])
    finally:
        con.close()

    day2 = settings.with_overrides(as_of=DAY2)
    run_dbt(day2, "run", target, select="int_source_records")
    assert _plan(settings.warehouse) != "increment"
    rows = _rows(settings.warehouse)
    ids = {row[4] for row in rows}
    assert "wf-late" in ids and first not in ids
    assert rows == _full_rebuild_rows(tmp_path, day2, target, "full")
