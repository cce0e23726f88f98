-- Every touch (call, voicemail, SMS, email event, web event, staff outcome, eligibility answer) with
-- its person and the lead active at that moment: a SendGrid custom arg lead id when it is one of our
-- lead ids, else the person's latest lead received at or before the touch (DuckDB ASOF join).
with touches as (
    select
        persons.record_key,
        persons.person_id,
        records.source,
        records.source_file,
        records.source_record_id,
        records.record_kind,
        records.event_at,
        records.direction,
        records.touch_result,
        records.lead_ref
    from {{ ref('int_persons_matched') }} as persons
    inner join {{ ref('int_source_records') }} as records on persons.record_key = records.record_key
    where
        records.record_kind in ('call', 'voicemail', 'sms', 'email', 'web', 'outcome', 'eligibility')
        and records.source != 'webforms'
        and records.event_at is not null
),

leads as (
    select
        lead_id,
        person_id,
        received_at
    from {{ ref('int_leads_resolved') }}
),

by_time as (
    select
        touches.*,
        leads.lead_id as active_lead_id
    from touches
    asof left join leads
        on touches.person_id = leads.person_id and touches.event_at >= leads.received_at
)

select
    by_time.record_key,
    by_time.person_id,
    coalesce(named.lead_id, by_time.active_lead_id) as lead_id,
    by_time.source,
    by_time.source_file,
    by_time.source_record_id,
    by_time.record_kind,
    by_time.event_at,
    by_time.direction,
    by_time.touch_result
from by_time
left join leads as named on by_time.lead_ref = named.lead_id
