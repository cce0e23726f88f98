-- Funnel milestones and status of every lead as of the run's as-of.
-- On DuckDB a daily increment: only the leads whose row can differ from the last build's are computed
-- again (macros/incremental_marts.sql, funnel_prepare).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ funnel_prepare() }}",
    post_hook="{{ funnel_commit() }}",
) }}
{%- set increment = funnel_plan() == 'increment' %}
{#- rendered only for an increment (unit tests render the model with no relation to name) #}
{%- set in_scope = ('lead_id in (select lead_id from ' ~ lead_aux('scope') ~ ')') if increment else '' %}
with leads as (
    select * from {{ ref('int_leads_resolved') }}
    -- noqa: disable=LT02,LT14
    {% if increment %}where {{ in_scope }}{% endif %}
    -- noqa: enable=LT02,LT14
),

appointments as (
    select * from {{ ref('int_lead_appointments') }}
    -- noqa: disable=LT02,LT14
    {% if increment %}where {{ in_scope }}{% endif %}
    -- noqa: enable=LT02,LT14
),

touches as (
    select
        lead_id,
        min(event_at) filter (where direction = 'outbound' or record_kind = 'outcome') as first_contact_at,
        min(event_at) filter (where record_kind = 'eligibility') as verified_at
    from {{ ref('int_touches_attributed') }}
    where
        lead_id is not null
        -- noqa: disable=LT02,LT14
        {% if increment %}and {{ in_scope }}{% endif %}
    -- noqa: enable=LT02,LT14
    group by lead_id
),

-- Scheduled = the first evaluation booked, whatever became of it (a cancel-then-rebook stays scheduled
-- at the first booking); any appointment stands in when a source does not type its appointments.
-- Evaluated = start of the first evaluation that took place by the as-of.
bookings as (
    select
        lead_id,
        coalesce(min(booked_at) filter (where appointment_type = 'eval'), min(booked_at)) as scheduled_at,
        min(start_at) filter (
            where
            appointment_type = 'eval'
            and status in ('fulfilled', 'arrived', 'checked-in')
            and start_at <= {{ as_of() }}
        ) as evaluated_at,
        bool_or(appointment_type = 'eval' and status = 'noshow' and start_at <= {{ as_of() }}) as had_no_show
    from appointments
    group by lead_id
),

milestones as (
    select
        leads.*,
        touches.first_contact_at,
        touches.verified_at,
        bookings.scheduled_at,
        bookings.evaluated_at,
        case
            when bookings.had_no_show then 1
            when bookings.evaluated_at is not null then 0
        end as no_show
    from leads
    left join bookings on leads.lead_id = bookings.lead_id
    left join touches on leads.lead_id = touches.lead_id
)

select
    *,
    case
        when evaluated_at is not null then 'evaluated'
        when scheduled_at is not null then 'scheduled'
        when
            request_status in ('revoked', 'entered-in-error')
            or received_at <= {{ as_of() }} - {{ days_interval(var('lost_after_days')) }}
            then 'closed_lost'
        when verified_at is not null then 'verified'
        when first_contact_at is not null then 'contacted'
        else 'new'
    end as status
from milestones
