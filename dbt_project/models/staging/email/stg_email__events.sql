-- SendGrid events by the run's as-of; lead_id is the custom arg our sends carry.
with latest as (
    select *
    from {{ source('email', 'email_events') }}
    where event_at <= {{ as_of() }}
    qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
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
    -- Only clicks carry the tracked link; every event of one message shares its token.
    max({{ link_token('url') }}) over (partition by sg_message_id) as token,
    event,
    sg_message_id,
    url,
    category,
    reason,
    bounce_type,
    custom_args_json,
    ingested_at
from latest
