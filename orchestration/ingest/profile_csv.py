"""Read a vendor CSV for a mapping profile: header checked against the profile, rows numbered by line."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.records import LineError, QuarantineFile


@dataclass
class ProfileCsvRows:
    header: list[str]
    rows: list[tuple[int, dict[str, str], str]] = field(default_factory=list)  # (line, row, row as JSON)
    errors: list[LineError] = field(default_factory=list)


def read_profile_csv(data: bytes, file_name: str, profile: MappingProfile) -> ProfileCsvRows:
    """Rows as dicts keyed by header; a row with the wrong number of cells is a line error.

    Raises QuarantineFile when the file is not UTF-8, has no header, or lacks a column the profile names
    (the reason lists column names only, never values).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuarantineFile(f"{file_name}: not UTF-8 text (bad byte at offset {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise QuarantineFile(f"{file_name}: no header row")
    header = [h.strip() for h in header]
    missing = sorted(profile.file_columns() - set(header))
    if missing:
        raise QuarantineFile(
            f"profile {profile.name} names columns missing from {file_name}: {', '.join(missing)}"
        )
    out = ProfileCsvRows(header)
    width = len(header)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                out.errors.append(LineError(line, f"{len(cells)} cells, header has {width}"))
                continue
            row = dict(zip(header, cells, strict=True))
            out.rows.append((line, row, dumps(row)))
    except csv.Error as exc:
        out.errors.append(LineError(start, f"malformed CSV ({type(exc).__name__})"))
    return out
