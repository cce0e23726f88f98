"""marts.insurance_tasks on the pages: a lead's open task on Lead detail, and the people's tasks (count by
task and the list, clinic-scoped) on the Call list for staff and managers."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import open_page


def _tasks(snapshot: Path, clinic: str | None = None) -> list[tuple[str, str]]:
    """(lead_id, task) of tasks for people, optionally of one clinic, straight from the snapshot."""
    sql = "select lead_id, task from marts.insurance_tasks where owner_role <> 'system'"
    params: list[object] = []
    if clinic:
        sql += " and clinic_id = ?"
        params.append(clinic)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return sorted(con.execute(sql, params).fetchall())


def _task_table(at):
    (table,) = [d.value for d in at.dataframe if "task" in d.value.columns]
    return table


def test_lead_detail_shows_the_leads_insurance_task(published: Path) -> None:
    at = open_page("lead_detail.py", "manager").run()
    at.selectbox(key="detail_lead").set_value("L00000").run()
    assert not at.exception
    shown = [w.value for w in at.warning if "Insurance task" in w.value]
    assert len(shown) == 1
    assert "Call the payer (insurance verifier" in shown[0]
    assert "270 sent but no 271 answer" in shown[0]


def test_lead_without_a_task_shows_none(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
        (free,) = con.execute(
            "select min(lead_id) from marts.fct_leads "
            "where lead_id not in (select lead_id from marts.insurance_tasks)"
        ).fetchone()
    at = open_page("lead_detail.py", "manager").run()
    at.selectbox(key="detail_lead").set_value(free).run()
    assert not at.exception
    assert not [w for w in at.warning if "Insurance task" in w.value]


def test_staff_call_list_shows_their_clinics_insurance_tasks(published: Path) -> None:
    expected = _tasks(published, "ATX-S")
    assert expected and len(expected) < len(_tasks(published))  # the fixture has tasks elsewhere too
    at = open_page("call_list.py", "staff").run()
    assert not at.exception
    table = _task_table(at)
    assert set(table["clinic_id"]) == {"ATX-S"}
    assert sorted(table["lead_id"]) == [lead for lead, _ in expected]
    assert "Eligibility inquiry (270) queued" not in set(table["task"])  # the pipeline's own work
    assert any(f"**{len(expected)} open insurance tasks**" in m.value for m in at.markdown)


def test_manager_call_list_counts_tasks_per_kind_and_filters_by_clinic(published: Path) -> None:
    at = open_page("call_list.py", "manager").run()
    assert not at.exception
    every = _tasks(published)
    assert len(_task_table(at)) == len(every)
    payer_calls = sum(1 for _, task in every if task == "call_payer")
    assert any(f"Call the payer {payer_calls}" in m.value for m in at.markdown)
    at.selectbox(key="call_clinic").set_value("RR").run()
    assert not at.exception
    table = _task_table(at)
    assert set(table["clinic_id"]) == {"RR"} and len(table) == len(_tasks(published, "RR"))
