"""The dbt project's shape: contracts on the marts the app and ML read, the exact feature columns."""

from __future__ import annotations

import json

import pytest

from orchestration.transform.dbt_project_files import load_dbt_project

FEATURE_COLUMNS = {
    "lead_id": "varchar",
    "person_id": "varchar",
    "clinic_id": "varchar",
    "received_at": "timestamp",
    "source": "varchar",
    "channel": "varchar",
    "payer": "varchar",
    "payer_tier": "varchar",
    "rate_per_visit": "double",
    "diagnosis_group": "varchar",
    "expected_visits": "integer",
    "post_op": "boolean",
    "distance_km": "double",
    "referring_npi": "varchar",
    "hours_to_first_contact": "double",
    "is_open": "boolean",
    "label_scheduled_14d": "integer",
    "label_no_show": "integer",
    "as_of": "timestamp",
    # milestones and as-of history the model's landmark features are computed from (issue 5)
    "first_contact_at": "timestamp",
    "verified_at": "timestamp",
    "scheduled_at": "timestamp",
    "record_count": "integer",
    "has_phone": "boolean",
    "has_email": "boolean",
    "referrer_prior_leads": "integer",
    "referrer_prior_scheduled": "integer",
    "source_prior_leads": "integer",
    "source_prior_scheduled": "integer",
    "second_intake_at": "timestamp",
    "coverage_inactive_at": "timestamp",
    "n_diagnoses": "integer",  # read by the min_diagnoses triage rule
}
FCT_LEADS = [
    "lead_id",
    "person_id",
    "clinic_id",
    "source",
    "channel",
    "referring_npi",
    "payer",
    "received_at",
    "first_contact_at",
    "verified_at",
    "scheduled_at",
    "evaluated_at",
    "status",
    "priority_tier",
    "score",
    "expected_value",
]


@pytest.fixture(scope="module")
def manifest() -> dict:
    project = load_dbt_project()
    return json.loads(project.manifest_path.read_text())


def _model(manifest: dict, name: str) -> dict:
    return manifest["nodes"][f"model.ptleads.{name}"]


def test_feature_mart_columns_are_exactly_the_ml_contract(manifest) -> None:
    node = _model(manifest, "ml_lead_features")
    assert node["contract"]["enforced"] is True
    assert {c: v["data_type"] for c, v in node["columns"].items()} == FEATURE_COLUMNS


# marts.call_list is written by the actions engine; its contract is checked in tests/actions.
@pytest.mark.parametrize(("name", "columns"), [("fct_leads", FCT_LEADS)])
def test_app_marts_follow_contracts(manifest, name: str, columns: list[str]) -> None:
    node = _model(manifest, name)
    assert node["contract"]["enforced"] is True
    # The contract columns come first and in order; marts may add columns after them.
    assert list(node["columns"])[: len(columns)] == columns
    assert all(c["data_type"] and c["description"] for c in node["columns"].values())
    assert "scored" in node["tags"]


def test_every_mart_is_typed_and_described(manifest) -> None:
    marts = [
        n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] == "marts"
    ]
    assert {n["name"] for n in marts} >= {
        "fct_leads",
        "rpt_funnel_daily",
        "ml_lead_features",
        "lead_source_records",
        "fct_touches",
        "fct_appointments",
        "dim_persons",
        "dim_clinics",
        "dim_payers",
        "dim_referrers",
        "rpt_leakage",
    }
    for node in marts:
        assert node["contract"]["enforced"], node["name"]
        assert node["columns"], node["name"]


def test_phase_split_and_sources_link_to_assets(manifest) -> None:
    scored = {n["name"] for n in manifest["nodes"].values() if "scored" in n.get("tags", [])}
    assert scored == {
        "fct_leads",
        "rpt_funnel_daily",
        "stg_ml__lead_scores",
        "rpt_funnel_by_dimension",
        "rpt_speed_to_lead",
        "rpt_leakage",
        "rpt_referrer_league",
    }
    for source in manifest["sources"].values():
        assert source["meta"]["dagster"]["asset_key"][0] in ("raw", "ref", "marts"), source["name"]


def test_status_unit_test_and_singular_test_exist(manifest) -> None:
    assert any(u["model"] == "int_lead_funnel" for u in manifest["unit_tests"].values())
    assert "test.ptleads.assert_scheduled_after_received" in manifest["nodes"]


def test_phi_columns_of_dim_persons_are_tagged(manifest) -> None:
    columns = _model(manifest, "dim_persons")["columns"]
    for name in ("first_name", "last_name", "dob", "phone_e164", "email", "zip5"):
        assert columns[name]["meta"].get("phi") is True, name
    assert not columns["person_id"].get("meta", {}).get("phi")


def test_every_person_bearing_model_is_an_explicit_dependency_of_the_record_union(manifest) -> None:
    tagged = {
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "person_bearing" in node["tags"]
    }
    assert len(tagged) >= 10  # every structured source but FHIR/web forms (read natively)
    assert tagged <= set(_model(manifest, "int_source_records")["depends_on"]["nodes"])


def test_incremental_models_are_keyed(manifest) -> None:
    touches = _model(manifest, "fct_touches")
    assert touches["config"]["materialized"] == "incremental"
    assert touches["config"]["unique_key"] == "touch_id"
