"""The msgspec path of FHIR NDJSON (fhir_structs + fhir_fast) gives exactly today's rows and line errors.

The oracle is parse_fhir's reference reading (json.loads semantics, then fhir_parse), obtained by
handing _add_lines a decoder that refuses every line: random resources with odd values (numbers for
strings, nulls, non-objects in lists, NaN, huge integers, duplicated and escaped keys, bad dates) and
every official R4 example must come out the same either way, and ordinary lines must take the fast path.
Random resources: test_fhir_fast_random.py (with assert_same from here).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest import fhir
from orchestration.ingest.records import ParsedFile, TupleRows
from orchestration.settings import REPO_ROOT

EXAMPLES = sorted((REPO_ROOT / "tests" / "fixtures" / "fhir").glob("*.json"))


def _refuse(line: str) -> Any:
    raise msgspec.DecodeError("reference reading")


def _read(text: str, decode: Any = None) -> tuple[dict[str, list[str]], list[tuple[int, str]], set[str]]:
    parsed, skipped = ParsedFile(), set[str]()
    data = text.encode("utf-8", "surrogatepass")
    try:
        if decode is None:
            fhir._add_lines(parsed, data, text, skipped)
        else:
            fhir._add_lines(parsed, data, text, skipped, decode)
    except Exception as exc:  # a file today's reading fails on must fail the same way
        return {"raised": [type(exc).__name__]}, [], set()
    rows = {}
    for table, records in parsed.rows.items():
        assert isinstance(records, TupleRows)
        rows[table.name] = [repr(t) for t in records.tuples]  # repr: NaN equals itself
    return rows, [(e.line, e.reason) for e in parsed.errors], skipped


def assert_same(text: str) -> dict[str, list[str]]:
    fast = _read(text)
    assert fast == _read(text, _refuse)
    return fast[0]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.sampled_from(["Appointment", "Patient", "Coverage"]))
def test_a_long_integer_anywhere_keeps_today_reading(digits: int, kind: str) -> None:
    # json (not orjson) reads a file with a 19-digit run; msgspec reads integers exactly regardless
    line = f'{{"resourceType":"{kind}","id":"a","minutesDuration":{"9" * (17 + digits)},"x":1{"0" * digits}}}'
    assert_same(line + "\n" + line.replace('"a"', '"b"'))


def _one_line(path: Path) -> str:
    return json.dumps(json.loads(path.read_text()), separators=(",", ":"))


def test_every_official_example_reads_the_same_as_one_ndjson_file() -> None:
    text = "\n".join(_one_line(p) for p in EXAMPLES) + "\n"
    rows = assert_same(text)
    assert sum(map(len, rows.values())) == len(EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_official_example_reads_the_same_with_spaces(path: Path) -> None:
    assert_same(json.dumps(json.loads(path.read_text())) + "\n")


# One line of each kind as orchestration/generator/writers_fhir.py writes them (invented values).
_GENERATOR_OBJECTS: list[dict[str, Any]] = [
    {
        "resourceType": "Appointment",
        "id": "ap1",
        "status": "cancelled",
        "identifier": [{"system": "https://clinic.example/appointment", "value": "100001"}],
        "appointmentType": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "ROUTINE"}],
            "text": "PT Evaluation",
        },
        "serviceType": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "91251008",
                        "display": "Physical therapy procedure",
                    }
                ]
            }
        ],
        "start": "2025-02-04T17:00:00-06:00",
        "end": "2025-02-04T18:00:00-06:00",
        "minutesDuration": 60,
        "created": "2025-02-03T07:00:00-06:00",
        "participant": [
            {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
            {"actor": {"reference": "Practitioner/d1", "display": "Dr A"}, "status": "accepted"},
            {"actor": {"reference": "Location/l1"}, "status": "accepted"},
        ],
        "basedOn": [{"reference": "ServiceRequest/s1"}],
        "cancelationReason": {"text": "Schedule conflict"},
    },
    {
        "resourceType": "Coverage",
        "id": "c1",
        "status": "active",
        "subscriberId": "AEC000000001",
        "beneficiary": {"reference": "Patient/p1"},
        "relationship": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self"}
            ]
        },
        "payor": [
            {"identifier": {"system": "https://www.cms.gov/payer-id", "value": "87726"}, "display": "UHC"}
        ],
    },
    {
        "resourceType": "Location",
        "id": "l1",
        "status": "active",
        "name": "South",
        "identifier": [{"system": "https://clinic.example/clinic", "value": "ATX-S"}],
        "telecom": [{"system": "phone", "value": "+15550100"}, {"system": "fax", "value": "+15550101"}],
        "address": {"line": ["1 Main St"], "postalCode": "78704", "country": "US"},
        "position": {"latitude": 30.2, "longitude": -97.7},
    },
    {
        "resourceType": "Patient",
        "id": "p1",
        "meta": {"lastUpdated": "2025-02-03T07:00:00-06:00"},
        "identifier": [
            {
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                },
                "system": "https://clinic.example/mrn",
                "value": "200001",
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": "Doe", "given": ["Jane", "Q"]}],
        "telecom": [
            {"system": "phone", "value": "555-0100", "use": "mobile"},
            {"system": "email", "value": "jane@example.com"},
        ],
        "gender": "female",
        "address": [
            {
                "use": "home",
                "line": ["1 Main St"],
                "city": "Austin",
                "state": "TX",
                "postalCode": "78660",
                "country": "US",
            }
        ],
        "birthDate": "1962-03-02",
    },
    {
        "resourceType": "Practitioner",
        "id": "d1",
        "active": True,
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}],
        "name": [{"family": "Roe", "given": ["Ann"], "suffix": ["PT", "DPT"]}],
    },
    {
        "resourceType": "ServiceRequest",
        "id": "s1",
        "meta": {"lastUpdated": "2024-12-31T12:32:00-06:00"},
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "386053000",
                        "display": "Evaluation procedure (procedure)",
                    }
                ],
                "text": "Evaluation",
            }
        ],
        "code": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "91251008",
                    "display": "Physical therapy procedure",
                }
            ],
            "text": "PT evaluation and treatment",
        },
        "subject": {"reference": "Patient/p1"},
        "occurrenceTiming": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "wk"}},
        "authoredOn": "2024-12-31T12:32:00-06:00",
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10-cm",
                        "code": "M25.562",
                        "display": "Pain in left knee",
                    }
                ],
                "text": "Pain in left knee",
            }
        ],
        "locationReference": [{"reference": "Location/l1"}],
        "note": [{"text": "Eval and treat."}],
        "requester": {"reference": "Practitioner/d2", "display": "Dr B"},
        "insurance": [{"reference": "Coverage/c1"}],
    },
]
GENERATOR_SHAPED = [json.dumps(o, separators=(",", ":")) for o in _GENERATOR_OBJECTS]


def test_generator_shaped_lines_read_the_same() -> None:
    rows = assert_same("\n".join(GENERATOR_SHAPED) + "\n")
    assert sorted(rows) == sorted(t.name for t in fhir.TABLES.values())


def test_ordinary_lines_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generator-shaped lines and the official examples never reach the reference reading."""
    slow: list[int] = []
    monkeypatch.setattr(fhir, "_add_line", lambda parsed, loads, number, *rest: slow.append(number))
    text = "\n".join([*(_one_line(p) for p in EXAMPLES), *GENERATOR_SHAPED])
    rows, errors, _ = _read(text + "\n")
    assert slow == [] and errors == []
    assert sum(map(len, rows.values())) == text.count("\n") + 1


def test_odd_lines_are_read_the_reference_way(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [
        '{"resourceType":"Appointment","id":"a","minutesDuration":60.0}',  # a float json keeps as 60.0
        '{"resourceType":"Patient","id":"p","active":"yes"}',
        '{"resourceType":"Location","resourceType":"Bundle","id":"b"}',  # json keeps the last
        '{"resourceType":"Patient","id":"p","x":NaN}',
        '{"resourceType":"Coverage","id":"c","period":{"start":"2025-99-01"}}',  # a line error today
        '{"resourceType":"Practitioner","id":""}',
    ]
    text = "\n".join(lines) + "\n"
    rows, errors, _ = _assert_same_and_spy(monkeypatch, text)
    assert errors == [(5, "Coverage c: unreadable ValueError"), (6, "Practitioner without id")]
    assert rows["fhir_appointments"] == [
        "('a', None, None, None, None, None, None, None, None, None, None, 60.0, None, '" + lines[0] + "')"
    ]


def _assert_same_and_spy(monkeypatch: pytest.MonkeyPatch, text: str) -> Any:
    expected = _read(text, _refuse)
    slow: list[int] = []
    reference = fhir._add_line

    def spy(parsed: ParsedFile, loads: Any, number: int, *rest: Any) -> None:
        slow.append(number)
        reference(parsed, loads, number, *rest)

    monkeypatch.setattr(fhir, "_add_line", spy)
    got = _read(text)
    assert got == expected
    assert slow == list(range(1, text.count("\n") + 1))
    return got


@pytest.mark.parametrize("kind", ["Patient", "Practitioner", "Location"])
def test_the_first_participant_of_a_kind_wins(kind: str) -> None:
    refs = [f"{kind}/first", "Device/d", f"{kind}/second"]
    resource = {
        "resourceType": "Appointment",
        "id": "a",
        "participant": [{"actor": {"reference": r}} for r in refs],
    }
    (row,) = assert_same(json.dumps(resource) + "\n")["fhir_appointments"]
    assert "'first'" in row and "'second'" not in row
