{# The run's as-of instant as a timestamp literal; every model filters on it. #}
{% macro as_of() -%}
    cast('{{ var("as_of") }}' as timestamp)
{%- endmacro %}
