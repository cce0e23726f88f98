"""The SQL side of the FHIR fast path: per resource type, the JSON shape it reads and the column expressions
that mirror `fhir_parse`'s flatteners exactly (Python's `x or y` is coalesce over empty strings, `next(...)`
is `list_filter(...)[1]`, a stable sort is a list_sort over (key, index) structs).
"""

from __future__ import annotations

import re

from orchestration.ingest.fhir_parse import ICD10_SYSTEMS, NPI_SYSTEM
from orchestration.ingest.json_shape import Shape

_CONCEPT: Shape = {
    "text": "VARCHAR",
    "coding": [{"system": "VARCHAR", "code": "VARCHAR", "display": "VARCHAR"}],
}
_REFERENCE: Shape = {"reference": "VARCHAR"}
_BASE: dict[str, Shape] = {"resourceType": "VARCHAR", "id": "VARCHAR", "meta": {"lastUpdated": "VARCHAR"}}

# Only ISO forms on which Python's fromisoformat (3.11, after 'Z' -> '+00:00') and DuckDB's TIMESTAMPTZ
# cast agree; anything else sends the file to the per-record path.
_INSTANT_RE = r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?"

MACROS = f"""
CREATE TEMP MACRO ref_id(r) AS CASE
  WHEN r IS NULL THEN NULL
  WHEN starts_with(split_part(r, '/_history/', 1), 'urn:uuid:')
    OR starts_with(split_part(r, '/_history/', 1), 'urn:oid:')
    THEN regexp_extract(split_part(r, '/_history/', 1), '[^:]*$')
  ELSE nullif(regexp_extract(rtrim(split_part(r, '/_history/', 1), '/'), '[^/]*$'), '')
END;
CREATE TEMP MACRO instant(s) AS CASE
  WHEN s IS NULL OR s = '' THEN NULL
  WHEN NOT regexp_full_match(s, '{_INSTANT_RE}') THEN error('instant form')
  ELSE CAST(CAST(CASE length(s) WHEN 4 THEN s || '-01-01' WHEN 7 THEN s || '-01' ELSE s END
    AS TIMESTAMPTZ) AS TIMESTAMP)
END;
CREATE TEMP MACRO concept_text(c) AS coalesce(
  nullif(c.text, ''), list_filter(c.coding, lambda x: coalesce(x.display, '') <> '')[1].display);
CREATE TEMP MACRO coding_code(c) AS list_filter(c.coding, lambda x: coalesce(x.code, '') <> '')[1].code;
CREATE TEMP MACRO telecom(items, sys) AS list_sort(list_transform(list_filter(items, lambda t:
    t.system = sys AND coalesce(t.value, '') <> '' AND t.use IS DISTINCT FROM 'old'
    AND coalesce(t.period."end", '') = ''),
  lambda t, i: {{'k': t.use IS DISTINCT FROM 'mobile', 'r': coalesce(t.rank, 99), 'i': i,
                 'v': t.value}}))[1].v;
CREATE TEMP MACRO int64(x) AS CASE WHEN abs(x) < 9223372036854775807 THEN CAST(x AS BIGINT)
  WHEN x IS NOT NULL THEN error('int range') END;
CREATE TEMP MACRO pick_name(names) AS coalesce(
  list_filter(names, lambda n: n.use = 'official')[1],
  list_filter(names, lambda n: coalesce(n.family, '') <> '')[1],
  names[1]);
CREATE TEMP MACRO first_value(items) AS list_filter(items, lambda i: coalesce(i.value, '') <> '')[1].value;
CREATE TEMP MACRO truthy_or(a, b) AS CASE WHEN coalesce(a, '') <> '' THEN a ELSE b END;
CREATE TEMP MACRO actor_ref(parts, kind) AS ref_id(list_filter(parts, lambda p:
  starts_with(p.actor.reference, kind || '/') OR contains(p.actor.reference, '/' || kind || '/'))[1]
  .actor.reference);
"""

_APPOINTMENT_SHAPE: Shape = {
    **_BASE,
    "status": "VARCHAR",
    "participant": [{"actor": _REFERENCE}],
    "basedOn": [_REFERENCE],
    "appointmentType": _CONCEPT,
    "serviceType": [_CONCEPT],
    "start": "VARCHAR",
    "end": "VARCHAR",
    "created": "VARCHAR",
    "minutesDuration": "HUGEINT",
}
_APPOINTMENT_SQL = """
  j.status,
  actor_ref(j.participant, 'Patient') AS patient_ref,
  actor_ref(j.participant, 'Practitioner') AS practitioner_ref,
  actor_ref(j.participant, 'Location') AS location_ref,
  ref_id(list_filter(j.basedOn, lambda b: contains(b.reference, 'ServiceRequest'))[1].reference)
    AS based_on_ref,
  coalesce(concept_text(j.appointmentType), coding_code(j.appointmentType)) AS appointment_type,
  concept_text(j.serviceType[1]) AS service_type,
  instant(j.start) AS start_at,
  instant(j."end") AS end_at,
  int64(j.minutesDuration) AS minutes_duration,
  instant(j.created) AS created_at
"""

_TELECOM: Shape = [
    {
        "system": "VARCHAR",
        "value": "VARCHAR",
        "use": "VARCHAR",
        "rank": "HUGEINT",
        "period": {"end": "VARCHAR"},
    }
]
_IDENTIFIER: Shape = [{"system": "VARCHAR", "value": "VARCHAR", "type": _CONCEPT}]
_HUMAN_NAME: Shape = [{"use": "VARCHAR", "family": "VARCHAR", "given": ["VARCHAR"], "text": "VARCHAR"}]

_PATIENT_SHAPE: Shape = {
    **_BASE,
    "active": "BOOLEAN",
    "name": _HUMAN_NAME,
    "birthDate": "VARCHAR",
    "gender": "VARCHAR",
    "telecom": _TELECOM,
    "address": [
        {
            "use": "VARCHAR",
            "line": ["VARCHAR"],
            "city": "VARCHAR",
            "state": "VARCHAR",
            "postalCode": "VARCHAR",
        }
    ],
    "identifier": _IDENTIFIER,
    "communication": [{"language": _CONCEPT}],
}
_PATIENT_SQL = """
  j.active,
  pick_name(j.name).family AS family,
  pick_name(j.name).given[1] AS given,
  nullif(array_to_string(pick_name(j.name).given[2:], ' '), '') AS middle,
  pick_name(j.name).text AS name_text,
  CAST(instant(j.birthDate) AS DATE) AS birth_date,
  j.gender,
  telecom(j.telecom, 'phone') AS phone,
  telecom(j.telecom, 'email') AS email,
  nullif(array_to_string(list_filter(j.address, lambda a: a.use IS NULL OR a.use = 'home')[1].line, ' '), '')
    AS address_line,
  list_filter(j.address, lambda a: a.use IS NULL OR a.use = 'home')[1].city AS city,
  list_filter(j.address, lambda a: a.use IS NULL OR a.use = 'home')[1].state AS state,
  list_filter(j.address, lambda a: a.use IS NULL OR a.use = 'home')[1].postalCode AS postal_code,
  list_filter(j.identifier, lambda i: coalesce(i.value, '') <> ''
    AND list_contains(list_transform(i.type.coding, lambda c: c.code), 'MR'))[1].value AS mrn,
  coalesce(coding_code(j.communication[1].language), concept_text(j.communication[1].language)) AS language
"""

_COVERAGE_SHAPE: Shape = {
    **_BASE,
    "status": "VARCHAR",
    "beneficiary": _REFERENCE,
    "subscriber": _REFERENCE,
    "subscriberId": "VARCHAR",
    "identifier": _IDENTIFIER,
    "payor": [{"reference": "VARCHAR", "display": "VARCHAR"}],
    "class": [{"type": _CONCEPT, "name": "VARCHAR", "value": "VARCHAR"}],
    "type": _CONCEPT,
    "period": {"start": "VARCHAR", "end": "VARCHAR"},
}
_COVERAGE_SQL = """
  j.status,
  ref_id(j.beneficiary.reference) AS beneficiary_ref,
  ref_id(j.subscriber.reference) AS subscriber_ref,
  truthy_or(j.subscriberId, first_value(j.identifier)) AS member_id,
  ref_id(j.payor[1].reference) AS payor_ref,
  j.payor[1].display AS payor_display,
  truthy_or(list_filter(j."class", lambda c: coding_code(c.type) = 'plan')[1].name,
            list_filter(j."class", lambda c: coding_code(c.type) = 'plan')[1].value) AS plan_name,
  coding_code(j.type) AS type_code,
  CAST(instant(j.period.start) AS DATE) AS period_start,
  CAST(instant(j.period."end") AS DATE) AS period_end
"""

_SERVICE_REQUEST_SHAPE: Shape = {
    **_BASE,
    "status": "VARCHAR",
    "intent": "VARCHAR",
    "priority": "VARCHAR",
    "subject": _REFERENCE,
    "requester": {
        "reference": "VARCHAR",
        "display": "VARCHAR",
        "identifier": {"system": "VARCHAR", "value": "VARCHAR"},
    },
    "performer": [_REFERENCE],
    "locationReference": [_REFERENCE],
    "authoredOn": "VARCHAR",
    "occurrenceDateTime": "VARCHAR",
    "occurrencePeriod": {"start": "VARCHAR"},
    "code": _CONCEPT,
    "reasonCode": [_CONCEPT],
    "insurance": [_REFERENCE],
    "note": [{"text": "VARCHAR"}],
}
_ICD_SQL = ", ".join(f"'{system}'" for system in ICD10_SYSTEMS)
_SERVICE_REQUEST_SQL = f"""
  j.status,
  j.intent,
  j.priority,
  ref_id(j.subject.reference) AS patient_ref,
  ref_id(j.requester.reference) AS requester_ref,
  j.requester.display AS requester_display,
  CASE WHEN j.requester.identifier.system = '{NPI_SYSTEM}' THEN j.requester.identifier.value END
    AS requester_npi,
  ref_id(j.performer[1].reference) AS performer_ref,
  ref_id(j.locationReference[1].reference) AS location_ref,
  instant(j.authoredOn) AS authored_on,
  instant(truthy_or(j.occurrenceDateTime, j.occurrencePeriod.start)) AS occurrence_at,
  coding_code(j.code) AS code,
  concept_text(j.code) AS code_text,
  nullif(flatten(list_transform(j.reasonCode, lambda r: list_transform(list_filter(r.coding, lambda c:
    c.system IN ({_ICD_SQL}) AND coalesce(c.code, '') <> ''), lambda c: c.code))), []) AS reason_codes,
  nullif(array_to_string(list_filter(list_transform(j.reasonCode, lambda r: concept_text(r)),
    lambda t: coalesce(t, '') <> ''), '; '), '') AS reason_text,
  nullif(list_filter(list_transform(j.insurance, lambda x: ref_id(x.reference)),
    lambda r: coalesce(r, '') <> ''), []) AS insurance_refs,
  nullif(array_to_string(list_filter(list_transform(j.note, lambda n: n.text),
    lambda t: coalesce(t, '') <> ''), chr(10)), '') AS note
"""

# Keys whose explicit JSON null the per-record path treats differently from a missing key (a null rank
# fails its sort) and json_structure cannot show (nulls merge away inside arrays): such a file falls back.
RISKY_NULL_KEYS = re.compile(r'"rank"\s*:\s*null')

# resourceType -> (shape read, select list between the common head and resource_json)
FAST_TYPES: dict[str, tuple[Shape, str]] = {
    "Appointment": (_APPOINTMENT_SHAPE, _APPOINTMENT_SQL),
    "Patient": (_PATIENT_SHAPE, _PATIENT_SQL),
    "Coverage": (_COVERAGE_SHAPE, _COVERAGE_SQL),
    "ServiceRequest": (_SERVICE_REQUEST_SHAPE, _SERVICE_REQUEST_SQL),
}
