{# NPI check digit (Luhn over the implied prefix 80840, whose digits contribute 24). try_cast: AND does
   not short-circuit in DuckDB, so a short or non-numeric value must not raise. #}
{% macro npi_is_valid(column) -%}
    coalesce(
        {#- inline, not dispatched: tests/dbt renders this file alone with plain Jinja #}
        {% if target is defined and target.type == 'spark' -%}
        ({{ column }} rlike '^[12][0-9]{9}$')
        {%- else -%}
        regexp_full_match({{ column }}, '[12][0-9]{9}')
        {%- endif %}
        and (
            10 - (
                24
                {%- for i in range(1, 10) %}
                    {%- if i % 2 == 1 %}
                + (2 * try_cast(substr({{ column }}, {{ i }}, 1) as integer))
                - (case when try_cast(substr({{ column }}, {{ i }}, 1) as integer) >= 5 then 9 else 0 end)
                    {%- else %}
                + try_cast(substr({{ column }}, {{ i }}, 1) as integer)
                    {%- endif %}
                {%- endfor %}
            ) % 10
        ) % 10 = try_cast(substr({{ column }}, 10, 1) as integer),
        false
    )
{%- endmacro %}
