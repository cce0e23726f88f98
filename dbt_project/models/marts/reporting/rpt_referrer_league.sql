{{ config(tags=['scored']) }}

-- Referrer conversion league table: leads, scheduled, evaluated and conversion per referring NPI,
-- ranked by evaluated leads (settled leads only: received at least 14 days before as-of).
with per_referrer as (
    select
        leads.referring_npi,
        cast(count(*) as integer) as leads,
        cast(count(leads.scheduled_at) as integer) as scheduled,
        cast(count(leads.evaluated_at) as integer) as evaluated,
        count(leads.evaluated_at) / count(*) as conversion_rate
    from {{ ref('fct_leads') }} as leads
    where leads.referring_npi is not null and leads.received_at <= {{ as_of() }} - interval 14 day
    group by leads.referring_npi
)

select
    per_referrer.*,
    referrers.referrer_name,
    cast(rank() over (order by per_referrer.evaluated desc, per_referrer.conversion_rate desc) as integer)
        as league_rank
from per_referrer
left join {{ ref('dim_referrers') }} as referrers on per_referrer.referring_npi = referrers.referring_npi
