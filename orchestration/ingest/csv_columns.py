"""A profile-mapped CSV read into columns of text, with each row's line number: the input of the columnar
mapping path. Tokenising stays with the csv module (so quoting, blank lines, BOM and line numbers are
exactly those of `read_profile_csv`); only the per-row Python bookkeeping is avoided when every record
is one physical line, which is what exports almost always are."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from orchestration.ingest.profile_csv import numbered_cells, open_profile_csv, row_json
from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.records import LineError


@dataclass
class CsvColumns:
    header: list[str]
    rows: list[list[str]]  # cells of every usable record, each as wide as the header
    lines: list[int]  # the first line of each of those records (1-based)
    errors: list[LineError] = field(default_factory=list)
    _series: dict[str, pl.Series] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    @cached_property
    def _by_index(self) -> list[tuple[str, ...]]:
        return list(zip(*self.rows, strict=True)) if self.rows else [() for _ in self.header]

    @cached_property
    def _index(self) -> dict[str, int]:
        # The last of equal header names wins, as in dict(zip(header, cells)).
        return {name: i for i, name in enumerate(self.header)}

    def column(self, name: str) -> pl.Series:
        """The cells under header `name` (all null when the file has no such column)."""
        series = self._series.get(name)
        if series is None:
            i = self._index.get(name)
            cells = [None] * len(self.rows) if i is None else self._by_index[i]
            series = self._series[name] = pl.Series(name, cells, dtype=pl.String)
        return series

    def row(self, position: int) -> tuple[dict[str, str], str]:
        """One record as the per-row path sees it: the dict keyed by header, and its raw_json."""
        row = dict(zip(self.header, self.rows[position], strict=True))
        return row, row_json(row)

    def raw_json(self) -> pl.Series:
        """Every record's raw_json, built by column: exactly `row_json(dict(zip(header, cells)))`."""
        bodies, parts = {}, []
        for n, name in enumerate(self._index):  # dict order: first occurrence, last value
            body = row_json(name)[1:-1]
            parts += [pl.lit(('{"' if n == 0 else '","') + body + '":"'), pl.col(f"c{n}")]
            bodies[f"c{n}"] = json_string_body(self.column(name))
        parts.append(pl.lit('"}'))
        return pl.DataFrame(bodies).select(pl.concat_str(parts).alias("raw_json")).to_series()


# What json.dumps(ensure_ascii=False) escapes inside a string: quote, backslash and control characters.
_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_JSON_ESCAPES |= {chr(i): f"\\u{i:04x}" for i in range(0x20) if chr(i) not in _JSON_ESCAPES}


def json_string_body(values: pl.Series) -> pl.Series:
    """The JSON-escaped text of each value, without the surrounding quotes."""
    if not values.str.contains(r'[\x00-\x1f"\\]').any():
        return values
    present = set("".join(values.filter(values.str.contains(r'[\x00-\x1f"\\]')).to_list()))
    out = values.str.replace_all("\\", "\\\\", literal=True)  # first: later escapes add backslashes
    for char, escaped in _JSON_ESCAPES.items():
        if char != "\\" and char in present:
            out = out.str.replace_all(char, escaped, literal=True)
    return out


def read_csv_columns(data: bytes, file_name: str, profile: MappingProfile) -> CsvColumns:
    """The file's usable records and line errors, exactly as `read_profile_csv` finds them.

    Raises QuarantineFile as `open_profile_csv` does.
    """
    reader, header = open_profile_csv(data, file_name, profile)
    width, first = len(header), reader.line_num + 1
    try:
        rows = list(reader)
    except csv.Error:
        rows = None
    # csv yields one record per line (blank lines as []), so equal counts mean no record spans lines.
    if rows is not None and reader.line_num - first + 1 == len(rows):
        if width > 1 and list(map(len, rows)).count(width) == len(rows):
            return CsvColumns(header, rows, list(range(first, first + len(rows))))
        out = CsvColumns(header, [], [])
        for line, cells in enumerate(rows, start=first):
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                out.errors.append(LineError(line, f"{len(cells)} cells, header has {width}"))
                continue
            out.rows.append(cells)
            out.lines.append(line)
        return out
    reader, header = open_profile_csv(data, file_name, profile)  # quoted newlines or bad quoting
    out = CsvColumns(header, [], [])
    for line, cells in numbered_cells(reader, width, out.errors):
        out.rows.append(cells)
        out.lines.append(line)
    return out
