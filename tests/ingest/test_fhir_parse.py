"""FHIR parsing: every official R4 example of our six types loads; NDJSON lines route by resourceType."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest import fhir_parse as fp
from orchestration.ingest.fhir import FHIR, TABLES, parse_fhir
from orchestration.settings import REPO_ROOT

FHIR_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "fhir"

EXAMPLES = sorted(p for p in FHIR_FIXTURES.glob("*.json"))


def test_fixture_set_covers_the_types() -> None:
    kinds = {p.name.split("-")[0] for p in EXAMPLES}
    assert kinds == {"Patient", "ServiceRequest", "Coverage", "Appointment", "Practitioner"}
    assert len(EXAMPLES) >= 60


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_official_example_loads(path: Path, ctx) -> None:
    parsed = parse_fhir(path, ctx)
    assert parsed.errors == []
    ((table, records),) = parsed.rows.items()
    kind = json.loads(path.read_text())["resourceType"]
    assert table is TABLES[kind]
    assert records[0].source_record_id == json.loads(path.read_text())["id"]
    assert json.loads(records[0].resource_json)["id"] == records[0].source_record_id


def test_physical_therapy_referral_fields(ctx) -> None:
    (rec,) = parse_fhir(FHIR_FIXTURES / "ServiceRequest-physical-therapy.json", ctx).rows[
        TABLES["ServiceRequest"]
    ]
    assert rec.patient_ref == "example"
    assert rec.intent == "order"
    assert rec.authored_on.isoformat() == "2016-09-20T00:00:00"
    assert rec.requester_display == "Ollie Ortho, MD"


def test_patient_example_flattening(ctx) -> None:
    (rec,) = parse_fhir(FHIR_FIXTURES / "Patient-example.json", ctx).rows[TABLES["Patient"]]
    assert (rec.given, rec.middle, rec.family) == ("Peter", "James", "Chalmers")  # official name wins
    assert rec.birth_date.isoformat() == "1974-12-25"
    assert rec.phone == "(03) 3410 5613"  # mobile preferred; the 'old' number is skipped
    assert rec.postal_code == "3999"


def test_appointment_refs(ctx) -> None:
    (rec,) = parse_fhir(FHIR_FIXTURES / "Appointment-example.json", ctx).rows[TABLES["Appointment"]]
    assert (rec.patient_ref, rec.practitioner_ref, rec.location_ref) == ("example", "example", "1")
    assert rec.based_on_ref == "myringotomy"
    assert rec.start_at.isoformat() == "2013-12-10T09:00:00"


def test_ndjson_routes_by_resource_type_and_keeps_good_lines(tmp_path: Path, ctx) -> None:
    lines = [
        {"resourceType": "Patient", "id": "p1", "birthDate": "1980-02-03"},
        {"resourceType": "Location", "id": "l1", "name": "South Austin", "address": {"postalCode": "78704"}},
        {
            "resourceType": "Coverage",
            "id": "c1",
            "status": "active",
            "beneficiary": {"reference": "Patient/p1"},
            "payor": [{"display": "BCBS TX"}],
            "subscriberId": "M1",
        },
        {"resourceType": "Patient"},  # no id
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n{not json\n"
    path = tmp_path / "export-Patient.000.ndjson"  # the prefix does not decide the table
    path.write_text(text)
    parsed = parse_fhir(path, ctx)
    assert {t.name: len(r) for t, r in parsed.rows.items()} == {
        "fhir_patients": 1,
        "fhir_locations": 1,
        "fhir_coverages": 1,
    }
    assert [(e.line, e.reason) for e in parsed.errors] == [(4, "Patient without id"), (5, "malformed JSON")]
    cov = parsed.rows[TABLES["Coverage"]][0]
    assert (cov.beneficiary_ref, cov.payor_display, cov.member_id) == ("p1", "BCBS TX", "M1")


def test_bundle_entries_are_unpacked(tmp_path: Path, ctx) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:a",
                "resource": json.loads((FHIR_FIXTURES / "Patient-pat1.json").read_text()),
            },
            {"resource": json.loads((FHIR_FIXTURES / "Coverage-9876B1.json").read_text())},
            {"resource": {"resourceType": "Organization", "id": "o1"}},
        ],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, indent=2))
    parsed = parse_fhir(path, ctx)
    assert sorted(t.name for t in parsed.rows) == ["fhir_coverages", "fhir_patients"]
    assert parsed.errors == []


def test_source_accepts_only_json_files(tmp_path: Path) -> None:
    assert FHIR.accepts(tmp_path / "Patient_1.ndjson")
    assert FHIR.accepts(tmp_path / "Patient.json")
    assert not FHIR.accepts(tmp_path / "notes.txt")
    assert not FHIR.accepts(tmp_path / ".Patient.ndjson.swp")


@given(
    kind=st.sampled_from(["Patient", "Practitioner", "Location", "ServiceRequest"]),
    rid=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=64),
)
def test_ref_id_roundtrip(kind: str, rid: str) -> None:
    assert fp.ref_id({"reference": f"{kind}/{rid}"}) == rid
    assert fp.ref_id({"reference": f"https://ehr.example/fhir/{kind}/{rid}/_history/2"}) == rid


@given(st.datetimes(timezones=st.timezones()))
def test_parse_instant_is_naive_utc(ts) -> None:
    parsed = fp.parse_instant(ts.isoformat())
    assert parsed.tzinfo is None
    assert parsed == ts.astimezone(fp.UTC).replace(tzinfo=None)


_REFERENCE = st.one_of(
    st.none(),
    st.integers(),
    st.sampled_from(["Patient/", "Patient/p1", "Location/l1/_history/2", "urn:uuid:abc", "x/Patient/p2", ""]),
    st.builds(
        "{}/{}".format,
        st.sampled_from(["Patient", "Practitioner", "Location", "Device", ""]),
        st.text("ab1-/", max_size=5),
    ),
)


@given(
    st.lists(st.fixed_dictionaries({"actor": st.fixed_dictionaries({"reference": _REFERENCE})}), max_size=5)
)
def test_plain_reference_shortcut_agrees_with_the_general_reading(participants) -> None:
    resource = {"resourceType": "Appointment", "id": "a", "participant": participants}
    plain = fp._plain_actors(resource)
    try:
        general = fp._any_actors(resource)
    except AttributeError:  # a non-text reference: the general reading fails (a line error), and so must we
        assert plain is None
        return
    assert plain is None or plain == general
    assert fp._actors(resource) == general


def test_a_raw_line_separator_inside_a_string_keeps_the_resource_whole(tmp_path: Path, ctx) -> None:
    """JSON strings may hold U+2028 / U+0085 raw (pasted text); str.splitlines cut the resource there and
    lost it as two malformed lines. Only newlines end an NDJSON line."""
    lines = [
        {
            "resourceType": "Location",
            "id": "l1",
            "name": "South\u2028Austin",
            "address": {"postalCode": "78704"},
        },
        {"resourceType": "Location", "id": "l2", "name": "North\x85Austin"},
    ]
    path = tmp_path / "Location.ndjson"
    path.write_text("\r\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\r\n", encoding="utf-8")
    parsed = parse_fhir(path, ctx)
    assert parsed.errors == []
    assert [row.name for row in parsed.rows[TABLES["Location"]]] == ["South\u2028Austin", "North\x85Austin"]
