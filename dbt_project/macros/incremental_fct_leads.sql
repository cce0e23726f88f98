{#- fct_leads as a daily increment on DuckDB (issue 8: rebuilt whole in every run's phase 2, 1M rows written
and checkpointed a day at 1M leads for the few thousand that change).

A row of fct_leads reads the lead's row of int_lead_funnel, three columns of ml_lead_features that only its
recomputed rows (<ml_lead_features>_base) can change, and its row of stg_ml__lead_scores. Each of the three
notes in marts_state.fct_leads_pending, in its own post-hook, the lead ids it recomputed (its increment's
scope), or a row with a null id when it was built whole (fct_leads_note_changes). fct_leads recomputes the
pending leads and empties the table; the notes wait there across runs and phases until it does (the first two
build in phase 1, fct_leads in phase 2). A whole build instead ('full') when a whole build of an upstream is
pending, the state is missing, or the model SQL, this logic or var base_conversion_rate changed; 'create' on a
first build, --full-refresh or another adapter (increment_guard; Spark builds a table). -#}

{#- Bump when this file's logic changes: the fingerprint then forces one full rebuild. -#}
{% macro fct_leads_logic_version() -%}2026-11-30.1{%- endmacro %}

{% macro fct_leads_pending() -%}
    {{ return(api.Relation.create(database=target.database, schema='marts_state', identifier='fct_leads_pending')) }}
{%- endmacro %}

{#- SQL statements for an upstream's post-hook: `keys` (a select of lead_id) recomputed, or none when built whole. -#}
{% macro fct_leads_note_changes(keys=none) -%}
    create schema if not exists marts_state;
    create table if not exists {{ fct_leads_pending() }} (lead_id varchar);
    insert into {{ fct_leads_pending() }}
    {%- if keys is none %}
    values (null)
    {%- else %}
    select distinct lead_id from ({{ keys }}) as changed where lead_id is not null
    {%- endif %}
{%- endmacro %}

{% macro fct_leads_fingerprint() -%}
    '{{ local_md5(model.raw_code ~ fct_leads_logic_version() ~ var("base_conversion_rate", "")) }}'
{%- endmacro %}

{#- 'create', 'full' or 'increment' (read-only: the same answer while rendering and in the hooks). -#}
{% macro fct_leads_plan() -%}
    {%- set guard = increment_guard() -%}
    {%- if guard -%}
        {{ return(guard) }}
    {%- endif -%}
    {%- if lead_plan_key() in graph -%}
        {{ return(graph[lead_plan_key()]) }}
    {%- endif -%}
    {%- set plan = 'full' -%}
    {%- if all_states_exist([marts_aux('state'), fct_leads_pending()]) -%}
        {%- set check -%}
            select coalesce((select bool_and(fingerprint = {{ fct_leads_fingerprint() }}) from {{ marts_aux('state') }}),
                false)
                and not exists (select 1 from {{ fct_leads_pending() }} where lead_id is null)
        {%- endset -%}
        {%- set plan = 'increment' if run_query(check).columns[0].values()[0] else 'full' -%}
    {%- endif -%}
    {%- do graph.update({lead_plan_key(): plan}) -%}
    {{ return(plan) }}
{%- endmacro %}

{#- pre-hook: the plan (<model>_run); 'full' empties the table, an increment writes its scope (the pending
leads) and deletes their rows. -#}
{% macro fct_leads_prepare() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = fct_leads_plan() -%}
        {%- do run_query('create schema if not exists marts_state') -%}
        {%- do run_query('create or replace table ' ~ marts_aux('run') ~ " as select '" ~ plan ~ "' as plan") -%}
        {%- if plan == 'full' %}
        delete from {{ this }}
        {%- elif plan == 'increment' %}
        create or replace table {{ marts_aux('scope') }} as select distinct lead_id from {{ fct_leads_pending() }};
        delete from {{ this }} where lead_id in (select lead_id from {{ marts_aux('scope') }})
        {%- else %}
        select 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- post-hook: the pending notes are consumed, and the state this build describes is kept. -#}
{% macro fct_leads_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        create table if not exists {{ fct_leads_pending() }} (lead_id varchar);
        delete from {{ fct_leads_pending() }};
        create or replace table {{ marts_aux('state') }} as select {{ fct_leads_fingerprint() }} as fingerprint
    {%- endif -%}
{%- endmacro %}
