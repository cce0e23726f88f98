{# Free-text phone -> E.164 (+1 for 10-digit North American numbers); null when not a phone number. #}
{% macro to_e164(column) -%}
    case
        when length(regexp_replace({{ column }}, '[^0-9]', '', 'g')) = 10
            then '+1' || regexp_replace({{ column }}, '[^0-9]', '', 'g')
        when length(regexp_replace({{ column }}, '[^0-9]', '', 'g')) = 11
            and regexp_replace({{ column }}, '[^0-9]', '', 'g') like '1%'
            then '+' || regexp_replace({{ column }}, '[^0-9]', '', 'g')
        when trim({{ column }}) like '+%'
            and length(regexp_replace({{ column }}, '[^0-9]', '', 'g')) between 8 and 15
            then '+' || regexp_replace({{ column }}, '[^0-9]', '', 'g')
    end
{%- endmacro %}
