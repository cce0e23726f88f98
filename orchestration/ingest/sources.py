"""Every ingestion source, one module each. A new source = one module exporting a `Source` + one line here."""

from __future__ import annotations

from orchestration.ingest.calls import CALLS
from orchestration.ingest.corrections import FAX_CORRECTIONS_SOURCE
from orchestration.ingest.eligibility import ELIGIBILITY
from orchestration.ingest.email import EMAIL
from orchestration.ingest.emr_csv import EMR_CSV
from orchestration.ingest.fax import FAX
from orchestration.ingest.fhir import FHIR
from orchestration.ingest.framework import Source
from orchestration.ingest.hl7v2 import HL7V2
from orchestration.ingest.outcomes import OUTCOMES_SOURCE
from orchestration.ingest.sms import SMS
from orchestration.ingest.web import WEB
from orchestration.ingest.webforms import WEBFORMS

# Structured sources first; the fax source (OCR, seconds a page) last so quick sources land early.
SOURCES: tuple[Source, ...] = (
    FHIR,
    WEBFORMS,
    EMR_CSV,
    HL7V2,
    CALLS,
    SMS,
    EMAIL,
    WEB,
    ELIGIBILITY,
    OUTCOMES_SOURCE,
    FAX_CORRECTIONS_SOURCE,
    FAX,
)


def source_by_name(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}")
