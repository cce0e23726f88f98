{#- stg_ml__lead_scores as a daily increment on DuckDB (issue 8: the view picked each lead's latest score with a
window over every day's marts.lead_scores, ~40k rows a day at 1M leads, and phase 2 read it three times).

ml/score.py writes the rows of the run's as-of only (re-scoring an as-of replaces its rows), and phase 2
runs at that as-of after it. So since this model's last build at as-of L, only rows at or after L can have
changed, and a lead's latest score at or before this as-of A moves only when it has rows in [L, A] (its
latest is then among them) or when its row here was scored at L or later (a rerun at L may have dropped it:
'lost', recomputed from every day's rows, which happens only then). Every other row stays.

Side tables in schema marts_state (as the marts' increments, macros/incremental_marts.sql): <model>_run (the
plan: create / full / increment), <model>_state (the as-of built and a fingerprint of the model SQL and this
logic) and <model>_scope (lead ids recomputed, `lost` when they had no rows in [L, A]). A full rebuild
('full') when the state is missing, the as-of went back or the fingerprint changed; 'create' on a first
build, --full-refresh or another adapter (increment_guard). -#}

{#- Bump when this file's logic changes: the fingerprint then forces one full rebuild. -#}
{% macro scores_logic_version() -%}2026-11-30.1{%- endmacro %}

{% macro scores_fingerprint() -%}
    '{{ local_md5(model.raw_code ~ scores_logic_version()) }}'
{%- endmacro %}

{#- 'create', 'full' or 'increment' (read-only: the same answer while rendering and in the hooks). -#}
{% macro scores_plan() -%}
    {%- set guard = increment_guard() -%}
    {%- if guard -%}
        {{ return(guard) }}
    {%- endif -%}
    {%- if lead_plan_key() in graph -%}
        {{ return(graph[lead_plan_key()]) }}
    {%- endif -%}
    {%- set plan = 'full' -%}
    {%- if all_states_exist([marts_aux('state')]) -%}
        {%- set check -%}
            select coalesce(bool_and(s.fingerprint = {{ scores_fingerprint() }} and s.as_of <= {{ as_of() }}), false)
            from {{ marts_aux('state') }} as s
        {%- endset -%}
        {%- set plan = 'increment' if run_query(check).columns[0].values()[0] else 'full' -%}
    {%- endif -%}
    {%- do graph.update({lead_plan_key(): plan}) -%}
    {{ return(plan) }}
{%- endmacro %}

{#- SQL literal: the as-of of this model's last build (an increment's L; a constant, so DuckDB skips the
row groups of older scores by their min/max). -#}
{% macro scores_last_as_of() -%}
    {%- set found = run_query("select strftime(max(as_of), '%Y-%m-%d %H:%M:%S.%f') from " ~ marts_aux('state')) -%}
    {{ return("cast('" ~ found.columns[0].values()[0] ~ "' as timestamp)") }}
{%- endmacro %}

{#- The leads to recompute: rows in [L, A], and rows here scored at L or later (lost: no rows in [L, A]). -#}
{% macro scores_scope_select() -%}
    with recent as (
        select distinct lead_id from {{ source('ml', 'lead_scores') }}
        where as_of >= {{ scores_last_as_of() }} and as_of <= {{ as_of() }}
    )
    select lead_id, false as lost from recent
    union all
    select lead_id, true as lost from {{ this }}
    where scored_as_of >= {{ scores_last_as_of() }} and lead_id not in (select lead_id from recent)
{%- endmacro %}

{#- True when an increment has lost leads (read while rendering the model, before the pre-hook writes). -#}
{% macro scores_has_lost() -%}
    {%- set found = run_query('select count(*) from (' ~ scores_scope_select() ~ ') as scope where lost') -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- pre-hook: the plan (<model>_run); 'full' empties the table, an increment writes its scope and deletes it. -#}
{% macro scores_prepare() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = scores_plan() -%}
        {%- do run_query('create schema if not exists marts_state') -%}
        {%- do run_query('create or replace table ' ~ marts_aux('run') ~ " as select '" ~ plan ~ "' as plan") -%}
        {%- if plan == 'full' %}
        delete from {{ this }}
        {%- elif plan == 'increment' %}
        create or replace table {{ marts_aux('scope') }} as {{ scores_scope_select() }};
        delete from {{ this }} where lead_id in (select lead_id from {{ marts_aux('scope') }})
        {%- else %}
        select 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- post-hook: the state this build describes (and an empty scope after a whole build). -#}
{% macro scores_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = run_query('select plan from ' ~ marts_aux('run')).columns[0].values()[0] -%}
        {%- if plan != 'increment' %}
        create or replace table {{ marts_aux('scope') }} (lead_id varchar, lost boolean);
        {%- endif %}
        create or replace table {{ marts_aux('state') }} as
        select
            {{ as_of() }} as as_of,
            {{ scores_fingerprint() }} as fingerprint
    {%- endif -%}
{%- endmacro %}
