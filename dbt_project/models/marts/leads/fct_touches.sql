-- One timeline of every touch (call, voicemail, SMS, email event, web event, outcome, eligibility)
-- with its person and lead. Incremental: a daily run (plan 'increment', macros/incremental_marts.sql)
-- rewrites only the touches int_touches_attributed recomputed (its <model>_scope); otherwise (plan 'full')
-- it writes the touches that are new or whose person, lead, result or time changed, and the pre-hook drops
-- touches that are gone or after the as-of. Either way the table equals a full refresh.
{{ config(
    materialized='incremental',
    unique_key='touch_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ marts_prepare() }}",
    post_hook="{{ marts_commit() }}",
) }}
{%- set plan = marts_plan() %}
{#- in an increment the touches int_touches_attributed just wrote (<int_touches_attributed>_rows, all the rows of
its scope's keys): a pass over every touch otherwise -#}
{%- set touches = ref('int_touches_attributed') %}
{%- if plan == 'increment' and identity_state_exists(lead_aux('rows', touches)) %}
    {%- set touches = lead_aux('rows', touches) %}
{%- endif %}
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
    from {{ touches }}
    -- noqa: disable=LT02,LT14
    {% if plan == 'increment' %}
    where record_key in (select touch_id from {{ marts_aux('scope') }})
    {% endif %}
    -- noqa: enable=LT02,LT14
)

select touches.*
from touches
{% if plan != 'increment' and is_incremental() %}
    anti join {{ this }} as known
        on
            touches.touch_id = known.touch_id
            and touches.lead_id is not distinct from known.lead_id
            and touches.person_id is not distinct from known.person_id
            and touches.touch_result is not distinct from known.touch_result
            and touches.event_at is not distinct from known.event_at
{% endif %}
