"""FHIR vectorised fast path: the same Arrow tables as the per-record path, or no answer at all."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.generator import generate
from orchestration.ingest import fhir, fhir_vector
from orchestration.ingest.fhir import TABLES, parse_fhir
from orchestration.settings import REPO_ROOT

FHIR_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "fhir"


def _per_record(path: Path, ctx, monkeypatch) -> tuple[dict[str, pa.Table], list]:
    with monkeypatch.context() as m:
        m.setattr(fhir, "flatten_ndjson", lambda *_args: None)
        parsed = parse_fhir(path, ctx)
    return {t.name: rows for t, rows in parsed.arrow_tables().items()}, parsed.errors


def _both(path: Path, ctx, monkeypatch) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    parsed = parse_fhir(path, ctx)
    fast = {t.name: rows for t, rows in parsed.arrow_tables().items()}
    slow, slow_errors = _per_record(path, ctx, monkeypatch)
    assert parsed.errors == slow_errors
    return fast, slow


def _assert_same(fast: dict[str, pa.Table], slow: dict[str, pa.Table]) -> None:
    assert fast.keys() == slow.keys()
    for name, table in slow.items():
        assert fast[name].schema == table.schema, name
        for column in table.column_names:  # column by column, so a failure names the column
            assert fast[name][column].to_pylist() == table[column].to_pylist(), (name, column)


@pytest.fixture(scope="module")
def generated_fhir(tmp_path_factory) -> Path:
    """A small generator practice (no faxes): its FHIR bulk export."""
    root = tmp_path_factory.mktemp("fhir_vector")
    generate(
        out_dir=root,
        seed=7,
        n_leads=150,
        months=3,
        n_clinics=2,
        end=date(2025, 6, 30),
        max_faxes=0,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )
    return root / "inbox" / "fhir"


@pytest.mark.parametrize("kind", sorted(fhir_vector.FAST_TYPES))
def test_generator_export_takes_the_fast_path_with_identical_rows(generated_fhir, kind, ctx, monkeypatch):
    path = generated_fhir / f"{kind}.ndjson"
    text = path.read_text(encoding="utf-8-sig")
    assert fhir_vector.flatten_ndjson(path, text, TABLES) is not None  # the fast path is really taken
    fast, slow = _both(path, ctx, monkeypatch)
    assert slow[TABLES[kind].name].num_rows == len(text.splitlines())
    _assert_same(fast, slow)


def _ndjson(tmp_path: Path, lines: list[str], name: str = "x.ndjson") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_official_examples_as_ndjson_match(tmp_path, ctx, monkeypatch) -> None:
    """Every official example of a fast type, one file per type: varied real shapes (most of them take the
    per-record path through the gate; whichever path runs, the rows are the same)."""
    by_kind: dict[str, list[str]] = {}
    for example in sorted(FHIR_FIXTURES.glob("*.json")):
        resource = json.loads(example.read_text())
        by_kind.setdefault(resource["resourceType"], []).append(json.dumps(resource, separators=(",", ":")))
    for kind in fhir_vector.FAST_TYPES:
        fast, slow = _both(_ndjson(tmp_path, by_kind[kind], f"{kind}.ndjson"), ctx, monkeypatch)
        _assert_same(fast, slow)


APPOINTMENT = {
    "resourceType": "Appointment",
    "id": "a1",
    "meta": {"lastUpdated": "2025-02-03T07:00:00-06:00"},
    "status": "booked",
    "participant": [
        {"actor": {"reference": "Practitioner/p1"}},
        {"actor": {"reference": "https://x.org/fhir/Patient/pt9/_history/2"}},
        {"actor": {"reference": "urn:uuid:loc-1", "display": "Clinic"}},
        {"actor": {"reference": "Location/l1/"}},
    ],
    "basedOn": [{"reference": "Other/1"}, {"reference": "ServiceRequest/sr1"}],
    "appointmentType": {"coding": [{"code": "ROUTINE"}], "text": ""},
    "serviceType": [{"coding": [{"display": ""}, {"display": "Physical therapy"}]}],
    "start": "2025-02-10T09:30:00Z",
    "end": "2025-02-10T10:15:00.123+01:00",
    "minutesDuration": 45,
    "created": "2025-01",
}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"id": ""},  # line error on the per-record path
        {"id": 7},
        {"status": 3},  # a number where text is expected
        {"minutesDuration": "45"},
        {"minutesDuration": 45.5},
        {"participant": None},
        {"participant": [None]},
        {"meta": None},
        {"start": "2025-2-10"},  # outside the agreed instant forms
        {"start": "2025-02-30"},  # not a date
        {"start": ""},
        {"created": "2025"},
        {"resourceType": "Bundle"},
        {"serviceType": [{"text": "PT"}, "x"]},
    ],
    ids=repr,
)
def test_edge_cases_match_the_per_record_path(change, tmp_path, ctx, monkeypatch) -> None:
    other = {**APPOINTMENT, "id": "a2", "participant": [], "basedOn": []}
    lines = [json.dumps({**APPOINTMENT, **change}), "", "   ", json.dumps(other)]
    path = _ndjson(tmp_path, lines)
    try:
        fast, slow = _both(path, ctx, monkeypatch)
    except Exception as exc:  # both paths must fail the same way (whole-file quarantine)
        with pytest.raises(type(exc)):
            _per_record(path, ctx, monkeypatch)
        return
    _assert_same(fast, slow)


def test_bad_json_line_keeps_line_numbers(tmp_path, ctx) -> None:
    path = _ndjson(tmp_path, [json.dumps(APPOINTMENT), "{not json", json.dumps({**APPOINTMENT, "id": "a3"})])
    parsed = parse_fhir(path, ctx)
    assert [e.line for e in parsed.errors] == [2]
    assert parsed.record_count == 2


def test_mixed_types_and_crlf_fall_back(tmp_path, ctx, monkeypatch) -> None:
    patient = {"resourceType": "Patient", "id": "p1"}
    mixed = _ndjson(tmp_path, [json.dumps(APPOINTMENT), json.dumps(patient)], "mixed.ndjson")
    assert fhir_vector.flatten_ndjson(mixed, mixed.read_text(), TABLES) is None
    crlf = tmp_path / "crlf.ndjson"
    crlf.write_bytes((json.dumps(APPOINTMENT) + "\r\n").encode())
    _assert_same(*_both(crlf, ctx, monkeypatch))


_text = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["Patient/1", "urn:oid:1.2", "a//", ""]))
_instant = st.one_of(
    st.none(),
    st.sampled_from(["2025", "2025-03", "2025-03-04", "2025-03-04T05:06", "2025-03-04T05:06:07.5-05:30"]),
    st.text(max_size=10),
)


@settings(max_examples=60, deadline=None)
@given(
    status=_text,
    refs=st.lists(_text, max_size=4),
    type_text=_text,
    start=_instant,
    minutes=st.one_of(st.none(), st.integers(-(2**70), 2**70)),
)
def test_random_appointments_match(status, refs, type_text, start, minutes, tmp_path_factory, ctx) -> None:
    resource = {
        **APPOINTMENT,
        "status": status,
        "participant": [{"actor": {"reference": r}} for r in refs],
        "appointmentType": {"text": type_text},
        "start": start,
        "minutesDuration": minutes,
    }
    path = _ndjson(tmp_path_factory.mktemp("hyp"), [json.dumps(resource)])
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            fast, slow = _both(path, ctx, monkeypatch)
        except Exception as exc:
            with pytest.raises(type(exc)):
                _per_record(path, ctx, monkeypatch)
            return
        _assert_same(fast, slow)


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "active": False,
    "name": [
        {"use": "nickname", "given": ["Bo"]},
        {"family": "Diaz", "given": ["Ana", "Maria", ""], "text": "Ana Diaz"},
        {"use": "official", "family": "Díaz", "given": ["Ana", "M."]},
    ],
    "birthDate": "1962-03-02",
    "telecom": [
        {"system": "phone", "value": "555-0100", "use": "home", "rank": 2},
        {"system": "phone", "value": "555-0101", "use": "old"},
        {"system": "phone", "value": "555-0102", "use": "work", "rank": 1},
        {"system": "phone", "value": "555-0103", "use": "mobile", "period": {"end": "2020-01-01"}},
        {"system": "email", "value": ""},
        {"system": "email", "value": "a@example.org", "use": "mobile", "rank": 5},
    ],
    "address": [
        {"use": "work", "city": "X"},
        {"line": ["1 Main St", "Apt 2"], "city": "Austin", "state": "TX"},
    ],
    "identifier": [
        {"value": "", "type": {"coding": [{"code": "MR"}]}},
        {"value": "S1", "type": {"coding": [{"code": "SS"}]}},
        {"value": "M1", "type": {"coding": [{"code": "XX"}, {"code": "MR"}]}},
    ],
    "communication": [{"language": {"text": "Spanish"}}],
}
COVERAGE = {
    "resourceType": "Coverage",
    "id": "c1",
    "status": "active",
    "beneficiary": {"reference": "Patient/p1"},
    "subscriberId": "",
    "identifier": [{"value": ""}, {"value": "MEM-9"}],
    "payor": [{"reference": "Organization/o1/_history/3", "display": "Aetna"}],
    "class": [
        {"type": {"coding": [{"code": "group"}]}, "value": "G1"},
        {"type": {"coding": [{"code": ""}, {"code": "plan"}]}, "name": "", "value": "Gold"},
    ],
    "type": {"coding": [{"code": "EHCPOL"}]},
    "period": {"start": "2025-01-01", "end": "2025-12-31T23:59:59-06:00"},
}
SERVICE_REQUEST = {
    "resourceType": "ServiceRequest",
    "id": "s1",
    "status": "active",
    "intent": "order",
    "subject": {"reference": "urn:uuid:pt-1"},
    "requester": {
        "display": "Dr X",
        "identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1"},
    },
    "performer": [{"reference": "Practitioner/x/"}],
    "authoredOn": "2025-03-04T05:06:07-05:00",
    "occurrenceDateTime": "",
    "occurrencePeriod": {"start": "2025-03-10"},
    "code": {"coding": [{"code": "PT", "display": "Physical therapy"}]},
    "reasonCode": [
        {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.5"}, {"code": "x"}]},
        {"text": "knee pain", "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "M25.56"}]},
        {"coding": []},
    ],
    "insurance": [{"reference": "urn:uuid:"}, {"reference": "Coverage/c1"}],
    "note": [{"text": "post-op"}, {"text": ""}, {"text": "2x/week"}],
}


@pytest.mark.parametrize(
    "resource, changes",
    [
        (PATIENT, [{}, {"name": []}, {"name": [{"given": ["Solo"]}]}, {"telecom": [], "address": []}]),
        (
            COVERAGE,
            [{}, {"subscriberId": "SUB1"}, {"class": [], "payor": []}, {"period": {"start": "2025-02-01"}}],
        ),
        (
            SERVICE_REQUEST,
            [{}, {"reasonCode": [], "insurance": [], "note": []}, {"occurrenceDateTime": "2025"}],
        ),
    ],
    ids=lambda v: v["resourceType"] if isinstance(v, dict) else "",
)
def test_handmade_resources_take_the_fast_path_identically(resource, changes, tmp_path, ctx, monkeypatch):
    lines = [json.dumps({**resource, **change, "id": f"r{i}"}) for i, change in enumerate(changes)]
    path = _ndjson(tmp_path, lines)
    assert fhir_vector.flatten_ndjson(path, path.read_text(), TABLES) is not None
    _assert_same(*_both(path, ctx, monkeypatch))


def test_null_rank_falls_back(tmp_path, ctx, monkeypatch) -> None:
    telecom = [{"system": "phone", "value": "1", "rank": None}, {"system": "phone", "value": "2", "rank": 1}]
    path = _ndjson(tmp_path, [json.dumps({**PATIENT, "telecom": telecom})])
    assert fhir_vector.flatten_ndjson(path, path.read_text(), TABLES) is None
    _assert_same(*_both(path, ctx, monkeypatch))
