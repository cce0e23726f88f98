-- PT referrals (ServiceRequest) received by the run's as-of, with the primary ICD-10 code's group.
with latest as (
    select *
    from {{ source('fhir', 'fhir_service_requests') }}
    where authored_on <= {{ as_of() }}
    qualify row_number() over (
        partition by source_record_id order by last_updated desc nulls last, ingested_at desc
    ) = 1
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
    left join {{ ref('stg_ref__diagnosis_groups') }} as dg
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
