-- One row per FHIR Patient (the latest version when an export repeats it), normalised for matching.
with latest as (
    select *
    from {{ source('fhir', 'fhir_patients') }}
    qualify row_number() over (
        partition by source_record_id order by last_updated desc nulls last, ingested_at desc
    ) = 1
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
left join {{ ref('stg_ref__zip_codes') }} as zips on normalised.zip = zips.zip
