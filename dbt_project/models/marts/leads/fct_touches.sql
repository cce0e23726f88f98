-- One timeline of every touch (call, voicemail, SMS, email event, web event, outcome, eligibility)
-- with its person and lead. Incremental: a daily run writes only touches that are new or whose person
-- or lead changed (identity resolution may re-attribute old touches); the pre-hook drops touches that
-- are gone or after the as-of, so the table always equals a full refresh.
{{ config(
    materialized='incremental',
    unique_key='touch_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook=[
        "{% if is_incremental() %}delete from {{ this }} where event_at > {{ as_of() }} or touch_id not in
        (select record_key from {{ ref('int_touches_attributed') }}){% endif %}"
    ]
) }}

with touches as (
    select
        record_key as touch_id,
        lead_id,
        person_id,
        source,
        source_file,
        source_record_id,
        record_kind as touch_kind,
        direction,
        touch_result,
        event_at
    from {{ ref('int_touches_attributed') }}
)

select touches.*
from touches
{% if is_incremental() %}
    anti join {{ this }} as known
        on
            touches.touch_id = known.touch_id
            and touches.lead_id is not distinct from known.lead_id
            and touches.person_id is not distinct from known.person_id
            and touches.touch_result is not distinct from known.touch_result
            and touches.event_at is not distinct from known.event_at
{% endif %}
