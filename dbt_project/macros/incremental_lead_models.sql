{#- The lead models (int_lead_episodes, int_leads_resolved, int_lead_appointments, int_touches_attributed)
as daily increments on DuckDB: only the rows of *affected persons* are deleted and computed again, with
the same SQL restricted to them; every other row stays in place (tests/pipeline/test_incremental_replay.py:
day-by-day increments equal a full rebuild).

Each model M keeps beside it: <M>_build (a build counter and the plan of its last build), <M>_state (what
that build consumed: each upstream's build, the as-of, a fingerprint, side-table watermarks), <M>_run
(the plan) and <M>_changes (the person_ids whose rows the last build may have changed; an increment
deletes and inserts exactly those persons' rows; int_touches_attributed keys on <M>_scope record keys).
int_persons_matched writes its own <_build> and <_changes> (persons before and after of the records it
assigned again; macros/incremental_persons_matched.sql).

Affected persons, by model (a person is in when any row of theirs can differ from yesterday's):
- int_lead_episodes: the persons int_persons_matched changed, plus the persons holding an evaluation in
  the same slot (start time) as one of theirs, old or new (the echo / twin rules compare evaluations of
  different persons in one slot; <M>_evals keeps every person's evaluation slots for this).
- int_leads_resolved: those of int_lead_episodes, plus persons whose FHIR Coverage, Location or
  Practitioner rows changed (raw rows past a watermark: these are not upstream of int_source_records).
  <M>_leads lists the lead ids of affected persons before and after.
- int_lead_appointments: those, plus persons with an appointment attached to a lead of <leads> before,
  booked on a referral of an affected person, or starting between the last as-of and this one (an SIU
  booking then reads as fulfilled); closed over HL7 / EMR appointment ids reported for several persons.
- int_touches_attributed (record keys): the records int_persons_matched assigned again, every touch of
  an affected person (before or after), touches naming a lead of <leads> (lead_ref or a rendered
  link), web events of tracking tokens rendered since the last build, and everything sharing a link
  token with those.

A full rebuild instead when an upstream was rebuilt whole or built more than once since, the as-of went
back, the model SQL / this file's logic / episode rules / reference data / staging SQL changed, a side
table lost rows, or with --full-refresh / var identity_full_refresh. Spark builds these models whole. -#}

{#- Bump when this file's logic changes: the fingerprint then forces one full rebuild. -#}
{% macro lead_models_logic_version() -%}2026-11-29.4{%- endmacro %}

{% macro lead_aux(suffix, relation=none) -%}
    {%- set base = this if relation is none else relation -%}
    {{ return(api.Relation.create(database=base.database, schema=base.schema,
        identifier=base.identifier ~ '_' ~ suffix)) }}
{%- endmacro %}

{#- Relations by name from the graph, not ref() / source(): a ref() in a macro that a model reaches only
through its hooks fails dbt's dependency check. Each is upstream of the model (directly or through its
refs), so it is built first. -#}
{% macro lead_relation(name) -%}
    {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed') and node.name == name -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema,
            identifier=node.alias or node.name)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('lead_relation: no model ' ~ name) }}
{%- endmacro %}

{% macro lead_source(source_name, table) -%}
    {%- for src in graph.sources.values() if src.source_name == source_name and src.name == table -%}
        {{ return(api.Relation.create(database=src.database, schema=src.schema, identifier=src.identifier)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('lead_source: no source ' ~ source_name ~ '.' ~ table) }}
{%- endmacro %}

{#- What each model reads that changes day to day: upstream models with build counters, and raw tables
outside int_source_records' lineage (relation, watermark column). -#}
{% macro lead_upstreams() -%}
    {%- set ups = {
        'int_lead_episodes': ['int_persons_matched'],
        'int_leads_resolved': ['int_persons_matched', 'int_lead_episodes'],
        'int_lead_appointments': ['int_persons_matched', 'int_lead_episodes', 'int_leads_resolved'],
        'int_touches_attributed': ['int_persons_matched', 'int_leads_resolved'],
    } -%}
    {%- set out = [] -%}
    {%- for name in ups.get(this.identifier, []) -%}
        {%- do out.append({'name': name, 'relation': lead_relation(name)}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{% macro lead_side_tables() -%}
    {%- if this.identifier == 'int_leads_resolved' -%}
        {{ return([
            {'name': 'coverages', 'relation': lead_source('fhir', 'fhir_coverages'), 'mark': 'ingested_at'},
            {'name': 'locations', 'relation': lead_source('fhir', 'fhir_locations'), 'mark': 'ingested_at'},
            {'name': 'practitioners', 'relation': lead_source('fhir', 'fhir_practitioners'), 'mark': 'ingested_at'},
        ]) }}
    {%- elif this.identifier == 'int_touches_attributed' -%}
        {#- ingested_at (when the engine wrote the row), not created_at (the as-of of the run that rendered it:
        a second run on one as-of logs links no later than the last build's newest) #}
        {{ return([{'name': 'tokens', 'relation': lead_source('web', 'tracking_tokens'), 'mark': 'ingested_at'}]) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}

{#- SQL expression: what besides upstream rows the model's rows depend on. -#}
{% macro lead_fingerprint() -%}
    md5(concat_ws('|',
        '{{ local_md5(model.raw_code ~ lead_models_logic_version() ~ var("lost_after_days", "")) }}',
        (select string_agg(cast(r as varchar), ';') from {{ lead_relation('int_episode_rules') }} as r),
        {#- the views upstream only: phase 2 adds a staging view after phase 1 (see source_records_upstream_models) #}
        (select md5(string_agg(view_name || ':' || sql, ';' order by view_name)) from duckdb_views()
         where database_name = current_database()
           and schema_name || '.' || view_name in ('{{ source_records_upstream_models() | join("', '") }}')),
        {%- for name in ['stg_ref__clinics', 'stg_ref__zip_codes', 'stg_ref__diagnosis_groups',
            'stg_ref__payer_aliases'] %}
        (select count(*) || '/' || coalesce(sum(hash(t)), 0) from {{ lead_relation(name) }} as t),
        {%- endfor %}
        ''))
{%- endmacro %}

{#- 'create', 'full' or 'increment' (read-only: the same answer while rendering and in the hooks). -#}
{% macro lead_plan() -%}
    {%- set guard = increment_guard() -%}
    {%- if guard -%}
        {{ return(guard) }}
    {%- endif -%}
    {%- set records_state = lead_aux('state', lead_relation('int_source_records')) -%}
    {%- set pm_state = lead_aux('state', lead_relation('int_persons_matched')) -%}
    {%- set needed = [lead_aux('state'), lead_aux('changes'), records_state, pm_state] -%}
    {%- for up in lead_upstreams() -%}
        {%- do needed.append(lead_aux('build', up.relation)) -%}
        {%- do needed.append(lead_aux('changes', up.relation)) -%}
    {%- endfor -%}
    {%- if this.identifier == 'int_lead_episodes' -%}
        {%- do needed.append(lead_aux('evals')) -%}
        {%- do needed.append(lead_aux('opening_changes', lead_relation('int_persons_matched'))) -%}
    {%- endif -%}
    {%- if this.identifier == 'int_leads_resolved' -%}{%- do needed.append(lead_aux('leads')) -%}{%- endif -%}
    {%- for relation in needed -%}
        {%- if not identity_state_exists(relation) -%}
            {{ return('full') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set check -%}
        select coalesce(
            s.fingerprint = {{ lead_fingerprint() }} and s.as_of <= {{ as_of() }}
            and (select max(version) from {{ records_state }}) = (select max(source_version) from {{ pm_state }})
            {%- for up in lead_upstreams() %}
            and coalesce((select bool_and(u.build = s.up_{{ loop.index }}
                or (u.build = s.up_{{ loop.index }} + 1 and u.plan = 'increment'))
                from {{ lead_aux('build', up.relation) }} as u), false)
            {%- endfor %}
            {%- for side in lead_side_tables() %}
            and (select count(*) from {{ side.relation }} where {{ side.mark }} <= s.mark_{{ loop.index }})
                = s.count_{{ loop.index }}
            {%- endfor %}, false)
        from {{ lead_aux('state') }} as s
    {%- endset -%}
    {%- set ok = run_query(check).columns[0].values()[0] -%}
    {{ return('increment' if ok else 'full') }}
{%- endmacro %}

{#- Persons an upstream changed since this model's last build (none when it did not build since). -#}
{% macro lead_upstream_persons(suffix='changes') -%}
    select cast(null as varchar) as person_id where false
    {%- for up in lead_upstreams() %}
    union
    select person_id from {{ lead_aux(suffix, up.relation) }}
    where (select build from {{ lead_aux('build', up.relation) }})
        > (select up_{{ loop.index }} from {{ lead_aux('state') }})
    {%- endfor %}
{%- endmacro %}

{#- true when the named upstream built (as an increment) since this model's last build. -#}
{% macro lead_upstream_changed(name) -%}
    {#- loop.index over the whole list (state columns are numbered so): a filtered `for .. if` renumbers -#}
    {%- for up in lead_upstreams() -%}
        {%- if up.name == name -%}
        (select build from {{ lead_aux('build', up.relation) }}) > (select up_{{ loop.index }} from {{ lead_aux('state') }})
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- Rows of a side table new since the last build. -#}
{% macro lead_side_new(name) -%}
    {%- for side in lead_side_tables() -%}
        {%- if side.name == name -%}
        select * from {{ side.relation }}
        where {{ side.mark }} > coalesce((select mark_{{ loop.index }} from {{ lead_aux('state') }}), timestamp '-infinity')
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- Every evaluation record with its person and slot (as int_lead_episodes' eval_records), optionally only
for the persons in `persons` (a relation with person_id). -#}
{% macro lead_eval_slots(persons=none) -%}
    {#- the staging views dedup every raw row: an IN filter on their partition key is pushed below that -#}
    {%- set ids -%}
        {%- if persons is not none %} and source_record_id in (select source_record_id
            from {{ lead_relation('int_persons_matched') }}
            where record_kind = 'appointment' and person_id in (select person_id from {{ persons }})){% endif -%}
    {%- endset -%}
    select distinct
        pm.person_id,
        slots.start_at,
        lower(records.first_name) as first_name,
        lower(records.last_name) as last_name
    from {{ lead_relation('int_persons_matched') }} as pm
    inner join {{ lead_relation('int_source_records') }} as records on pm.record_key = records.record_key
    inner join (
        select source, appointment_id as source_record_id, start_at
        from {{ lead_relation('stg_fhir__appointments') }} where appointment_type = 'eval'
        {{- ids.replace('and source_record_id in', 'and appointment_id in') }}
        union all
        select source, source_record_id, start_at from {{ lead_relation('stg_hl7v2__appointments') }}
        where appointment_type = 'eval' {{- ids }}
        union all
        select source, source_record_id, start_at from {{ lead_relation('stg_emr_csv__appointments') }}
        where appointment_type = 'eval' {{- ids }}
    ) as slots on pm.source = slots.source and pm.source_record_id = slots.source_record_id
    where pm.record_kind = 'appointment' and pm.event_at is not null
    {%- if persons is not none %} and pm.person_id in (select person_id from {{ persons }}){% endif %}
{%- endmacro %}
