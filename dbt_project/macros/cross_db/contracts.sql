{# Model contracts on Spark. The yml contracts spell text `varchar` (DuckDB's name, and what ml/ and the
   tests read); Spark has no length-less varchar, so its contract check casts those columns as `string`.
   dbt looks for `spark__` variants of its own dispatched macros in the root project first. #}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set portable = {} -%}
    {%- for name in columns -%}
        {%- set column = dict(columns[name]) -%}
        {%- if (column.get('data_type') or '') | trim | lower == 'varchar' -%}
            {%- do column.update({'data_type': 'string'}) -%}
        {%- endif -%}
        {%- do portable.update({name: column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(portable)) }}
{%- endmacro %}
