"""Web-form submissions (JSON Lines) mapped through a profile into `raw.webforms_submissions`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.ingest.column_mapping import ColumnFrame
from orchestration.ingest.columnar_records import columnar_enabled, finish, map_lead_columns
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_columns import JsonColumns
from orchestration.ingest.profile_mapping import MappedLead, RowError, map_lead_row
from orchestration.ingest.profiles import MappingProfile, pick_profile
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable

SOURCE = "webforms"
SUBMISSIONS = RawTable("webforms_submissions", MappedLead)


def read_webform_lines(data: bytes, file_name: str, profile: MappingProfile) -> JsonColumns:
    """The JSON objects of the file with their line numbers; bad lines become line errors.

    Raises QuarantineFile when no line carries a field the profile names."""
    text = data.decode("utf-8-sig")
    out = JsonColumns(profile, [], [], [])
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            out.errors.append(LineError(number, "malformed JSON"))
            continue
        if not isinstance(row, dict):
            out.errors.append(LineError(number, "not a JSON object"))
            continue
        out.lines.append(number)
        out.rows.append(row)
        out.texts.append(line)
    if out.rows:
        seen: set[str] = set().union(*(r.keys() for r in out.rows))
        missing = sorted(profile.file_columns() - seen)
        if missing:
            raise QuarantineFile(
                f"profile {profile.name} names fields missing from the file: {', '.join(missing)}"
            )
    return out


def map_webforms(data: bytes, file_name: str, profile: MappingProfile, *, columnar: bool) -> ParsedFile:
    """A web-form file's submissions and line errors; by column (`columnar`) or row by row (the
    reference), with identical results."""
    lines = read_webform_lines(data, file_name, profile)

    def record_id(row: dict[str, Any], number: int) -> str:
        found = str(row.get(profile.id) or "") if profile.id else ""
        return found or f"{file_name}:{number}"

    def map_row(row: dict[str, Any], number: int, line: str) -> MappedLead:
        return map_lead_row(row, profile, record_id=record_id(row, number), line_number=number, raw_json=line)

    if columnar:
        frame = ColumnFrame(lines, profile, file_name)
        columns = map_lead_columns(frame, None, patient_ref=False)
        ids = [record_id(row, number) for row, number in zip(lines.rows, lines.lines, strict=True)]
        columns["source_record_id"] = pl.Series("source_record_id", ids, dtype=pl.String)
        rows, errors = finish(SUBMISSIONS, frame, columns, map_row)
        return ParsedFile(rows={SUBMISSIONS: rows} if len(rows) else {}, errors=errors)
    parsed = ParsedFile(errors=lines.errors)
    for number, row, line in zip(lines.lines, lines.rows, lines.texts, strict=True):
        try:
            parsed.add(SUBMISSIONS, map_row(row, number, line))
        except RowError as exc:
            parsed.errors.append(LineError(number, str(exc)))
    return parsed


def parse_webforms(path: Path, ctx: ParseContext) -> ParsedFile:
    profile = pick_profile(ctx.profiles, SOURCE, path.name)
    if profile is None:
        raise QuarantineFile(f"no mapping profile of source {SOURCE} matches {path.name}")
    data = path.read_bytes()
    return map_webforms(data, path.name, profile, columnar=columnar_enabled(data))


WEBFORMS = Source(name=SOURCE, tables=(SUBMISSIONS,), parse=parse_webforms, parallel=True)
