-- Appointments known by the run's as-of. An outcome (fulfilled, no-show) of an appointment that starts
-- after the as-of cannot be known yet, so it reads as booked.
with latest as (
    select *
    from {{ source('fhir', 'fhir_appointments') }}
    where coalesce(created_at, start_at) <= {{ as_of() }}
    qualify row_number() over (
        partition by source_record_id order by last_updated desc nulls last, ingested_at desc
    ) = 1
)

select
    source_record_id as appointment_id,
    patient_ref as patient_id,
    practitioner_ref as practitioner_id,
    location_ref as location_id,
    based_on_ref as service_request_id,
    case
        when {{ regexp_test("lower(coalesce(appointment_type, '') || ' ' || coalesce(service_type, ''))", 'eval') }}
            then 'eval'
        else 'visit'
    end as appointment_type,
    case
        when start_at > {{ as_of() }} and status in ('fulfilled', 'arrived', 'checked-in', 'noshow')
            then 'booked'
        else status
    end as status,
    start_at,
    end_at,
    coalesce(minutes_duration, {{ time_diff('minute', 'start_at', 'end_at') }}) as duration_min,
    coalesce(created_at, start_at) as booked_at,
    source,
    source_file
from latest
