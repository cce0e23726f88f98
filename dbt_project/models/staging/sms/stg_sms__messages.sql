-- SMS sent or received by the run's as-of. phone_e164 is the other party (sender of inbound messages,
-- recipient of outbound ones); opt_keyword marks STOP / START / HELP replies.
with latest as (
    {% call latest_rows(source('sms', 'sms_messages'), 'sms_messages') -%}
        sent_at <= {{ as_of() }}
    {%- endcall %}
)

select
    source,
    source_file,
    source_record_id,
    'sms' as record_kind,
    sent_at as event_at,
    cast(null as {{ string_type() }}) as first_name,
    cast(null as {{ string_type() }}) as last_name,
    cast(null as date) as dob,
    case when direction = 'inbound' then {{ to_e164('from_number') }} else {{ to_e164('to_number') }} end
        as phone_e164,
    cast(null as {{ string_type() }}) as email,
    cast(null as {{ string_type() }}) as zip5,
    case when direction = 'inbound' then 'inbound' else 'outbound' end as direction,
    status,
    status as touch_result,
    {{ link_token('body') }} as token,
    body,
    opt_keyword,
    num_segments,
    error_code,
    ingested_at
from latest
