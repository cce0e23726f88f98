"""Manager dashboards: breakdowns drill to the leads behind a segment, leakage and SLA numbers agree
with the snapshot, the model room shows drift without an MLflow store."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import open_page


def _one(snapshot: Path, sql: str, params: list[object] | None = None) -> object:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return con.execute(sql, params or []).fetchone()[0]
    finally:
        con.close()


def test_breakdown_by_clinic_drills_to_that_clinics_leads(published: Path) -> None:
    at = open_page("breakdowns.py", "manager").run()
    at.radio(key="breakdown_dimension").set_value("clinic").run()
    table = at.dataframe[0].value
    assert set(table["value"]) == {"ATX-S", "RR", "CP"}
    assert table["received"].sum() == _one(published, "select count(*) from marts.fct_leads")
    at.selectbox(key="breakdown_drill").set_value("RR").run()
    assert not at.exception
    leads = at.dataframe[1].value
    assert set(leads["clinic_id"]) == {"RR"}
    assert len(leads) == _one(published, "select count(*) from marts.fct_leads where clinic_id = 'RR'")


def test_breakdown_by_diagnosis_group_and_staff_scope_in_filters(published: Path) -> None:
    at = open_page("breakdowns.py", "analyst").run()
    at.radio(key="breakdown_dimension").set_value("diagnosis_group").run()
    assert set(at.dataframe[0].value["value"]) == {"knee", "shoulder", "spine", "other"}


def test_leakage_matches_the_mart_and_drills_to_leaked_leads(published: Path) -> None:
    at = open_page("leakage.py", "manager").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    total = _one(published, "select sum(leaked_revenue) from marts.rpt_leakage")
    assert metrics["Leaked revenue"] == f"${total:,.0f}"
    at.toggle(key="leakage_drill").set_value(True).run()
    leads = at.dataframe[1].value
    assert len(leads) == _one(published, "select sum(leaked_leads) from marts.rpt_leakage") > 0


def test_speed_page_reports_sla_per_tier(published: Path) -> None:
    at = open_page("speed.py", "manager").run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["high (≤ 0.5 h)", "standard (≤ 2 h)", "low (≤ 24 h)"]
    assert all(m.value.endswith("%") for m in at.metric)


def test_funnel_stage_drill_lists_leads_that_reached_it(published: Path) -> None:
    at = open_page("funnel.py", "manager").run()
    at.selectbox(key="funnel_drill").set_value("Evaluated").run()
    leads = at.dataframe[0].value
    assert len(leads) == _one(published, "select count(evaluated_at) from marts.fct_leads")
    assert leads["evaluated_at"].notna().all()


def test_models_page_shows_drift_without_an_mlflow_store(published: Path) -> None:
    at = open_page("models.py", "analyst").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == _one(published, "select count(*) from marts.ml_drift")
    assert any("No MLflow store yet" in i.value for i in at.info)
