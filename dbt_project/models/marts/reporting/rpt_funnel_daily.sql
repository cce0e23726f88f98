{{ config(tags=['scored']) }}

-- Leads received per day, source and clinic, and how many of them reached each funnel stage by as-of.
select
    cast(received_at as date) as day,
    source,
    clinic_id,
    cast(count(*) as integer) as received,
    cast(count(first_contact_at) as integer) as contacted,
    cast(count(verified_at) as integer) as verified,
    cast(count(scheduled_at) as integer) as scheduled,
    cast(count(evaluated_at) as integer) as evaluated
from {{ ref('fct_leads') }}
group by cast(received_at as date), source, clinic_id
