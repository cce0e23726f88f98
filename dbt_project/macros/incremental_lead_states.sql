{#- Lookups the lead increments (macros/incremental_lead_models.sql) make once per model and phase instead of
once per table: at 1M leads each model asked information_schema about ~25 tables one query at a time and
ran its plan check twice (the model's SQL and its pre-hook render lead_plan() apart). -#}

{#- The relations in `relations` that exist, rendered (`relation | string`), in one query for all of them. -#}
{% macro lead_existing(relations) -%}
    {%- set names = {} -%}
    {%- for relation in relations -%}
        {%- do names.update({relation.database ~ '.' ~ relation.schema ~ '.' ~ relation.identifier: relation | string}) -%}
    {%- endfor -%}
    {%- if not names -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = run_query("select table_catalog || '.' || table_schema || '.' || table_name"
        ~ " from information_schema.tables where table_catalog || '.' || table_schema || '.' || table_name in ('"
        ~ names.keys() | join("', '") ~ "')") -%}
    {%- set out = [] -%}
    {%- for name in found.columns[0].values() -%}
        {%- do out.append(names[name]) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- True when every relation in `relations` exists (one query). -#}
{% macro lead_all_exist(relations) -%}
    {%- set existing = lead_existing(relations) -%}
    {%- for relation in relations if (relation | string) not in existing -%}
        {{ return(false) }}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#- The plan of this model in this invocation, once computed (lead_plan stores it): the model's SQL is rendered
before its pre-hook, and nothing the plan reads changes in between (the upstreams finished, this model has not
started writing). Keyed by the invocation, so a later dbt run in the same process asks again. -#}
{% macro lead_plan_key() -%}
    {{ return('ptleads_lead_plan:' ~ invocation_id ~ ':' ~ this) }}
{%- endmacro %}
