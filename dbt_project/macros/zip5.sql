{# First five digits of a ZIP or ZIP+4 (numbers lost their leading zeros in some exports). #}
{% macro zip5(column) -%}
    case
        when {{ regexp_test('trim(cast(' ~ column ~ ' as ' ~ string_type() ~ '))', '^[0-9]{3,5}(-[0-9]{4})?$') }}
            then lpad(split_part(trim(cast({{ column }} as {{ string_type() }})), '-', 1), 5, '0')
    end
{%- endmacro %}
