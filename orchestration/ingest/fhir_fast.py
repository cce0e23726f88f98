"""FHIR NDJSON lines decoded by msgspec (fhir_structs) and flattened straight into row tuples.

Each function below is fhir_parse's flattener read on typed Structs: same picks, same order, same
values, written as a tuple in the table's column order (no record object, no attrgetter later). A line
msgspec refuses, or any exception here, goes to fhir_parse line by line (fhir.parse_fhir), which remains
the reference; tests/ingest/test_fhir_fast.py holds the two to the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from orchestration.ingest import fhir_structs as fs
from orchestration.ingest.fhir_parse import ICD10_SYSTEMS, NPI_SYSTEM, _instant


def _meta(res: fs.Patient | Any) -> datetime | None:
    meta = res.meta
    return _instant(meta.lastUpdated) if meta is not None and meta.lastUpdated else None


def ref_text(text: str | None) -> str | None:
    """fhir_parse.ref_id of a reference whose `reference` is `text` (partition for split: same parts)."""
    if text is None:
        return None
    text = text.partition("/_history/")[0]
    if text.startswith(("urn:uuid:", "urn:oid:")):
        return text.rpartition(":")[2]
    return text.rstrip("/").rpartition("/")[2] or None


def _ref(ref: fs.Ref | fs.RefDisplay | fs.Requester | None) -> str | None:
    return None if ref is None else ref_text(ref.reference)


def _pick_name(names: list[fs.HumanName] | None) -> fs.HumanName | None:
    if not names:
        return None
    for name in names:
        if name.use == "official":
            return name
    for name in names:
        if name.family:
            return name
    return names[0]


def _telecom(items: list[fs.ContactPoint] | None, system: str) -> str | None:
    if not items:
        return None
    found = [
        t
        for t in items
        if t.system == system and t.value and t.use != "old" and not (t.period is not None and t.period.end)
    ]
    if not found:
        return None
    if len(found) > 1:
        found.sort(key=lambda t: (t.use != "mobile", t.rank))
    return found[0].value


def _has_code(concept: fs.Concept | None, code: str) -> bool:
    if concept is not None:
        for coding in concept.coding:
            if coding.code == code:
                return True
    return False


def _identifier(
    items: list[fs.Identifier] | None, system: str | None = None, type_code: str | None = None
) -> str | None:
    for ident in items or ():
        if not ident.value:
            continue
        if system is not None and ident.system != system:
            continue
        if type_code is not None and not _has_code(ident.type, type_code):
            continue
        return ident.value
    return None


def _coding_code(concept: fs.Concept | None) -> str | None:
    if concept is None:
        return None
    for coding in concept.coding:
        if coding.code:
            return coding.code
    return None


def _concept_text(concept: fs.Concept | None) -> str | None:
    """The text, else the first non-empty coding display (loops, not a generator: ~3x cheaper)."""
    if concept is None:
        return None
    if concept.text:
        return concept.text
    for coding in concept.coding:
        if coding.display:
            return coding.display
    return None


def patient(res: fs.Patient, raw: str) -> tuple:
    name = _pick_name(res.name)
    if name is None:
        family = given = middle = name_text = None
    else:
        names = name.given
        family, name_text = name.family, name.text
        given = names[0] if names else None
        middle = " ".join(names[1:]) or None
    address = None
    for candidate in res.address:
        if candidate.use is None or candidate.use == "home":
            address = candidate
            break
    if address is None:
        line = city = state = postal = None
    else:
        line = " ".join(address.line) or None
        city, state, postal = address.city, address.state, address.postalCode
    comm = res.communication[0].language if res.communication else None
    telecom = res.telecom
    return (
        res.id,
        _meta(res),
        res.active,
        family,
        given,
        middle,
        name_text,
        _instant(res.birthDate).date() if res.birthDate else None,
        res.gender,
        _telecom(telecom, "phone"),
        _telecom(telecom, "email"),
        line,
        city,
        state,
        postal,
        _identifier(res.identifier, type_code="MR"),
        _coding_code(comm) or _concept_text(comm),
        raw,
    )


def service_request(res: fs.ServiceRequest, raw: str) -> tuple:
    icd: list[str] = []
    reason_texts: list[str] = []
    for reason in res.reasonCode or ():
        for coding in reason.coding:
            if coding.system in ICD10_SYSTEMS and coding.code:
                icd.append(coding.code)
        text = _concept_text(reason)
        if text:
            reason_texts.append(text)
    requester = res.requester
    ident = requester.identifier if requester is not None else None
    notes = [n.text for n in res.note if n.text]
    insurance: list[str] = []
    for ref in res.insurance:
        rid = ref_text(ref.reference)
        if rid:
            insurance.append(rid)
    period = res.occurrencePeriod
    authored = res.authoredOn
    occurrence = res.occurrenceDateTime or (period.start if period is not None else None)
    return (
        res.id,
        _meta(res),
        res.status,
        res.intent,
        res.priority,
        _ref(res.subject),
        _ref(requester),
        requester.display if requester is not None else None,
        ident.value if ident is not None and ident.system == NPI_SYSTEM else None,
        _ref(res.performer[0]) if res.performer else None,
        _ref(res.locationReference[0]) if res.locationReference else None,
        _instant(authored) if authored else None,
        _instant(occurrence) if occurrence else None,
        _coding_code(res.code),
        _concept_text(res.code),
        icd or None,
        "; ".join(reason_texts) or None,
        insurance or None,
        "\n".join(notes) or None,  # type: ignore[arg-type]  # notes are non-empty str
        raw,
    )


def coverage(res: fs.Coverage, raw: str) -> tuple:
    payor = res.payor[0] if res.payor else None
    plan = next((c for c in res.class_ if _coding_code(c.type) == "plan"), None)
    period = res.period
    return (
        res.id,
        _meta(res),
        res.status,
        _ref(res.beneficiary),
        _ref(res.subscriber),
        res.subscriberId or _identifier(res.identifier),
        _ref(payor),
        payor.display if payor is not None else None,
        (plan.name or plan.value) if plan is not None else None,
        _coding_code(res.type),
        _instant(period.start).date() if period is not None and period.start else None,
        _instant(period.end).date() if period is not None and period.end else None,
        raw,
    )


_ACTOR_KINDS = ("Patient", "Practitioner", "Location")


def _any_actors(participants: list[fs.Participant]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for part in participants:
        ref = (part.actor.reference if part.actor is not None else None) or ""
        for kind in _ACTOR_KINDS:
            if kind not in found and (ref.startswith(f"{kind}/") or f"/{kind}/" in ref):
                found[kind] = ref_text(ref)
        if len(found) == len(_ACTOR_KINDS):
            break
    return found


def appointment(res: fs.Appointment, raw: str) -> tuple:
    # _actors inlined (no dict): the plain "Kind/id" reading, else the general one
    patient = practitioner = location = None
    for part in res.participant:
        actor = part.actor
        if actor is None or not actor.reference:
            continue
        kind, _, rid = actor.reference.partition("/")
        if not rid or "/" in rid:
            actors = _any_actors(res.participant)
            patient, practitioner = actors.get("Patient"), actors.get("Practitioner")
            location = actors.get("Location")
            break
        if kind == "Patient":
            patient = patient or rid
        elif kind == "Practitioner":
            practitioner = practitioner or rid
        elif kind == "Location":
            location = location or rid
    kind = res.appointmentType
    start, end, created, meta = res.start, res.end, res.created, res.meta
    return (
        res.id,
        _instant(meta.lastUpdated) if meta is not None and meta.lastUpdated else None,
        res.status,
        patient,
        practitioner,
        location,
        next(
            (ref_text(b.reference) for b in res.basedOn if "ServiceRequest" in (b.reference or "")),
            None,
        )
        if res.basedOn
        else None,
        _concept_text(kind) or _coding_code(kind),
        _concept_text(res.serviceType[0]) if res.serviceType else None,
        _instant(start) if start else None,
        _instant(end) if end else None,
        res.minutesDuration,
        _instant(created) if created else None,
        raw,
    )


def practitioner(res: fs.Practitioner, raw: str) -> tuple:
    name = _pick_name(res.name)
    telecom = res.telecom
    return (
        res.id,
        _meta(res),
        _identifier(res.identifier, NPI_SYSTEM),
        name.family if name is not None else None,
        name.given[0] if name is not None and name.given else None,
        name.text if name is not None else None,
        _telecom(telecom, "phone"),
        _telecom(telecom, "fax"),
        raw,
    )


def location(res: fs.Location, raw: str) -> tuple:
    return (
        res.id,
        _meta(res),
        res.status,
        _identifier(res.identifier),
        res.name,
        res.address.postalCode if res.address is not None else None,
        _telecom(res.telecom, "phone"),
        raw,
    )


ROW_BUILDERS: dict[type, tuple[str, Callable[[Any, str], tuple]]] = {
    fs.Patient: ("Patient", patient),
    fs.ServiceRequest: ("ServiceRequest", service_request),
    fs.Coverage: ("Coverage", coverage),
    fs.Appointment: ("Appointment", appointment),
    fs.Practitioner: ("Practitioner", practitioner),
    fs.Location: ("Location", location),
}
"""Struct type -> (resourceType, row builder)."""
