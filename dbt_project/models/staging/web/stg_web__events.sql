-- Site and scheduling-page events by the run's as-of; token links an event to the lead it was sent to.
with latest as (
    {% call latest_rows(source('web', 'web_events'), 'web_events') -%}
        ts <= {{ as_of() }}
    {%- endcall %}
)

select
    source,
    source_file,
    source_record_id,
    'web' as record_kind,
    ts as event_at,
    cast(null as {{ string_type() }}) as first_name,
    cast(null as {{ string_type() }}) as last_name,
    cast(null as date) as dob,
    cast(null as {{ string_type() }}) as phone_e164,
    cast(null as {{ string_type() }}) as email,
    cast(null as {{ string_type() }}) as zip5,
    event,
    event as touch_result,
    'inbound' as direction,
    nullif(trim(token), '') as token,
    url,
    ingested_at
from latest
