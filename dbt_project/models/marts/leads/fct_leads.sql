{{ config(tags=['scored']) }}

-- One row per lead episode with funnel timestamps, status and the latest score. Before any model
-- exists, priority comes from a rule (post-op or high-tier payer -> high, low-tier payer -> low)
-- and expected value from reimbursement x expected visits x the base conversion rate.
with funnel as (
    select * from {{ ref('int_lead_funnel') }}
),

features as (
    select
        lead_id,
        payer_tier,
        rate_per_visit,
        hours_to_first_contact
    from {{ ref('ml_lead_features') }}
),

scores as (
    select * from {{ ref('stg_ml__lead_scores') }}
)

select
    funnel.lead_id,
    funnel.person_id,
    funnel.clinic_id,
    funnel.source,
    funnel.channel,
    funnel.referring_npi,
    funnel.payer,
    funnel.received_at,
    funnel.first_contact_at,
    funnel.verified_at,
    funnel.scheduled_at,
    funnel.evaluated_at,
    funnel.status,
    coalesce(
        scores.priority_tier,
        case
            when funnel.post_op or features.payer_tier = 'high' then 'high'
            when features.payer_tier = 'low' then 'low'
            else 'standard'
        end
    ) as priority_tier,
    scores.score,
    coalesce(
        scores.expected_value,
        features.rate_per_visit * funnel.expected_visits * {{ var('base_conversion_rate', 0.5) }}
    ) as expected_value,
    funnel.diagnosis_group,
    funnel.post_op,
    funnel.distance_km,
    features.payer_tier,
    features.rate_per_visit * funnel.expected_visits as episode_revenue,
    features.hours_to_first_contact,
    funnel.verified_at is not null as eligibility_verified,
    funnel.record_count,
    {{ join_list('funnel.sources', "','") }} as sources
from funnel
inner join features on funnel.lead_id = features.lead_id
left join scores on funnel.lead_id = scores.lead_id
