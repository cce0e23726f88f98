{#- The last non-null value of `expr` in a window frame (used with a running frame: the latest non-null so far).
DuckDB writes IGNORE NULLS inside the call; Spark takes it as the second argument. -#}
{% macro last_value_ignore_nulls(expr) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('last_value_ignore_nulls', 'ptleads')(expr) }}{%- else -%}{{ default__last_value_ignore_nulls(expr) }}{%- endif -%}
{%- endmacro %}
{% macro default__last_value_ignore_nulls(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}
{% macro spark__last_value_ignore_nulls(expr) -%}
    last_value({{ expr }}, true)
{%- endmacro %}
