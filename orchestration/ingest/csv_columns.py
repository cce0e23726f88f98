"""A profile-mapped CSV read into columns of text, with each row's line number: the input of the columnar
mapping path. The records, line numbers and line errors are exactly those of `read_profile_csv`:

- a file without any quote character (what exports almost always are) is split by polars: with no quoting
  the csv module's records are the lines (split at \n, \r\n) and its cells the comma-separated parts;
- any other file is tokenised by the csv module itself (quoted newlines, bad quoting, lone \r, a field
  over the csv field-size limit), its rows turned into columns afterwards.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from orchestration.ingest.profile_csv import numbered_cells, open_profile_csv, row_json
from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.records import LineError

# Every character str.strip() removes (polars' own white-space set is narrower: no \x1c-\x1f). A literal:
# scanning all code points for isspace() cost 0.08 CPU-s in every run and in every parse worker
# (tests/ingest/test_csv_whitespace.py checks it against this Python's str.isspace).
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass
class CsvColumns:
    header: list[str]
    lines: list[int]  # the first line of each usable record (1-based)
    errors: list[LineError] = field(default_factory=list)
    rows: list[list[str]] | None = None  # cells per record (csv-module files)
    split: pl.DataFrame | None = None  # line text "l" and one column per header position (quote-free files)
    _series: dict[str, pl.Series] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.lines)

    @cached_property
    def _by_index(self) -> list[pl.Series]:
        if self.split is not None:
            return [self.split[f"c{i}"] for i in range(len(self.header))]
        cells = list(zip(*self.rows, strict=True)) if self.rows else [() for _ in self.header]
        return [pl.Series(values, dtype=pl.String) for values in cells]

    @cached_property
    def _index(self) -> dict[str, int]:
        # The last of equal header names wins, as in dict(zip(header, cells)).
        return {name: i for i, name in enumerate(self.header)}

    def column(self, name: str) -> pl.Series:
        """The cells under header `name` (all null when the file has no such column)."""
        series = self._series.get(name)
        if series is None:
            i = self._index.get(name)
            series = pl.Series([None] * len(self), dtype=pl.String) if i is None else self._by_index[i]
            series = self._series[name] = series.alias(name)
        return series

    def undecided_mask(self) -> pl.Series | None:
        """Rows the columns cannot represent: none (every CSV cell is text)."""
        return None

    def row(self, position: int) -> tuple[dict[str, str], str]:
        """One record as the per-row path sees it: the dict keyed by header, and its raw_json."""
        if self.split is not None:
            cells = self.split["l"][position].split(",")
        else:
            assert self.rows is not None
            cells = self.rows[position]
        row = dict(zip(self.header, cells, strict=True))
        return row, row_json(row)

    def raw_json(self) -> pl.Series:
        """Every record's raw_json, built by column: exactly `row_json(dict(zip(header, cells)))`."""
        names = list(self._index)  # dict order: first occurrence, last value
        cells = pl.DataFrame([self.column(name).alias(f"c{n}") for n, name in enumerate(names)])
        # Which columns hold anything to escape, in one step; most hold nothing.
        needs = cells.select(pl.col(c).str.contains(_TO_ESCAPE).any() for c in cells.columns).row(0)
        for column, need in zip(cells.columns, needs, strict=True):
            if need:
                cells = cells.with_columns(json_string_body(cells[column]).alias(column))
        parts = []
        for n, name in enumerate(names):
            body = row_json(name)[1:-1]
            parts += [pl.lit(('{"' if n == 0 else '","') + body + '":"'), pl.col(f"c{n}")]
        parts.append(pl.lit('"}'))
        return cells.select(pl.concat_str(parts).alias("raw_json")).to_series()


# What json.dumps(ensure_ascii=False) escapes inside a string: quote, backslash and control characters.
_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_JSON_ESCAPES |= {chr(i): f"\\u{i:04x}" for i in range(0x20) if chr(i) not in _JSON_ESCAPES}


_TO_ESCAPE = r'[\x00-\x1f"\\]'


def json_string_body(values: pl.Series) -> pl.Series:
    """The JSON-escaped text of each value, without the surrounding quotes."""
    if not values.str.contains(_TO_ESCAPE).any():
        return values
    present = set("".join(values.filter(values.str.contains(_TO_ESCAPE)).to_list()))
    out = values.str.replace_all("\\", "\\\\", literal=True)  # first: later escapes add backslashes
    for char, escaped in _JSON_ESCAPES.items():
        if char != "\\" and char in present:
            out = out.str.replace_all(char, escaped, literal=True)
    return out


def _split_quote_free(text: str, header: list[str]) -> CsvColumns | None:
    """The records of a file with no quote character, split by polars; None when the csv module must
    read it (a lone \r, or a line long enough to hit the csv field-size limit)."""
    crlf = "\r" in text
    if crlf and text.count("\r") != text.count("\r\n"):
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final line end, not an empty line
    width = len(header)
    body = pl.Series("l", lines[1:], dtype=pl.String)
    if crlf:  # every \r ends a line here
        body = body.str.strip_suffix("\r")
    if len(body) and body.str.len_chars().max() >= csv.field_size_limit():
        return None
    frame = body.to_frame().with_row_index("line", offset=2)
    line = pl.col("l")
    frame = frame.with_columns(
        cells=line.str.count_matches(",", literal=True) + 1,
        # csv yields [] for an empty line and [" "] for a blank one: both skipped.
        blank=line.str.strip_chars(PY_WHITESPACE) == "",
    )
    bad = frame.filter(~pl.col("blank") & (pl.col("cells") != width))
    errors = [
        LineError(n, f"{cells} cells, header has {width}")
        for n, cells in zip(bad["line"].to_list(), bad["cells"].to_list(), strict=True)
    ]
    kept = frame.filter(~pl.col("blank") & (pl.col("cells") == width))
    names = [f"c{i}" for i in range(width)]
    split = kept.select("l", line.str.split_exact(",", width - 1).struct.rename_fields(names).alias("s"))
    split = split.unnest("s")
    return CsvColumns(header, kept["line"].cast(pl.Int64).to_list(), errors, split=split)


def read_csv_columns(data: bytes, file_name: str, profile: MappingProfile) -> CsvColumns:
    """The file's usable records and line errors, exactly as `read_profile_csv` finds them.

    Raises QuarantineFile as `open_profile_csv` does.
    """
    reader, header = open_profile_csv(data, file_name, profile)
    text = data.decode("utf-8-sig")
    if '"' not in text:
        quote_free = _split_quote_free(text, header)
        if quote_free is not None:
            return quote_free
    width, first = len(header), reader.line_num + 1
    try:
        rows = list(reader)
    except csv.Error:
        rows = None
    # csv yields one record per line (blank lines as []), so equal counts mean no record spans lines.
    if rows is not None and reader.line_num - first + 1 == len(rows):
        if width > 1 and list(map(len, rows)).count(width) == len(rows):
            return CsvColumns(header, list(range(first, first + len(rows))), rows=rows)
        out = CsvColumns(header, [], rows=[])
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
    out = CsvColumns(header, [], rows=[])
    for line, cells in numbered_cells(reader, width, out.errors):
        out.rows.append(cells)
        out.lines.append(line)
    return out
