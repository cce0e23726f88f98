"""Pure FHIR R4 parsing: resources (NDJSON lines, single JSON files, Bundles) to typed flat records.

Each record keeps the original resource as `resource_json`; flattened columns are what dbt models use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"


@dataclass(slots=True)
class FhirPatient:
    source_record_id: str
    last_updated: datetime | None
    active: bool | None
    family: str | None
    given: str | None
    middle: str | None
    name_text: str | None
    birth_date: date | None
    gender: str | None
    phone: str | None
    email: str | None
    address_line: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    mrn: str | None
    language: str | None
    resource_json: str


@dataclass(slots=True)
class FhirServiceRequest:
    source_record_id: str
    last_updated: datetime | None
    status: str | None
    intent: str | None
    priority: str | None
    patient_ref: str | None
    requester_ref: str | None
    requester_display: str | None
    requester_npi: str | None
    performer_ref: str | None
    location_ref: str | None
    authored_on: datetime | None
    occurrence_at: datetime | None
    code: str | None
    code_text: str | None
    reason_codes: list[str] | None
    reason_text: str | None
    insurance_refs: list[str] | None
    note: str | None
    resource_json: str


@dataclass(slots=True)
class FhirCoverage:
    source_record_id: str
    last_updated: datetime | None
    status: str | None
    beneficiary_ref: str | None
    subscriber_ref: str | None
    member_id: str | None
    payor_ref: str | None
    payor_display: str | None
    plan_name: str | None
    type_code: str | None
    period_start: date | None
    period_end: date | None
    resource_json: str


@dataclass(slots=True)
class FhirAppointment:
    source_record_id: str
    last_updated: datetime | None
    status: str | None
    patient_ref: str | None
    practitioner_ref: str | None
    location_ref: str | None
    based_on_ref: str | None
    appointment_type: str | None
    service_type: str | None
    start_at: datetime | None
    end_at: datetime | None
    minutes_duration: int | None
    created_at: datetime | None
    resource_json: str


@dataclass(slots=True)
class FhirPractitioner:
    source_record_id: str
    last_updated: datetime | None
    npi: str | None
    family: str | None
    given: str | None
    name_text: str | None
    phone: str | None
    fax: str | None
    resource_json: str


@dataclass(slots=True)
class FhirLocation:
    source_record_id: str
    last_updated: datetime | None
    status: str | None
    identifier: str | None
    name: str | None
    postal_code: str | None
    phone: str | None
    resource_json: str


class FhirResourceError(ValueError):
    """A resource that cannot become a record (message has no PHI)."""


def ref_id(reference: dict[str, Any] | None) -> str | None:
    """`Patient/123`, `urn:uuid:123` or an absolute URL -> `123`."""
    if not reference or not isinstance(reference.get("reference"), str):
        return None
    text = reference["reference"].split("/_history/")[0]
    if text.startswith("urn:uuid:") or text.startswith("urn:oid:"):
        return text.rsplit(":", 1)[-1]
    return text.rstrip("/").rsplit("/", 1)[-1] or None


def parse_instant(value: Any) -> datetime | None:
    """FHIR dateTime (year, year-month, date, or full with offset) -> naive UTC; partial/naive read as UTC."""
    if not isinstance(value, str) or not value:
        return None
    return _instant(value)


@lru_cache(maxsize=1 << 16)
def _instant(value: str) -> datetime:
    # Cached: appointment slots, dates of birth and export times repeat across thousands of resources
    # (datetimes are immutable, and a ValueError is raised again, never cached).
    text = value.replace("Z", "+00:00")
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    ts = datetime.fromisoformat(text)
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts


def parse_fhir_date(value: Any) -> date | None:
    ts = parse_instant(value)
    return ts.date() if ts else None


def _first(items: Any) -> Any:
    return items[0] if isinstance(items, list) and items else None


def _pick_name(names: Any) -> dict[str, Any]:
    """The official name if present, else the first one with a family name, else the first."""
    if not isinstance(names, list) or not names:
        return {}
    for pred in (lambda n: n.get("use") == "official", lambda n: n.get("family")):
        found = next((n for n in names if isinstance(n, dict) and pred(n)), None)
        if found:
            return found
    return names[0] if isinstance(names[0], dict) else {}


def _telecom(items: Any, system: str) -> str | None:
    """Best current contact point of a system: skip 'old' ones, prefer mobile then lowest rank."""
    if not isinstance(items, list):
        return None
    found = [
        t
        for t in items
        if isinstance(t, dict)
        and t.get("system") == system
        and t.get("value")
        and t.get("use") != "old"
        and not (t.get("period") or {}).get("end")
    ]
    found.sort(key=lambda t: (t.get("use") != "mobile", t.get("rank", 99)))
    return found[0]["value"] if found else None


def _identifier(items: Any, system: str | None = None, type_code: str | None = None) -> str | None:
    for ident in items if isinstance(items, list) else []:
        if not isinstance(ident, dict) or not ident.get("value"):
            continue
        codes = {c.get("code") for c in (ident.get("type") or {}).get("coding", []) if isinstance(c, dict)}
        if (system is None or ident.get("system") == system) and (type_code is None or type_code in codes):
            return str(ident["value"])
    return None


def _coding_code(concept: Any, systems: tuple[str, ...] | None = None) -> str | None:
    for coding in (concept or {}).get("coding", []) if isinstance(concept, dict) else []:
        if (
            isinstance(coding, dict)
            and coding.get("code")
            and (systems is None or coding.get("system") in systems)
        ):
            return str(coding["code"])
    return None


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    display = next((c.get("display") for c in concept.get("coding", []) if c.get("display")), None)
    return concept.get("text") or display


def _meta(res: dict[str, Any]) -> datetime | None:
    return parse_instant((res.get("meta") or {}).get("lastUpdated"))


def _patient(res: dict[str, Any], raw: str) -> FhirPatient:
    name = _pick_name(res.get("name"))
    given = [g for g in name.get("given", []) if isinstance(g, str)]
    address = next((a for a in res.get("address", []) if a.get("use") in (None, "home")), None) or {}
    comm = _first(res.get("communication")) or {}
    return FhirPatient(
        source_record_id=res["id"],
        last_updated=_meta(res),
        active=res.get("active"),
        family=name.get("family"),
        given=_first(given),
        middle=" ".join(given[1:]) or None,
        name_text=name.get("text"),
        birth_date=parse_fhir_date(res.get("birthDate")),
        gender=res.get("gender"),
        phone=_telecom(res.get("telecom"), "phone"),
        email=_telecom(res.get("telecom"), "email"),
        address_line=" ".join(address.get("line", [])) or None,
        city=address.get("city"),
        state=address.get("state"),
        postal_code=address.get("postalCode"),
        mrn=_identifier(res.get("identifier"), type_code="MR"),
        language=_coding_code(comm.get("language")) or _concept_text(comm.get("language")),
        resource_json=raw,
    )


def _service_request(res: dict[str, Any], raw: str) -> FhirServiceRequest:
    reasons = res.get("reasonCode") or []
    icd = [
        c["code"]
        for r in reasons
        for c in r.get("coding", [])
        if isinstance(c, dict) and c.get("system") in ICD10_SYSTEMS and c.get("code")
    ]
    requester = res.get("requester") or {}
    notes = [n.get("text") for n in res.get("note", []) if isinstance(n, dict) and n.get("text")]
    return FhirServiceRequest(
        source_record_id=res["id"],
        last_updated=_meta(res),
        status=res.get("status"),
        intent=res.get("intent"),
        priority=res.get("priority"),
        patient_ref=ref_id(res.get("subject")),
        requester_ref=ref_id(requester),
        requester_display=requester.get("display"),
        requester_npi=(requester.get("identifier") or {}).get("value")
        if (requester.get("identifier") or {}).get("system") == NPI_SYSTEM
        else None,
        performer_ref=ref_id(_first(res.get("performer"))),
        location_ref=ref_id(_first(res.get("locationReference"))),
        authored_on=parse_instant(res.get("authoredOn")),
        occurrence_at=parse_instant(
            res.get("occurrenceDateTime") or (res.get("occurrencePeriod") or {}).get("start")
        ),
        code=_coding_code(res.get("code")),
        code_text=_concept_text(res.get("code")),
        reason_codes=icd or None,
        reason_text="; ".join(t for t in map(_concept_text, reasons) if t) or None,
        insurance_refs=[r for r in map(ref_id, res.get("insurance", [])) if r] or None,
        note="\n".join(notes) or None,
        resource_json=raw,
    )


def _coverage(res: dict[str, Any], raw: str) -> FhirCoverage:
    payor = _first(res.get("payor")) or {}
    plan = next((c for c in res.get("class", []) if _coding_code(c.get("type")) == "plan"), None) or {}
    period = res.get("period") or {}
    return FhirCoverage(
        source_record_id=res["id"],
        last_updated=_meta(res),
        status=res.get("status"),
        beneficiary_ref=ref_id(res.get("beneficiary")),
        subscriber_ref=ref_id(res.get("subscriber")),
        member_id=res.get("subscriberId") or _identifier(res.get("identifier")),
        payor_ref=ref_id(payor),
        payor_display=payor.get("display"),
        plan_name=plan.get("name") or plan.get("value"),
        type_code=_coding_code(res.get("type")),
        period_start=parse_fhir_date(period.get("start")),
        period_end=parse_fhir_date(period.get("end")),
        resource_json=raw,
    )


_ACTOR_KINDS = tuple((kind, f"{kind}/", f"/{kind}/") for kind in ("Patient", "Practitioner", "Location"))


_ACTOR_KIND_NAMES = frozenset(kind for kind, _, _ in _ACTOR_KINDS)


def _actors(res: dict[str, Any]) -> dict[str, str | None]:
    """Per kind, the id of the first participant whose actor reference names that kind (one pass)."""
    found = _plain_actors(res)
    return found if found is not None else _any_actors(res)


def _plain_actors(res: dict[str, Any]) -> dict[str, str | None] | None:
    """_any_actors when every reference is "Kind/id" (one slash: only the prefix can name a kind, and
    ref_id is the part after it), else None. Bulk exports write nothing else, at a quarter of the cost."""
    found: dict[str, str | None] = {}
    for part in res.get("participant", ()):
        ref = (part.get("actor") or {}).get("reference") or ""
        if ref == "":
            continue
        if type(ref) is not str or ref.count("/") != 1:
            return None
        kind, _, rid = ref.partition("/")
        if kind in _ACTOR_KIND_NAMES and kind not in found:
            if not rid:
                return None
            found[kind] = rid
    return found


def _any_actors(res: dict[str, Any]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for part in res.get("participant", []):
        ref = (part.get("actor") or {}).get("reference") or ""
        for kind, prefix, infix in _ACTOR_KINDS:
            if kind not in found and (ref.startswith(prefix) or infix in ref):
                found[kind] = ref_id(part["actor"])
        if len(found) == len(_ACTOR_KINDS):
            break
    return found


def _appointment(res: dict[str, Any], raw: str) -> FhirAppointment:
    actors = _actors(res)
    return FhirAppointment(
        source_record_id=res["id"],
        last_updated=_meta(res),
        status=res.get("status"),
        patient_ref=actors.get("Patient"),
        practitioner_ref=actors.get("Practitioner"),
        location_ref=actors.get("Location"),
        based_on_ref=next(
            (ref_id(b) for b in res.get("basedOn", []) if "ServiceRequest" in (b.get("reference") or "")),
            None,
        ),
        # text ("PT Evaluation") says more than v2-0276 codes (ROUTINE, FOLLOWUP), so it wins
        appointment_type=_concept_text(res.get("appointmentType"))
        or _coding_code(res.get("appointmentType")),
        service_type=_concept_text(_first(res.get("serviceType"))),
        start_at=parse_instant(res.get("start")),
        end_at=parse_instant(res.get("end")),
        minutes_duration=res.get("minutesDuration"),
        created_at=parse_instant(res.get("created")),
        resource_json=raw,
    )


def _practitioner(res: dict[str, Any], raw: str) -> FhirPractitioner:
    name = _pick_name(res.get("name"))
    return FhirPractitioner(
        source_record_id=res["id"],
        last_updated=_meta(res),
        npi=_identifier(res.get("identifier"), NPI_SYSTEM),
        family=name.get("family"),
        given=_first(name.get("given")),
        name_text=name.get("text"),
        phone=_telecom(res.get("telecom"), "phone"),
        fax=_telecom(res.get("telecom"), "fax"),
        resource_json=raw,
    )


def _location(res: dict[str, Any], raw: str) -> FhirLocation:
    return FhirLocation(
        source_record_id=res["id"],
        last_updated=_meta(res),
        status=res.get("status"),
        identifier=_identifier(res.get("identifier")),
        name=res.get("name"),
        postal_code=(res.get("address") or {}).get("postalCode"),
        phone=_telecom(res.get("telecom"), "phone"),
        resource_json=raw,
    )


FLATTENERS = {
    "Patient": _patient,
    "ServiceRequest": _service_request,
    "Coverage": _coverage,
    "Appointment": _appointment,
    "Practitioner": _practitioner,
    "Location": _location,
}


def iter_resources(obj: Any) -> Iterator[dict[str, Any]]:
    """The resource itself, or every entry of a Bundle (nested Bundles too)."""
    if not isinstance(obj, dict):
        raise FhirResourceError("not a JSON object")
    if obj.get("resourceType") == "Bundle":
        for entry in obj.get("entry", []):
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                yield from iter_resources(entry["resource"])
        return
    yield obj


def flatten(resource: dict[str, Any], raw: str | None = None) -> Any | None:
    """Typed record for a supported resource; None for resource types we do not ingest."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        raise FhirResourceError("no resourceType")
    builder = FLATTENERS.get(kind)
    if builder is None:
        return None
    if not isinstance(resource.get("id"), str) or not resource["id"]:
        raise FhirResourceError(f"{kind} without id")
    try:
        return builder(resource, raw if raw is not None else json.dumps(resource, separators=(",", ":")))
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise FhirResourceError(f"{kind} {resource['id']}: unreadable {type(exc).__name__}") from exc
