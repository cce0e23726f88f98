"""The detail tables of the fixture snapshot: people (obviously fake placeholder values), touches,
appointments, referrers, leakage, drift, eligibility, fax extractions + review queue + page image,
ingest log, and a quarantined file on disk. Built from marts.fct_leads so every table agrees."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
from PIL import Image, ImageDraw

from orchestration.fax_fields import CONTRACT_FIELDS

FAX_FIELDS = CONTRACT_FIELDS
# Fake placeholders that look nothing like real PHI yet are recognisable in assertions.
FAKE_FIRST, FAKE_LAST, FAKE_PHONE = "Testfirst", "Testlast", "+15550000000"
REVIEW_FAX = "fax_0001.pdf"
CORRECTED_FAX = "fax_0002.pdf"


def _fax_page(warehouse_dir: Path) -> Path:
    folder = warehouse_dir / "fax_pages" / "fax_0001"
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.new("L", (400, 520), 255)
    ImageDraw.Draw(image).text((20, 20), "REFERRAL (synthetic test page)", fill=0)
    path = folder / "page-1.png"
    image.save(path)
    return path


def add_detail_tables(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, as_of: datetime) -> None:
    con.execute("create schema if not exists raw; create schema if not exists staging")
    con.execute(
        f"""
        create table marts.dim_persons as
        select person_id, '{FAKE_FIRST}' as first_name, '{FAKE_LAST}' || right(person_id, 3) as last_name,
               date '1970-01-01' as dob, '{FAKE_PHONE}' as phone_e164, 'nobody@example.invalid' as email,
               '00000' as zip5, received_at as first_seen_at, 1 as record_count
        from marts.fct_leads
        """
    )
    con.execute(
        """
        create table marts.dim_referrers as
        select distinct referring_npi, 'Referrer ' || referring_npi as referrer_name,
               null::varchar as phone_e164, null::varchar as fax_e164, true as npi_is_valid
        from marts.fct_leads
        """
    )
    con.execute(
        """
        create table marts.fct_touches as
        select lead_id || '-t1' as touch_id, lead_id, person_id, 'calls' as source,
               'calls.csv' as source_file,
               lead_id || '-c1' as source_record_id, 'call' as touch_kind, 'outbound' as direction,
               'answered' as touch_result, first_contact_at as event_at
        from marts.fct_leads where first_contact_at is not null
        """
    )
    con.execute(
        """
        create table marts.fct_appointments as
        select 'A' || lead_id as appointment_id, lead_id, person_id, 'fhir' as source,
               'eval' as appointment_type,
               case when evaluated_at is null then 'booked' else 'fulfilled' end as status,
               scheduled_at as booked_at, scheduled_at + interval 3 day as start_at, 60 as duration_min,
               clinic_id as location_id, 'T1' as practitioner_id, false as is_no_show
        from marts.fct_leads where scheduled_at is not null
        """
    )
    con.execute(
        """
        create table marts.rpt_leakage as
        select date_trunc('month', received_at)::date as month, clinic_id,
               count(*)::integer as qualified_leads,
               count(*) filter (where leaked)::integer as leaked_leads,
               coalesce(sum(episode_revenue) filter (where leaked), 0.0) as leaked_revenue
        from (select *, scheduled_at is null or scheduled_at > received_at + interval 14 day as leaked
              from marts.fct_leads
              where received_at <= ?::timestamp - interval 14 day
                and (post_op or payer_tier in ('high', 'standard')))
        group by all
        """,
        [as_of],
    )
    con.execute(
        """
        create table marts.ml_drift as
        select ?::timestamp as as_of, 'rules' as model_version,
               date_trunc('month', received_at)::date as month,
               count(*)::integer as leads, avg(score) as mean_score, quantile_cont(score, 0.1) as p10_score,
               quantile_cont(score, 0.9) as p90_score, avg((evaluated_at is not null)::int) as observed_rate,
               abs(avg(score) - avg((evaluated_at is not null)::int)) as calibration_error
        from marts.fct_leads group by all
        """,
        [as_of],
    )
    con.execute(
        """
        create table marts.eligibility as
        select lead_id, payer, 'M000000' as member_id, true as active, 30.0 as copay, 0.2 as coinsurance,
               500.0 as deductible_remaining, 1500.0 as oop_remaining, 20 as visit_limit, 2 as visits_used,
               false as auth_required, true as in_network, verified_at::date as checked_at,
               null::varchar as rejection_reason, 'PPO' as plan_name
        from marts.fct_leads where verified_at is not null
        """
    )
    # Insurance work (orchestration/actions/insurance_tasks.py's columns): L00000 waits on a payer call,
    # every 10th other lead on one of the other tasks (cycling slower than the clinics do), the
    # pipeline's own 270 among them.
    con.execute(
        """
        create table marts.insurance_tasks as
        select lead_id, clinic_id, 'call_payer' as task, 'insurance_verifier' as owner_role,
               ?::timestamp as due_at, '270 sent but no 271 answer: verify by phone' as reason
        from marts.fct_leads where lead_id = 'L00000'
        union all
        select lead_id, clinic_id,
               ['request_authorization', 'queue_270', 'collect_insurance'][n // 30 % 3 + 1],
               ['billing_specialist', 'system', 'intake_coordinator'][n // 30 % 3 + 1],
               ?::timestamp,
               ['plan requires prior authorization', 'benefits not verified: 270 queued',
                'no insurance on file'][n // 30 % 3 + 1]
        from (select lead_id, clinic_id, row_number() over (order by lead_id) as n
              from marts.fct_leads where lead_id <> 'L00000')
        where n % 10 = 0
        """,
        [as_of, as_of],
    )
    # One fax, attached to the first lead of each clinic's first lead (L00000), waiting for review.
    con.execute(
        """
        create table marts.lead_source_records as
        select 'fax' as source, 'fax_0001.pdf' as source_file, ? as source_record_id, lead_id, person_id,
               'referral' as record_kind, 1.0 as match_weight
        from marts.fct_leads where lead_id = 'L00000'
        """,
        [REVIEW_FAX],
    )
    image = _fax_page(warehouse_dir)
    fields = ", ".join(
        f"null::varchar as {f}, 0.9 as {f}_confidence" for f in FAX_FIELDS if f != "first_name"
    )
    con.execute(
        f"""
        create table raw.fax_extractions as
        select ? as source_record_id, ?::timestamp as received_at, '{FAKE_FIRST}' as first_name,
               0.41 as first_name_confidence, {fields}, true as needs_review, [?] as page_images,
               'fax' as source, 'fax_0001.pdf' as source_file, ?::timestamp as ingested_at
        """,
        [REVIEW_FAX, as_of, str(image), as_of],
    )
    # The mart the lead page reads: the same fax with its lead (no correction yet).
    con.execute(
        """
        create table marts.fax_extractions as
        select f.* exclude (ingested_at), s.lead_id, null::varchar as corrected_by
        from raw.fax_extractions f join marts.lead_source_records s using (source_record_id)
        """
    )
    con.execute(
        """
        create table raw.review_queue as
        select ? as source_record_id, 'low confidence: first_name' as reason, [?] as page_images,
               ?::timestamp as created_at, 'fax' as source, 'fax_0001.pdf' as source_file,
               ?::timestamp as ingested_at
        """,
        [REVIEW_FAX, str(image), as_of, as_of],
    )
    # A second queued fax whose correction was already ingested: still in raw.review_queue, gone from
    # the dbt view (stg_fax__review_queue drops corrected faxes), which is what the page must list.
    con.execute(
        """
        insert into raw.review_queue
        select ?, 'low confidence: dob', [?], ?::timestamp, 'fax', ?, ?::timestamp
        """,
        [CORRECTED_FAX, str(image), as_of, CORRECTED_FAX, as_of],
    )
    con.execute(
        """
        create table staging.stg_fax__review_queue as
        select source, source_file, source_record_id, reason, page_images, created_at, ingested_at
        from raw.review_queue where source_record_id <> ?
        """,
        [CORRECTED_FAX],
    )
    con.execute(
        """
        create table raw.ingest_log as
        select * from (values
            ('fax', 'fax_0001.pdf', 'aa', 1000::bigint, 1::bigint, 'ok', null, ?::timestamp, 1.5),
            ('webforms', 'forms.jsonl', 'bb', 500::bigint, 10::bigint, 'ok', null, ?::timestamp, 0.1),
            ('sms', 'broken.csv', 'cc', 20::bigint, 0::bigint, 'quarantined', 'missing column Sid',
             ?::timestamp, 0.0)
        ) t(source, file, sha256, bytes, records, status, reason, ingested_at, duration_s)
        """,
        [as_of, as_of, as_of],
    )
    quarantine = warehouse_dir / "quarantine" / "sms"
    quarantine.mkdir(parents=True, exist_ok=True)
    (quarantine / "broken.csv").write_text("From,To\n", encoding="utf-8")
    (quarantine / "broken.csv.reason.txt").write_text("missing column Sid\n", encoding="utf-8")
