-- Web-form requests received by the run's as-of, normalised like every other person-bearing record.
with latest as (
    select *
    from {{ source('webforms', 'webforms_submissions') }}
    where received_at <= {{ as_of() }}
    qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
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
    left join {{ ref('stg_ref__diagnosis_groups') }} as dg
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
left join {{ ref('stg_ref__payer_aliases') }} as aliases
    on lower(trim(submissions.payer_text)) = aliases.alias_norm
left join {{ ref('stg_ref__clinics') }} as by_id on lower(trim(submissions.clinic_text)) = lower(by_id.clinic_id)
left join {{ ref('stg_ref__clinics') }} as by_name
    on lower(trim(submissions.clinic_text)) = lower(by_name.clinic_name)
left join {{ ref('stg_ref__zip_codes') }} as zips on submissions.zip = zips.zip
