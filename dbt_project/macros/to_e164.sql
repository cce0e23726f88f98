{# Free-text phone -> E.164 (+1 for 10-digit North American numbers); null when not a phone number. #}
{% macro to_e164(column) -%}
    {#- Spark replaces every match by default (its 4th argument is a position); inline, not dispatched,
        so tests/dbt can render this file alone with plain Jinja. -#}
    {%- set all = '' if (target is defined and target.type == 'spark') else ", 'g'" -%}
    case
        when length(regexp_replace({{ column }}, '[^0-9]', ''{{ all }})) = 10
            then '+1' || regexp_replace({{ column }}, '[^0-9]', ''{{ all }})
        when length(regexp_replace({{ column }}, '[^0-9]', ''{{ all }})) = 11
            and regexp_replace({{ column }}, '[^0-9]', ''{{ all }}) like '1%'
            then '+' || regexp_replace({{ column }}, '[^0-9]', ''{{ all }})
        when trim({{ column }}) like '+%'
            and length(regexp_replace({{ column }}, '[^0-9]', ''{{ all }})) between 8 and 15
            then '+' || regexp_replace({{ column }}, '[^0-9]', ''{{ all }})
    end
{%- endmacro %}
