{# First five digits of a ZIP or ZIP+4 (numbers lost their leading zeros in some exports). #}
{% macro zip5(column) -%}
    case
        when regexp_matches(trim(cast({{ column }} as varchar)), '^[0-9]{3,5}(-[0-9]{4})?$')
            then lpad(split_part(trim(cast({{ column }} as varchar)), '-', 1), 5, '0')
    end
{%- endmacro %}
