"""The msgspec path of FHIR NDJSON (fhir_structs + fhir_fast) gives exactly today's rows and line errors.

The oracle is parse_fhir's reference reading (json.loads semantics, then fhir_parse), obtained by
handing _add_lines a decoder that refuses every line: random resources with odd values (numbers for
strings, nulls, non-objects in lists, NaN, huge integers, duplicated and escaped keys, bad dates) and
every official R4 example must come out the same either way, and ordinary lines must take the fast path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest import fhir
from orchestration.ingest.fhir_parse import ICD10_SYSTEMS, NPI_SYSTEM
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


def _assert_same(text: str) -> dict[str, list[str]]:
    fast = _read(text)
    assert fast == _read(text, _refuse)
    return fast[0]


# --- random resources: mostly well-typed per the Struct shapes, any JSON value anywhere now and then ---

_ODD = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=6),
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "code", "reference"]), inner, max_size=2)
    ),
    max_leaves=5,
)


GOOD_DATES = ("", "2025-02-04T17:00:00-06:00", "2025-02-04T23:00:00Z", "2025-02-04", "2025-02", "1962")
BAD_DATES = ("2025-13-40", "not a date", "2025-02-04T17:00:00.123+05:30")
REFS = (
    "Patient/p1",
    "Patient/p3",
    "Practitioner/d1",
    "Location/l1",
    "Location/l2",
    "ServiceRequest/s1",
    "Coverage/c1",
    "Patient/",
    "urn:uuid:abc-1",
    "urn:oid:1.2.3",
    "https://ehr.example/fhir/Patient/p9/_history/2",
    "x/Patient/p2",
    "Patient/p1/",
    "Location/l1/_history/3",
    "",
)
SYSTEMS = (*ICD10_SYSTEMS, NPI_SYSTEM, "http://snomed.info/sct", "")
TEXTS = ("PT Evaluation", "Pain in left knee", "Dr. A", "")
# Keys a focused resource may leave out (their absence is a branch of its own: rank 99, no period).
MAYBE_ABSENT = frozenset({"rank", "period", "type", "identifier", "display", "use", "text", "code"})

Shapes = tuple[dict[str, st.SearchStrategy[Any]], dict[str, dict[str, st.SearchStrategy[Any]]]]


def _shapes(mode: str) -> Shapes:
    """Per resource type, its fields' values. "clean": of the Struct types, lines the fast path should
    take; "odd": now and then any JSON value anywhere and any text for a date; "focused": only the values
    the readers compare against, nearly every key present (so a pick between several candidates, which
    random keys rarely set up, happens often)."""
    odd, focused = mode == "odd", mode == "focused"

    def pick(*samples: Any) -> st.SearchStrategy[Any]:
        known = st.sampled_from(samples)
        return known if focused else st.one_of(known, known, known, st.text(max_size=8))

    def field(typical: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return (
            st.one_of(typical, typical, typical, typical, typical, typical, typical, _ODD) if odd else typical
        )

    def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        if focused:
            required = {k: v for k, v in fields.items() if k not in MAYBE_ABSENT}
            optional = {k: v for k, v in fields.items() if k in MAYBE_ABSENT}
            return st.fixed_dictionaries(required, optional=optional)
        return field(st.fixed_dictionaries({}, optional={k: field(v) for k, v in fields.items()}))

    def many(item: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return field(st.lists(item, max_size=3))

    dates = pick(*GOOD_DATES, *BAD_DATES) if odd else st.sampled_from(GOOD_DATES)
    texts = pick(*TEXTS)
    coding = obj(system=pick(*SYSTEMS), code=pick("MR", "plan", "M25.562", "ROUTINE", ""), display=texts)
    concept = obj(coding=many(coding), text=texts)
    period = obj(start=dates, end=dates)
    ident = obj(system=pick(*SYSTEMS), value=pick("200001", "1893287924", ""), type=concept)
    ref = obj(reference=pick(*REFS), display=texts, identifier=ident)
    name = obj(use=pick("official", "usual", ""), family=texts, given=many(texts), text=texts)
    contact = obj(
        system=pick("phone", "email", "fax", ""),
        value=pick("737-219-8683", "a@b.c", ""),
        use=pick("mobile", "home", "old", ""),
        rank=st.integers(-1, 3),
        period=period,
    )
    address = obj(
        use=pick("home", "work", ""), line=many(texts), city=texts, state=pick("TX"), postalCode=pick("78704")
    )
    common = {"meta": obj(lastUpdated=dates), "identifier": many(ident), "telecom": many(contact)}
    fields: dict[str, dict[str, st.SearchStrategy[Any]]] = {
        "Patient": {
            "active": st.booleans(),
            "name": many(name),
            "birthDate": dates,
            "gender": pick("female", ""),
            "address": many(address),
            "communication": many(obj(language=concept)),
        },
        "ServiceRequest": {
            "status": texts,
            "intent": pick("order", ""),
            "priority": texts,
            "subject": ref,
            "requester": ref,
            "performer": many(ref),
            "locationReference": many(ref),
            "authoredOn": dates,
            "occurrenceDateTime": dates,
            "occurrencePeriod": period,
            "code": concept,
            "reasonCode": many(concept),
            "insurance": many(ref),
            "note": many(obj(text=texts)),
        },
        "Coverage": {
            "status": texts,
            "beneficiary": ref,
            "subscriber": ref,
            "subscriberId": texts,
            "payor": many(ref),
            "class": many(obj(type=concept, name=texts, value=texts)),
            "type": concept,
            "period": period,
        },
        "Appointment": {
            "status": texts,
            "participant": many(obj(actor=ref, status=texts)),
            "basedOn": many(ref),
            "appointmentType": concept,
            "serviceType": many(concept),
            "start": dates,
            "end": dates,
            "minutesDuration": st.integers(-(2**66), 2**66),
            "created": dates,
        },
        "Practitioner": {"name": many(name)},
        "Location": {
            "status": texts,
            "name": texts,
            "address": obj(postalCode=pick("78704", ""), line=many(texts)),
        },
    }
    return common, fields


SHAPES = {mode: _shapes(mode) for mode in ("clean", "odd", "focused")}


@st.composite
def resource_lines(draw: st.DrawFn) -> str:
    mode = draw(st.sampled_from(["clean", "odd", "odd", "focused", "focused"]))
    odd = mode == "odd"
    common, shapes = SHAPES[mode]
    kind = draw(st.sampled_from(sorted(shapes)))
    if odd:
        kind = draw(st.just(kind) | st.sampled_from(["Bundle", "Organization", ""]) | _ODD)
    fields = {**common, **shapes.get(kind, {})} if isinstance(kind, str) else common
    items = [(k, draw(v)) for k, v in fields.items() if mode == "focused" or draw(st.booleans())]
    items.append(("id", draw(st.sampled_from(["a1", "", "5b99"]) | _ODD if odd else st.just("a1"))))
    items.insert(draw(st.integers(0, len(items))), ("resourceType", kind))
    if odd and draw(st.booleans()):  # a key again (json keeps the last), maybe escaped ("\u0069d" is "id")
        key, _ = draw(st.sampled_from(items))
        items.insert(draw(st.integers(0, len(items))), (key, draw(_ODD | fields.get(key, _ODD))))
    escape = draw(st.booleans())

    def key_text(key: str) -> str:
        return "".join(f"\\u{ord(c):04x}" for c in key) if escape and key in ("id", "status") else key

    sep = draw(st.sampled_from([",", ", ", " ,\t"]))
    return "{" + sep.join(f'"{key_text(k)}":{json.dumps(v)}' for k, v in items) + "}"


LINES = resource_lines() | st.sampled_from(["", "  ", "[]", "5", "null", '"x"', "{", "\xa0{}", '{"a":1}x'])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=6), st.sampled_from(["\n", "\r\n"]))
def test_random_lines_read_the_same_both_ways(lines: list[str], end: str) -> None:
    _assert_same(end.join(lines) + end)


# --- one picking rule at a time: lists of close candidates, so each tie-break and skip is exercised ---


def _tight(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


_CONTACTS = st.lists(
    st.fixed_dictionaries(
        {
            "system": st.sampled_from(["phone", "phone", "email", "fax"]),
            "value": st.sampled_from(["v1", "v2", ""]),
        },
        optional=dict(
            use=st.sampled_from(["mobile", "home", "old"]),
            rank=st.integers(1, 3),
            period=_tight(end=st.sampled_from(["", "2020-01-01"])),
        ),
    ),
    max_size=5,
)
_CODING = st.lists(
    _tight(
        system=st.sampled_from([*ICD10_SYSTEMS, "http://snomed.info/sct"]),
        code=st.sampled_from(["MR", "plan", "M25.5", ""]),
        display=st.sampled_from(["d1", ""]),
    ),
    max_size=2,
)
_CONCEPT = _tight(coding=_CODING, text=st.sampled_from(["t1", ""]))
_IDENTS = st.lists(
    _tight(
        system=st.sampled_from([NPI_SYSTEM, "https://x.example/mrn"]),
        value=st.sampled_from(["200001", ""]),
        type=_CONCEPT,
    ),
    max_size=3,
)
_NAMES = st.lists(
    _tight(
        use=st.sampled_from(["official", "usual"]),
        family=st.sampled_from(["F1", ""]),
        given=st.lists(st.sampled_from(["G1", "G2", ""]), max_size=3),
        text=st.sampled_from(["N1", ""]),
    ),
    max_size=3,
)
# mostly plain "Kind/id" references (several of a kind: the first wins), now and then any of REFS
_PLAIN = st.sampled_from(
    [
        "Patient/p1",
        "Patient/p3",
        "Practitioner/d1",
        "Practitioner/d2",
        "Location/l1",
        "Location/l2",
        "Device/x",
    ]
)
_ACTOR_REFS = st.one_of(_PLAIN, _PLAIN, _PLAIN, st.sampled_from(REFS))
_REFS = st.lists(_tight(reference=st.sampled_from(REFS), display=st.sampled_from(["r1", ""])), max_size=4)
PICKS: dict[str, tuple[str, dict[str, st.SearchStrategy[Any]]]] = {
    "patient telecom, names, identifiers": (
        "Patient",
        {"telecom": _CONTACTS, "name": _NAMES, "identifier": _IDENTS},
    ),
    "patient address, language": (
        "Patient",
        {
            "address": st.lists(
                _tight(
                    use=st.sampled_from(["home", "work"]),
                    line=st.lists(st.sampled_from(["L1", ""]), max_size=2),
                    city=st.just("C1"),
                ),
                max_size=3,
            ),
            "communication": st.lists(_tight(language=_CONCEPT), max_size=2),
        },
    ),
    "practitioner": ("Practitioner", {"telecom": _CONTACTS, "name": _NAMES, "identifier": _IDENTS}),
    "location": ("Location", {"telecom": _CONTACTS, "identifier": _IDENTS}),
    "coverage": (
        "Coverage",
        {
            "class": st.lists(
                _tight(type=_CONCEPT, name=st.sampled_from(["P1", ""]), value=st.sampled_from(["V1", ""])),
                max_size=3,
            ),
            "payor": _REFS,
            "subscriberId": st.sampled_from(["", "M1"]),
            "identifier": _IDENTS,
            "type": _CONCEPT,
        },
    ),
    "appointment": (
        "Appointment",
        {
            "participant": st.lists(
                st.fixed_dictionaries({"actor": st.fixed_dictionaries({"reference": _ACTOR_REFS})})
                | _tight(actor=_tight(reference=_ACTOR_REFS)),
                max_size=5,
            ),
            "basedOn": _REFS,
            "appointmentType": _CONCEPT,
            "serviceType": st.lists(_CONCEPT, max_size=2),
        },
    ),
    "service request": (
        "ServiceRequest",
        {
            "reasonCode": st.lists(_CONCEPT, max_size=3),
            "code": _CONCEPT,
            "performer": _REFS,
            "insurance": _REFS,
            "requester": _tight(
                reference=st.sampled_from(REFS),
                display=st.just("r"),
                identifier=_tight(
                    system=st.sampled_from([NPI_SYSTEM, "x"]), value=st.sampled_from(["1", ""])
                ),
            ),
            "note": st.lists(_tight(text=st.sampled_from(["n1", ""])), max_size=3),
        },
    ),
}


@pytest.mark.parametrize("case", sorted(PICKS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_each_pick_reads_the_same_both_ways(case: str, data: st.DataObject) -> None:
    kind, fields = PICKS[case]
    resource = {"resourceType": kind, "id": "a1", **data.draw(_tight(**fields))}
    rows = _assert_same(json.dumps(resource) + "\n")
    assert sum(map(len, rows.values())) == 1


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.sampled_from(["Appointment", "Patient", "Coverage"]))
def test_a_long_integer_anywhere_keeps_today_reading(digits: int, kind: str) -> None:
    # json (not orjson) reads a file with a 19-digit run; msgspec reads integers exactly regardless
    line = f'{{"resourceType":"{kind}","id":"a","minutesDuration":{"9" * (17 + digits)},"x":1{"0" * digits}}}'
    _assert_same(line + "\n" + line.replace('"a"', '"b"'))


def _one_line(path: Path) -> str:
    return json.dumps(json.loads(path.read_text()), separators=(",", ":"))


def test_every_official_example_reads_the_same_as_one_ndjson_file() -> None:
    text = "\n".join(_one_line(p) for p in EXAMPLES) + "\n"
    rows = _assert_same(text)
    assert sum(map(len, rows.values())) == len(EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_official_example_reads_the_same_with_spaces(path: Path) -> None:
    _assert_same(json.dumps(json.loads(path.read_text())) + "\n")


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
    rows = _assert_same("\n".join(GENERATOR_SHAPED) + "\n")
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
    (row,) = _assert_same(json.dumps(resource) + "\n")["fhir_appointments"]
    assert "'first'" in row and "'second'" not in row
