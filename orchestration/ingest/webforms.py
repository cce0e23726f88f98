"""Web-form submissions (JSON Lines) mapped through a profile into `raw.webforms_submissions`."""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.ingest.column_mapping import ColumnFrame
from orchestration.ingest.columnar_records import COLUMNAR_ENV, columnar_enabled, finish, map_lead_columns
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.json_columns import JsonColumns
from orchestration.ingest.json_lines_read import exact_json_loads, text_lines
from orchestration.ingest.lead_value_columns import map_lead_objects
from orchestration.ingest.profile_mapping import MappedLead, RowError, map_lead_row
from orchestration.ingest.profiles import MappingProfile, pick_profile
from orchestration.ingest.records import ArrowRows, LineError, ParsedFile, QuarantineFile
from orchestration.ingest.webforms_lines import ByteLines
from orchestration.ingest.zstd_json_tables import ZstdJsonTable

try:  # orjson comes with Dagster; without it every file takes the line loop
    import orjson
except ImportError:  # pragma: no cover - orjson is in the lock file
    orjson = None  # type: ignore[assignment]

SOURCE = "webforms"
SUBMISSIONS = ZstdJsonTable("webforms_submissions", MappedLead, json_column="raw_json")
# "polars": map by column through polars (the path before lead_value_columns; kept for its parity tests)
WEBFORM_COLUMNS_ENV = "PTLEADS_WEBFORM_COLUMNS"
# Digits -> "9", all else -> " ": orjson reads integers past 64 bits as floats, json exactly (as in
# json_lines_read.exact_json_loads, whose file keeps the line loop).
_DIGIT_MASK = bytes(0x39 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"9" * 19
_BOM = b"\xef\xbb\xbf"


def _lines_with_long_runs(data: bytes, masked: bytes, line_count: int) -> set[int] | None:
    """Indexes of the lines holding a 19-digit run, found in the bytes at C speed (bytes.splitlines cuts
    where text_lines does); None when the counts disagree all the same, so the loop reads."""
    start = 3 if data.startswith(_BOM) else 0
    byte_lines = data[start:].splitlines(keepends=True)
    if len(byte_lines) != line_count:
        return None
    ends = list(accumulate(map(len, byte_lines)))
    found: set[int] = set()
    at = masked.find(_LONG_RUN, start)
    while at >= 0:
        found.add(bisect_right(ends, at - start))
        at = masked.find(_LONG_RUN, at + len(_LONG_RUN))
    return found


def _newline_lines_with_long_runs(data: bytes, masked: bytes, first: int, lines: list[bytes]) -> set[int]:
    """_lines_with_long_runs for a file cut at b"\\n" only (ByteLines: its `lines`), the first run found at
    `first`: line ends from the lines' lengths, without splitlines' second list of the file's lines, and
    no second search up to the first run (1.3 -> ~0.6 ms a 1.4 MB file, most of it the search)."""
    start = 3 if data.startswith(_BOM) else 0
    ends = list(accumulate(map((1).__add__, map(len, lines))))  # each line and its newline
    found: set[int] = set()
    at = first
    while at >= 0:
        found.add(bisect_right(ends, at - start))
        at = masked.find(_LONG_RUN, at + len(_LONG_RUN))
    return found


def _object_lines(data: bytes, text: str, profile: MappingProfile) -> JsonColumns | None:
    """The usual file at C speed: every line one JSON object orjson decodes (so no blank line), with
    exactly json.loads' values: a line holding a 19-digit run is read by json (orjson reads integers past
    64 bits as floats; see exact_json_loads). Such runs are mostly ids inside strings (submission ids), so
    only those lines pay for json, not the whole file. None for any other file, which the line loop then
    reads (the reference of this shortcut)."""
    if orjson is None:
        return None
    # Bytes lines when no b"\r" (most files): no str per line, the raw_json column built in one join.
    by_bytes = ByteLines.of(data)
    lines: Sequence[str] = text_lines(text) if by_bytes is None else by_bytes
    if not lines:
        return None
    exact: set[int] = set()
    fast_lines: Sequence[str | bytes] = lines if by_bytes is None else by_bytes.raw
    masked = data.translate(_DIGIT_MASK)
    first = masked.find(_LONG_RUN)  # a pass over the file: its result starts the search for the others
    if first >= 0:
        found = _newline_lines_with_long_runs(data, masked, first, by_bytes.raw) if by_bytes else None
        exact = found if found is not None else _lines_with_long_runs(data, masked, len(lines))
        if exact is None:
            return None
        fast_lines = list(fast_lines)
        for index in exact:  # json reads these below
            fast_lines[index] = "{}"
    try:
        rows = list(map(orjson.loads, fast_lines))
        for index in exact:
            rows[index] = json.loads(lines[index])
    except json.JSONDecodeError:  # orjson's error is one too; also a blank line (the loop skips it)
        return None  # the loop decides
    if set(map(type, rows)) != {dict}:
        return None
    return JsonColumns(profile, list(range(1, len(lines) + 1)), rows, lines)


def _read_line_by_line(data: bytes, text: str, profile: MappingProfile) -> JsonColumns:
    loads = exact_json_loads(data)  # json.loads' very values, through orjson where that is exact
    out = JsonColumns(profile, [], [], [])
    for number, line in enumerate(text_lines(text), start=1):
        if not line or line.isspace():  # what `not line.strip()` says, without copying the line
            continue
        try:
            row = loads(line)
        except json.JSONDecodeError:
            out.errors.append(LineError(number, "malformed JSON"))
            continue
        if not isinstance(row, dict):
            out.errors.append(LineError(number, "not a JSON object"))
            continue
        out.lines.append(number)
        out.rows.append(row)
        out.texts.append(line)
    return out


def read_webform_lines(data: bytes, file_name: str, profile: MappingProfile) -> JsonColumns:
    """The JSON objects of the file with their line numbers; bad lines become line errors.

    Raises QuarantineFile when no line carries a field the profile names."""
    text = data.decode("utf-8-sig")
    out = _object_lines(data, text, profile) or _read_line_by_line(data, text, profile)
    if out.rows:
        missing_set = profile.file_columns()
        for row in out.rows:  # usually the first row has them all
            missing_set.difference_update(row.keys())
            if not missing_set:
                break
        missing = sorted(missing_set)
        if missing:
            raise QuarantineFile(
                f"profile {profile.name} names fields missing from the file: {', '.join(missing)}"
            )
    return out


def _text_ids(rows: list[dict[str, Any]], key: str) -> list[str] | None:
    """The rows' ids when every row has a non-empty text one (the usual file: str() and the file:line
    fallback change none of them), read in C; None otherwise."""
    try:
        found = list(map(itemgetter(key), rows))
    except KeyError:
        return None
    return found if set(map(type, found)) == {str} and "" not in found else None


def map_webforms(data: bytes, file_name: str, profile: MappingProfile, *, columnar: bool) -> ParsedFile:
    """A web-form file's submissions and line errors; by column (`columnar`: by value through
    lead_value_columns, or through polars when PTLEADS_WEBFORM_COLUMNS=polars) or row by row (the
    reference), with identical results."""
    lines = read_webform_lines(data, file_name, profile)

    def record_id(row: dict[str, Any], number: int) -> str:
        found = str(row.get(profile.id) or "") if profile.id else ""
        return found or f"{file_name}:{number}"

    def map_row(row: dict[str, Any], number: int, line: str) -> MappedLead:
        return map_lead_row(row, profile, record_id=record_id(row, number), line_number=number, raw_json=line)

    by_value = columnar and os.environ.get(WEBFORM_COLUMNS_ENV) != "polars"
    if by_value:
        if profile.id:  # record_id inline: a falsy id (None, "", 0) gives the file:line id
            ids = _text_ids(lines.rows, profile.id) or [
                str(found) if (found := row.get(profile.id)) else f"{file_name}:{number}"
                for row, number in zip(lines.rows, lines.lines, strict=True)
            ]
        else:
            ids = [f"{file_name}:{number}" for number in lines.lines]
        mapped = map_lead_objects(lines.rows, lines.lines, lines.texts, ids, profile, SUBMISSIONS, map_row)
        if mapped is not None:
            rows, row_errors = mapped
            return ParsedFile(rows={SUBMISSIONS: rows} if len(rows) else {}, errors=lines.errors + row_errors)
    elif columnar:
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
    if by_value and parsed.rows:  # a value Arrow cannot hold: fail here, as the column path does
        parsed.rows = {SUBMISSIONS: ArrowRows(SUBMISSIONS.to_arrow(parsed.rows[SUBMISSIONS]), MappedLead)}
    return parsed


def parse_webforms(path: Path, ctx: ParseContext) -> ParsedFile:
    profile = pick_profile(ctx.profiles, SOURCE, path.name)
    if profile is None:
        raise QuarantineFile(f"no mapping profile of source {SOURCE} matches {path.name}")
    data = path.read_bytes()
    if os.environ.get(WEBFORM_COLUMNS_ENV) == "polars":
        return map_webforms(data, path.name, profile, columnar=columnar_enabled(data))
    # By value has no fixed per-file cost: every file but the per-row reference's (COLUMNAR_ENV=0).
    return map_webforms(data, path.name, profile, columnar=os.environ.get(COLUMNAR_ENV, "1") != "0")


WEBFORMS = Source(name=SOURCE, tables=(SUBMISSIONS,), parse=parse_webforms, parallel=True)
