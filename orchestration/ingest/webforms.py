"""Web-form submissions (JSON Lines) mapped through a profile into `raw.webforms_submissions`."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.profile_mapping import MappedLead, RowError, map_lead_row
from orchestration.ingest.profiles import pick_profile
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable

SOURCE = "webforms"
SUBMISSIONS = RawTable("webforms_submissions", MappedLead)


def parse_webforms(path: Path, ctx: ParseContext) -> ParsedFile:
    profile = pick_profile(ctx.profiles, SOURCE, path.name)
    if profile is None:
        raise QuarantineFile(f"no mapping profile of source {SOURCE} matches {path.name}")
    text = path.read_bytes().decode("utf-8-sig")
    parsed = ParsedFile()
    rows: list[tuple[int, dict, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            parsed.errors.append(LineError(number, "malformed JSON"))
            continue
        if not isinstance(row, dict):
            parsed.errors.append(LineError(number, "not a JSON object"))
            continue
        rows.append((number, row, line))
    if rows:
        seen: set[str] = set().union(*(r.keys() for _, r, _ in rows))
        missing = sorted(profile.file_columns() - seen)
        if missing:
            raise QuarantineFile(
                f"profile {profile.name} names fields missing from the file: {', '.join(missing)}"
            )
    for number, row, line in rows:
        record_id = str(row.get(profile.id) or "") if profile.id else ""
        try:
            lead = map_lead_row(
                row,
                profile,
                record_id=record_id or f"{path.name}:{number}",
                line_number=number,
                raw_json=line,
            )
        except RowError as exc:
            parsed.errors.append(LineError(number, str(exc)))
            continue
        parsed.add(SUBMISSIONS, lead)
    return parsed


WEBFORMS = Source(name=SOURCE, tables=(SUBMISSIONS,), parse=parse_webforms, parallel=True)
