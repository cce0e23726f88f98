{{ config(tags=['scored']) }}

-- The latest score of each lead computed at or before the run's as-of.
with scores as (
    select
        lead_id,
        as_of as scored_as_of,
        score,
        priority_tier,
        expected_value,
        cast(reasons as {{ string_type() }}) as reasons,
        model_version,
        route
    from {{ source('ml', 'lead_scores') }}
    where as_of <= {{ as_of() }}
)

select *
from scores
qualify row_number() over (partition by lead_id order by scored_as_of desc, model_version desc) = 1
