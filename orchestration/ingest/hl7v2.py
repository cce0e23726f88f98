"""HL7 v2 source: every message -> `raw.hl7v2_messages`, plus one row per referral (REF^I12),
appointment (SIU) and patient update (ADT) in its own flat table. source_record_id = MSH-10.

Times without a UTC offset are read in config/ingest.yaml's default time zone (the interface engine's).
Rows are built column-wise (hl7v2_columns); hl7v2_rows declares the tables and holds the typed reference.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.hl7v2_columns import parse_hl7v2_columns
from orchestration.ingest.hl7v2_rows import APPOINTMENTS, MESSAGES, PATIENT_UPDATES, REFERRALS
from orchestration.ingest.ingest_config import load_ingest_config
from orchestration.ingest.records import ParsedFile

SOURCE = "hl7v2"


@cache
def _zone(config_dir: Path) -> ZoneInfo:
    return load_ingest_config(config_dir).zone


def parse_hl7v2_file(path: Path, ctx: ParseContext) -> ParsedFile:
    """Every message of one file; unreadable messages become line errors at their MSH line."""
    return parse_hl7v2_columns(path.read_bytes(), path.name, _zone(ctx.config_dir))


def _is_hl7_file(path: Path) -> bool:
    return not path.name.startswith(".") and not path.name.endswith(".reason.txt")


HL7V2 = Source(
    name=SOURCE,
    tables=(MESSAGES, REFERRALS, APPOINTMENTS, PATIENT_UPDATES),
    parse=parse_hl7v2_file,
    accepts=_is_hl7_file,
    parallel=True,
)
