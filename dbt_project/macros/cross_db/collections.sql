{# Portable aggregates, lists, JSON and column lists (DuckDB default, Spark SQL under spark__). #}

{# Value of `expr` on the row where `order_by` is largest / smallest. #}
{% macro arg_max(expr, order_by) -%}
    {{ return(adapter.dispatch('arg_max', 'ptleads')(expr, order_by)) }}
{%- endmacro %}
{% macro default__arg_max(expr, order_by) -%}
    arg_max({{ expr }}, {{ order_by }})
{%- endmacro %}
{% macro spark__arg_max(expr, order_by) -%}
    max_by({{ expr }}, {{ order_by }})
{%- endmacro %}

{% macro arg_min(expr, order_by) -%}
    {{ return(adapter.dispatch('arg_min', 'ptleads')(expr, order_by)) }}
{%- endmacro %}
{% macro default__arg_min(expr, order_by) -%}
    arg_min({{ expr }}, {{ order_by }})
{%- endmacro %}
{% macro spark__arg_min(expr, order_by) -%}
    min_by({{ expr }}, {{ order_by }})
{%- endmacro %}

{# The first element of a list (DuckDB lists are 1-based, Spark arrays 0-based); null when empty. #}
{% macro first_element(expr) -%}
    {{ return(adapter.dispatch('first_element', 'ptleads')(expr)) }}
{%- endmacro %}
{% macro default__first_element(expr) -%}
    ({{ expr }})[1]
{%- endmacro %}
{% macro spark__first_element(expr) -%}
    try_element_at({{ expr }}, 1)
{%- endmacro %}

{% macro list_has(list_expr, value) -%}
    {{ return(adapter.dispatch('list_has', 'ptleads')(list_expr, value)) }}
{%- endmacro %}
{% macro default__list_has(list_expr, value) -%}
    list_contains({{ list_expr }}, {{ value }})
{%- endmacro %}
{% macro spark__list_has(list_expr, value) -%}
    array_contains({{ list_expr }}, {{ value }})
{%- endmacro %}

{# Every column of `relation_alias` but `columns` (DuckDB: * exclude; Spark: * except). #}
{% macro star_except(relation_alias, columns) -%}
    {{ return(adapter.dispatch('star_except', 'ptleads')(relation_alias, columns)) }}
{%- endmacro %}
{% macro default__star_except(relation_alias, columns) -%}
    {{ relation_alias }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}
{% macro spark__star_except(relation_alias, columns) -%}
    {{ relation_alias }}.* except ({{ columns | join(', ') }})
{%- endmacro %}

{# Whole seconds from `start` to `end` (timestamps). #}
{% macro seconds_between(start, end) -%}
    {{ return(adapter.dispatch('seconds_between', 'ptleads')(start, end)) }}
{%- endmacro %}
{% macro default__seconds_between(start, end) -%}
    date_diff('second', {{ start }}, {{ end }})
{%- endmacro %}
{% macro spark__seconds_between(start, end) -%}
    timestampdiff(SECOND, {{ start }}, {{ end }})
{%- endmacro %}

{# A text field of a JSON document by path ('$.a.b'). #}
{% macro json_text(expr, path) -%}
    {{ return(adapter.dispatch('json_text', 'ptleads')(expr, path)) }}
{%- endmacro %}
{% macro default__json_text(expr, path) -%}
    json_extract_string({{ expr }}, '{{ path }}')
{%- endmacro %}
{% macro spark__json_text(expr, path) -%}
    get_json_object({{ expr }}, '{{ path }}')
{%- endmacro %}

{# A list of text values' type: DuckDB varchar[], Spark array<string>. Plain text: dbt.type_string(). #}
{% macro type_string_list() -%}
    {{ return(adapter.dispatch('type_string_list', 'ptleads')()) }}
{%- endmacro %}
{% macro default__type_string_list() -%}
    varchar[]
{%- endmacro %}
{% macro spark__type_string_list() -%}
    array<string>
{%- endmacro %}
