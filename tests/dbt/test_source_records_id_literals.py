"""int_source_records' daily increment writes the day's dirty ids into its SQL as one string literal split by
chr(31) (macros/incremental_source_records.sql): ids holding a quote, a comma or brackets select exactly their
records, and an id holding the separator makes the increment read the dirty-id table instead (the same rows).
Each day's table equals a full rebuild of the same warehouse."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from orchestration.transform.dbt_invoke import run_dbt
from tests.dbt.test_daily_test_scope import DAY2, _form, _land_and_ingest, first_build

RECORDS = "intermediate.int_source_records"
COMPILED = Path("compiled", "ptleads", "models", "intermediate", "leads", "int_source_records.sql")


def _rows(warehouse: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return sorted(con.execute(f"select * from {RECORDS}").fetchall(), key=repr)
    finally:
        con.close()


def _plan(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select plan from {RECORDS}_run").fetchone()[0]
    finally:
        con.close()


def _full_rebuild_rows(
    tmp_path: Path, settings: Settings, target: Path, name: str
) -> list[tuple[object, ...]]:
    """The table a full rebuild of a copy of the warehouse gives (the increment's state left as it is). In a
    dbt target of its own: a full refresh passes vars, and dbt parses the whole project again whenever the
    vars differ from the last parse in its target (every switch between the day's runs and the rebuilds)."""
    copy = tmp_path / name / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copy(settings.warehouse, copy)
    rebuild = settings.with_overrides(warehouse=copy)
    run_dbt(
        rebuild,
        "run",
        target.with_name(target.name + "_full"),
        full_refresh=True,
        select="int_source_records",
    )
    assert _plan(copy) != "increment"
    return _rows(copy)


@pytest.mark.slow
def test_dirty_ids_with_quotes_and_the_separator_select_their_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    select = "+int_source_records"
    settings, target = first_build(tmp_path, monkeypatch, select)

    odd = ["wf-o'brien", "wf-a, b", "wf-[c]", "wf-'';--"]
    forms = []
    for j, submission_id in enumerate(odd):
        form = _form(4 + j, DAY2 - timedelta(hours=2 + j))
        form["submission_id"] = submission_id
        forms.append(form)
    _land_and_ingest(settings, "forms_2.jsonl", forms)
    day2 = settings.with_overrides(as_of=DAY2)
    run_dbt(day2, "run", target, select=select)
    assert _plan(settings.warehouse) == "increment"
    sql = (target / COMPILED).read_text()
    assert "string_split(" in sql and "int_source_records_dirty" not in sql
    rows = _rows(settings.warehouse)
    assert set(odd) <= {row[4] for row in rows}
    assert rows == _full_rebuild_rows(tmp_path, day2, target, "full2")

    # An id holding the separator: the increment selects by the dirty-id table, the same rows.
    form = _form(0, DAY2 + timedelta(hours=5))
    form["submission_id"] = "wf-sep\x1fid"
    _land_and_ingest(settings, "forms_3.jsonl", [form])
    day3 = settings.with_overrides(as_of=DAY2 + timedelta(days=1))
    run_dbt(day3, "run", target, select=select)
    assert _plan(settings.warehouse) == "increment"
    sql = (target / COMPILED).read_text()  # before the full rebuild below compiles the model again
    rows = _rows(settings.warehouse)
    assert "wf-sep\x1fid" in {row[4] for row in rows}
    assert rows == _full_rebuild_rows(tmp_path, day3, target, "full3")
    assert "string_split(" not in sql and "int_source_records_dirty" in sql
