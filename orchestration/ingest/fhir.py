"""FHIR R4 source: bulk-export NDJSON (any file-name prefix), single-resource JSON files and Bundles."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.ingest import fhir_parse as fp
from orchestration.ingest.file_chunks import ChunkMode, ChunkPath
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import exact_json_loads
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable
from orchestration.ingest.zstd_json_tables import ZstdJsonTable

SOURCE = "fhir"
TABLES: dict[str, RawTable] = {
    "Patient": ZstdJsonTable("fhir_patients", fp.FhirPatient),
    "ServiceRequest": ZstdJsonTable("fhir_service_requests", fp.FhirServiceRequest),
    "Coverage": ZstdJsonTable("fhir_coverages", fp.FhirCoverage),
    "Appointment": ZstdJsonTable("fhir_appointments", fp.FhirAppointment),
    "Practitioner": ZstdJsonTable("fhir_practitioners", fp.FhirPractitioner),
    "Location": ZstdJsonTable("fhir_locations", fp.FhirLocation),
}


def _add(parsed: ParsedFile, obj: object, line: int, raw: str | None, skipped: set[str]) -> None:
    try:
        resources = list(fp.iter_resources(obj))
    except fp.FhirResourceError as exc:
        parsed.errors.append(LineError(line, str(exc)))
        return
    for resource in resources:
        try:
            record = fp.flatten(resource, raw if len(resources) == 1 else None)
        except fp.FhirResourceError as exc:
            parsed.errors.append(LineError(line, str(exc)))
            continue
        if record is None:
            skipped.add(str(resource.get("resourceType")))
            continue
        parsed.add(TABLES[resource["resourceType"]], record)


def _add_resource(parsed: ParsedFile, resource: dict, kind: str, line: int, raw: str) -> None:
    """`_add` for a line holding one supported resource (no Bundle to unpack)."""
    try:
        record = fp.flatten(resource, raw)
    except fp.FhirResourceError as exc:
        parsed.errors.append(LineError(line, str(exc)))
        return
    rows = parsed.rows.get(TABLES[kind])
    if rows is None:
        rows = parsed.rows[TABLES[kind]] = []
    rows.append(record)


def parse_fhir(path: Path, ctx: ParseContext) -> ParsedFile:
    """Route every resource by its resourceType (the file name is only a hint)."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    parsed = ParsedFile()
    skipped: set[str] = set()
    stripped = text.lstrip()
    whole: object | None = None
    # A chunk of a cut file is always NDJSON (file_chunks cuts only files whose first line is JSON).
    one_document = path.suffix.lower() == ".json" or (stripped.startswith("{") and "\n{" not in stripped)
    if one_document and not isinstance(path, ChunkPath):
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None
    if whole is not None:
        _add(parsed, whole, 1, None, skipped)
    else:
        loads = exact_json_loads(data)
        for number, line in enumerate(text.splitlines(), start=1):
            raw = line.strip()
            if not raw:
                continue
            try:
                obj = loads(line)
            except json.JSONDecodeError:
                parsed.errors.append(LineError(number, "malformed JSON"))
                continue
            if type(obj) is dict and (kind := obj.get("resourceType")) in TABLES:
                _add_resource(parsed, obj, kind, number, raw)  # the usual line: one resource
            else:
                _add(parsed, obj, number, raw, skipped)
    if parsed.record_count == 0 and not parsed.errors and skipped:
        found = ", ".join(sorted(skipped))
        raise QuarantineFile(f"no supported FHIR resources (found {found})", lines=[])
    return parsed


def _chunk_mode(path: Path) -> ChunkMode | None:
    """Bulk NDJSON may be cut into chunks; a .json file is one resource or Bundle, read whole."""
    return "lines" if path.suffix.lower() in (".ndjson", ".jsonl") else None


def _is_fhir_file(path: Path) -> bool:
    return not path.name.startswith(".") and path.suffix.lower() in (".ndjson", ".json", ".jsonl")


FHIR = Source(
    name=SOURCE,
    tables=tuple(TABLES.values()),
    parse=parse_fhir,
    accepts=_is_fhir_file,
    parallel=True,
    chunking=_chunk_mode,
)
