"""The identity models' daily unique tests read the day's keys (<model>_scope, written with <model>_run by
orchestration.identity.increment_plan) and still fail when an old row takes a key the day recomputed.

Same practice as tests/dbt/test_daily_test_scope.py: a few web-form requests built as of day 1 (a first
build: every row tested), then one more request as of day 2 (a daily increment)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.transform.dbt_invoke import run_dbt
from tests.dbt.test_daily_test_scope import DAY2, _compiled, _form, _land_and_ingest, first_build

MODELS = ("int_identity_nodes", "int_persons_clustered")


@pytest.mark.slow
def test_identity_daily_unique_tests_read_the_day_and_fail_on_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    select = "+int_persons_clustered"
    settings, target = first_build(tmp_path, monkeypatch, select)
    for model in MODELS:  # a first build tests every key
        assert f"{model}_scope" not in _compiled(
            target, "_leads__models.yml", f"unique_in_increment_{model}_person_key"
        )

    _land_and_ingest(settings, "forms_2.jsonl", [_form(7, DAY2 - timedelta(hours=2))])
    run_dbt(settings.with_overrides(as_of=DAY2), "build", target, select=select)
    con = duckdb.connect(str(settings.warehouse))
    try:
        new_key = con.execute(
            "select person_key from intermediate.int_source_records where source_record_id = 'wf-7'"
        ).fetchone()[0]
        old_key = con.execute(
            "select person_key from intermediate.int_source_records where source_record_id = 'wf-0'"
        ).fetchone()[0]
        for model in MODELS:
            table = f"intermediate.{model}"
            assert con.execute(f"select plan from {table}_run").fetchone()[0] == "increment"
            sql = _compiled(target, "_leads__models.yml", f"unique_in_increment_{model}_person_key")
            assert f"{model}_scope" in sql and con.execute(sql).fetchone()[0] == 0
            scope = {k for (k,) in con.execute(f"select person_key from {table}_scope").fetchall()}
            assert new_key in scope and old_key not in scope
            # an old row taking the day's key: the daily test must fail
            con.execute(f"update {table} set person_key = ? where person_key = ?", [new_key, old_key])
            assert con.execute(sql).fetchone()[0] == 1
    finally:
        con.close()
