{#- A list's elements in ascending order (structs compare field by field): list_agg's order follows the
execution, so a list built in a daily increment and in a full build could differ in order only. -#}
{% macro sorted_list(expr) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('sorted_list', 'ptleads')(expr) }}{%- else -%}{{ default__sorted_list(expr) }}{%- endif -%}
{%- endmacro %}
{% macro default__sorted_list(expr) -%}
    list_sort({{ expr }})
{%- endmacro %}
{% macro spark__sorted_list(expr) -%}
    array_sort({{ expr }})
{%- endmacro %}

{#- The distinct non-null values of `expr` in a group, ascending, as a list. A plain list aggregate: DISTINCT or
ORDER BY inside the aggregate makes DuckDB split the query's aggregation and materialise its input once more
(int_leads_resolved at 1M leads: ~9 operator-seconds). -#}
{% macro sorted_distinct_values(expr) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('sorted_distinct_values', 'ptleads')(expr) }}{%- else -%}{{ default__sorted_distinct_values(expr) }}{%- endif -%}
{%- endmacro %}
{% macro default__sorted_distinct_values(expr) -%}
    list_sort(list_distinct(list({{ expr }})))
{%- endmacro %}
{% macro spark__sorted_distinct_values(expr) -%}
    array_sort(collect_set({{ expr }}))
{%- endmacro %}

{#- `arg` of the row with the largest `val`, rows with a null `val` last (one of them when all are null): what
`qualify row_number() over (... order by val desc nulls last) = 1` keeps. -#}
{% macro arg_max_nulls_last(arg, val) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('arg_max_nulls_last', 'ptleads')(arg, val) }}{%- else -%}{{ default__arg_max_nulls_last(arg, val) }}{%- endif -%}
{%- endmacro %}
{% macro default__arg_max_nulls_last(arg, val) -%}
    arg_max_nulls_last({{ arg }}, {{ val }})
{%- endmacro %}
{% macro spark__arg_max_nulls_last(arg, val) -%}
    max_by({{ arg }}, struct({{ val }} is not null, {{ val }}))
{%- endmacro %}
