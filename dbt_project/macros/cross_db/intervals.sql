{# Portable interval constructors (DuckDB default, Spark SQL under spark__). #}

{# An interval of `days` whole days (an integer expression). #}
{% macro days_interval(days) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('days_interval', 'ptleads')(days) }}{%- else -%}{{ default__days_interval(days) }}{%- endif -%}
{%- endmacro %}
{% macro default__days_interval(days) -%}
    to_days({{ days }})
{%- endmacro %}
{% macro spark__days_interval(days) -%}
    make_dt_interval({{ days }})
{%- endmacro %}
