{# The type of a lineage list of records: (source, source_file, source_record_id) structs. #}
{% macro record_list_type() -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('record_list_type', 'ptleads')() }}{%- else -%}{{ default__record_list_type() }}{%- endif -%}
{%- endmacro %}
{% macro default__record_list_type() -%}
    struct(source varchar, source_file varchar, source_record_id varchar)[]
{%- endmacro %}
{% macro spark__record_list_type() -%}
    array<struct<source: string, source_file: string, source_record_id: string>>
{%- endmacro %}
