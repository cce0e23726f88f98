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
