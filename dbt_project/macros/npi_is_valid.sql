{# NPI check digit (Luhn over the implied prefix 80840, whose digits contribute 24). #}
{% macro npi_is_valid(column) -%}
    coalesce(
        regexp_full_match({{ column }}, '[12][0-9]{9}')
        and (
            10 - (
                24
                {%- for i in range(1, 10) %}
                    {%- if i % 2 == 1 %}
                + (2 * cast(substr({{ column }}, {{ i }}, 1) as integer))
                - (case when cast(substr({{ column }}, {{ i }}, 1) as integer) >= 5 then 9 else 0 end)
                    {%- else %}
                + cast(substr({{ column }}, {{ i }}, 1) as integer)
                    {%- endif %}
                {%- endfor %}
            ) % 10
        ) % 10 = cast(substr({{ column }}, 10, 1) as integer),
        false
    )
{%- endmacro %}
