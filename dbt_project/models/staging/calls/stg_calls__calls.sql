-- Call-log rows by the run's as-of. phone_e164 is the other party: the caller on inbound calls, the
-- number dialled on outbound ones.
with latest as (
    {% call latest_rows(source('calls', 'calls_log'), 'calls_log') -%}
        started_at <= {{ as_of() }}
    {%- endcall %}
)

select
    source,
    source_file,
    source_record_id,
    'call' as record_kind,
    started_at as event_at,
    cast(null as {{ string_type() }}) as first_name,
    cast(null as {{ string_type() }}) as last_name,
    cast(null as date) as dob,
    case when direction = 'inbound' then {{ to_e164('from_number') }} else {{ to_e164('to_number') }} end
        as phone_e164,
    cast(null as {{ string_type() }}) as email,
    cast(null as {{ string_type() }}) as zip5,
    case when direction like 'in%' then 'inbound' else 'outbound' end as direction,
    duration_s,
    lower(result) as result,
    lower(result) as touch_result,
    extension,
    caller_name,
    profile,
    ingested_at
from latest
