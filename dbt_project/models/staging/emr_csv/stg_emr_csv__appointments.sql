-- Appointments from vendor EMR appointment reports known by the run's as-of. An outcome (fulfilled,
-- no-show) of an appointment that starts after the as-of cannot be known yet, so it reads as booked.
-- Inlined, not materialized (the lookup subqueries below would make DuckDB materialize it): a filter on
-- source_record_id from a reader (int_source_records' daily increment) then reaches the raw scan.
with latest as {{ not_materialized() }} (
    select *
    from {{ source('emr_csv', 'emr_csv_appointments') }}
    where coalesce(created_at, start_at) <= {{ as_of() }}
    qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
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
    {{ clinic_id_from_text('clinic') }} as clinic_id,
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
from latest
