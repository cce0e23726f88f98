"""The 270 outbox asks about each open lead with a payer, no 271 answer and no recent inquiry, once, with
the member identity of its best-ranked source record (EMR, HL7, FHIR, fax, web form); what it sends is
recorded so a rerun of the same as-of writes nothing new."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.outbox_270 import Provider, pending_inquiries, write_outbox_270

AS_OF = datetime(2025, 3, 10, 15)
PROVIDER = Provider("Test PT", "1234567890")
MEMBER_COLUMNS = "source varchar, source_record_id varchar, first_name varchar, last_name varchar, dob date, "


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for schema in ("marts", "staging", "raw"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table marts.fct_leads (lead_id varchar, status varchar, verified_at timestamp, payer varchar)"
    )
    con.execute(
        "create schema intermediate; create table intermediate.int_lead_episodes "
        "(lead_id varchar, source varchar, source_record_id varchar, record_kind varchar)"
    )
    con.execute(
        "create table staging.stg_ref__payers (payer_id varchar, payer_name varchar, x12_payer_id varchar)"
    )
    con.execute("create table staging.stg_eligibility__responses (lead_id varchar)")
    for name in ("stg_emr_csv__referrals", "stg_hl7v2__referrals", "stg_fax__extractions"):
        con.execute(f"create table staging.{name} ({MEMBER_COLUMNS} member_id varchar)")
    con.execute(
        "create table staging.stg_webforms__submissions (source varchar, submission_id varchar, "
        "first_name varchar, last_name varchar, dob date, member_id varchar)"
    )
    con.execute(
        "create table staging.stg_fhir__service_requests (source varchar, service_request_id varchar, "
        "patient_id varchar, coverage_id varchar)"
    )
    con.execute(
        "create table staging.stg_fhir__patients (patient_id varchar, first_name varchar, last_name varchar, "
        "dob date)"
    )
    con.execute("create table staging.stg_fhir__coverages (coverage_id varchar, member_id varchar)")
    con.execute(
        "insert into staging.stg_ref__payers values ('AETNA', 'Aetna', '60054'), ('NOX12', 'No', null)"
    )
    leads = [
        ("L1", "new", None, "AETNA"),  # EMR and FHIR records: the EMR one ranks first
        ("L2", "contacted", None, "AETNA"),  # FHIR only
        ("L3", "new", None, "AETNA"),  # answered already
        ("L4", "new", None, "AETNA"),  # asked 3 days ago
        ("L5", "scheduled", None, "AETNA"),  # not open
        ("L6", "new", None, "NOX12"),  # payer without an X12 id
        ("L7", "new", None, "AETNA"),  # web form without a member id, fax and HL7 with one: HL7 ranks first
        ("L8", "verified", datetime(2025, 3, 1), "AETNA"),  # verified
    ]
    con.executemany("insert into marts.fct_leads values (?, ?, ?, ?)", leads)
    records = [
        ("L1", "emr_csv", "E1", "referral"),
        ("L1", "fhir", "SR1", "referral"),
        ("L1", "calls", "E1", "voicemail"),  # not a member source, even with a member record's id
        ("L2", "fhir", "SR2", "referral"),
        # an evaluation booking that opened its lead, its id a referral's of another lead: not a member record
        ("L2", "emr_csv", "E1", "appointment"),
        ("L3", "emr_csv", "E3", "referral"),
        ("L4", "emr_csv", "E4", "referral"),
        ("L5", "emr_csv", "E5", "referral"),
        ("L6", "emr_csv", "E6", "referral"),
        ("L7", "webforms", "W7", "web"),
        ("L7", "fax", "F7", "referral"),
        ("L7", "hl7v2", "H7", "referral"),
        ("L8", "emr_csv", "E8", "referral"),
    ]
    con.executemany("insert into intermediate.int_lead_episodes values (?, ?, ?, ?)", records)
    emr = [(f"E{n}", f"M{n}") for n in (1, 3, 4, 5, 6, 8)]
    con.executemany(
        "insert into staging.stg_emr_csv__referrals "
        "values ('emr_csv', ?, 'Ann', 'Lee', date '1980-01-02', ?)",
        emr,
    )
    con.execute(
        "insert into staging.stg_fhir__service_requests "
        "values ('fhir', 'SR1', 'P1', 'C1'), ('fhir', 'SR2', 'P2', 'C2')"
    )
    con.execute(
        "insert into staging.stg_fhir__patients "
        "values ('P1', 'Bo', 'Ray', null), ('P2', 'Cy', 'Fox', '1970-05-06')"
    )
    con.execute("insert into staging.stg_fhir__coverages values ('C1', 'FM1'), ('C2', 'FM2')")
    con.execute(
        "insert into staging.stg_webforms__submissions values ('webforms', 'W7', 'Di', 'Ng', null, null)"
    )
    con.execute("insert into staging.stg_fax__extractions values ('fax', 'F7', 'Di', 'Ng', null, 'X7')")
    con.execute(
        "insert into staging.stg_hl7v2__referrals "
        "values ('hl7v2', 'H7', 'Di', 'Ng', date '1990-03-04', 'H7M')"
    )
    con.execute("insert into staging.stg_eligibility__responses values ('L3')")
    con.execute("create table raw.eligibility_inquiries_sent (lead_id varchar, sent_at timestamp)")
    con.execute("insert into raw.eligibility_inquiries_sent values ('L4', timestamp '2025-03-07 15:00:00')")
    return con


def test_pending_leads_and_their_best_member_record(con: duckdb.DuckDBPyConnection) -> None:
    pending = pending_inquiries(con, AS_OF, 14, PROVIDER)
    got = [(q.trace_id, q.first_name, q.last_name, q.member_id, q.dob, q.payer_id, p) for q, p in pending]
    assert got == [
        ("L1", "Ann", "Lee", "M1", date(1980, 1, 2), "60054", "AETNA"),
        ("L2", "Cy", "Fox", "FM2", date(1970, 5, 6), "60054", "AETNA"),
        ("L7", "Di", "Ng", "H7M", date(1990, 3, 4), "60054", "AETNA"),
    ]


def test_reask_window(con: duckdb.DuckDBPyConnection) -> None:
    asked = [q.trace_id for q, _ in pending_inquiries(con, AS_OF, 2, PROVIDER)]
    assert asked == ["L1", "L2", "L4", "L7"]  # L4's inquiry is older than 2 days


def test_no_pending_lead(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("delete from marts.fct_leads")
    assert pending_inquiries(con, AS_OF, 14, PROVIDER) == []


def test_written_once_per_as_of(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    con.execute("drop table raw.eligibility_inquiries_sent")  # the asset creates its own: L4 is due again
    kwargs = dict(reask_after_days=14, provider=PROVIDER, sender_id="PTLEADS", receiver_id="PAYER")
    path, sent = write_outbox_270(con, tmp_path, AS_OF, **kwargs)
    assert path is not None and path.exists() and sent == 4
    recorded = con.execute("select lead_id from raw.eligibility_inquiries_sent order by 1").fetchall()
    assert recorded == [("L1",), ("L2",), ("L4",), ("L7",)]
    assert write_outbox_270(con, tmp_path, AS_OF, **kwargs) == (path, 0)
