{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    tags=['scored'],
    pre_hook="{{ scores_prepare() }}",
    post_hook="{{ scores_commit() }}",
) }}
{%- set plan = scores_plan() %}

-- The latest score of each lead computed at or before the run's as-of. A table: a daily run (plan
-- 'increment', macros/incremental_lead_scores.sql) recomputes only the leads with scores since its last
-- build's as-of (or whose row came from it), from those days' rows; every other lead keeps its row.
with scores as (
    select
        lead_id,
        as_of as scored_as_of,
        score,
        priority_tier,
        expected_value,
        -- '[a, b]' on both engines (DuckDB's list cast would quote items holding ':' or quotes, Spark's not).
        case when reasons is not null then '[' || {{ join_list('reasons', "', '") }} || ']' end as reasons,
        model_version,
        route
    from {{ source('ml', 'lead_scores') }}
    where
        as_of <= {{ as_of() }}
    {%- if plan == 'increment' and scores_has_lost() %}
        and (
            as_of >= {{ scores_last_as_of() }}
            or lead_id in (select lead_id from {{ marts_aux('scope') }} where lost)
        )
    {%- elif plan == 'increment' %}
        and as_of >= {{ scores_last_as_of() }}
    {%- endif %}
)

select *
from scores
qualify row_number() over (partition by lead_id order by scored_as_of desc, model_version desc) = 1
