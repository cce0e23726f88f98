-- SendGrid events by the run's as-of; lead_id is the custom arg our sends carry.
-- Every event of one message shares its token: a join to message_tokens, not a window over the events,
-- so that a filter on source_record_id from a reader (int_source_records' daily increment) reaches the
-- raw scan (a window by message stopped it: all 2.8M events at 1M leads deduplicated for ~12k).
with latest as (
    {% call latest_rows(source('email', 'email_events'), 'email_events') -%}
        event_at <= {{ as_of() }}
    {%- endcall %}
),

-- Only clicks carry the tracked link: the latest versions of the events that ever had a URL hold every
-- token (an event never clicked contributes a null, which max ignores).
clicked as (
    {% call latest_rows(source('email', 'email_events'), 'email_events') -%}
        event_at <= {{ as_of() }}
        and raw_rows.source_record_id in (
            select ever_clicked.source_record_id
            from {{ source('email', 'email_events') }} as ever_clicked
            where ever_clicked.url is not null
        )
    {%- endcall %}
),

message_tokens as (
    select
        sg_message_id,
        max({{ link_token('url') }}) as token
    from clicked
    group by sg_message_id
),

-- (a null message id groups with the other null ones, as the window's partition did)
events as (
    select
        latest.*,
        message_tokens.token as message_token
    from latest
    left join message_tokens on latest.sg_message_id is not distinct from message_tokens.sg_message_id
)

select
    source,
    source_file,
    source_record_id,
    'email' as record_kind,
    event_at,
    cast(null as {{ string_type() }}) as first_name,
    cast(null as {{ string_type() }}) as last_name,
    cast(null as date) as dob,
    cast(null as {{ string_type() }}) as phone_e164,
    nullif(lower(trim(email)), '') as email,
    cast(null as {{ string_type() }}) as zip5,
    lead_id,
    lead_id as lead_ref,
    -- Delivery events are ours (the send); opens, clicks and unsubscribes are the recipient's.
    case
        when event in ('processed', 'delivered', 'deferred', 'bounce', 'dropped') then 'outbound'
        else 'inbound'
    end as direction,
    event as touch_result,
    message_token as token,
    event,
    sg_message_id,
    url,
    category,
    reason,
    bounce_type,
    custom_args_json,
    ingested_at
from events
