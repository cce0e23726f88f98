"""Call-log, EMR-report and referral rows of a profile-mapped CSV mapped a column at a time into the raw
table's Arrow schema; the rows the columns leave undecided are mapped by the per-row function.

Each `map_*_columns` returns the canonical columns of every row (values of undecided rows are ignored);
`finish` keeps the decided rows, maps the undecided ones the per-row way and returns ArrowRows in line
order plus the line errors in the order the per-row parser reports them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.appointment_mapping import _minutes, canonical_status, canonical_type
from orchestration.ingest.column_mapping import ColumnFrame, null_where
from orchestration.ingest.person_names import _SUFFIXES, _TITLES, split_full_name
from orchestration.ingest.profile_mapping import RowError, _codes, parse_bool
from orchestration.ingest.profiles import APPOINTMENT_FIELDS, LEAD_FIELDS
from orchestration.ingest.records import ArrowRows, LineError, RawTable

COLUMNAR_ENV = "PTLEADS_INGEST_COLUMNAR"  # "0": map every row the per-row way (the reference path)


# Below this many records the per-row path is faster: a column step costs ~0.1 ms however short the file
# (measured: a 27-row referral report took 17 ms by column, 1.5 ms by row).
MIN_COLUMNAR_RECORDS = 200


def columnar_enabled(data: bytes) -> bool:
    """Whether to map this file by column: not when switched off, nor for small files."""
    if os.environ.get(COLUMNAR_ENV, "1") == "0":
        return False
    return data.count(b"\n") >= MIN_COLUMNAR_RECORDS


# (row, line, raw_json) -> record; raises RowError as the per-row parser does.
RowMapper = Callable[[dict[str, str], int, str], Any]
_PLAIN_FIRST_NOT = sorted(_TITLES)
_PLAIN_LAST_NOT = sorted(_TITLES | _SUFFIXES)
_TWO_WORDS = r"^([A-Za-z'\-]+) ([A-Za-z'\-]+)$"
_NAME_PARTS = pl.Struct({"first": pl.String, "middle": pl.String, "last": pl.String, "suffix": pl.String})


def _split_names(frame: ColumnFrame) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """first/middle/last/suffix: the first and last name columns, or the split full name when both are
    empty (as map_lead_row does)."""
    first, last = frame.text("first_name"), frame.text("last_name")
    split = first.is_null() & last.is_null()
    full = frame.text("full_name") if split.any() else frame.nulls()
    # "Ana Gomez": two plain words, neither a title nor (the second) a suffix, split_full_name gives
    # (first, None, last, None); any other name is split by split_full_name itself.
    words = full.str.extract_groups(_TWO_WORDS).struct.unnest()
    one, two = words["1"].str.to_lowercase(), words["2"].str.to_lowercase()
    plain = words["1"].is_not_null() & ~one.is_in(_PLAIN_FIRST_NOT) & ~two.is_in(_PLAIN_LAST_NOT)
    plain = plain.fill_null(False)

    def name_parts(value: str | None) -> dict[str, str | None]:
        parts = split_full_name(value)
        return {"first": parts.first, "middle": parts.middle, "last": parts.last, "suffix": parts.suffix}

    parts = frame.each(null_where(full, plain), name_parts, _NAME_PARTS).struct.unnest()
    given = [first.alias("f"), last.alias("l"), split.alias("s"), plain.alias("p"), words["1"], words["2"]]
    picked = pl.DataFrame([*given, *parts]).select(
        pl.when("s").then(pl.when("p").then("1").otherwise("first")).otherwise("f").alias("first"),
        pl.when("s").then("middle").otherwise(None).alias("middle"),
        pl.when("s").then(pl.when("p").then("2").otherwise("last")).otherwise("l").alias("last"),
        pl.when("s").then("suffix").otherwise(None).alias("suffix"),
    )
    return picked["first"], picked["middle"], picked["last"], picked["suffix"]


def map_call_columns(
    frame: ColumnFrame, id_column: str | None, duration_seconds: Callable[[Any], int | None]
) -> dict[str, pl.Series]:
    """map_call_row's fields (the duration parser is the call module's own)."""
    frame.prefetch_texts(["started_at", "direction", "from", "to", "result", "extension", "caller_name"])
    direction = frame.each(frame.text("direction"), lambda v: v.lower() if v else None, pl.String)
    return {
        "source_record_id": frame.record_ids(id_column),
        "line_number": frame.lines(),
        "profile": frame.const(frame.profile.name, pl.String),
        "started_at": frame.require(frame.timestamp("started_at")),
        "direction": direction,
        "from_number": frame.text("from"),
        "to_number": frame.text("to"),
        "duration_s": frame.each(frame.get("duration"), duration_seconds, pl.Int64),
        "result": frame.text("result"),
        "extension": frame.text("extension"),
        "caller_name": frame.text("caller_name"),
        "raw_json": frame.csv.raw_json(),
    }


def map_lead_columns(frame: ColumnFrame, id_column: str | None, *, patient_ref: bool) -> dict[str, pl.Series]:
    """map_lead_row's fields (MappedLead, or MappedPatientLead with `patient_ref`)."""
    frame.prefetch_texts(sorted(LEAD_FIELDS | {"patient_ref"}))
    first, middle, last, suffix = _split_names(frame)
    received_at = frame.timestamp("received_at")
    if frame.profile.kind in ("referral", "webform"):
        frame.require(received_at)
    out = {
        "source_record_id": frame.record_ids(id_column),
        "line_number": frame.lines(),
        "profile": frame.const(frame.profile.name, pl.String),
        "received_at": received_at,
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        "name_suffix": suffix,
        "dob": frame.date("dob", lenient=True),
    }
    for name in ("sex", "phone", "email", "address", "zip", "language"):
        out[name] = frame.text(name)
    out["diagnosis_codes"] = frame.each(frame.get("diagnosis_codes"), _codes, pl.List(pl.String))
    for name in ("diagnosis_text", "referring_name", "referring_npi", "referring_practice", "payer"):
        out[name] = frame.text(name)
    for name in ("member_id", "plan_type", "clinic"):
        out[name] = frame.text(name)
    out["surgery_date"] = frame.date("surgery_date", lenient=False)
    out["post_op"] = frame.each(frame.get("post_op"), parse_bool, pl.Boolean)
    out["urgency"], out["notes"] = frame.text("urgency"), frame.text("notes")
    out["preferred_contact"] = frame.text("preferred_contact")
    out["sms_consent"] = frame.each(frame.get("sms_consent"), parse_bool, pl.Boolean)
    out["email_consent"] = frame.each(frame.get("email_consent"), parse_bool, pl.Boolean)
    out["raw_json"] = frame.csv.raw_json()
    if patient_ref:
        out["patient_ref"] = frame.text("patient_ref")
    return out


def map_appointment_columns(frame: ColumnFrame, id_column: str | None) -> dict[str, pl.Series]:
    """map_appointment_row's fields."""
    frame.prefetch_texts(
        sorted(APPOINTMENT_FIELDS | {"first_name", "last_name", "full_name", "dob", "phone", "email"})
    )
    first, middle, last, _ = _split_names(frame)
    columns = frame.profile.columns
    return {
        "source_record_id": frame.record_ids(id_column),
        "line_number": frame.lines(),
        "profile": frame.const(frame.profile.name, pl.String),
        "appointment_id": frame.text("appointment_id"),
        "patient_ref": frame.text("patient_ref"),
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        "dob": frame.date("dob", lenient=True),
        "phone": frame.text("phone"),
        "email": frame.text("email"),
        "clinic": frame.text("clinic"),
        "therapist": frame.text("therapist"),
        "start_at": frame.require(frame.timestamp("start")),
        "duration_min": frame.each(frame.get("duration_min"), _minutes, pl.Int64),
        "appointment_type": frame.each(frame.text("type"), canonical_type, pl.String),
        "type_raw": frame.file_text(columns.get("type")),
        "status": frame.each(frame.text("status"), canonical_status, pl.String),
        "status_raw": frame.file_text(columns.get("status")),
        "created_at": frame.timestamp("created_at"),
        "raw_json": frame.csv.raw_json(),
    }


def finish(
    table: RawTable, frame: ColumnFrame, columns: dict[str, pl.Series], map_row: RowMapper
) -> tuple[ArrowRows, list[LineError]]:
    """The decided rows as Arrow plus the undecided ones mapped per row, in line order; line errors as the
    per-row parser lists them (the file's CSV errors, then row errors by line)."""
    schema = table.arrow_schema
    undecided = frame.undecided
    unrepresented = frame.csv.undecided_mask()
    if unrepresented is not None:
        undecided = undecided | unrepresented
    data = pl.DataFrame([columns[name].alias(name) for name in schema.names])
    decided = data.filter(~undecided).to_arrow().cast(schema) if len(data) else schema.empty_table()
    errors = list(frame.csv.errors)
    records = []
    for position in undecided.arg_true().to_list():
        row, raw_json = frame.csv.row(position)
        line = frame.csv.lines[position]
        try:
            records.append(map_row(row, line, raw_json))
        except RowError as exc:
            errors.append(LineError(line, str(exc)))
    if records:
        merged = pa.concat_tables([decided, table.to_arrow(records)])
        decided = merged.take(pc.sort_indices(merged["line_number"]))
    return ArrowRows(decided.combine_chunks(), table.record_type), errors
