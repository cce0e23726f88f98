"""Decoded JSON-lines records (web forms) as columns of text for the columnar mapping path.

JSON values are not all text. A yes/no field may be `true`, an id a number: the per-row functions read
those through `str()` (clean_text, parse_bool, _codes, dates), so `true` becomes "True" and 5 becomes "5"
here and every consumer sees the text it would have built itself. Where that does not hold (a float,
whose clean_text drops ".0" but whose str() keeps it; a list or object; a non-text value in a field with a
vendor-word map; a string with a lone surrogate, which Arrow cannot hold) the row is left undecided, and
the per-row path maps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.records import LineError


@dataclass
class JsonColumns:
    profile: MappingProfile
    lines: list[int]  # 1-based line number of each record
    rows: list[dict[str, Any]]
    texts: Sequence[str]  # each record's line: its raw_json (a list, or webforms_lines.ByteLines)
    errors: list[LineError] = field(default_factory=list)
    _series: dict[str, pl.Series] = field(default_factory=dict, repr=False)
    _undecided: set[int] = field(default_factory=set, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> pl.Series:
        series = self._series.get(name)
        if series is None:
            values = [row.get(name) for row in self.rows]
            try:
                series = pl.Series(name, values, dtype=pl.String)
            except (TypeError, UnicodeEncodeError):
                series = pl.Series(name, self._as_text(name, values), dtype=pl.String)
            self._series[name] = series
        return series

    def _as_text(self, name: str, values: list[Any]) -> list[str | None]:
        mapped_words = any(
            column == name and canonical in self.profile.values
            for canonical, column in self.profile.columns.items()
        )
        out: list[str | None] = []
        for position, value in enumerate(values):
            if value is None:
                out.append(None)
            elif isinstance(value, str):
                try:
                    value.encode("utf-8")
                    out.append(value)
                except UnicodeEncodeError:
                    out.append(None)
                    self._undecided.add(position)
            elif isinstance(value, bool | int) and not mapped_words:
                out.append(str(value))
            else:
                out.append(None)
                self._undecided.add(position)
        return out

    def undecided_mask(self) -> pl.Series | None:
        """Rows a column could not represent (read after every column used was built)."""
        if not self._undecided:
            return None
        return pl.Series([i in self._undecided for i in range(len(self))], dtype=pl.Boolean)

    def row(self, position: int) -> tuple[dict[str, Any], str]:
        return self.rows[position], self.texts[position]

    def raw_json(self) -> pl.Series:
        texts = self.texts if isinstance(self.texts, list) else list(self.texts)
        return pl.Series("raw_json", texts, dtype=pl.String)
