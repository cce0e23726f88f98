{{ config(tags=['scored']) }}

-- Revenue leaking out: qualified leads (payer known and not low tier, or post-op) received at least 14
-- days before as-of and not scheduled within 14 days, valued at expected episode revenue
-- (payer rate x expected visits of the diagnosis group). Per receipt month and clinic.
select
    cast(date_trunc('month', received_at) as date) as month,
    clinic_id,
    cast(count(*) as integer) as qualified_leads,
    cast(count(*) filter (where leaked) as integer) as leaked_leads,
    coalesce(sum(episode_revenue) filter (where leaked), 0.0) as leaked_revenue
from (
    select
        *,
        scheduled_at is null or scheduled_at > received_at + interval 14 day as leaked
    from {{ ref('fct_leads') }}
    where
        received_at <= {{ as_of() }} - interval 14 day
        and (post_op or payer_tier in ('high', 'standard'))
)
group by all
