"""marts.fax_extractions, marts.eligibility and marts.lead_source_records as dbt declares them: the
contract's columns first and typed, enforced contracts, key tests, and the unit tests of their logic
(tests/dbt/test_intake_marts_warehouse.py checks a built warehouse)."""

from __future__ import annotations

import json

import pytest
from intake_contract import (
    ELIGIBILITY,
    ELIGIBILITY_TYPES,
    FAX_EXTRACTIONS,
    FAX_FIELDS,
    FAX_TYPES,
    LEAD_SOURCE_RECORDS,
)

from orchestration.transform.dbt_project_files import load_dbt_project


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(load_dbt_project().manifest_path.read_text())


def _model(manifest: dict, name: str) -> dict:
    return manifest["nodes"][f"model.ptleads.{name}"]


# Tests that check what a dbt test does, on the rows a daily run recomputed (macros/test_scope.sql).
_SAME_CHECK = {"unique_in_increment": "unique", "relationships_in_increment": "relationships"}


def _tests_on(manifest: dict, name: str) -> list[tuple[str, str | None]]:
    """(generic test name, column or expression) of every data test attached to model `name`; a
    columns_valid test counts as the not_null / accepted_values test of each column it checks."""
    found: list[tuple[str, str | None]] = []
    for node in manifest["nodes"].values():
        if not (
            node["resource_type"] == "test"
            and node.get("attached_node") == f"model.ptleads.{name}"
            and node.get("test_metadata")
        ):
            continue
        test, kwargs = node["test_metadata"]["name"], node["test_metadata"]["kwargs"]
        if test == "columns_valid":
            for entry in kwargs.get("not_null", []):
                columns = entry if isinstance(entry, dict) else [entry]
                found.extend(("not_null", column) for column in columns)
            found.extend(("accepted_values", column) for column in kwargs.get("accepted_values", {}))
            continue
        found.append((_SAME_CHECK.get(test, test), node.get("column_name") or kwargs.get("column_name")))
    return found


@pytest.mark.parametrize(
    ("name", "columns", "types"),
    [("fax_extractions", FAX_EXTRACTIONS, FAX_TYPES), ("eligibility", ELIGIBILITY, ELIGIBILITY_TYPES)],
)
def test_intake_marts_follow_the_contract(manifest, name: str, columns: list[str], types: dict) -> None:
    node = _model(manifest, name)
    assert node["schema"] == "marts"  # published with every marts table (orchestration/serving/publish.py)
    assert node["contract"]["enforced"] is True
    assert list(node["columns"])[: len(columns)] == columns
    assert all(c["data_type"] and c["description"] for c in node["columns"].values())
    declared = {c: v["data_type"] for c, v in node["columns"].items()}
    assert {c: declared.get(c) for c in types} == types


def test_every_extracted_fax_field_has_a_confidence(manifest) -> None:
    columns = _model(manifest, "fax_extractions")["columns"]
    assert [f for f in FAX_FIELDS if f"{f}_confidence" not in columns] == []
    assert "needs_review" in columns


def test_phi_columns_of_the_intake_marts_are_tagged(manifest) -> None:
    fax = _model(manifest, "fax_extractions")["columns"]
    for name in ("first_name", "last_name", "dob", "phone", "zip", "member_id"):
        assert fax[name]["meta"].get("phi") is True, name
    assert _model(manifest, "eligibility")["columns"]["member_id"]["meta"].get("phi") is True


def test_intake_mart_keys_are_tested(manifest) -> None:
    fax, eligibility = set(_tests_on(manifest, "fax_extractions")), set(_tests_on(manifest, "eligibility"))
    assert {("unique", "source_record_id"), ("not_null", "source_record_id")} <= fax
    assert ("relationships", "lead_id") in fax
    assert {
        ("not_null", "lead_id"),
        ("relationships", "lead_id"),
        ("unique", "source_record_id"),
    } <= eligibility


def test_lead_source_records_key_is_tested(manifest) -> None:
    node = _model(manifest, "lead_source_records")
    assert list(node["columns"])[: len(LEAD_SOURCE_RECORDS)] == LEAD_SOURCE_RECORDS
    tests = _tests_on(manifest, "lead_source_records")
    assert ("not_null", "record_kind") in tests
    # One row per ingested record: source, kind and id (a call log row and its voicemail share an id).
    keys = [column for test, column in tests if test == "unique"] + [
        ",".join(node["test_metadata"]["kwargs"].get("columns", []))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("attached_node") == "model.ptleads.lead_source_records"
        and (node.get("test_metadata") or {}).get("name") == "unique_columns"
    ]
    assert any(
        key and all(part in key for part in ("source", "record_kind", "source_record_id")) for key in keys
    ), keys


def test_unit_tests_cover_attribution_and_lineage(manifest) -> None:
    models = {u["model"] for u in manifest["unit_tests"].values()}
    assert {"eligibility", "lead_source_records"} <= models
