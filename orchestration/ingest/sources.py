"""Every ingestion source, one module each. A new source = one module exporting a `Source` + one line here."""

from __future__ import annotations

from orchestration.ingest.fhir import FHIR
from orchestration.ingest.framework import Source
from orchestration.ingest.webforms import WEBFORMS

SOURCES: tuple[Source, ...] = (FHIR, WEBFORMS)


def source_by_name(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}")
