-- One row per lead episode with its person, primary source, clinic, payer, diagnosis group and
-- distance to the nearest clinic. Receipt and primary source come from the episode's first record;
-- every other attribute from the most authoritative record that has it (EMR before fax before web
-- form before phone), so a web form filled after an e-referral adds what the EMR lacked.
-- On DuckDB a daily increment: only the leads of affected persons are computed again
-- (macros/incremental_lead_models.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    pre_hook="{{ lead_prepare() }}",
    post_hook="{{ lead_commit() }}",
) }}
{%- set increment = lead_plan() == 'increment' %}
{#- In an increment the staging SQL of the details reads only the raw rows of the ids the affected persons'
episodes need (macros/incremental_lead_staging.sql): the views deduplicate every raw row first. -#}
{%- set fhir_ids, patient_ids, coverage_ids, webform_ids = none, none, none, none %}
{%- if increment %}
    {%- set fhir_ids = "select episodes.source_record_id from episodes where episodes.source = 'fhir'" %}
    {%- set patient_ids = 'select requests.patient_id from requests' %}
    {%- set coverage_ids = 'select requests.coverage_id from requests union select source_record_id from '
        ~ lead_source('fhir', 'fhir_coverages')
        ~ ' where beneficiary_ref in (select requests.patient_id from requests)' %}
    {%- set webform_ids = "select episodes.source_record_id from episodes where episodes.source = 'webforms'" %}
{%- endif %}
with episodes as (
    select * from {{ ref('int_lead_episodes') }}
    -- noqa: disable=LT02,LT14
    {% if increment %}
    where person_id in (select person_id from {{ lead_aux('changes') }})
    {% endif %}
-- noqa: enable=LT02,LT14
),

requests as (
    select * from {{ lead_staged(ref('stg_fhir__service_requests'), fhir_ids) }}
),

patients as (
    select * from {{ lead_staged(ref('stg_fhir__patients'), patient_ids) }}
),

coverages as (
    select * from {{ lead_staged(ref('stg_fhir__coverages'), coverage_ids) }}
),

-- A patient's payer when the request names no coverage: its active coverage with the latest start (any of
-- them when none has a start). One row per patient before the join: a QUALIFY over the joined requests
-- carried every request column through a hash aggregate (1M leads: the costliest operator of the model).
patient_payers as (
    select
        patient_id,
        {{ arg_max_nulls_last('payer_id', 'period_start') }} as payer_id
    from coverages
    where status = 'active'
    group by patient_id
),

fhir_details as (
    select
        'fhir' as source,
        sr.service_request_id as source_record_id,
        sr.patient_id as fhir_patient_id,
        sr.status as request_status,
        loc.clinic_id as stated_clinic_id,
        coalesce(linked_cov.payer_id, patient_cov.payer_id) as payer_id,
        sr.diagnosis_group,
        sr.expected_visits,
        sr.post_op,
        coalesce(sr.requester_npi, pr.npi) as referring_npi,
        patients.zip,
        patients.lat,
        patients.lon,
        patients.phone_e164 is not null as has_phone,
        patients.email is not null as has_email,
        cast(null as boolean) as sms_consent,
        cast(null as boolean) as email_consent,
        cast(null as string) as preferred_contact
    from requests as sr
    left join patients on sr.patient_id = patients.patient_id
    left join {{ ref('stg_fhir__locations') }} as loc on sr.location_id = loc.location_id
    left join {{ ref('stg_fhir__practitioners') }} as pr on sr.practitioner_id = pr.practitioner_id
    left join coverages as linked_cov on sr.coverage_id = linked_cov.coverage_id
    left join patient_payers as patient_cov on sr.patient_id = patient_cov.patient_id
),

webform_details as (
    select
        'webforms' as source,
        submission_id as source_record_id,
        cast(null as string) as fhir_patient_id,
        cast(null as string) as request_status,
        clinic_id as stated_clinic_id,
        payer_id,
        diagnosis_group,
        expected_visits,
        post_op,
        referring_npi,
        zip,
        lat,
        lon,
        phone_e164 is not null as has_phone,
        email is not null as has_email,
        sms_consent,
        email_consent,
        preferred_contact
    from {{ lead_staged(ref('stg_webforms__submissions'), webform_ids) }}
),

-- Sources landed through the person_bearing union carry what their staging model exposes.
other_details as (
    select
        records.source,
        records.source_record_id,
        cast(null as string) as fhir_patient_id,
        cast(null as string) as request_status,
        records.clinic_id as stated_clinic_id,
        records.payer_id,
        records.diagnosis_group,
        cast(null as integer) as expected_visits,
        records.post_op,
        records.referring_npi,
        records.zip5 as zip,
        zips.lat,
        zips.lon,
        records.phone_e164 is not null as has_phone,
        records.email is not null as has_email,
        cast(null as boolean) as sms_consent,
        cast(null as boolean) as email_consent,
        cast(null as string) as preferred_contact
    from {{ ref('int_source_records') }} as records
    left join {{ ref('stg_ref__zip_codes') }} as zips on records.zip5 = zips.zip
    where
        records.opens_lead and records.source not in ('fhir', 'webforms')
        -- noqa: disable=LT02,LT14
        {% if increment %}
        and records.record_key in (select episodes.record_key from episodes)
        {% endif %}
-- noqa: enable=LT02,LT14
),

details as (
    select * from fhir_details
    union all
    select * from webform_details
    union all
    select * from other_details
),

ranked as (
    select
        episodes.*,
        {{ star_except('details', ['source', 'source_record_id']) }},  -- noqa: RF02
        case episodes.source
            when 'fhir' then 1 when 'hl7v2' then 2 when 'emr_csv' then 3 when 'fax' then 4
            when 'webforms' then 5 when 'calls' then 6 else 9
        end as authority,
        case
            -- an evaluation booked with no referral, voicemail or form before it: booked direct
            when episodes.record_kind = 'appointment' then 'direct'
            when episodes.source in ('fhir', 'hl7v2', 'emr_csv') then 'emr'
            when episodes.source = 'webforms' then 'web'
            when episodes.source = 'calls' then 'phone'
            else episodes.source
        end as channel
    from episodes
    left join details
        on episodes.source = details.source and episodes.source_record_id = details.source_record_id
),

-- Each record's place in its lead by time, an integer: the aggregates below compare it, not (event_at,
-- record_key) tuples, which cost ~20 tuple comparisons a record.
timed as (
    select
        *,
        row_number() over (partition by lead_id order by event_at, record_key) as time_rank
    from ranked
),

-- Its place by (authority, event_at, record_key) is its place by (authority, time_rank): one integer key
-- instead of a second window sorting every lead's records again (authority < 16, time_rank < 2^32).
ordered as (
    select
        *,
        cast(authority as bigint) * 4294967296 + time_rank as authority_rank
    from timed
),

{%- set by_authority = ['fhir_patient_id', 'request_status', 'stated_clinic_id', 'payer_id',
    'diagnosis_group', 'expected_visits', 'post_op', 'referring_npi', 'zip', 'lat', 'lon',
    'sms_consent', 'email_consent', 'preferred_contact'] %}

leads as (
    select
        lead_id,
        min(person_id) as person_id,
        {{ arg_min('source', 'time_rank') }} as source,
        {{ arg_min('channel', 'time_rank') }} as channel,
        {{ arg_min('source_file', 'time_rank') }} as source_file,
        {{ arg_min('source_record_id', 'time_rank') }} as source_record_id,
        min(event_at) as received_at,
        cast(count(*) as integer) as record_count,
        {{ sorted_distinct_values('source') }} as sources,
        {#- The most authoritative non-null value: arg_min skips null keys (one CASE per column costs ~12% less
        than a FILTER clause per aggregate). #}
        {%- for column in by_authority %}
            {{ arg_min(column, 'case when ' ~ column ~ ' is not null then authority_rank end') }} as {{ column }},
        {%- endfor %}
        coalesce(bool_or(has_phone), false) as has_phone,
        coalesce(bool_or(has_email), false) as has_email
    from ordered
    group by lead_id
),

-- The nearest clinic (ties: the smallest clinic_id; an unknown distance last) as the least struct of each lead's
-- candidates: a hash aggregate, not a window sorting every lead's candidates.
candidates as (
    select
        leads.lead_id,
        clinics.clinic_id,
        {{ haversine_km('leads.lat', 'leads.lon', 'clinics.lat', 'clinics.lon') }} as distance_km
    from leads
    cross join {{ ref('stg_ref__clinics') }} as clinics
    where leads.lat is not null and clinics.lat is not null
),

nearest as (
    select
        picked.lead_id,
        picked.closest.clinic_id,
        picked.closest.distance_km
    from (
        select
            lead_id,
            min({{ struct_of({'unknown': 'distance_km is null', 'distance_km': 'distance_km',
                'clinic_id': 'clinic_id'}) }}) as closest
        from candidates
        group by lead_id
    ) as picked
),

group_visits as (
    select
        diagnosis_group,
        max(expected_visits) as expected_visits
    from {{ ref('stg_ref__diagnosis_groups') }}
    group by diagnosis_group
),

default_clinic as (
    select min(clinic_id) as clinic_id from {{ ref('stg_ref__clinics') }}
)

select
    leads.lead_id,
    leads.person_id,
    leads.source,
    leads.channel,
    leads.source_file,
    leads.source_record_id,
    leads.received_at,
    leads.record_count,
    leads.sources,
    coalesce(leads.stated_clinic_id, nearest.clinic_id, default_clinic.clinic_id) as clinic_id,
    coalesce(leads.payer_id, 'UNKNOWN') as payer,
    leads.payer_id is null as payer_unknown,
    coalesce(leads.diagnosis_group, 'general') as diagnosis_group,
    coalesce(leads.expected_visits, dg.expected_visits, general.expected_visits) as expected_visits,
    coalesce(leads.post_op, false) as post_op,
    leads.referring_npi,
    leads.zip,
    nearest.distance_km,
    leads.fhir_patient_id,
    leads.request_status,
    leads.has_phone,
    leads.has_email,
    leads.sms_consent,
    leads.email_consent,
    leads.preferred_contact
from leads
left join nearest on leads.lead_id = nearest.lead_id
left join group_visits as dg on coalesce(leads.diagnosis_group, 'general') = dg.diagnosis_group
left join group_visits as general on general.diagnosis_group = 'general'
cross join default_clinic
