{#- A record's place in time order (time ascending, then key; nulls last), as one value min/arg_min can order
by. DuckDB: a sort key (a blob) built once per record; arg_min over the struct (time, key) encodes the
struct at each call (six calls per record in dim_persons were most of its full build). Spark: the struct. -#}
{% macro record_order_key(time, key) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('record_order_key', 'ptleads')(time, key) }}{%- else -%}{{ default__record_order_key(time, key) }}{%- endif -%}
{%- endmacro %}
{% macro default__record_order_key(time, key) -%}
    create_sort_key({{ time }}, 'ASC NULLS LAST', {{ key }}, 'ASC NULLS LAST')
{%- endmacro %}
{% macro spark__record_order_key(time, key) -%}
    ({{ time }}, {{ key }})
{%- endmacro %}
