"""A profile-mapped file's canonical fields computed a column at a time (polars), with the same values the
per-row functions of `profile_mapping` give.

Every field is either computed by an exact column expression (white-space stripping, the regex timestamp
path of `columnar_timestamps`) or by the per-row function itself, called once per distinct value of the
column (vendor words, yes/no, durations, names, the timestamps the regex did not decide). A row whose
value the per-row function rejects is marked `undecided`: the caller maps that whole row the per-row way,
so its record or its line error is exactly the reference one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import polars as pl

from orchestration.ingest.columnar_timestamps import local_to_utc, parse_iso_utc, parse_local
from orchestration.ingest.csv_columns import PY_WHITESPACE
from orchestration.ingest.profile_mapping import parse_date, parse_timestamp
from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.records import LineError

_INT64 = (-(2**63), 2**63 - 1)


class RowColumns(Protocol):
    """A file's records as text columns (CsvColumns, JsonColumns)."""

    lines: list[int]
    errors: list[LineError]

    def __len__(self) -> int: ...
    def column(self, name: str) -> pl.Series: ...
    def row(self, position: int) -> tuple[dict[str, Any], str]: ...
    def raw_json(self) -> pl.Series: ...
    def undecided_mask(self) -> pl.Series | None: ...


def strip_text(values: pl.Series) -> pl.Series:
    """str.strip() of each value."""
    return values.str.strip_chars(PY_WHITESPACE)


def null_where(values: pl.Series, mask: pl.Series) -> pl.Series:
    frame = pl.DataFrame([values.alias("v"), mask.alias("m")])
    return frame.select(pl.when(pl.col("m")).then(None).otherwise(pl.col("v"))).to_series().alias(values.name)


def _cleaned(name: str) -> pl.Expr:
    stripped = pl.col(name).str.strip_chars(PY_WHITESPACE)
    return pl.when(stripped == "").then(None).otherwise(stripped).alias(name)


def clean_column(values: pl.Series) -> pl.Series:
    """`clean_text` of each text value: stripped, empty -> null."""
    if values.null_count() == len(values):
        return values
    return values.alias("v").to_frame().select(_cleaned("v")).to_series().alias(values.name)


class ColumnFrame:
    """The columns of one file as a profile sees them, and the rows left to the per-row path."""

    def __init__(self, csv: RowColumns, profile: MappingProfile, file_name: str) -> None:
        self.csv, self.profile, self.file_name = csv, profile, file_name
        self.rows = len(csv)
        self.undecided = pl.Series("undecided", [False] * self.rows, dtype=pl.Boolean)
        self._texts: dict[str, pl.Series] = {}

    def nulls(self, dtype: pl.DataType = pl.String) -> pl.Series:
        return pl.Series([None] * self.rows, dtype=dtype)

    def const(self, value: Any, dtype: pl.DataType) -> pl.Series:
        return pl.Series([value] * self.rows, dtype=dtype)

    def lines(self) -> pl.Series:
        return pl.Series("line_number", self.csv.lines, dtype=pl.Int64)

    def get(self, canonical: str) -> pl.Series:
        """`mapped_field` of every row: the mapped column, vendor words made canonical."""
        column = self.profile.columns.get(canonical)
        if not column:
            return self.nulls()  # clean_column and each() pass an all-null column through cheaply
        values = self.csv.column(column)
        if canonical in self.profile.values:
            values = self.each(values, lambda v: self.profile.canonical_value(canonical, v), pl.String)
        return values

    def file_text(self, column: str | None) -> pl.Series:
        """`clean_text(row.get(column))`, the file's own words (no vendor-word mapping)."""
        return clean_column(self.csv.column(column)) if column else self.nulls()

    def text(self, canonical: str) -> pl.Series:
        """`clean_text(mapped_field(row, profile, canonical))` of every row."""
        cleaned = self._texts.get(canonical)
        if cleaned is None:
            cleaned = self._texts[canonical] = clean_column(self.get(canonical))
        return cleaned

    def prefetch_texts(self, canonicals: list[str]) -> None:
        """text() of these fields in one polars step (each step costs ~0.1 ms however short the file)."""
        mapped = [c for c in canonicals if self.profile.columns.get(c) and c not in self._texts]
        if mapped:
            raw = pl.DataFrame([self.get(c).alias(c) for c in mapped])
            cleaned = raw.select([_cleaned(c) for c in mapped])
            self._texts.update({c: cleaned[c] for c in mapped})

    def each(
        self, values: pl.Series, convert: Callable[[Any], Any], dtype: pl.DataType, *, lenient: bool = False
    ) -> pl.Series:
        """convert(value) for every row, called once per distinct value. A value it rejects (ValueError,
        TypeError) gives null, and unless `lenient` marks its rows undecided."""
        all_null = values.null_count() == len(values)
        keys = pl.Series([None], dtype=values.dtype) if all_null else values.unique()
        converted, failed = [], []
        for key in keys.to_list():
            try:
                value, bad = convert(key), False
            except (ValueError, TypeError):
                value, bad = None, True
            if isinstance(value, int) and not isinstance(value, bool) and not _INT64[0] <= value <= _INT64[1]:
                value, bad = None, True  # out of BIGINT: the per-row path decides what happens
            converted.append(value)
            failed.append(bad and not lenient)
        if all_null:  # an unmapped field: one call decides every row
            if failed[0]:
                self.undecided = self.undecided | True
            return self.const(converted[0], dtype)
        if any(failed):
            bad_keys = [k for k, bad in zip(keys.to_list(), failed, strict=True) if bad]
            self.undecided = self.undecided | values.is_in(bad_keys, nulls_equal=True)
        if dtype.is_nested():  # replace_strict takes scalars only
            lookup = pl.DataFrame([keys.alias("k"), pl.Series("v", converted, dtype=dtype)])
            frame = values.alias("k").to_frame()
            return frame.join(lookup, on="k", how="left", nulls_equal=True, maintain_order="left")["v"]
        # One step: a null text maps through its own entry (replace_strict never matches nulls).
        key_list = keys.to_list()
        pairs = {k: v for k, v in zip(key_list, converted, strict=True) if k is not None}
        null_value = converted[key_list.index(None)] if None in key_list else None
        mapped = pl.col("k").replace_strict(
            list(pairs), list(pairs.values()), default=None, return_dtype=dtype
        )
        if null_value is not None:
            mapped = pl.when(pl.col("k").is_null()).then(pl.lit(null_value, dtype=dtype)).otherwise(mapped)
        return values.alias("k").to_frame().select(mapped).to_series()

    def require(self, values: pl.Series) -> pl.Series:
        """Rows where `values` is null are the per-row path's (it raises "<field> missing")."""
        self.undecided = self.undecided | values.is_null()
        return values

    def timestamp(self, canonical: str) -> pl.Series:
        """`parse_timestamp(get(canonical), format, profile)`; unreadable rows marked undecided."""
        text = self.text(canonical)
        fmt, profile = self.profile.formats.get(canonical), self.profile
        fast = (
            local_to_utc(parse_local(text, fmt), profile.zone) if fmt else parse_iso_utc(text, profile.zone)
        )
        if fast.null_count() == text.null_count():  # the column path decided every text (the usual case)
            return fast
        rest = null_where(text, fast.is_not_null())
        slow = self.each(rest, lambda v: parse_timestamp(v, fmt, profile), pl.Datetime("us"))
        return fast.fill_null(slow)

    def date(self, canonical: str, *, lenient: bool) -> pl.Series:
        """`parse_date(get(canonical), format)`; unreadable -> null if lenient, else undecided."""
        text = self.text(canonical)
        fmt = self.profile.formats.get(canonical)
        fast = parse_local(text, fmt).dt.date() if fmt else self.nulls(pl.Date)
        if fast.null_count() == text.null_count():
            return fast
        rest = null_where(text, fast.is_not_null())
        slow = self.each(rest, lambda v: parse_date(v, fmt), pl.Date, lenient=lenient)
        return fast.fill_null(slow)

    def record_ids(self, id_column: str | None) -> pl.Series:
        """`(row.get(id_column) or "").strip() or f"{file}:{line}"`."""
        fallback = pl.concat_str([pl.lit(f"{self.file_name}:"), pl.col("line").cast(pl.String)])
        ids = strip_text(self.csv.column(id_column)) if id_column else self.const("", pl.String)
        frame = pl.DataFrame([ids.alias("id"), self.lines().alias("line")])
        out = frame.select(
            pl.when(pl.col("id").is_null() | (pl.col("id") == "")).then(fallback).otherwise(pl.col("id"))
        )
        return out.to_series().alias("source_record_id")
