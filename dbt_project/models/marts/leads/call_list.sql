{{ config(tags=['scored']) }}

-- Open leads with the next action, channel, due time, owner, reason and a short script, ranked per clinic.
with open_leads as (
    select
        fct.*,
        resolved.has_phone,
        resolved.has_email,
        resolved.sms_consent,
        resolved.preferred_contact,
        resolved.post_op,
        resolved.diagnosis_group
    from {{ ref('fct_leads') }} as fct
    inner join {{ ref('int_leads_resolved') }} as resolved on fct.lead_id = resolved.lead_id
    where fct.status in ('new', 'contacted', 'verified')
),

actions as (
    select
        lead_id,
        clinic_id,
        case
            when status = 'verified' then 'schedule_evaluation'
            when status = 'contacted' then 'follow_up'
            when has_phone then 'first_call'
            else 'first_email'
        end as action,
        case
            when has_phone and preferred_contact = 'sms' and coalesce(sms_consent, false) then 'sms'
            when has_phone then 'phone'
            when has_email then 'email'
            else 'mail'
        end as channel,
        case
            when status = 'verified' then verified_at + interval 4 hour
            when status = 'contacted' then first_contact_at + interval 1 day
            else received_at + to_hours({{ var('first_contact_sla_hours') }})
        end as due_at,
        'intake_coordinator' as owner_role,
        concat_ws(
            '; ',
            status || ' lead from ' || source,
            case when post_op then 'post-op' end,
            case when priority_tier = 'high' then 'high priority' end,
            case when payer = 'UNKNOWN' then 'insurance unknown' end
        ) as reason,
        case
            when status = 'verified'
                then 'Benefits are verified: offer the first open evaluation slot at the preferred clinic.'
            when status = 'contacted'
                then 'Follow up on the earlier message; answer questions and offer an evaluation time.'
            else 'Introduce the clinic, confirm the referral and insurance, and offer an evaluation time.'
        end as script,
        priority_tier,
        score,
        expected_value
    from open_leads
)

select
    *,
    cast(row_number() over (
        partition by clinic_id
        order by
            case priority_tier when 'high' then 0 when 'standard' then 1 else 2 end,
            score desc nulls last,
            expected_value desc nulls last,
            due_at asc,
            lead_id asc
    ) as integer) as rank
from actions
