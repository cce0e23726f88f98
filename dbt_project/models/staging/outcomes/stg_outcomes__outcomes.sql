-- Staff call outcomes logged by the run's as-of (the app writes them; one row per outcome id).
with latest as (
    {% call latest_rows(source('outcomes', 'outcomes'), 'outcomes') -%}
        outcome_at <= {{ as_of() }}
    {%- endcall %}
)

select
    source,
    source_file,
    source_record_id,
    'outcome' as record_kind,
    outcome_at as event_at,
    cast(null as {{ string_type() }}) as first_name,
    cast(null as {{ string_type() }}) as last_name,
    cast(null as date) as dob,
    cast(null as {{ string_type() }}) as phone_e164,
    cast(null as {{ string_type() }}) as email,
    cast(null as {{ string_type() }}) as zip5,
    lead_id,
    lead_id as lead_ref,
    'outbound' as direction,
    outcome as touch_result,
    outcome,
    user_name,
    note,
    ingested_at
from latest
