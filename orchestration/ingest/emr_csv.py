"""Vendor EMR CSV reports (referrals, patients, appointments) mapped through a profile chosen by file name.

source_record_id = the profile's id column, else "<file>:<line>".
"""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.appointment_mapping import MappedAppointment, map_appointment_row
from orchestration.ingest.column_mapping import ColumnFrame
from orchestration.ingest.columnar_records import (
    columnar_enabled,
    finish,
    map_appointment_columns,
    map_lead_columns,
)
from orchestration.ingest.csv_columns import read_csv_columns
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.profile_csv import read_profile_csv
from orchestration.ingest.profile_mapping import MappedPatientLead, RowError, map_lead_row
from orchestration.ingest.profiles import MappingProfile, pick_profile
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable

SOURCE = "emr_csv"
REFERRALS = RawTable("emr_csv_referrals", MappedPatientLead)
PATIENTS = RawTable("emr_csv_patients", MappedPatientLead)
APPOINTMENTS = RawTable("emr_csv_appointments", MappedAppointment)
_TABLE_BY_KIND = {"referral": REFERRALS, "patient": PATIENTS, "appointment": APPOINTMENTS}


def parse_emr_csv(path: Path, ctx: ParseContext) -> ParsedFile:
    profile = pick_profile(ctx.profiles, SOURCE, path.name)
    if profile is None:
        raise QuarantineFile(f"no mapping profile of source {SOURCE} matches {path.name}")
    table = _TABLE_BY_KIND.get(profile.kind)
    if table is None:
        raise QuarantineFile(f"profile {profile.name} is of kind {profile.kind}, not an EMR report")
    data = path.read_bytes()
    return map_emr_report(data, path.name, profile, columnar=columnar_enabled(data))


def map_emr_report(data: bytes, file_name: str, profile: MappingProfile, *, columnar: bool) -> ParsedFile:
    """An EMR report's records (the table its profile's kind names) and line errors; by column
    (`columnar`) or row by row (the reference), with identical results."""
    table = _TABLE_BY_KIND[profile.kind]
    id_column = profile.id

    def map_row(row: dict[str, str], line: int, raw_json: str) -> MappedAppointment | MappedPatientLead:
        record_id = (row.get(id_column) or "").strip() if id_column else ""
        record_id = record_id or f"{file_name}:{line}"
        if table is APPOINTMENTS:
            return map_appointment_row(row, profile, record_id=record_id, line_number=line, raw_json=raw_json)
        return map_lead_row(
            row,
            profile,
            record_id=record_id,
            line_number=line,
            raw_json=raw_json,
            record_type=MappedPatientLead,
        )

    if columnar:
        frame = ColumnFrame(read_csv_columns(data, file_name, profile), profile, file_name)
        if table is APPOINTMENTS:
            columns = map_appointment_columns(frame, id_column)
        else:
            columns = map_lead_columns(frame, id_column, patient_ref=True)
        rows, errors = finish(table, frame, columns, map_row)
        return ParsedFile(rows={table: rows} if len(rows) else {}, errors=errors)
    csv_rows = read_profile_csv(data, file_name, profile)
    parsed = ParsedFile(errors=csv_rows.errors)
    for line, row, raw_json in csv_rows.rows:
        try:
            parsed.add(table, map_row(row, line, raw_json))
        except RowError as exc:
            parsed.errors.append(LineError(line, str(exc)))
    return parsed


# Every file is taken (not only *.csv): one no profile matches is quarantined, never left unseen.
EMR_CSV = Source(name=SOURCE, tables=(REFERRALS, PATIENTS, APPOINTMENTS), parse=parse_emr_csv, parallel=True)
