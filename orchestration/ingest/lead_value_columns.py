"""Decoded lead objects (web-form lines) mapped a field at a time in plain Python, straight into Arrow.

Each field's conversion (clean_text, the vendor-word map, split_full_name, parse_timestamp, parse_date,
parse_bool, _codes) is a function of the raw value alone, so it runs once per distinct value of the file
and every row takes its result from a dict. No polars: a web-form file of a few hundred lines paid ~100
polars steps of fixed cost (~0.1 ms each) on the polars column path, more than the mapping itself.

A row any conversion rejects (or whose received_at is missing) is mapped by the per-row function, which
gives its record or its exact line error; so is a row holding a value this path does not key (a list, an
object).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.arrow_date_columns import iso_offset_utc, numeric_date_column, numeric_date_parser
from orchestration.ingest.person_names import name_parts
from orchestration.ingest.profile_mapping import (
    MappedLead,
    MappedPatientLead,
    RowError,
    _codes,
    _lenient,
    clean_text,
    parse_bool,
    parse_date,
    parse_timestamp,
)
from orchestration.ingest.profiles import MappingProfile
from orchestration.ingest.records import ArrowRows, LineError, RawTable, long_ascii_strings
from orchestration.ingest.timestamp_formats import parser_for
from orchestration.ingest.webforms_lines import ByteLines

_KEYABLE = frozenset({str, int, float, bool, type(None)})
_PLAIN = frozenset({str, type(None)})
_FLAGS = frozenset({bool, type(None)})
_TEXT_FIELDS = [
    "sex",
    "phone",
    "email",
    "address",
    "zip",
    "language",
    "diagnosis_text",
    "referring_name",
    "referring_npi",
    "referring_practice",
    "payer",
    "member_id",
    "plan_type",
    "clinic",
    "urgency",
    "notes",
    "preferred_contact",
]
# A whole-column conversion's numpy steps cost ~0.1 ms a call whatever the rows; below this many rows
# the per-value conversion (the reference the bulk one matches) is cheaper. Measured for received_at +
# dob together: 16 rows 228 us bulk / 45 per value, 64: 287 / 155, 128: 331 / 294 (~2.3 us a row).
_BULK_ROWS = 128
_REJECTED = object()  # a conversion raised: the row is the per-row function's
# A whole-column conversion: (Arrow results, positions it left undecided), or None when it does not apply.
Bulk = Callable[[Sequence[Any]], "tuple[pa.Array, np.ndarray] | None"]


def _key(value: Any) -> Any:
    """A dict key telling apart values the conversions tell apart: True == 1 == 1.0 as plain keys, yet
    clean_text gives "True", "1", "1"; -0.0 == 0.0, yet str() gives "-0.0" and "0.0"."""
    kind = type(value)
    return (kind, repr(value)) if kind is float else (kind, value)


def _keys(values: list[Any]) -> tuple[list[Any], list[int]]:
    """Keys standing for the values (the values themselves when they are all text, or all one other
    kind, with nulls) and the positions of values that cannot be keys (lists, objects)."""
    with suppress(TypeError):  # all text, the usual column (JSON decoders give str, no subclass of it):
        "".join(values)  # a few ns a value, where set(map(type, ...)) below costs ~40
        return values, []
    classes = set(map(type, values))
    if classes <= _PLAIN:
        return values, []
    if classes <= _FLAGS:  # true/false and null: no 1 or 1.0 for True to be told from (a copy: not text)
        return list(values), []
    if classes <= _KEYABLE:
        return [_key(v) for v in values], []
    odd = [i for i, v in enumerate(values) if type(v) not in _KEYABLE]
    return [_key(v) if type(v) in _KEYABLE else (list, i) for i, v in enumerate(values)], odd


def _full_name_parts(value: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """name_parts(clean_text(value)); clean_text of a text inline (strip, empty -> None)."""
    return name_parts(value.strip() or None if type(value) is str else clean_text(value))


def _timestamp(fmt: str | None, profile: MappingProfile) -> Callable[[Any], datetime | None]:
    """parse_timestamp(value, fmt, profile); for text and no format its steps inline (an ISO text; a bad
    one raises ValueError, as parse_timestamp's retry of the same call does)."""
    if fmt is not None:
        return lambda v: parse_timestamp(v, fmt, profile)
    zone, from_iso = profile.zone, datetime.fromisoformat

    def iso(value: Any) -> datetime | None:
        if type(value) is not str:
            return parse_timestamp(value, None, profile)
        text = value.strip()
        if not text:
            return None
        ts = from_iso(text.replace("Z", "+00:00"))
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=zone)
        return ts.astimezone(UTC).replace(tzinfo=None)

    return iso


def _lenient_date(fmt: str | None) -> Callable[[Any], date | None]:
    """_lenient(parse_date, value, fmt); for text and a format its steps inline."""
    if fmt is None:
        return lambda v: _lenient(parse_date, v, None)
    parse, from_iso = parser_for(fmt), date.fromisoformat
    quick = numeric_date_parser(fmt)  # ~0.5 us where strptime's regex path costs ~3 us

    def convert(value: Any) -> date | None:
        if type(value) is not str:
            return _lenient(parse_date, value, fmt)
        text = value.strip()
        if not text:
            return None
        if quick is not None and (found := quick(text)) is not None:
            return found
        try:
            return parse(text).date()
        except ValueError:
            pass
        try:
            return from_iso(text[:10])
        except ValueError:
            return None

    return convert


class _Fields:
    """The raw values of one file's rows per mapped field, converted once per distinct value."""

    def __init__(self, rows: list[dict[str, Any]], profile: MappingProfile) -> None:
        self.rows, self.profile = rows, profile
        self.rejected: set[int] = set()  # row positions left to the per-row function
        self.values: dict[str, Sequence[Any]] = {}
        names = sorted(set(profile.columns.values()))
        if len(names) > 1 and rows:
            with suppress(KeyError):  # every row has every column (the usual case): one transpose in C
                self.values = dict(zip(names, zip(*map(itemgetter(*names), rows), strict=True), strict=True))

    def get(
        self, canonical: str, convert: Callable[[Any], Any], bulk: Bulk | None = None
    ) -> Sequence[Any] | pa.Array:
        """convert(mapped_field(row, profile, canonical)) of every row (None-filled where rejected).

        bulk: an Arrow conversion of the whole column that decides what it can (see arrow_date_columns);
        the values it leaves undecided go through `convert`. Its result is then an Arrow array."""
        column = self.profile.columns.get(canonical)
        if not column:
            try:
                value = convert(None)
            except Exception:
                self.rejected.update(range(len(self.rows)))
                value = None
            return [value] * len(self.rows)
        values = self.values.get(column)
        if values is None:
            values = [row.get(column) for row in self.rows]
        if canonical in self.profile.values:
            canonical_value, plain = self.profile.canonical_value, convert

            def convert(v: Any) -> Any:
                return plain(canonical_value(canonical, v) if isinstance(v, str) else v)

        elif bulk is not None and len(values) >= _BULK_ROWS and (found := bulk(values)) is not None:
            array, undecided = found
            if not len(undecided):
                return array
            positions = undecided.tolist()
            rest = self._by_value([values[i] for i in positions], convert, positions)
            mask = np.zeros(len(values), dtype=bool)
            mask[undecided] = True
            return pc.replace_with_mask(array, pa.array(mask), pa.array(rest, type=array.type))
        return self._by_value(values, convert, None)

    def _by_value(self, values: Sequence[Any], convert: Callable[[Any], Any], rows: list[int] | None) -> list:
        """convert of each value, once per distinct value; rejected ones become None and their rows
        (`rows[i]`, or i itself) are marked rejected."""
        keys, odd = _keys(values)
        self.rejected.update(odd if rows is None else (rows[i] for i in odd))
        if keys is values and convert is clean_text:  # text or null: clean_text is strip-or-None
            if None not in values:  # all text: stripping each is cheaper than finding the distinct ones
                stripped = list(map(str.strip, values))
                # "" is the one text `or None` changes: most columns hold none, and this test runs in C
                return stripped if "" not in stripped else [text or None for text in stripped]
            results = {v: v.strip() or None for v in dict.fromkeys(values) if v is not None}
            results[None] = None
        else:
            results = {}
            distinct = dict.fromkeys(values) if keys is values else dict(zip(keys, values, strict=True))
            for key, value in distinct.items():
                value = key if keys is values else value
                try:
                    results[key] = convert(value)
                except Exception:
                    results[key] = _REJECTED
        out = list(map(results.__getitem__, keys))
        if _REJECTED in results.values():  # identity first, then object == (False for any other value)
            bad = [i for i, v in enumerate(out) if v is _REJECTED]
            self.rejected.update(bad if rows is None else (rows[i] for i in bad))
            out = [None if v is _REJECTED else v for v in out]
        return out


def _arrow(values: Sequence[Any] | pa.Array, kind: pa.DataType, long_text: bool) -> pa.Array:
    """A column as Arrow: a column of nulls (an unmapped field: about half of them) without pa.array's
    look at each value; long_text (raw_json, when not already Arrow) through long_ascii_strings."""
    if isinstance(values, pa.Array):
        return values
    if values and values[0] is None and values.count(None) == len(values):
        return pa.nulls(len(values), kind)
    return (long_text and long_ascii_strings(tuple(values))) or pa.array(values, type=kind)


def map_lead_objects(
    rows: list[dict[str, Any]],
    lines: list[int],
    texts: Sequence[str],
    record_ids: list[str],
    profile: MappingProfile,
    table: RawTable,
    map_row: Callable[[dict[str, Any], int, str], MappedLead],
) -> tuple[ArrowRows, list[LineError]] | None:
    """The rows' records (map_lead_row's, via `map_row` for the rejected ones) as Arrow in line order, and
    the row errors in line order; None when a value cannot go into Arrow (a lone surrogate): the caller
    then maps the file row by row, whose Arrow conversion fails as the reference's does."""
    record_type = table.record_type
    fields = _Fields(rows, profile)
    fmts = profile.formats
    first = fields.get("first_name", clean_text)
    last = fields.get("last_name", clean_text)
    full = fields.get("full_name", _full_name_parts)
    received_fmt, dob_fmt = fmts.get("received_at"), fmts.get("dob")
    received = fields.get(
        "received_at", _timestamp(received_fmt, profile), iso_offset_utc if received_fmt is None else None
    )
    columns: dict[str, Sequence[Any] | pa.Array] = {
        "dob": fields.get("dob", _lenient_date(dob_fmt), numeric_date_column(dob_fmt) if dob_fmt else None),
        **{name: fields.get(name, clean_text) for name in _TEXT_FIELDS},
        "diagnosis_codes": fields.get("diagnosis_codes", _codes),
        "surgery_date": fields.get("surgery_date", lambda v: parse_date(v, fmts.get("surgery_date"))),
        "post_op": fields.get("post_op", parse_bool),
        "sms_consent": fields.get("sms_consent", parse_bool),
        "email_consent": fields.get("email_consent", parse_bool),
    }
    if record_type is MappedPatientLead:
        columns["patient_ref"] = fields.get("patient_ref", clean_text)
    rejected = fields.rejected
    if profile.kind in ("referral", "webform"):
        if isinstance(received, pa.Array):
            rejected.update(np.flatnonzero(received.is_null().to_numpy(zero_copy_only=False)).tolist())
        else:
            rejected.update(i for i, value in enumerate(received) if value is None)
    keep = [i for i in range(len(rows)) if i not in rejected] if rejected else range(len(rows))
    if "first_name" in profile.columns or "last_name" in profile.columns:
        names = [
            full[i] if first[i] is None and last[i] is None else (first[i], None, last[i], None) for i in keep
        ]
    else:  # a full-name form: first and last are null in every row
        names = [full[i] for i in keep] if rejected else full
    given = list(zip(*names, strict=True)) if names else [(), (), (), ()]
    columns |= {
        "source_record_id": record_ids,
        "line_number": lines,
        "profile": [profile.name] * len(rows),
        "received_at": received,
        "raw_json": texts.arrow() if isinstance(texts, ByteLines) else texts,
    }
    if rejected:
        kept = pa.array(keep, type=pa.int64())
        columns = {
            name: values.take(kept) if isinstance(values, pa.Array) else [values[i] for i in keep]
            for name, values in columns.items()
        }
    columns |= dict(zip(("first_name", "middle_name", "last_name", "name_suffix"), given, strict=True))
    codes = columns["diagnosis_codes"]
    if codes.count(None) != len(codes):  # no shared lists (all null: unmapped, the usual web form)
        columns["diagnosis_codes"] = [list(c) if c is not None else None for c in codes]
    schema = table.arrow_schema
    try:
        arrays = [_arrow(columns[f.name], f.type, f.name == "raw_json") for f in schema]
        decided = pa.Table.from_arrays(arrays, schema=schema)
        errors: list[LineError] = []
        records = []
        for position in sorted(rejected):
            try:
                records.append(map_row(rows[position], lines[position], texts[position]))
            except RowError as exc:
                errors.append(LineError(lines[position], str(exc)))
        if records:
            merged = pa.concat_tables([decided, table.to_arrow(records)])
            decided = merged.take(pc.sort_indices(merged["line_number"]))
    except (pa.ArrowException, UnicodeEncodeError, TypeError, ValueError, OverflowError):
        return None
    return ArrowRows(decided.combine_chunks(), record_type), errors
