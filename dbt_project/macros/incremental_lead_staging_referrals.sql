{#- The staging SQL of the records int_leads_resolved details (FHIR ServiceRequest, Patient, Coverage, web
forms), over a raw relation given by the caller: each view passes its source; the lead increment passes the
raw rows of the ids it recomputes only (lead_raw_ids), so the filter applies below the dedup by
source_record_id (same rows for those ids). Reference relations are parameters: a ref() in a macro the
model reaches only at run time fails dbt's dependency check. -#}

{#- PT referrals (ServiceRequest) received by the run's as-of, with the primary ICD-10 code's group. -#}
{% macro stg_fhir_service_requests_sql(raw, diagnosis_groups) -%}
with latest as (
    {% call latest_rows(raw, 'fhir_service_requests', order='last_updated desc nulls last, ingested_at desc') -%}
        authored_on <= {{ as_of() }}
    {%- endcall %}
),

requests as (
    select
        source_record_id as service_request_id,
        patient_ref as patient_id,
        status,
        intent,
        priority,
        requester_ref as practitioner_id,
        requester_npi,
        performer_ref,
        location_ref as location_id,
        authored_on as received_at,
        occurrence_at,
        reason_codes as diagnosis_codes,
        upper({{ first_element('reason_codes') }}) as primary_diagnosis_code,
        replace(upper({{ first_element('reason_codes') }}), '.', '') as primary_code_norm,
        {{ first_element('insurance_refs') }} as coverage_id,
        coalesce(
            {{ regexp_test(
                "lower(coalesce(note, '') || ' ' || coalesce(reason_text, ''))",
                'post[- ]?op|post[- ]?surg|s/p |status post|arthroplasty|reconstruction|repair'
            ) }},
            false
        ) as mentions_surgery,
        source,
        source_file,
        ingested_at
    from latest
),

-- The longest configured prefix of the primary code names the group: joined and ranked per request in the
-- same select (not a second reference to `requests`, which DuckDB materialized, so a filter on
-- service_request_id from a reader, int_source_records' daily increment, did not reach the raw scan).
grouped as (
    select
        requests.*,
        dg.diagnosis_group,
        dg.expected_visits
    from requests
    left join {{ diagnosis_groups }} as dg
        on {{ starts_with('requests.primary_code_norm', 'dg.prefix_norm') }}
    qualify row_number() over (
        partition by requests.service_request_id order by length(dg.prefix_norm) desc
    ) = 1
)

select
    {{ star_except('grouped', ['primary_code_norm', 'mentions_surgery', 'diagnosis_group', 'expected_visits']) }},
    grouped.diagnosis_group,
    grouped.expected_visits,
    (
        grouped.mentions_surgery
        or coalesce(grouped.diagnosis_group like '%post_op', false)
        or coalesce({{ regexp_test('grouped.primary_code_norm', '^(Z471|Z9664|Z9665|Z9889)') }}, false)
    ) as post_op
from grouped
{%- endmacro %}

{#- One row per FHIR Patient (the latest version when an export repeats it), normalised for matching. -#}
{% macro stg_fhir_patients_sql(raw, zip_codes) -%}
with latest as (
    {{ latest_rows(raw, 'fhir_patients', order='last_updated desc nulls last, ingested_at desc') }}
),

normalised as (
    select
        source_record_id as patient_id,
        {{ title_case('given') }} as first_name,
        {{ title_case('middle') }} as middle_name,
        {{ title_case('family') }} as last_name,
        birth_date as dob,
        gender as sex,
        {{ to_e164('phone') }} as phone_e164,
        nullif(lower(trim(email)), '') as email,
        {{ zip5('postal_code') }} as zip,
        mrn,
        source,
        source_file,
        ingested_at
    from latest
)

select
    normalised.*,
    zips.lat,
    zips.lon,
    zips.timezone
from normalised
left join {{ zip_codes }} as zips on normalised.zip = zips.zip
{%- endmacro %}

{#- Coverages with the payer text mapped to a canonical payer through the aliases in payers.yaml. -#}
{% macro stg_fhir_coverages_sql(raw, payer_aliases) -%}
with latest as (
    {{ latest_rows(raw, 'fhir_coverages', order='last_updated desc nulls last, ingested_at desc') }}
)

select
    latest.source_record_id as coverage_id,
    latest.beneficiary_ref as patient_id,
    latest.status,
    latest.member_id,
    latest.payor_display as payer_text,
    coalesce(by_display.payer_id, by_plan.payer_id) as payer_id,
    latest.period_start,
    latest.period_end,
    latest.source_file
from latest
left join {{ payer_aliases }} as by_display
    on lower(trim(latest.payor_display)) = by_display.alias_norm
left join {{ payer_aliases }} as by_plan
    on lower(trim(latest.plan_name)) = by_plan.alias_norm
{%- endmacro %}

{#- Web-form requests received by the run's as-of, normalised like every other person-bearing record. -#}
{% macro stg_webforms_submissions_sql(raw, diagnosis_groups, payer_aliases, clinics, zip_codes) -%}
with latest as (
    {% call latest_rows(raw, 'webforms_submissions') -%}
        received_at <= {{ as_of() }}
    {%- endcall %}
),

submissions as (
    select
        source_record_id as submission_id,
        received_at,
        {{ title_case('first_name') }} as first_name,
        {{ title_case('middle_name') }} as middle_name,
        {{ title_case('last_name') }} as last_name,
        dob,
        {{ to_e164('phone') }} as phone_e164,
        nullif(lower(trim(email)), '') as email,
        {{ zip5('zip') }} as zip,
        payer as payer_text,
        member_id,
        diagnosis_codes,
        replace(upper({{ first_element('diagnosis_codes') }}), '.', '') as primary_code_norm,
        diagnosis_text,
        coalesce(
            post_op,
            {{ regexp_test(
                "lower(coalesce(diagnosis_text, '') || ' ' || coalesce(notes, ''))",
                'surgery|post[- ]?op|replacement|reconstruction|repair'
            ) }}
        ) as post_op,
        referring_name,
        referring_npi,
        clinic as clinic_text,
        lower(preferred_contact) as preferred_contact,
        sms_consent,
        email_consent,
        source,
        source_file,
        ingested_at
    from latest
),

-- The longest configured prefix of the primary code names the group: joined and ranked per submission in
-- the same select (not a second reference to `submissions`, which DuckDB materialized, so a filter on
-- submission_id from a reader, int_source_records' daily increment, did not reach the raw scan).
grouped as (
    select
        submissions.*,
        dg.diagnosis_group,
        dg.expected_visits
    from submissions
    left join {{ diagnosis_groups }} as dg
        on {{ starts_with('submissions.primary_code_norm', 'dg.prefix_norm') }}
    qualify row_number() over (
        partition by submissions.submission_id order by length(dg.prefix_norm) desc
    ) = 1
)

select
    {{ star_except('submissions', ['primary_code_norm', 'diagnosis_group', 'expected_visits']) }},
    aliases.payer_id,
    submissions.diagnosis_group,
    submissions.expected_visits,
    coalesce(by_id.clinic_id, by_name.clinic_id) as clinic_id,
    zips.lat,
    zips.lon,
    zips.timezone
from grouped as submissions
left join {{ payer_aliases }} as aliases
    on lower(trim(submissions.payer_text)) = aliases.alias_norm
left join {{ clinics }} as by_id on lower(trim(submissions.clinic_text)) = lower(by_id.clinic_id)
left join {{ clinics }} as by_name
    on lower(trim(submissions.clinic_text)) = lower(by_name.clinic_name)
left join {{ zip_codes }} as zips on submissions.zip = zips.zip
{%- endmacro %}
