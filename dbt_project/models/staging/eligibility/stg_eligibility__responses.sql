-- 271 answers checked by the run's as-of, one row per subscriber/dependent loop. trace_id is the lead
-- id our 270 sent in TRN02 (null for answers to inquiries we did not send).
with latest as (
    {% call latest_rows(source('eligibility', 'eligibility_responses'), 'eligibility_responses') -%}
        checked_at is null or cast(checked_at as timestamp) <= {{ as_of() }}
    {%- endcall %}
)

select
    source,
    source_file,
    source_record_id,
    'eligibility' as record_kind,
    cast(checked_at as timestamp) as event_at,
    {{ title_case('first_name') }} as first_name,
    {{ title_case('last_name') }} as last_name,
    dob,
    cast(null as {{ string_type() }}) as phone_e164,
    cast(null as {{ string_type() }}) as email,
    cast(null as {{ string_type() }}) as zip5,
    trace_id as lead_id,
    trace_id as lead_ref,
    'inbound' as direction,
    case when active then 'active' when active = false then 'inactive' else 'rejected' end as touch_result,
    payer_name as payer_text,
    payer_id,
    member_id,
    is_dependent,
    active,
    plan_name,
    group_number,
    plan_begin,
    plan_end,
    copay,
    coinsurance,
    deductible,
    deductible_remaining,
    oop_max,
    oop_remaining,
    visit_limit,
    visits_used,
    auth_required,
    in_network,
    checked_at,
    rejection_code,
    rejection_reason,
    ingested_at
from latest
