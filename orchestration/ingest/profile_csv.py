"""Read a vendor CSV for a mapping profile: header checked against the profile, rows numbered by line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.records import LineError, QuarantineFile

# Exactly the encoder every raw_json of a CSV row is written with (the columnar path is checked against it).
row_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class ProfileCsvRows:
    header: list[str]
    rows: list[tuple[int, dict[str, str], str]] = field(default_factory=list)  # (line, row, row as JSON)
    errors: list[LineError] = field(default_factory=list)


def open_profile_csv(data: bytes, file_name: str, profile: MappingProfile) -> tuple[Iterator, list[str]]:
    """A csv reader positioned after the header, and the stripped header.

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
    return reader, header


def numbered_cells(reader: Iterator, width: int, errors: list[LineError]) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) of every usable record; blank records are skipped, a record with
    the wrong number of cells or malformed quoting becomes a line error (malformed quoting ends the file)."""
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                errors.append(LineError(line, f"{len(cells)} cells, header has {width}"))
                continue
            yield line, cells
    except csv.Error as exc:
        errors.append(LineError(start, f"malformed CSV ({type(exc).__name__})"))


def read_profile_csv(data: bytes, file_name: str, profile: MappingProfile) -> ProfileCsvRows:
    """Rows as dicts keyed by header; a row with the wrong number of cells is a line error.

    Raises QuarantineFile as `open_profile_csv` does.
    """
    reader, header = open_profile_csv(data, file_name, profile)
    out = ProfileCsvRows(header)
    for line, cells in numbered_cells(reader, len(header), out.errors):
        row = dict(zip(header, cells, strict=True))
        out.rows.append((line, row, row_json(row)))
    return out
