"""270 outbox: ask payers about open leads that have a payer and member id but no 271 answer yet.

One file per run, `<outbox>/eligibility/270_<as-of>.x12`, TRN02 = lead id. What was sent is recorded in
`raw.eligibility_inquiries_sent`; a lead is not asked again within `reask_after_days` (config/ingest.yaml).
Idempotent: the file name comes from the run's as-of, so a rerun (also after a crash) rewrites the same
file with the same inquiries, or does nothing when that file was already recorded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.records import RawTable
from orchestration.x12 import write_270
from orchestration.x12.model import EligibilityInquiry

OUTBOX_SOURCE = "outbox_270"


@dataclass(slots=True)
class InquirySent:
    source_record_id: str  # "<file name>:<lead id>"
    lead_id: str
    payer_id: str | None  # config payer id (e.g. AETNA)
    x12_payer_id: str
    file_name: str
    isa_control: int
    sent_at: datetime  # the run's as-of, naive UTC


INQUIRIES_SENT = RawTable("eligibility_inquiries_sent", InquirySent)

# Member identity per lead from the staging models that carry a member id, via the lead's episode records.
#
# In steps, each reading what the previous one kept: the open leads with a payer not asked recently
# (CANDIDATES_SQL: fct_leads and the small sent log), those with a 271 answer (ANSWERED_SQL), their source
# records (PENDING_RECORDS_SQL), then the member columns of those records alone (MEMBERS_SQL). The staging
# models are views that normalise names and pick each record's latest version over all history; a record
# id given as a constant list reaches their scans (the window is partitioned by it), where a join did not
# and every FHIR patient's name was normalised for a few hundred inquiries (most of the 270 step at 1M).
CANDIDATES = "_ptleads_270_candidates"
CANDIDATES_SQL = """
select l.lead_id, l.payer, p.payer_name, p.x12_payer_id
from marts.fct_leads as l
inner join staging.stg_ref__payers as p on l.payer = p.payer_id
where l.status in ('new', 'contacted', 'verified') and l.verified_at is null and l.payer <> 'UNKNOWN'
    and p.x12_payer_id is not null
    and not exists (
        select 1 from raw.eligibility_inquiries_sent as s
        where s.lead_id = l.lead_id and s.sent_at > $as_of::timestamp - to_days($reask_days)
    )
"""

# A candidate is answered when the latest version of some 271 record names it (the staging view). The
# view picks that version with a window partitioned by source_record_id over every answer in history; a
# constant list of record ids passes below the window, a filter on lead_id cannot. ANSWER_RECORDS_SQL
# lists the records with a version traced to a candidate (a superset of the records whose latest version
# is), and the view's own null-id partition is kept whole.
ANSWER_RECORDS_SQL = f"""
select distinct source_record_id from raw.eligibility_responses
where trace_id in (select lead_id from {CANDIDATES}) and source_record_id is not null
"""

ANSWERED_SQL = f"""
select distinct lead_id from staging.stg_eligibility__responses
where (source_record_id in $records or source_record_id is null)
    and lead_id in (select lead_id from {CANDIDATES})
"""

# The `source` values of the staging models MEMBERS_SQL reads (the only records that can carry a member id).
MEMBER_SOURCES = ("emr_csv", "hl7v2", "fhir", "fax", "webforms")

# The records that opened or joined each lead's episode (intermediate.int_lead_episodes, one row per record
# with its lead): every referral, fax and web form a member id can come from. Not the lineage mart
# (marts.lead_source_records: the same rows plus each lead's appointments and touches), which dbt builds after
# the call list (phase 3), while this step runs before the next actions (they read what it sent). 1M leads,
# as-of 20 days on: the same 8,779 inquiries either way, 1.04-1.14 -> 0.72-0.85 s. An appointment's record,
# whose id may equal a referral's of another kind, is never taken for a member record.
PENDING_RECORDS_SQL = f"""
select c.lead_id, c.payer, c.payer_name, c.x12_payer_id, r.source, r.source_record_id
from {CANDIDATES} as c
inner join intermediate.int_lead_episodes as r on c.lead_id = r.lead_id
where r.record_kind <> 'appointment'
    and r.source in ({", ".join(f"'{source}'" for source in MEMBER_SOURCES)})
"""

FHIR_REQUESTS_SQL = """
select patient_id, coverage_id from staging.stg_fhir__service_requests where service_request_id in $ids
"""

PENDING = "_ptleads_270_pending_records"
MEMBERS_SQL = f"""
with members as (
    select source, source_record_id, first_name, last_name, dob, member_id, 1 as rank
    from staging.stg_emr_csv__referrals where source_record_id in $ids
    union all
    select source, source_record_id, first_name, last_name, dob, member_id, 2
    from staging.stg_hl7v2__referrals where source_record_id in $ids
    union all
    select sr.source, sr.service_request_id, p.first_name, p.last_name, p.dob, c.member_id, 3
    from (select * from staging.stg_fhir__service_requests where service_request_id in $ids) as sr
    inner join (select * from staging.stg_fhir__patients where patient_id in $patient_ids) as p
        on sr.patient_id = p.patient_id
    inner join (select * from staging.stg_fhir__coverages where coverage_id in $coverage_ids) as c
        on sr.coverage_id = c.coverage_id
    union all
    select source, source_record_id, first_name, last_name, dob, member_id, 4
    from staging.stg_fax__extractions where source_record_id in $ids
    union all
    select source, submission_id, first_name, last_name, dob, member_id, 5
    from staging.stg_webforms__submissions where submission_id in $ids
)
select l.lead_id, l.payer, l.payer_name, l.x12_payer_id, m.first_name, m.last_name, m.member_id, m.dob
from {PENDING} as l
inner join members as m on l.source = m.source and l.source_record_id = m.source_record_id
where m.member_id is not null and m.first_name is not null and m.last_name is not null
qualify row_number() over (partition by l.lead_id order by m.rank, m.dob is null) = 1
order by l.lead_id
"""


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()  # fetchall: DuckDB 2 keeps a half-read result open after fetchone()
    return bool(rows[0][0])


def _answered(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The candidates (CANDIDATES registered) with a 271 answer in stg_eligibility__responses."""
    if not _has_table(con, "raw", "eligibility_responses"):  # a hand-built warehouse: the view decides
        sql = ANSWERED_SQL.replace("(source_record_id in $records or source_record_id is null)\n    and ", "")
        return {r[0] for r in con.execute(sql).fetchall()}
    records = [r[0] for r in con.execute(ANSWER_RECORDS_SQL).fetchall()]
    return {r[0] for r in con.execute(ANSWERED_SQL, {"records": records}).fetchall()}


def _pending_records(con: duckdb.DuckDBPyConnection, as_of: datetime, reask_after_days: int) -> pa.Table:
    """(lead id, config payer, payer name, X12 payer id, source, source record id) per source record of
    each lead to ask: open, with a payer that has an X12 id, no 271 answer and no inquiry in the window."""
    params = {"as_of": as_of, "reask_days": reask_after_days}
    candidates = con.sql(CANDIDATES_SQL, params=params).to_arrow_table()
    if candidates.num_rows == 0:
        return candidates
    con.register(CANDIDATES, candidates)
    try:
        answered = _answered(con)
    finally:
        con.unregister(CANDIDATES)
    if answered:
        lead_ids = candidates.column("lead_id")
        candidates = candidates.filter(
            pc.invert(pc.is_in(lead_ids, pa.array(sorted(answered), lead_ids.type)))
        )
    con.register(CANDIDATES, candidates)
    try:
        return con.sql(PENDING_RECORDS_SQL).to_arrow_table()
    finally:
        con.unregister(CANDIDATES)


def _pending_rows(con: duckdb.DuckDBPyConnection, as_of: datetime, reask_after_days: int) -> list[tuple]:
    """(lead id, config payer, payer name, X12 payer id, first, last, member id, dob) per lead to ask."""
    records = _pending_records(con, as_of, reask_after_days)
    if records.num_rows == 0:
        return []
    ids = sorted(set(records.column("source_record_id").drop_null().to_pylist()))
    fhir = con.execute(FHIR_REQUESTS_SQL, {"ids": ids}).fetchall()
    params = {
        "ids": ids,
        "patient_ids": sorted({p for p, _ in fhir if p is not None}),
        "coverage_ids": sorted({c for _, c in fhir if c is not None}),
    }
    con.register(PENDING, records)
    try:
        return con.execute(MEMBERS_SQL, params).fetchall()
    finally:
        con.unregister(PENDING)


@dataclass(frozen=True)
class Provider:
    name: str
    npi: str


def outbox_file_name(as_of: datetime) -> str:
    return f"270_{as_of:%Y%m%dT%H%M%S}.x12"


def isa_control_for(as_of: datetime) -> int:
    """Nine digits from the as-of (yyDDDHHMM): unique per run minute, the same on a rerun."""
    return int(as_of.strftime("%y%j%H%M"))


def pending_inquiries(
    con: duckdb.DuckDBPyConnection, as_of: datetime, reask_after_days: int, provider: Provider
) -> list[tuple[EligibilityInquiry, str]]:
    """(inquiry, config payer id) for every lead to ask about now."""
    rows = _pending_rows(con, as_of, reask_after_days)
    service = as_of.date()
    return [
        (
            EligibilityInquiry(
                trace_id=lead_id,
                payer_name=payer_name,
                payer_id=x12_payer_id,
                provider_name=provider.name,
                provider_npi=provider.npi,
                first_name=first,
                last_name=last,
                member_id=member_id,
                dob=dob if isinstance(dob, date) else None,
                service_date=service,
            ),
            payer,
        )
        for lead_id, payer, payer_name, x12_payer_id, first, last, member_id, dob in rows
    ]


def write_outbox_270(
    con: duckdb.DuckDBPyConnection,
    outbox_dir: Path,
    as_of: datetime,
    *,
    reask_after_days: int,
    provider: Provider,
    sender_id: str,
    receiver_id: str,
) -> tuple[Path | None, int]:
    """Write this run's 270 (if any lead needs one) and record it. Returns (file or None, inquiries)."""
    as_of = as_of.replace(tzinfo=None)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(INQUIRIES_SENT.create_sql())
    name = outbox_file_name(as_of)
    target = outbox_dir / "eligibility" / name
    # fetchall: DuckDB 2 keeps a half-read result open after fetchone(), and the next query refuses
    done = con.execute(
        "SELECT count(*) FROM raw.eligibility_inquiries_sent WHERE file_name = ?", [name]
    ).fetchall()[0][0]
    if done:
        return target, 0
    pending = pending_inquiries(con, as_of, reask_after_days, provider)
    if not pending:
        return None, 0
    target.parent.mkdir(parents=True, exist_ok=True)
    control = isa_control_for(as_of)
    tmp = target.with_suffix(".x12.tmp")
    write_270(
        [q for q, _ in pending],
        tmp,
        isa_control=control,
        sender_id=sender_id,
        receiver_id=receiver_id,
        created=as_of,
    )
    sent = [
        InquirySent(f"{name}:{q.trace_id}", q.trace_id, payer, q.payer_id, name, control, as_of)
        for q, payer in pending
    ]
    rows = INQUIRIES_SENT.to_arrow(sent)  # noqa: F841 - read by DuckDB's replacement scan below
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"INSERT INTO {INQUIRIES_SENT.qualified} BY NAME "
            "SELECT *, ? AS source, ? AS source_file, now()::timestamp AS ingested_at FROM rows",
            [OUTBOX_SOURCE, name],
        )
        os.replace(tmp, target)  # a crash before COMMIT leaves the file unrecorded: the rerun rewrites it
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return target, len(sent)
