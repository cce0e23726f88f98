"""Vendor EMR CSV reports (referrals, patients, appointments) mapped through a profile chosen by file name.

source_record_id = the profile's id column, else "<file>:<line>".
"""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.appointment_mapping import MappedAppointment, map_appointment_row
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.profile_csv import read_profile_csv
from orchestration.ingest.profile_mapping import MappedPatientLead, RowError, map_lead_row
from orchestration.ingest.profiles import pick_profile
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
    csv_rows = read_profile_csv(path.read_bytes(), path.name, profile)
    parsed = ParsedFile(errors=csv_rows.errors)
    id_column = profile.id
    for line, row, raw_json in csv_rows.rows:
        record_id = (row.get(id_column) or "").strip() if id_column else ""
        record_id = record_id or f"{path.name}:{line}"
        try:
            if table is APPOINTMENTS:
                record = map_appointment_row(
                    row, profile, record_id=record_id, line_number=line, raw_json=raw_json
                )
            else:
                record = map_lead_row(
                    row,
                    profile,
                    record_id=record_id,
                    line_number=line,
                    raw_json=raw_json,
                    record_type=MappedPatientLead,
                )
        except RowError as exc:
            parsed.errors.append(LineError(line, str(exc)))
            continue
        parsed.add(table, record)
    return parsed


# Every file is taken (not only *.csv): one no profile matches is quarantined, never left unseen.
EMR_CSV = Source(name=SOURCE, tables=(REFERRALS, PATIENTS, APPOINTMENTS), parse=parse_emr_csv, parallel=True)
