-- Appointments known by as-of with their lead, and whether each is the lead's evaluation.
select
    appointment_id,
    lead_id,
    person_id,
    source,
    appointment_type,
    status,
    booked_at,
    start_at,
    cast(duration_min as integer) as duration_min,
    location_id,
    practitioner_id,
    status = 'noshow' as is_no_show
from {{ ref('int_lead_appointments') }}
