-- Funnel milestones and status of every lead as of the run's as-of.
-- scheduled_at: first active booking; evaluated_at: start of the first appointment that took place.
with leads as (
    select * from {{ ref('int_leads_resolved') }}
),

appointments as (
    select * from {{ ref('int_lead_appointments') }}
    where status not in ('cancelled', 'entered-in-error', 'proposed', 'pending', 'waitlist')
),

touches as (
    select
        lead_id,
        min(event_at) filter (where direction = 'outbound' or record_kind = 'outcome') as first_contact_at,
        min(event_at) filter (where record_kind = 'eligibility') as verified_at
    from {{ ref('int_touches_attributed') }}
    where lead_id is not null
    group by lead_id
),

first_appointment as (
    select
        lead_id,
        booked_at,
        start_at,
        status
    from appointments
    qualify row_number() over (
        partition by lead_id order by (appointment_type = 'eval') desc, start_at, appointment_id asc
    ) = 1
),

milestones as (
    select
        leads.*,
        touches.first_contact_at,
        touches.verified_at,
        first_appointment.booked_at as scheduled_at,
        case
            when first_appointment.status in ('fulfilled', 'arrived', 'checked-in')
                then first_appointment.start_at
        end as evaluated_at,
        case
            when first_appointment.status = 'noshow' then 1
            when first_appointment.status in ('fulfilled', 'arrived', 'checked-in') then 0
        end as no_show
    from leads
    left join first_appointment on leads.lead_id = first_appointment.lead_id
    left join touches on leads.lead_id = touches.lead_id
)

select
    *,
    case
        when evaluated_at is not null then 'evaluated'
        when scheduled_at is not null then 'scheduled'
        when
            request_status in ('revoked', 'entered-in-error')
            or received_at <= {{ as_of() }} - to_days({{ var('lost_after_days') }})
            then 'closed_lost'
        when verified_at is not null then 'verified'
        when first_contact_at is not null then 'contacted'
        else 'new'
    end as status
from milestones
