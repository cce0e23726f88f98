-- One row per lead as of the run: the features and labels the scoring model trains and predicts on.
with funnel as (
    select * from {{ ref('int_lead_funnel') }}
),

payers as (
    select * from {{ ref('stg_ref__payers') }}
),

average_rate as (
    select avg(rate_per_visit) as rate_per_visit from payers
)

select
    funnel.lead_id,
    funnel.person_id,
    funnel.clinic_id,
    funnel.received_at,
    funnel.source,
    funnel.channel,
    funnel.payer,
    coalesce(payers.payer_tier, 'unknown') as payer_tier,
    coalesce(payers.rate_per_visit, average_rate.rate_per_visit) as rate_per_visit,
    funnel.diagnosis_group,
    cast(funnel.expected_visits as integer) as expected_visits,
    funnel.post_op,
    funnel.distance_km,
    funnel.referring_npi,
    date_diff('second', funnel.received_at, funnel.first_contact_at) / 3600.0 as hours_to_first_contact,
    funnel.status in ('new', 'contacted', 'verified') as is_open,
    cast(case
        when funnel.scheduled_at <= funnel.received_at + interval 14 day then 1
        when funnel.received_at <= {{ as_of() }} - interval 14 day then 0
    end as integer) as label_scheduled_14d,
    cast(funnel.no_show as integer) as label_no_show,
    {{ as_of() }} as as_of
from funnel
left join payers on funnel.payer = payers.payer_id
cross join average_rate
