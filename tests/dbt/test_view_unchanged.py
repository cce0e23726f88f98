"""A view whose SQL did not change since the last run is kept, not re-created
(macros/materializations/view_unchanged.sql).

A small web-form practice's staging view and the reference views it reads are built, then built again: the
second run keeps the reference views (no DDL) and every node still succeeds. A dropped view, a view
replaced behind dbt's back under the same comment and a view whose SQL changed (the as-of given as a dbt
var renders into the SQL) are re-created, each reading what its SQL says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR
from tests.dbt.test_daily_test_scope import DAY1, day1_landed

VIEW = "stg_webforms__submissions"
WHERE = f"schema_name = 'staging' and view_name = '{VIEW}'"


def _run(settings: Settings, target: Path, *extra: str) -> list[dict[str, object]]:
    """`dbt run` of the view and the reference views it reads; their run results."""
    dbt = Path(sys.executable).with_name("dbt")
    args = ["run", "--select", f"+{VIEW}", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir"]
    args += [str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target / "logs"), *extra]
    done = subprocess.run(
        [str(dbt), *args], env={**os.environ, **settings.export_env()}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-2000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    return [r for r in results if str(r["unique_id"]).startswith("model.")]


def _view(settings: Settings) -> tuple[str, str | None] | None:
    """(stored SQL, comment) of the view, or None."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(f"select sql, comment from duckdb_views() where {WHERE}").fetchone()
    finally:
        con.close()


def _kept(target: Path) -> dict[str, bool]:
    """Per model of the last run: whether it kept its view. dbt writes a node's `main` statement as its
    runtime SQL: the catalog lookup when the view was kept, the CREATE when it was (re-)created."""
    kept = {}
    for path in (target / "run" / "ptleads" / "models" / "staging").rglob("*.sql"):
        sql = path.read_text()
        assert ("duckdb_views()" in sql) != ("create view" in sql), path.name
        kept[path.stem] = "duckdb_views()" in sql
    return kept


def _rows(settings: Settings) -> int:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(f"select count(*) from staging.{VIEW}").fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_unchanged_view_is_kept_and_changed_or_dropped_view_re_created(tmp_path: Path) -> None:
    settings, target = day1_landed(tmp_path)

    _run(settings, target)
    created = _view(settings)
    assert created is not None and (created[1] or "").startswith("ptleads view_unchanged create=")
    assert _rows(settings) == 4

    assert set(_kept(target).values()) == {False}

    # Unchanged SQL: the nodes still succeed and the reference views are kept. The web-form view may be
    # re-created: DuckDB can re-render its `* exclude` list in another order once the database went through
    # a checkpoint and a re-open, and only a view whose stored text is the one it was created with is kept.
    results = _run(settings, target)
    assert len(results) > 1 and {r["status"] for r in results} == {"success"}
    kept = _kept(target)
    assert {name for name, was_kept in kept.items() if not was_kept} <= {VIEW}
    assert all(kept[name] for name in kept if name.startswith("stg_ref__"))
    assert _view(settings)[1] == created[1] and _rows(settings) == 4

    # Dropped: re-created.
    con = duckdb.connect(str(settings.warehouse))
    con.execute(f"drop view staging.{VIEW}")
    con.close()
    _run(settings, target)
    assert _kept(target)[VIEW] is False and _view(settings) is not None and _rows(settings) == 4

    # Replaced behind dbt's back with other SQL and the old comment: its stored SQL no longer matches.
    con = duckdb.connect(str(settings.warehouse))
    con.execute(f"create or replace view staging.{VIEW} as select * from raw.webforms_submissions limit 1")
    con.execute(f"comment on view staging.{VIEW} is '{created[1]}'")
    con.close()
    _run(settings, target)
    assert _kept(target)[VIEW] is False and _view(settings)[1] == created[1] and _rows(settings) == 4

    # Changed SQL (the as-of inlined as a literal that cuts two of the four forms): re-created. Last, as new
    # vars make dbt parse the whole project again.
    cut = (DAY1 - timedelta(days=4, hours=12)).replace(tzinfo=None).isoformat(sep=" ")
    _run(settings, target, "--vars", json.dumps({"as_of": cut}))
    changed = _view(settings)
    assert changed is not None and cut in changed[0] and changed[1] != created[1]
    assert _rows(settings) == 2
    assert [k for k, v in _kept(target).items() if not v] == [VIEW]  # the reference views' SQL is the same
