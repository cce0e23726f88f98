"""The marts' daily key tests read the day's rows and still catch what the day breaks:
relationships_in_increment (lead_source_records.lead_id -> ml_lead_features) looks up the child rows the
child's increment recomputed and those whose lead the parent's increment deleted and computed again (the
leads ml_lead_features rewrote: not those it only recounts in place);
unique_columns with `lookup` finds the rows sharing a recomputed row's key by one column. A full build's
test reads every row.

Same practice as tests/dbt/test_daily_test_scope.py: a few web-form requests built as of day 1 (a first
build), then one more request as of day 2 (a daily increment of every model on the way).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.transform.dbt_invoke import run_dbt
from tests.dbt.test_daily_test_scope import DAY2, _compiled, _form, _land_and_ingest, failure, first_build

LINEAGE = "marts.lead_source_records"
FEATURES = "marts.ml_lead_features"
YML = "_leads__models.yml"
RELATIONSHIP = "relationships_in_increment_lead_source_records_lead_id"


def _unique_key_test(target: Path) -> str:
    found = list((target / "run" / "ptleads" / "models").rglob(f"{YML}/unique_columns_lead_source_rec*.sql"))
    assert len(found) == 1, found
    return found[0].read_text()


def _row(con: duckdb.DuckDBPyConnection, record: str) -> tuple[str, str]:
    """(lead_id, person_id) of a web form's lineage row."""
    return con.execute(
        f"select lead_id, person_id from {LINEAGE} where source_record_id = ?", [record]
    ).fetchone()


@pytest.mark.slow
def test_daily_lineage_key_tests_read_the_day_and_fail_on_what_it_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    select = "+lead_source_records +ml_lead_features"
    settings, target = first_build(tmp_path, monkeypatch, select)
    relationship_full = _compiled(target, YML, RELATIONSHIP)
    unique_full = _unique_key_test(target)
    assert "_scope" not in relationship_full and "_scope" not in unique_full

    _land_and_ingest(settings, "forms_2.jsonl", [_form(7, DAY2 - timedelta(hours=2))])
    run_dbt(settings.with_overrides(as_of=DAY2), "build", target, select=select)  # passes
    relationship = _compiled(target, YML, RELATIONSHIP)
    unique = _unique_key_test(target)
    con = duckdb.connect(str(settings.warehouse))
    try:
        for mart in ("lead_source_records", "ml_lead_features"):
            assert con.execute(f"select plan from marts_state.{mart}_run").fetchone()[0] == "increment"
        assert "lead_source_records_scope" in relationship and "ml_lead_features_base" in relationship
        assert "ml_lead_features_scope" not in relationship
        assert "lead_source_records_scope" in unique
        for sql in (relationship, unique, relationship_full, unique_full):
            assert failure(con, sql) is None
        day_lead, day_person = _row(con, "wf-7")
        old_lead, old_person = _row(con, "wf-0")
        persons = "select count(*) from marts_state.lead_source_records_scope where person_id = ?"
        assert con.execute(persons, [day_person]).fetchone()[0] == 1
        assert con.execute(persons, [old_person]).fetchone()[0] == 0
        leads = "select count(*) from marts_state.ml_lead_features_scope where lead_id = ?"
        assert con.execute(leads, [old_lead]).fetchone()[0] == 0

        # A row of the day naming a lead the features do not hold: daily and full fail.
        con.execute(f"update {LINEAGE} set lead_id = 'no-such-lead' where source_record_id = 'wf-7'")
        for sql in (relationship, relationship_full):
            assert failure(con, sql) == "1 failing rows"
        con.execute(f"update {LINEAGE} set lead_id = ? where source_record_id = 'wf-7'", [day_lead])

        # An old row whose lead the parent's increment deleted (and did not write again): daily fails too.
        con.execute(f"delete from {FEATURES} where lead_id = ?", [old_lead])
        assert failure(con, relationship_full) == "1 failing rows"
        assert failure(con, relationship) is None  # a parent row outside its increment is unchanged since
        # in scope for its history counts only, a lead keeps its row (recounted in place): not looked up
        con.execute("insert into marts_state.ml_lead_features_scope (lead_id) values (?)", [old_lead])
        assert failure(con, relationship) is None
        con.execute("insert into marts_state.ml_lead_features_base (lead_id) values (?)", [old_lead])
        assert failure(con, relationship) == "1 failing rows"

        # An old row taking the key of a row the day recomputed: daily (found by source_record_id) and full.
        key = con.execute(
            f"select source, record_kind from {LINEAGE} where source_record_id = 'wf-7'"
        ).fetchone()
        con.execute(
            f"update {LINEAGE} set source = ?, record_kind = ?, source_record_id = 'wf-7' "
            "where source_record_id = 'wf-0'",
            list(key),
        )
        for sql in (unique, unique_full):
            assert failure(con, sql) == "1 failing rows"
        # ... and both with a null source_record_id (a null lookup value looks up the null rows).
        con.execute(f"update {LINEAGE} set source_record_id = null where source_record_id = 'wf-7'")
        for sql in (unique, unique_full):
            assert failure(con, sql) == "1 failing rows"
    finally:
        con.close()
