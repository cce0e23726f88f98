{#- Shared by the daily-increment macros (incremental_source_records, incremental_persons_matched,
incremental_lead_models). -#}

{#- What this model reads, up to six refs deep: {'models': graph nodes, 'sources': graph sources}. -#}
{% macro model_upstream() -%}
    {%- set ns = namespace(frontier=model.depends_on.nodes | list) -%}
    {%- set seen = [] -%}
    {%- set found = {'models': [], 'sources': []} -%}
    {%- for _ in range(6) -%}
        {%- set next = [] -%}
        {%- for uid in ns.frontier if uid not in seen -%}
            {%- do seen.append(uid) -%}
            {%- if uid.startswith('source.') -%}
                {%- do found.sources.append(graph.sources[uid]) -%}
            {%- elif uid in graph.nodes -%}
                {%- do found.models.append(graph.nodes[uid]) -%}
                {%- do next.extend(graph.nodes[uid].depends_on.nodes) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set ns.frontier = next -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- The plan every increment starts with: 'create' when dbt builds the model whole anyway (parsing, unit
tests rendering it with fixtures, another adapter, no table yet, --full-refresh), 'full' when var
identity_full_refresh asks for it, else none (the model's own checks decide). -#}
{% macro increment_guard() -%}
    {%- if not execute or target.type != 'duckdb' or model.resource_type != 'model' or this is none
        or not is_incremental() -%}
        {{ return('create') }}
    {%- endif -%}
    {%- if var('identity_full_refresh', false) in (true, 'true', 'True', 1, '1') -%}
        {{ return('full') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- True when every state table an increment needs exists (any missing one means a full build): one catalog
query for all of them (macros/incremental_lead_states.sql), not one per table. -#}
{% macro all_states_exist(relations) -%}
    {{ return(lead_all_exist(relations)) }}
{%- endmacro %}

{#- The temp table dbt-duckdb's incremental materialization appends this model's new rows from
(`<model>__dbt_tmp<time>`, on the hooks' connection until the post-hooks inside the transaction ran): a
post-hook reads the rows just inserted there instead of scanning the whole model for them. None when there
is not exactly one (another adapter or materialization): the caller scans the model instead. -#}
{% macro increment_appended_rows() -%}
    {%- set found = run_query("select table_name from duckdb_tables() where temporary and starts_with(table_name, '"
        ~ this.identifier ~ "__dbt_tmp')") -%}
    {%- set names = found.columns[0].values() -%}
    {{ return('temp.main."' ~ names[0] ~ '"' if names | length == 1 else none) }}
{%- endmacro %}
