-- Appointments from vendor EMR appointment reports known by the run's as-of. An outcome (fulfilled,
-- no-show) of an appointment that starts after the as-of cannot be known yet, so it reads as booked.
-- The clinic is looked up by a join, not clinic_id_from_text's correlated subquery (the same match): DuckDB
-- evaluated that subquery over every deduplicated row, so a filter on source_record_id from a reader
-- (int_source_records' daily increment) did not reach the raw scan (1.35M rows at 1M leads, ~10 s).
with latest as (
    select *
    from {{ source('emr_csv', 'emr_csv_appointments') }}
    where coalesce(created_at, start_at) <= {{ as_of() }}
    qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
),

-- A clinic's id or name (any case) -> the smallest clinic id it names.
clinic_keys as (
    select
        clinic_key,
        min(clinic_id) as clinic_id
    from (
        select
            lower(clinic_id) as clinic_key,
            clinic_id
        from {{ ref('stg_ref__clinics') }}
        union all
        select
            lower(clinic_name) as clinic_key,
            clinic_id
        from {{ ref('stg_ref__clinics') }}
    ) as clinic_names
    group by clinic_key
),

looked_up as (
    select
        latest.*,
        clinic_keys.clinic_id as clinic_id_found
    from latest
    left join clinic_keys on lower(trim(latest.clinic)) = clinic_keys.clinic_key
)

select
    source,
    source_file,
    source_record_id,
    'appointment' as record_kind,
    coalesce(created_at, start_at) as event_at,
    {{ title_case('first_name') }} as first_name,
    {{ title_case('last_name') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    nullif(lower(trim(email)), '') as email,
    cast(null as {{ string_type() }}) as zip5,
    patient_ref,
    patient_ref as source_person_id,
    profile,
    coalesce(appointment_id, source_record_id) as appointment_id,
    clinic as clinic_text,
    clinic_id_found as clinic_id,
    therapist,
    start_at,
    duration_min,
    appointment_type,
    case
        when start_at > {{ as_of() }} and status in ('fulfilled', 'arrived', 'noshow') then 'booked'
        else status
    end as status,
    status_raw,
    created_at as booked_at,
    ingested_at
from looked_up
