"""Random FHIR NDJSON lines read the same by the msgspec path as by today's reading (hypothesis).

Three kinds of random resource: "clean" (of the Struct types: the fast path should take them), "odd"
(any JSON value anywhere now and then, bad dates, duplicated and escaped keys, other resource types) and
"focused" (close candidates for every pick: telecom rank/mobile/old/period, names, identifiers, plan
classes, actors, references), plus one picking rule at a time. The oracle is in test_fhir_fast.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest.fhir_parse import ICD10_SYSTEMS, NPI_SYSTEM
from tests.ingest.test_fhir_fast import assert_same

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


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=6), st.sampled_from(["\n", "\r\n"]))
def test_random_lines_read_the_same_both_ways(lines: list[str], end: str) -> None:
    assert_same(end.join(lines) + end)


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
_PLAN_TYPE = st.fixed_dictionaries(
    {"coding": st.lists(st.fixed_dictionaries({"code": st.sampled_from(["plan", "group"])}), max_size=2)}
)
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
                _tight(
                    type=_CONCEPT | _PLAN_TYPE,
                    name=st.sampled_from(["P1", ""]),
                    value=st.sampled_from(["V1", "V2", ""]),
                ),
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
    rows = assert_same(json.dumps(resource) + "\n")
    assert sum(map(len, rows.values())) == 1
