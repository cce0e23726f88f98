-- Every touch (call, voicemail, SMS, email event, web event, staff outcome, eligibility answer) with
-- its person and lead: the lead it names (our 270 trace, a staff outcome, a SendGrid custom arg, the
-- engine's log of the tracking token a web event carries) when
-- that is one of our lead ids; for a web event, the lead of the SMS or email whose link it followed;
-- else the person's latest lead received at or before the touch. A 271 carries only
-- the date of its answer (BHT04), and the inquiry it answers was sent for a lead already received, so it
-- belongs to the latest lead received by the end of that day, not by its midnight.
-- On DuckDB a daily increment: only the touches in scope (records assigned again, touches of affected
-- persons or naming their leads, and those sharing a link token) are computed again
-- (macros/incremental_lead_models.sql; its pre-hook macros/incremental_touches.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    pre_hook="{{ touches_prepare() }}",
    post_hook="{{ lead_commit() }}",
) }}
{%- set increment = lead_plan() == 'increment' %}
-- Each record's person (in an increment only the records in scope: no hash table over every record; found by
-- record_key_hash, a scan of integers instead of every record_key string: a colliding hash only adds a row that
-- the join on record_key drops).
with persons as (
    select
        record_key,
        person_id
    from {{ ref('int_persons_matched') }}
    -- noqa: disable=LT02,LT14
    {% if increment %}
    where record_key_hash in (select {{ key_hash('record_key') }} from {{ lead_aux('scope') }})
    {% else %}
    -- the touches' rows only (the records below keep the same ones): the join reads half the record keys
    where
        record_kind in ({{ lead_touch_kinds() }})
        and source != 'webforms'
        and event_at is not null
    {% endif %}
    -- noqa: enable=LT02,LT14
),

records as (
    select
        records.record_key,
        persons.person_id,
        records.source,
        records.source_file,
        records.source_record_id,
        records.record_kind,
        records.event_at,
        records.direction,
        records.touch_result,
        records.token,
        coalesce(records.lead_ref, rendered_links.lead_id) as lead_ref
    from {{ ref('int_source_records') }} as records
    left join persons on records.record_key = persons.record_key
    -- a web event following a link the engine rendered (raw.tracking_tokens) names that link's lead
    left join {{ source('web', 'tracking_tokens') }} as rendered_links
        on
            records.record_kind = 'web'
            and records.token = rendered_links.token
            -- a link is followed after it was rendered: keeps replay and full refresh identical
            and records.event_at >= rendered_links.created_at
    where
        records.record_kind in ({{ lead_touch_kinds() }})
        and records.source != 'webforms'
        and records.event_at is not null
        -- noqa: disable=LT02,LT14
        {% if increment %}
        and records.record_key in (select record_key from {{ lead_aux('scope') }})
        {% endif %}
-- noqa: enable=LT02,LT14
),

-- The leads a touch can name or fall in (in an increment only those of the records in scope: their
-- persons' leads and the leads they name; a touch that names a lead takes that lead whatever the ASOF
-- join finds for its person).
leads as (
    select
        lead_id,
        person_id,
        received_at
    from {{ ref('int_leads_resolved') }}
    -- noqa: disable=LT02,LT14
    {% if increment %}
    where
        person_id in (select records.person_id from records)
        or lead_id in (select records.lead_ref from records)
    {% endif %}
-- noqa: enable=LT02,LT14
),

-- A touch that names a lead belongs to that lead's person even when nothing else identifies it.
touches as (
    select
        {{ star_except('records', ['person_id']) }},
        coalesce(named.person_id, records.person_id) as person_id,
        named.lead_id as named_lead_id,
        case
            when records.record_kind = 'eligibility' and records.event_at = date_trunc('day', records.event_at)
                then records.event_at + interval 1 day - interval 1 microsecond
            else records.event_at
        end as attributed_at
    from records
    left join leads as named on records.lead_ref = named.lead_id
    where coalesce(named.person_id, records.person_id) is not null
),

-- A touch falls in its person's latest lead received at or before it: the daily increment (a few thousand
-- touches) finds it by an ASOF join, the full build by a hash join to each lead's span (a person has one or
-- two leads; the ASOF join sorted every touch with its columns: 24 -> 9 s at 1M leads, with the narrower
-- persons above). The span join was slower in the 1M day.
by_time as (
    {%- if increment %}
    {{ asof_left_join('touches', 'leads', 'person_id', 'attributed_at', '>=', 'received_at',
        {'active_lead_id': 'lead_id'}) }}
    {%- else %}
    {{ span_left_join('touches', 'leads', 'person_id', 'attributed_at', 'received_at',
        {'active_lead_id': 'lead_id'}, 'lead_id') }}
    {%- endif %}
),

-- The lead each tracked link was sent for (the first message carrying the token).
token_leads as (
    select
        token,
        {{ arg_min('coalesce(named_lead_id, active_lead_id)', '(event_at, record_key)') }} as lead_id
    from by_time
    where token is not null and record_kind in ('sms', 'email')
    group by token
)

select
    by_time.record_key,
    by_time.person_id,
    coalesce(by_time.named_lead_id, token_leads.lead_id, by_time.active_lead_id) as lead_id,
    by_time.source,
    by_time.source_file,
    by_time.source_record_id,
    by_time.record_kind,
    by_time.event_at,
    by_time.direction,
    by_time.touch_result
from by_time
left join token_leads on by_time.record_kind = 'web' and by_time.token = token_leads.token
