"""msgspec Struct shapes of the six FHIR resources we flatten: only the fields fhir_parse reads.

A line decodes straight into these typed fields in C (unknown fields are skipped, still checked as JSON),
instead of orjson building every dict and list of a ~1 KB resource for Python to walk. The types are
deliberately narrow: wherever fhir_parse tolerates an odd value (a number for a string, a non-object in a
list, a null where it iterates), the decoder refuses the line and fhir_fast hands it to fhir_parse, which
stays the reference for every line it does not prove ordinary.

What msgspec and json.loads agree on (checked in tests/ingest/test_fhir_fast.py): a duplicated key keeps
its last value, escaped key names match, integers of any size stay exact, and what json rejects msgspec
rejects too; what json accepts and msgspec refuses (NaN, Infinity, lone surrogates, a duplicated or
misplaced resourceType) is only a refusal, and so a fallback.
"""

from __future__ import annotations

import msgspec


class _Node(msgspec.Struct, gc=False):
    """Leaves hold no cycles, so the cyclic GC need not track them."""


class Coding(_Node):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class Concept(_Node):
    coding: list[Coding] = []
    text: str | None = None


class Period(_Node):
    start: str | None = None
    end: str | None = None


class Identifier(_Node):
    system: str | None = None
    value: str | None = None
    type: Concept | None = None


class Ref(_Node):
    reference: str | None = None


class RefDisplay(_Node):
    reference: str | None = None
    display: str | None = None


class Requester(_Node):
    reference: str | None = None
    display: str | None = None
    identifier: Identifier | None = None


class Meta(_Node):
    lastUpdated: str | None = None


class HumanName(_Node):
    use: str | None = None
    family: str | None = None
    given: list[str] = []
    text: str | None = None


class ContactPoint(_Node):
    system: str | None = None
    value: str | None = None
    use: str | None = None
    rank: int = 99  # fhir_parse sorts on .get("rank", 99): a null rank is refused here
    period: Period | None = None


class Address(_Node):
    use: str | None = None
    line: list[str] = []
    city: str | None = None
    state: str | None = None
    postalCode: str | None = None


class PostalCode(_Node):
    postalCode: str | None = None


class Communication(_Node):
    language: Concept | None = None


class Annotation(_Node):
    text: str | None = None


class Participant(_Node):
    actor: Ref | None = None


class CoverageClass(_Node):
    type: Concept | None = None
    name: str | None = None
    value: str | None = None


class _Resource(_Node, tag_field="resourceType"):
    id: str | None = None
    meta: Meta | None = None


class Patient(_Resource, tag="Patient"):
    active: bool | None = None
    name: list[HumanName] | None = None
    birthDate: str | None = None
    gender: str | None = None
    telecom: list[ContactPoint] | None = None
    address: list[Address] = []
    identifier: list[Identifier] | None = None
    communication: list[Communication] | None = None


class ServiceRequest(_Resource, tag="ServiceRequest"):
    status: str | None = None
    intent: str | None = None
    priority: str | None = None
    subject: Ref | None = None
    requester: Requester | None = None
    performer: list[Ref] | None = None
    locationReference: list[Ref] | None = None
    authoredOn: str | None = None
    occurrenceDateTime: str | None = None
    occurrencePeriod: Period | None = None
    code: Concept | None = None
    reasonCode: list[Concept] | None = None
    insurance: list[Ref] = []
    note: list[Annotation] = []


class Coverage(_Resource, tag="Coverage"):
    status: str | None = None
    beneficiary: Ref | None = None
    subscriber: Ref | None = None
    subscriberId: str | None = None
    identifier: list[Identifier] | None = None
    payor: list[RefDisplay] | None = None
    class_: list[CoverageClass] = msgspec.field(default_factory=list, name="class")
    type: Concept | None = None
    period: Period | None = None


class Appointment(_Resource, tag="Appointment"):
    status: str | None = None
    participant: list[Participant] = []
    basedOn: list[Ref] = []
    appointmentType: Concept | None = None
    serviceType: list[Concept] | None = None
    start: str | None = None
    end: str | None = None
    minutesDuration: int | None = None
    created: str | None = None


class Practitioner(_Resource, tag="Practitioner"):
    identifier: list[Identifier] | None = None
    name: list[HumanName] | None = None
    telecom: list[ContactPoint] | None = None


class Location(_Resource, tag="Location"):
    status: str | None = None
    identifier: list[Identifier] | None = None
    name: str | None = None
    address: PostalCode | None = None
    telecom: list[ContactPoint] | None = None


RESOURCE = Patient | ServiceRequest | Coverage | Appointment | Practitioner | Location

decoder = msgspec.json.Decoder(RESOURCE)
"""One line -> one of the six Structs; raises msgspec.DecodeError (a subclass of ValidationError too)
for anything else, including Bundles, other resource types and every odd value above."""
