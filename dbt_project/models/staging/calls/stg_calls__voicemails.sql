-- Voicemails received by the run's as-of with the caller fields the transcript parser extracted.
-- The payer is looked up by a join, not payer_id_from_text's correlated subquery (the same match): DuckDB
-- evaluated that subquery over every deduplicated row, so a filter on source_record_id from a reader
-- (int_source_records' daily increment) did not reach the raw scan.
with latest as (
    {% call latest_rows(source('calls', 'calls_voicemails'), 'calls_voicemails') -%}
        received_at <= {{ as_of() }}
    {%- endcall %}
),

payer_keys as (
    select
        alias_norm,
        min(payer_id) as payer_id
    from {{ ref('stg_ref__payer_aliases') }}
    group by alias_norm
),

looked_up as (
    select
        latest.*,
        payer_keys.payer_id as payer_id_found
    from latest
    left join payer_keys on lower(trim(latest.insurance)) = payer_keys.alias_norm
)

select
    source,
    source_file,
    source_record_id,
    'voicemail' as record_kind,
    received_at as event_at,
    {{ title_case('first_name') }} as first_name,
    {{ title_case('last_name') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    cast(null as {{ string_type() }}) as email,
    cast(null as {{ string_type() }}) as zip5,
    {{ to_e164('from_number') }} as caller_id_e164,
    phone_source,
    'inbound' as direction,
    payer_id_found as payer_id,
    duration_s,
    reason,
    post_op,
    referring_name,
    insurance as payer_text,
    name_confidence,
    phone_confidence,
    dob_confidence,
    reason_confidence,
    referring_confidence,
    insurance_confidence,
    ingested_at
from looked_up
