{#- dbt-duckdb's incremental materialization builds a Python model's increment into `<model>__dbt_tmp<time>`:
a Python model cannot write a TEMP table, so it is a real table in the default schema, but the
materialization counts it as temporary and never drops it. Every daily run of the identity models left its
day's rows behind (three tables a run). on-run-end drops any such leftover, a crashed run's too (one writer
at a time: no other build can be using them). -#}
{% macro drop_leftover_temp_tables() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set found = run_query(
            "select schema_name, table_name from duckdb_tables() where not temporary"
            ~ " and database_name = current_database() and contains(table_name, '__dbt_tmp')") -%}
        {%- for row in found.rows %}
        drop table if exists "{{ row[0] }}"."{{ row[1] }}";
        {%- else %}
        select 1
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
