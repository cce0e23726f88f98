-- SIU scheduling messages known by the run's as-of: one row per message (an appointment's history is
-- its messages in order). Outcomes of appointments that start after as-of read as booked.
with latest as (
    select *
    from {{ source('hl7v2', 'hl7v2_appointments') }}
    where coalesce(sent_at, start_at) <= {{ as_of() }}
    qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
)

select
    source,
    source_file,
    source_record_id,
    'appointment' as record_kind,
    coalesce(sent_at, start_at) as event_at,
    {{ title_case('given') }} as first_name,
    {{ title_case('family') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    cast(null as {{ string_type() }}) as email,
    {{ zip5('zip') }} as zip5,
    patient_id as patient_ref,
    patient_id as source_person_id,
    coalesce(filler_id, placer_id) as appointment_id,
    event as schedule_event,
    case
        when start_at > {{ as_of() }} and status in ('fulfilled', 'arrived', 'noshow', 'complete')
            then 'booked'
        when event = 'noshow' or status in ('noshow', 'no show') then 'noshow'
        when event in ('cancelled', 'deleted', 'discontinued') or status in ('cancelled', 'deleted', 'dc')
            then 'cancelled'
        when status in ('complete', 'fulfilled') then 'fulfilled'
        when status = 'arrived' then 'arrived'
        else 'booked'
    end as status,
    status as status_raw,
    start_at,
    duration_min,
    case
        when {{ regexp_test("lower(coalesce(appointment_type, '') || ' ' || coalesce(reason, ''))", 'eval|9716[123]') }}
            then 'eval'
        else 'visit'
    end as appointment_type,
    location_code as clinic_text,
    {{ clinic_id_from_text('location_code') }} as clinic_id,
    therapist_name,
    therapist_npi,
    ingested_at
from latest
