"""Phone: the call-log CSV export (through a `call_log` profile) -> `raw.calls_log`, and voicemail
transcripts (JSON Lines) -> `raw.calls_voicemails` with extracted caller fields and confidences.

source_record_id = the call id (a voicemail shares its call's id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestration.ingest.column_mapping import ColumnFrame
from orchestration.ingest.columnar_records import columnar_enabled, finish, map_call_columns
from orchestration.ingest.csv_columns import read_csv_columns
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_lines_read import gc_paused
from orchestration.ingest.profile_csv import read_profile_csv
from orchestration.ingest.profile_mapping import RowError, clean_text, mapped_field, parse_timestamp
from orchestration.ingest.profiles import MappingProfile, pick_profile
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable, TupleRows
from orchestration.ingest.voicemail_parse import VoicemailLead, parse_voicemail_rows
from orchestration.ingest.zstd_json_tables import ZstdJsonTable

SOURCE = "calls"


@dataclass(slots=True)
class MappedCall:
    source_record_id: str
    line_number: int
    profile: str
    started_at: datetime  # naive UTC
    direction: str | None  # inbound | outbound (lower case, as the phone system says otherwise)
    from_number: str | None  # PHI for inbound
    to_number: str | None  # PHI for outbound
    duration_s: int | None
    result: str | None  # e.g. "Call connected", "Voicemail", "Missed", "No Answer"
    extension: str | None
    caller_name: str | None  # PHI (caller id name)
    raw_json: str


# raw_json (the row as exported, for lineage; no dbt model reads it) stored zstd-compressed: at 100k leads
# the parent's insert + commit of calls_log 0.47 -> 0.40 CPU-s, its table 22.8 -> 15.2 MB (new tables only).
LOG = ZstdJsonTable("calls_log", MappedCall, json_column="raw_json")
VOICEMAILS = RawTable("calls_voicemails", VoicemailLead)
_HMS = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})")


def duration_seconds(value: Any) -> int | None:
    """ "0:01:05" / "1:05" / "65" / "65s" -> 65."""
    text = clean_text(value)
    if text is None:
        return None
    m = _HMS.fullmatch(text)
    if m:
        return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
    m = re.fullmatch(r"(\d+)(?:\.\d+)?\s*(?:s|sec|secs|seconds)?", text.lower())
    if m:
        return int(m.group(1))
    raise ValueError("not a duration")


def map_call_row(
    row: dict[str, Any], profile: MappingProfile, *, record_id: str, line_number: int, raw_json: str
) -> MappedCall:
    def get(name: str) -> Any:
        return mapped_field(row, profile, name)

    try:
        started = parse_timestamp(get("started_at"), profile.formats.get("started_at"), profile)
    except (ValueError, TypeError) as exc:
        raise RowError("started_at unreadable") from exc
    if started is None:
        raise RowError("started_at missing")
    try:
        duration = duration_seconds(get("duration"))
    except ValueError as exc:
        raise RowError("duration unreadable") from exc
    direction = clean_text(get("direction"))
    return MappedCall(
        source_record_id=record_id,
        line_number=line_number,
        profile=profile.name,
        started_at=started,
        direction=direction.lower() if direction else None,
        from_number=clean_text(get("from")),
        to_number=clean_text(get("to")),
        duration_s=duration,
        result=clean_text(get("result")),
        extension=clean_text(get("extension")),
        caller_name=clean_text(get("caller_name")),
        raw_json=raw_json,
    )


def map_call_log(data: bytes, file_name: str, profile: MappingProfile, *, columnar: bool) -> ParsedFile:
    """A call-log file's records and line errors; by column (`columnar`) or row by row (the reference),
    with identical results. Raises QuarantineFile as `read_profile_csv` does."""
    id_column = profile.id or profile.columns.get("call_id")

    def map_row(row: dict[str, str], line: int, raw_json: str) -> MappedCall:
        record_id = (row.get(id_column) or "").strip() if id_column else ""
        return map_call_row(
            row, profile, record_id=record_id or f"{file_name}:{line}", line_number=line, raw_json=raw_json
        )

    if columnar:
        frame = ColumnFrame(read_csv_columns(data, file_name, profile), profile, file_name)
        rows, errors = finish(LOG, frame, map_call_columns(frame, id_column, duration_seconds), map_row)
        return ParsedFile(rows={LOG: rows} if len(rows) else {}, errors=errors)
    csv_rows = read_profile_csv(data, file_name, profile)
    parsed = ParsedFile(errors=csv_rows.errors)
    for line, row, raw_json in csv_rows.rows:
        try:
            parsed.add(LOG, map_row(row, line, raw_json))
        except RowError as exc:
            parsed.errors.append(LineError(line, str(exc)))
    return parsed


def _parse_call_log(path: Path, ctx: ParseContext) -> ParsedFile:
    profile = pick_profile(ctx.profiles, SOURCE, path.name)
    if profile is None:
        raise QuarantineFile(f"no mapping profile of source {SOURCE} matches {path.name}")
    if profile.kind != "call_log":
        raise QuarantineFile(f"profile {profile.name} is of kind {profile.kind}, not a call log")
    data = path.read_bytes()
    return map_call_log(data, path.name, profile, columnar=columnar_enabled(data))


def _parse_voicemails(path: Path) -> ParsedFile:
    with gc_paused():
        rows, errors = parse_voicemail_rows(path.read_bytes(), path.name)
    return ParsedFile(rows={VOICEMAILS: TupleRows(rows, VoicemailLead)} if rows else {}, errors=errors)


def parse_calls(path: Path, ctx: ParseContext) -> ParsedFile:
    """JSON Lines are voicemail transcripts; anything else is a call log for a profile to map."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _parse_voicemails(path)
    return _parse_call_log(path, ctx)


CALLS = Source(name=SOURCE, tables=(LOG, VOICEMAILS), parse=parse_calls, parallel=True)
