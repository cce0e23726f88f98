"""FHIR R4 Bulk Data export (NDJSON): Patient, ServiceRequest, Coverage, Appointment, Practitioner,
Location."""

from __future__ import annotations

from typing import Any

from orchestration.generator.clock import iso_local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Appt, Lead
from orchestration.generator.people import format_phone, present_first, present_last
from orchestration.generator.scheduling import status_as_of

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
SOURCE = "fhir"


class FhirWriter:
    def __init__(self, ctx: Ctx, mrn_system: str) -> None:
        self.ctx = ctx
        self.mrn_system = mrn_system

    def _write(self, rtype: str, obj: dict[str, Any]) -> None:
        self.ctx.sinks.jsonl(SOURCE, f"{rtype}.ndjson", obj)

    # ---- practice-level resources ------------------------------------------------------------------
    def write_practice(self) -> None:
        ctx = self.ctx
        for c in ctx.practice.clinics:
            c.fhir_location_id = ctx.uuid()
            self._write(
                "Location",
                {
                    "resourceType": "Location",
                    "id": c.fhir_location_id,
                    "status": "active",
                    "name": c.name,
                    "identifier": [{"system": f"https://{ctx.domain}/clinic", "value": c.id}],
                    "telecom": [{"system": "phone", "value": c.phone}, {"system": "fax", "value": c.fax}],
                    "address": {"line": [c.address], "postalCode": c.zip, "country": "US"},
                    "position": {"latitude": c.lat, "longitude": c.lon},
                },
            )
        for t in ctx.practice.therapists:
            t.fhir_id = ctx.uuid()
            first, _, last = t.name.partition(" ")
            self._write(
                "Practitioner",
                {
                    "resourceType": "Practitioner",
                    "id": t.fhir_id,
                    "active": True,
                    "identifier": [{"system": NPI_SYSTEM, "value": t.npi}],
                    "name": [{"family": last, "given": [first], "suffix": ["PT", "DPT"]}],
                },
            )
        for r in ctx.practice.referrers:
            r.fhir_id = ctx.uuid()
            self._write(
                "Practitioner",
                {
                    "resourceType": "Practitioner",
                    "id": r.fhir_id,
                    "active": True,
                    "identifier": [{"system": NPI_SYSTEM, "value": r.npi}],
                    "name": [{"family": r.last, "given": [r.first], "suffix": [r.credential]}],
                    "telecom": [
                        {"system": "phone", "value": format_phone(r.phone, ctx.rng), "use": "work"},
                        {"system": "fax", "value": format_phone(r.fax, ctx.rng), "use": "work"},
                    ],
                    "address": [{"line": [r.address], "postalCode": r.zip, "country": "US"}],
                },
            )

    # ---- per lead ----------------------------------------------------------------------------------
    def _patient(self, lead: Lead, at: float) -> str:
        """The EMR's Patient for this person, registered at `at` (once per person)."""
        p, ctx, rng = lead.person, self.ctx, self.ctx.rng
        if p.fhir_patient_id:
            return p.fhir_patient_id
        p.fhir_patient_id = ctx.uuid()
        mrn = ctx.mrn_for(p)
        telecom = [
            {
                "system": "phone",
                "value": format_phone(p.phone, rng, (4, 1, 0.5, 1, 2, 0)),
                "use": "mobile" if p.line_type == "mobile" else "home",
            }
        ]
        if p.email:
            telecom.append({"system": "email", "value": p.email})
        obj: dict[str, Any] = {
            "resourceType": "Patient",
            "id": p.fhir_patient_id,
            "meta": {"lastUpdated": iso_local(at, lead.clinic.timezone)},
            "identifier": [
                {
                    "type": {
                        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                    },
                    "system": self.mrn_system,
                    "value": mrn,
                }
            ],
            "active": True,
            "name": [
                {
                    "use": "official",
                    "family": present_last(p.last, rng, 0.02),
                    "given": [present_first(p.first, rng, 0.03, 0.02)],
                }
            ],
            "telecom": telecom,
            "gender": "female" if p.sex == "F" else "male",
            "address": [
                {
                    "use": "home",
                    "line": [p.address],
                    "city": p.zip.city.title(),
                    "state": p.zip.state,
                    "postalCode": p.zip.zip,
                    "country": "US",
                }
            ],
        }
        if rng.random() > 0.02:
            obj["birthDate"] = p.dob.isoformat()
        self._write("Patient", obj)
        ctx.truth.record(SOURCE, p.fhir_patient_id, p.person_id, None)
        return p.fhir_patient_id

    def _coverage(self, lead: Lead, patient_id: str) -> str | None:
        p, payer = lead.person, lead.payer
        if payer.payer_id is None or not lead.member_id:
            return None
        key = f"{payer.id}:{lead.member_id}"
        if key in p.fhir_coverage:
            return p.fhir_coverage[key]
        cov_id = self.ctx.uuid()
        p.fhir_coverage[key] = cov_id
        self._write(
            "Coverage",
            {
                "resourceType": "Coverage",
                "id": cov_id,
                "status": "active",
                "subscriberId": lead.member_id,
                "beneficiary": {"reference": f"Patient/{patient_id}"},
                "relationship": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                            "code": "self",
                        }
                    ]
                },
                "payor": [
                    {
                        "identifier": {"system": "https://www.cms.gov/payer-id", "value": payer.payer_id},
                        "display": self.ctx.rng.choice([payer.name, *payer.aliases]),
                    }
                ],
            },
        )
        self.ctx.truth.record(SOURCE, cov_id, p.person_id, None)
        return cov_id

    def emit(self, lead: Lead) -> None:
        ctx = self.ctx
        referral_ts = next((ts for ch, ts in lead.arrivals if ch == "fhir"), None)
        appts = [a for a in lead.appts if a.created_ts <= ctx.horizon]
        first_needed = min(
            [t for t in [referral_ts, *(a.created_ts for a in appts)] if t is not None], default=None
        )
        if first_needed is None or first_needed > ctx.horizon:
            return
        patient_id = self._patient(lead, first_needed)
        coverage_id = self._coverage(lead, patient_id)
        sr_id = None
        if referral_ts is not None and referral_ts <= ctx.horizon:
            sr_id = self._service_request(lead, referral_ts, patient_id, coverage_id)
        for a in appts:
            self._appointment(lead, a, patient_id, sr_id)

    def _service_request(self, lead: Lead, ts: float, patient_id: str, coverage_id: str | None) -> str:
        ctx = self.ctx
        sr_id = ctx.uuid()
        tzn = lead.clinic.timezone
        per_week, weeks = lead.orders
        note = f"Eval and treat. {per_week}x/week x {weeks} weeks."
        if lead.post_op and lead.surgery:
            note += f" S/p {lead.surgery}" + (
                f" on {lead.surgery_date.isoformat()}." if lead.surgery_date else "."
            )
        obj: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "id": sr_id,
            "meta": {"lastUpdated": iso_local(ts, tzn)},
            "status": "active",
            "intent": "order",
            "priority": "urgent" if lead.urgent else "routine",
            "category": [
                {
                    "coding": [
                        {"system": SNOMED, "code": "386053000", "display": "Evaluation procedure (procedure)"}
                    ],
                    "text": "Evaluation",
                }
            ],
            "code": {
                "coding": [{"system": SNOMED, "code": "91251008", "display": "Physical therapy procedure"}],
                "text": "PT evaluation and treatment",
            },
            "subject": {"reference": f"Patient/{patient_id}"},
            "occurrenceTiming": {
                "repeat": {
                    "frequency": per_week,
                    "period": 1,
                    "periodUnit": "wk",
                    "boundsDuration": {
                        "value": weeks,
                        "unit": "wk",
                        "system": "http://unitsofmeasure.org",
                        "code": "wk",
                    },
                }
            },
            "authoredOn": iso_local(ts, tzn),
            "reasonCode": [
                {
                    "coding": [
                        {
                            "system": ICD_SYSTEM,
                            "code": d.code,
                            **({"display": d.description} if d.description else {}),
                        }
                    ],
                    "text": d.description or d.code,
                }
                for d in lead.dx
            ],
            "locationReference": [{"reference": f"Location/{lead.clinic.fhir_location_id}"}],
            "note": [{"text": note}],
        }
        if lead.referrer:
            obj["requester"] = {
                "reference": f"Practitioner/{lead.referrer.fhir_id}",
                "display": lead.referrer.display,
            }
        if coverage_id:
            obj["insurance"] = [{"reference": f"Coverage/{coverage_id}"}]
        self._write("ServiceRequest", obj)
        ctx.truth.record(SOURCE, sr_id, lead.person.person_id, lead.lead_id)
        return sr_id

    def _appointment(self, lead: Lead, a: Appt, patient_id: str, sr_id: str | None) -> None:
        ctx = self.ctx
        status = status_as_of(a, ctx.horizon)
        if status is None:
            return
        tzn = lead.clinic.timezone
        is_eval = a.kind == "eval"
        obj: dict[str, Any] = {
            "resourceType": "Appointment",
            "id": a.appt_id,
            "status": status,
            "identifier": [{"system": f"https://{ctx.domain}/appointment", "value": str(a.number)}],
            "appointmentType": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                        "code": "ROUTINE" if is_eval else "FOLLOWUP",
                    }
                ],
                "text": "PT Evaluation" if is_eval else "PT Visit",
            },
            "serviceType": [
                {"coding": [{"system": SNOMED, "code": "91251008", "display": "Physical therapy procedure"}]}
            ],
            "start": iso_local(a.start_ts, tzn),
            "end": iso_local(a.start_ts + a.duration_min * 60, tzn),
            "minutesDuration": a.duration_min,
            "created": iso_local(a.created_ts, tzn),
            "participant": [
                {"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"},
                {
                    "actor": {
                        "reference": f"Practitioner/{a.therapist.fhir_id}",
                        "display": a.therapist.name,
                    },
                    "status": "accepted",
                },
                {"actor": {"reference": f"Location/{lead.clinic.fhir_location_id}"}, "status": "accepted"},
            ],
        }
        if sr_id and is_eval:
            obj["basedOn"] = [{"reference": f"ServiceRequest/{sr_id}"}]
        if status == "cancelled":
            obj["cancelationReason"] = {
                "text": ctx.rng.choice(("Patient cancelled", "Schedule conflict", "Sick", "Transportation"))
            }
        self._write("Appointment", obj)
        ctx.truth.record(SOURCE, a.appt_id, lead.person.person_id, lead.lead_id)
