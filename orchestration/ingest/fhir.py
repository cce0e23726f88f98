"""FHIR R4 source: bulk-export NDJSON (any file-name prefix), single-resource JSON files and Bundles."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestration.ingest import fhir_fast, fhir_structs
from orchestration.ingest import fhir_parse as fp
from orchestration.ingest.file_chunks import ChunkMode, ChunkPath
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import exact_json_loads, text_lines
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable, TupleRows
from orchestration.ingest.tuple_rows import as_tuple
from orchestration.ingest.zstd_json_tables import ZstdJsonTable

SOURCE = "fhir"
_IDS = ("source_record_id",)  # resource ids: random UUIDs (zstd_json_tables.ZstdJsonTable.plain_ids)
TABLES: dict[str, RawTable] = {
    "Patient": ZstdJsonTable("fhir_patients", fp.FhirPatient, plain_ids=_IDS),
    "ServiceRequest": ZstdJsonTable("fhir_service_requests", fp.FhirServiceRequest, plain_ids=_IDS),
    "Coverage": ZstdJsonTable("fhir_coverages", fp.FhirCoverage, plain_ids=_IDS),
    "Appointment": ZstdJsonTable("fhir_appointments", fp.FhirAppointment, plain_ids=_IDS),
    "Practitioner": ZstdJsonTable("fhir_practitioners", fp.FhirPractitioner, plain_ids=_IDS),
    "Location": ZstdJsonTable("fhir_locations", fp.FhirLocation, plain_ids=_IDS),
}
_KINDS = {table: kind for kind, table in TABLES.items()}


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


def _add_line(
    parsed: ParsedFile, loads: Callable[[str], Any], number: int, line: str, raw: str, skipped: set[str]
) -> None:
    """Today's reading of one NDJSON line (json.loads semantics, then fhir_parse): the reference."""
    try:
        obj = loads(line)
    except json.JSONDecodeError:
        parsed.errors.append(LineError(number, "malformed JSON"))
        return
    # type check first: a list or object as resourceType is unhashable (it failed the whole file)
    if type(obj) is dict and type(kind := obj.get("resourceType")) is str and kind in TABLES:
        _add_resource(parsed, obj, kind, number, raw)  # the usual line: one resource
    else:
        _add(parsed, obj, number, raw, skipped)


def _add_lines(
    parsed: ParsedFile,
    data: bytes,
    text: str,
    skipped: set[str],
    decode: Callable[[str], Any] = fhir_structs.decoder.decode,
) -> None:
    """NDJSON lines: msgspec Structs to row tuples (fhir_fast) where a line decodes as one ordinary
    resource; any other line (malformed, a Bundle, another type, an odd value) through _add_line.

    Rows go to the framework as TupleRows per table, in line order; records of lines read the
    reference way are turned into the same tuples. `decode` is msgspec's; a decoder refusing every line
    gives today's reading of the whole file (the parity tests' oracle)."""
    builders = fhir_fast.ROW_BUILDERS
    tuples: dict[str, list[tuple]] = {}
    last_type: type | None = None
    build: Callable[[Any, str], tuple] = fhir_fast.appointment
    rows: list[tuple] = []
    loads: Callable[[str], Any] | None = None  # the reference decoder, built only when a line needs it
    for number, line in enumerate(text_lines(text), start=1):
        raw = line.strip()
        if not raw:
            continue
        try:
            res = decode(line)  # not `raw`: strip() also drops non-JSON white space (json refuses it)
            if res.id:
                if type(res) is not last_type:  # files hold one type: look it up once a run of lines
                    kind, build = builders[type(res)]
                    rows = tuples.setdefault(kind, [])
                    last_type = type(res)
                rows.append(build(res, raw))
                continue
        except Exception:  # any doubt about a line: read it the reference way
            pass
        if loads is None:
            loads = exact_json_loads(data)
        slow = ParsedFile()
        _add_line(slow, loads, number, line, raw, skipped)
        parsed.errors.extend(slow.errors)
        for table, records in slow.rows.items():
            kind = _KINDS[table]
            tuples.setdefault(kind, []).extend(as_tuple(table, r) for r in records)
    for kind, kept in tuples.items():
        if kept:  # a type whose only lines went the reference way and failed has an empty list
            table = TABLES[kind]
            parsed.rows[table] = TupleRows(kept, table.record_type)


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
        _add_lines(parsed, data, text, skipped)
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
