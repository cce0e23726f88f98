{# Portable ASOF join (DuckDB default, Spark SQL under spark__). #}

{# Every row of `left` with `columns` ({output name: column of right}) from the row of `right` with the
   same `key` whose `right_time` is the latest at or before `left_time` (op '>=') or the earliest at or
   after it (op '<='); nulls when there is none. DuckDB: ASOF LEFT JOIN (linear). Spark has no ASOF join:
   a range join ranked per left row (one row out per row in, like the ASOF join). #}
{% macro asof_left_join(left, right, key, left_time, op, right_time, columns) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('asof_left_join', 'ptleads')(left, right, key, left_time, op, right_time, columns) }}{%- else -%}{{ default__asof_left_join(left, right, key, left_time, op, right_time, columns) }}{%- endif -%}
{%- endmacro %}
{% macro default__asof_left_join(left, right, key, left_time, op, right_time, columns) -%}
    select
        {{ left }}.*,
        {%- for name, column in columns.items() %}
        {{ right }}.{{ column }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ left }}
    asof left join {{ right }}
        on
            {{ left }}.{{ key }} = {{ right }}.{{ key }}
            and {{ left }}.{{ left_time }} {{ op }} {{ right }}.{{ right_time }}
{%- endmacro %}
{% macro spark__asof_left_join(left, right, key, left_time, op, right_time, columns) -%}
    select * except (asof_row, asof_rank)
    from (
        select
            l.*,
            {%- for name, column in columns.items() %}
            r.{{ column }} as {{ name }},
            {%- endfor %}
            row_number() over (
                partition by l.asof_row order by r.{{ right_time }} {{ 'desc' if op == '>=' else 'asc' }}
            ) as asof_rank
        from (select *, monotonically_increasing_id() as asof_row from {{ left }}) as l
        left join {{ right }} as r
            on l.{{ key }} = r.{{ key }} and l.{{ left_time }} {{ op }} r.{{ right_time }}
    )
    where asof_rank = 1
{%- endmacro %}

{# What asof_left_join(..., '>=', ...) gives, as a hash join on `key` to each right row's span: its
   `right_time` up to the next one of the same key (ties on `right_time` ordered by `tiebreak`: the last
   wins, where the ASOF join takes either). Faster than an ASOF join when `right` holds few rows per key and
   `left` is wide and long (the ASOF join sorts every left row with its columns: full builds of a million
   leads); slower for a small `left` against every row of `right` (daily increments keep the ASOF join).
   Plain SQL on both engines. #}
{% macro span_left_join(left, right, key, left_time, right_time, columns, tiebreak) -%}
    select
        {{ left }}.*,
        {%- for name, column in columns.items() %}
        spans.{{ column }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ left }}
    left join (
        select
            *,
            lead({{ right_time }}) over (
                partition by {{ key }} order by {{ right_time }}, {{ tiebreak }}
            ) as span_end_at
        from {{ right }}
    ) as spans
        on
            {{ left }}.{{ key }} = spans.{{ key }}
            and {{ left }}.{{ left_time }} >= spans.{{ right_time }}
            and ({{ left }}.{{ left_time }} < spans.span_end_at or spans.span_end_at is null)
{%- endmacro %}

{# A CTE referenced several times that DuckDB should inline rather than materialize: at 1M leads the
   materialized copy of int_source_records (19M rows) in int_persons_matched spilled 22 GB. Spark inlines
   CTEs and has no such keyword. #}
{% macro not_materialized() -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('not_materialized', 'ptleads')() }}{%- else -%}{{ default__not_materialized() }}{%- endif -%}
{%- endmacro %}
{% macro default__not_materialized() -%}not materialized{%- endmacro %}
{% macro spark__not_materialized() -%}{%- endmacro %}
