"""Daily-run data tests cost what the day adds (macros/test_scope.sql), and still catch what the day breaks.

A warehouse with a few web-form requests is built through int_source_records as of day 1 (a first build:
every test reads every row), then as of day 2 with one more request (a daily increment: the staging views'
key tests are left to int_source_records, whose tests read the increment's rows). A duplicate key
introduced by the day (the new record taking an old record's key) must still fail the daily unique test.
int_persons_matched's unique test takes the increment's keys from its scope table (record_key, the tested
column) and still fails when an old row takes the key of a row the day recomputed. The one-query tests
(columns_valid on a model, tests/raw_rows_valid.sql on every raw table) fail naming the column on a bad row of
the day, daily, and on any row in a full build.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.framework import ParseContext, ensure_raw_schema, ingest_source
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES, source_by_name
from orchestration.practice_config import load_practice_config
from orchestration.settings import REPO_ROOT, Settings
from orchestration.transform.dbt_invoke import run_dbt
from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR
from orchestration.transform.reference_data import load_reference_data

DAY1 = datetime(2025, 6, 29, 12, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
RESULTS = Path("run", "ptleads", "models")
RECORDS = "intermediate.int_source_records"
UNIQUE = "unique_in_increment_int_source_records_record_key"
MATCHED = "intermediate.int_persons_matched"
UNIQUE_MATCHED = "unique_in_increment_int_persons_matched_record_key"
COLUMNS_VALID = "columns_valid_int_source_records"
RAW_TESTS = Path("run", "ptleads", "tests", "raw_rows_valid.sql")


def _form(j: int, submitted: datetime) -> dict[str, str]:
    return {
        "submission_id": f"wf-{j}",
        "submitted_at": submitted.isoformat().replace("+00:00", "Z"),
        "name": f"Testa Person{'abcdefgh'[j]}",
        "date_of_birth": f"0{1 + j}/1{j}/19{60 + j}",
        "phone": f"512-555-03{j:02d}",
        "email": f"t{j}@example.org",
        "zip": "78664",
        "reason": "low back pain",
        "insurance": "BCBS TX",
        "member_id": "",
        "referred_by": "",
        "preferred_location": "Round Rock",
        "preferred_contact": "phone",
        "sms_opt_in": "yes",
        "email_opt_in": "no",
        "message": "",
    }


def _land_and_ingest(settings: Settings, name: str, forms: list[dict[str, str]]) -> None:
    folder = settings.inbox / "webforms"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(f) + "\n" for f in forms))
    ctx = ParseContext(
        settings.config_dir, load_profiles(settings.config_dir), warehouse_dir=settings.warehouse.parent
    )
    con = duckdb.connect(str(settings.warehouse))
    try:
        ensure_raw_schema(con, SOURCES)
        load_reference_data(con, load_practice_config(settings.config_dir))
        ingest_source(con, source_by_name("webforms"), settings.inbox, settings.quarantine, ctx)
    finally:
        con.close()


def failure(con: duckdb.DuckDBPyConnection, test_sql: str) -> str | None:
    """None when a compiled test passes, else why: the error a columns_valid test raises (which names the
    table, rule and row count), or its number of failing rows."""
    try:
        failures = con.execute(test_sql).fetchone()[0]
    except duckdb.InvalidInputException as error:
        return str(error)
    return None if failures == 0 else f"{failures} failing rows"


def _compiled(target: Path, yml: str, test: str) -> str:
    found = list((target / RESULTS).rglob(f"{yml}/{test}.sql"))
    assert len(found) == 1, (yml, test)
    return found[0].read_text()


def first_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, select: str) -> tuple[Settings, Path]:
    """Day 1 of a small web-form practice, built with `select` as a pipeline's first build: its settings and
    dbt target (one target for every day: later builds parse partially)."""
    # Only the tests of the selected models (not those of marts that merely reference a selected source).
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    settings, target = day1_landed(tmp_path)
    run_dbt(settings, "build", target, select=select)
    return settings, target


def day1_landed(tmp_path: Path) -> tuple[Settings, Path]:
    """Day 1's four web forms ingested, nothing built yet: the settings and a dbt target folder seeded
    with the project's last parse, as the pipeline does (a full parse is ~10 s)."""
    settings = Settings().with_overrides(
        inbox=tmp_path / "inbox",
        warehouse=tmp_path / "w" / "warehouse.duckdb",
        config_dir=REPO_ROOT / "config",
        as_of=DAY1,
    )
    settings.warehouse.parent.mkdir(parents=True)
    _land_and_ingest(settings, "forms_1.jsonl", [_form(j, DAY1 - timedelta(days=3 + j)) for j in range(4)])
    target = tmp_path / "dbt"
    parsed = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if parsed.is_file():
        target.mkdir()
        shutil.copy(parsed, target / parsed.name)
    return settings, target


@pytest.mark.slow
def test_daily_run_tests_read_the_increment_and_fail_on_a_new_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    select = "+int_persons_matched raw_rows_valid"
    settings, target = first_build(tmp_path, monkeypatch, select)

    # A first build tests every row: no increment, staging key tests on.
    day1 = target
    assert "_dirty" not in _compiled(day1, "_leads__models.yml", UNIQUE)
    assert "where true" in _compiled(
        day1, "_webforms__models.yml", "unique_stg_webforms__submissions_submission_id"
    )
    raw_full = (day1 / RAW_TESTS).read_text()
    assert "int_source_records_watermarks" not in raw_full
    columns_full = _compiled(day1, "_leads__models.yml", COLUMNS_VALID)
    assert "_dirty" not in columns_full

    _land_and_ingest(settings, "forms_2.jsonl", [_form(7, DAY2 - timedelta(hours=2))])
    day = settings.with_overrides(as_of=DAY2)
    run_dbt(day, "build", target, select=select)  # passes: the day added no duplicate
    day2 = target
    con = duckdb.connect(str(settings.warehouse))
    try:
        assert con.execute(f"select plan from {RECORDS}_run").fetchone()[0] == "increment"
        unique_sql = _compiled(day2, "_leads__models.yml", UNIQUE)
        # The daily unique test looks up the keys of the recomputed rows only (the increment lists them);
        # staging key tests are off.
        assert "int_source_records_keys" in unique_sql and "int_source_records_dirty" not in unique_sql
        day_record = f"select record_key from {RECORDS} where source_record_id = 'wf-7'"
        day_key = con.execute(day_record).fetchone()[0]
        assert con.execute(f"select list(record_key) from {RECORDS}_keys").fetchone()[0] == [day_key]
        assert "where false" in _compiled(
            day2, "_webforms__models.yml", "unique_stg_webforms__submissions_submission_id"
        )
        not_null_sql = _compiled(day2, "_leads__models.yml", COLUMNS_VALID)
        # Raw tables are append-only: a daily source test reads the rows ingested since the last build.
        raw_sql = (day2 / RAW_TESTS).read_text()
        assert "int_source_records_watermarks" in raw_sql and failure(con, raw_sql) is None
        # (the watermark moved with this build: a row ingested after it is what the next day's test reads)
        con.execute(
            "insert into raw.webforms_submissions select * replace (null as source_record_id, "
            "null as received_at, ingested_at + interval 1 second as ingested_at) "
            "from raw.webforms_submissions where source_record_id = 'wf-7'"
        )
        found = failure(con, raw_sql)
        assert found is not None and "raw.webforms_submissions not_null(received_at) 1 rows" in found
        assert "raw.webforms_submissions not_null(source_record_id) 1 rows" in found
        con.execute("delete from raw.webforms_submissions where source_record_id is null")
        assert failure(con, raw_sql) is None
        # a bad raw row of an earlier day: a full build's test reads it, a daily one no longer does
        con.execute("update raw.webforms_submissions set received_at = null where source_record_id = 'wf-0'")
        assert "raw.webforms_submissions not_null(received_at) 1 rows" in (failure(con, raw_full) or "")
        assert failure(con, raw_sql) is None
        assert "int_source_records_dirty" in not_null_sql and failure(con, not_null_sql) is None
        # The one-query column test: a bad value in the day's rows fails naming the column, daily and full.
        kind = con.execute(f"select record_kind from {RECORDS} where source_record_id = 'wf-7'").fetchone()[0]
        con.execute(f"update {RECORDS} set record_kind = 'fax' where source_record_id = 'wf-7'")
        for sql in (not_null_sql, columns_full):
            assert "int_source_records accepted_values(record_kind) 1 rows" in (failure(con, sql) or "")
        con.execute(f"update {RECORDS} set record_kind = ? where source_record_id = 'wf-7'", [kind])
        # an old row's (tested on its day, unchanged since) only the full build's test reads
        con.execute(f"update {RECORDS} set person_key = null where source_record_id = 'wf-0'")
        assert "int_source_records not_null(person_key) 1 rows" in (failure(con, columns_full) or "")
        assert failure(con, not_null_sql) is None
        assert con.execute(unique_sql).fetchone()[0] == 0

        # int_persons_matched: the keys of the day's rows are its scope table's; the model is read once.
        assert con.execute(f"select plan from {MATCHED}_run").fetchone()[0] == "increment"
        matched_sql = _compiled(day2, "_leads__models.yml", UNIQUE_MATCHED)
        assert "int_persons_matched_scope" in matched_sql
        assert matched_sql.count('"int_persons_matched"') == 1
        assert '"record_key_hash" in' in matched_sql  # the stored hash narrows the lookup
        assert con.execute(matched_sql).fetchone()[0] == 0
        day_row = f"select record_key from {MATCHED} where source_record_id = 'wf-7'"
        new_key = con.execute(day_row).fetchone()[0]
        in_scope = f"select count(*) from {MATCHED}_scope where record_key = ?"
        assert con.execute(in_scope, [new_key]).fetchone()[0] == 1
        # as the model writes a row: the key with its hash (a hash-narrowed lookup finds it)
        taken = f"update {MATCHED} set record_key = ?, record_key_hash = hash(?) where source_record_id = ?"
        con.execute(taken, [new_key, new_key, "wf-0"])
        assert con.execute(matched_sql).fetchone()[0] == 1

        # The day's record shares its key with an old record: new vs old, the daily test must fail.
        con.execute(f"update {RECORDS} set record_key = ? where source_record_id = 'wf-0'", [day_key])
        assert con.execute(unique_sql).fetchone()[0] == 1
        # A key nulled in the day's rows fails the daily not_null test too (with the full build's).
        con.execute(f"update {RECORDS} set record_key = null where source_record_id = 'wf-7'")
        for sql in (not_null_sql, columns_full):
            assert "int_source_records not_null(record_key) 1 rows" in (failure(con, sql) or "")
    finally:
        con.close()
