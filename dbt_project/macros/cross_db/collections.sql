{# Portable aggregates, lists, JSON and column lists (DuckDB default, Spark SQL under spark__). #}

{# Value of `expr` on the row where `order_by` is largest / smallest. #}
{% macro arg_max(expr, order_by) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('arg_max', 'ptleads')(expr, order_by) }}{%- else -%}{{ default__arg_max(expr, order_by) }}{%- endif -%}
{%- endmacro %}
{% macro default__arg_max(expr, order_by) -%}
    arg_max({{ expr }}, {{ order_by }})
{%- endmacro %}
{# DuckDB's arg_max/arg_min skip rows where `expr` is null; Spark's max_by/min_by do not: null the key. #}
{% macro spark__arg_max(expr, order_by) -%}
    max_by({{ expr }}, case when {{ expr }} is not null then {{ order_by }} end)
{%- endmacro %}

{% macro arg_min(expr, order_by) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('arg_min', 'ptleads')(expr, order_by) }}{%- else -%}{{ default__arg_min(expr, order_by) }}{%- endif -%}
{%- endmacro %}
{% macro default__arg_min(expr, order_by) -%}
    arg_min({{ expr }}, {{ order_by }})
{%- endmacro %}
{% macro spark__arg_min(expr, order_by) -%}
    min_by({{ expr }}, case when {{ expr }} is not null then {{ order_by }} end)
{%- endmacro %}

{# The first element of a list (DuckDB lists are 1-based, Spark arrays 0-based); null when empty. #}
{% macro first_element(expr) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('first_element', 'ptleads')(expr) }}{%- else -%}{{ default__first_element(expr) }}{%- endif -%}
{%- endmacro %}
{% macro default__first_element(expr) -%}
    ({{ expr }})[1]
{%- endmacro %}
{% macro spark__first_element(expr) -%}
    try_element_at({{ expr }}, 1)
{%- endmacro %}

{% macro list_has(list_expr, value) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('list_has', 'ptleads')(list_expr, value) }}{%- else -%}{{ default__list_has(list_expr, value) }}{%- endif -%}
{%- endmacro %}
{% macro default__list_has(list_expr, value) -%}
    list_contains({{ list_expr }}, {{ value }})
{%- endmacro %}
{% macro spark__list_has(list_expr, value) -%}
    array_contains({{ list_expr }}, {{ value }})
{%- endmacro %}

{# Every column of `relation_alias` but `columns` (DuckDB: * exclude; Spark: * except). #}
{% macro star_except(relation_alias, columns) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('star_except', 'ptleads')(relation_alias, columns) }}{%- else -%}{{ default__star_except(relation_alias, columns) }}{%- endif -%}
{%- endmacro %}
{% macro default__star_except(relation_alias, columns) -%}
    {{ relation_alias }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}
{% macro spark__star_except(relation_alias, columns) -%}
    {{ relation_alias }}.* except ({{ columns | join(', ') }})
{%- endmacro %}

{# Whole seconds from `start` to `end` (timestamps). #}
{% macro seconds_between(start, end) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('seconds_between', 'ptleads')(start, end) }}{%- else -%}{{ default__seconds_between(start, end) }}{%- endif -%}
{%- endmacro %}
{% macro default__seconds_between(start, end) -%}
    date_diff('second', {{ start }}, {{ end }})
{%- endmacro %}
{% macro spark__seconds_between(start, end) -%}
    timestampdiff(SECOND, {{ start }}, {{ end }})
{%- endmacro %}

{# A text field of a JSON document by path ('$.a.b'). #}
{% macro json_text(expr, path) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('json_text', 'ptleads')(expr, path) }}{%- else -%}{{ default__json_text(expr, path) }}{%- endif -%}
{%- endmacro %}
{% macro default__json_text(expr, path) -%}
    json_extract_string({{ expr }}, '{{ path }}')
{%- endmacro %}
{% macro spark__json_text(expr, path) -%}
    get_json_object({{ expr }}, '{{ path }}')
{%- endmacro %}

{# A list of text values' type: DuckDB varchar[], Spark array<string>. Plain text: dbt.type_string(). #}
{% macro type_string_list() -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('type_string_list', 'ptleads')() }}{%- else -%}{{ default__type_string_list() }}{%- endif -%}
{%- endmacro %}
{% macro default__type_string_list() -%}
    varchar[]
{%- endmacro %}
{% macro spark__type_string_list() -%}
    array<string>
{%- endmacro %}

{# The plain text type (dbt.type_string() is not available where sqlfluff renders the macros). #}
{% macro string_type() -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('string_type', 'ptleads')() }}{%- else -%}{{ default__string_type() }}{%- endif -%}
{%- endmacro %}
{% macro default__string_type() -%}
    varchar
{%- endmacro %}
{% macro spark__string_type() -%}
    string
{%- endmacro %}

{# Join a list of text with a separator. #}
{% macro join_list(list_expr, separator) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('join_list', 'ptleads')(list_expr, separator) }}{%- else -%}{{ default__join_list(list_expr, separator) }}{%- endif -%}
{%- endmacro %}
{% macro default__join_list(list_expr, separator) -%}
    array_to_string({{ list_expr }}, {{ separator }})
{%- endmacro %}
{% macro spark__join_list(list_expr, separator) -%}
    array_join({{ list_expr }}, {{ separator }})
{%- endmacro %}

{# Whole `unit`s (second, minute, hour, day) from `start` to `end`. #}
{% macro time_diff(unit, start, end) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('time_diff', 'ptleads')(unit, start, end) }}{%- else -%}{{ default__time_diff(unit, start, end) }}{%- endif -%}
{%- endmacro %}
{% macro default__time_diff(unit, start, end) -%}
    date_diff('{{ unit }}', {{ start }}, {{ end }})
{%- endmacro %}
{% macro spark__time_diff(unit, start, end) -%}
    timestampdiff({{ unit | upper }}, {{ start }}, {{ end }})
{%- endmacro %}

{# Value of `expr` on the row where `order_by` is largest, even when that value is null. #}
{% macro arg_max_null(expr, order_by) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('arg_max_null', 'ptleads')(expr, order_by) }}{%- else -%}{{ default__arg_max_null(expr, order_by) }}{%- endif -%}
{%- endmacro %}
{% macro default__arg_max_null(expr, order_by) -%}
    arg_max_null({{ expr }}, {{ order_by }})
{%- endmacro %}
{% macro spark__arg_max_null(expr, order_by) -%}
    max_by({{ expr }}, {{ order_by }})
{%- endmacro %}

{# A list aggregate (also as a window function): DuckDB list(), Spark collect_list(). #}
{% macro list_agg(expr) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('list_agg', 'ptleads')(expr) }}{%- else -%}{{ default__list_agg(expr) }}{%- endif -%}
{%- endmacro %}
{% macro default__list_agg(expr) -%}
    list({{ expr }})
{%- endmacro %}
{% macro spark__list_agg(expr) -%}
    collect_list({{ expr }})
{%- endmacro %}

{# The distinct non-null values of `expr` in a group, sorted. #}
{% macro sorted_distinct_list(expr) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('sorted_distinct_list', 'ptleads')(expr) }}{%- else -%}{{ default__sorted_distinct_list(expr) }}{%- endif -%}
{%- endmacro %}
{% macro default__sorted_distinct_list(expr) -%}
    list(distinct {{ expr }} order by {{ expr }})
{%- endmacro %}
{% macro spark__sorted_distinct_list(expr) -%}
    array_sort(collect_set({{ expr }}))
{%- endmacro %}

{# A struct value from {field name: expression}. #}
{% macro struct_of(fields) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('struct_of', 'ptleads')(fields) }}{%- else -%}{{ default__struct_of(fields) }}{%- endif -%}
{%- endmacro %}
{% macro default__struct_of(fields) -%}
    { {%- for name, expr in fields.items() %} '{{ name }}': {{ expr }}{{ ',' if not loop.last }}{% endfor %} }
{%- endmacro %}
{% macro spark__struct_of(fields) -%}
    named_struct({%- for name, expr in fields.items() %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{# A list of the given element expressions (none: the empty list). #}
{% macro list_of(items) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('list_of', 'ptleads')(items) }}{%- else -%}{{ default__list_of(items) }}{%- endif -%}
{%- endmacro %}
{% macro default__list_of(items) -%}
    [{{ items | join(', ') }}]
{%- endmacro %}
{% macro spark__list_of(items) -%}
    array({{ items | join(', ') }})
{%- endmacro %}

{# Two lists one after the other. #}
{% macro list_concat(first, second) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('list_concat', 'ptleads')(first, second) }}{%- else -%}{{ default__list_concat(first, second) }}{%- endif -%}
{%- endmacro %}
{% macro default__list_concat(first, second) -%}
    list_concat({{ first }}, {{ second }})
{%- endmacro %}
{% macro spark__list_concat(first, second) -%}
    concat({{ first }}, {{ second }})
{%- endmacro %}
