-- Appointments attached to lead episodes: the lead holding the referral the appointment is based on,
-- else the same person's latest lead received before the booking. A booking before the lead's receipt
-- never counts.
with leads as (
    select
        lead_id,
        person_id,
        received_at,
        lead(received_at) over (partition by person_id order by received_at, lead_id) as next_received_at
    from {{ ref('int_leads_resolved') }}
),

referral_leads as (
    select
        source_record_id as service_request_id,
        lead_id
    from {{ ref('int_lead_episodes') }}
    where source = 'fhir'
),

appointments as (
    select
        appts.*,
        persons.person_id
    from {{ ref('stg_fhir__appointments') }} as appts
    inner join {{ ref('int_persons_matched') }} as persons
        on
            persons.record_kind = 'appointment'
            and appts.source = persons.source
            and appts.appointment_id = persons.source_record_id
),

candidates as (
    select
        appointments.*,
        leads.lead_id,
        leads.received_at,
        referral_leads.lead_id is not null as is_direct
    from appointments
    left join referral_leads on appointments.service_request_id = referral_leads.service_request_id
    inner join leads
        on
            appointments.booked_at >= leads.received_at
            and (
                leads.lead_id = referral_leads.lead_id
                or (
                    appointments.person_id = leads.person_id
                    and (leads.next_received_at is null or appointments.booked_at < leads.next_received_at)
                )
            )
)

select
    lead_id,
    person_id,
    appointment_id,
    source,
    source_file,
    appointment_type,
    status,
    booked_at,
    start_at,
    duration_min,
    location_id,
    practitioner_id
from candidates
qualify row_number() over (
    partition by appointment_id order by is_direct desc, received_at desc
) = 1
