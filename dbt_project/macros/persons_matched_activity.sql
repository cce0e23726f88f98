{# int_persons_matched's candidates with the candidate person's latest lead-opening record at the event (it makes
   the candidate active when within the idle window) and own records just before and just after it, from
   `events` (the person's activity rows, is_candidate false, beside the candidate rows). One window over the
   timeline sorted once: three ASOF joins (openings, activity before, activity after) sorted it three times.
   `columns`: the candidate columns kept, in order. Shared by the model's increment and full-build branches. #}
{% macro persons_matched_activity(events, columns) -%}
    select *
    from (
        select
            {%- for column in columns %}
            {{ column }},
            {%- endfor %}
            max(case when not is_candidate and opens_lead then event_at end) over earlier as opened_at,
            max(case when not is_candidate then event_at end) over earlier as previous_activity_at,
            min(case when not is_candidate then event_at end) over later as next_activity_at
        from {{ events }}
        window
            earlier as (
                partition by person_id order by event_at, is_candidate
                rows between unbounded preceding and current row
            ),
            later as (
                partition by person_id order by event_at, is_candidate
                rows between current row and unbounded following
            )
    ) as timed
    where is_candidate
{%- endmacro %}
