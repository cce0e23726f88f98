{#- The lead models (int_lead_episodes, int_leads_resolved, int_lead_appointments, int_touches_attributed,
and the mart fct_appointments) as daily increments on DuckDB: only the rows of *affected persons* are
deleted and computed again, with the same SQL restricted to them; every other row stays in place
(tests/pipeline/test_incremental_replay.py: day-by-day increments equal a full rebuild).

Each model M keeps beside it: <M>_build (a build counter and the plan of its last build), <M>_state (what
that build consumed: each upstream's build, the as-of, a fingerprint, side-table watermarks), <M>_run
(the plan) and <M>_changes (the person_ids whose rows the last build may have changed; an increment
deletes and inserts exactly those persons' rows; int_touches_attributed keys on <M>_scope record keys).
int_lead_appointments and int_touches_attributed also keep <M>_rows, the rows their last increment wrote: their
copies fct_appointments and fct_touches read those instead of finding them again among every row.
int_persons_matched writes its own <_build> and <_changes> (persons before and after of the records it
assigned again; macros/incremental_persons_matched.sql).

Affected persons, by model (a person is in when any row of theirs can differ from yesterday's):
- int_lead_episodes: the persons whose lead-opening records or appointments int_persons_matched assigned
  again or changed (<int_persons_matched>_opening_changes: the model reads no touch), plus the persons
  holding an evaluation in the same slot (start time) as one of theirs, old or new (the echo / twin rules
  compare evaluations of different persons in one slot; <M>_evals keeps every evaluation record with its
  person, slot and names: the increment reads the names there; only the changed persons' rows move, as
  only their records can have changed).
- int_leads_resolved: those opening-record persons and those of int_lead_episodes, plus persons whose FHIR
  Coverage, Location or Practitioner rows changed (raw rows past a watermark: not upstream of
  int_source_records). <M>_leads lists the lead ids of affected persons before and after; <M>_diff the
  leads whose (id, person, receipt) differ from before: all that the appointments and touches read.
- int_lead_appointments: the persons whose appointment records were assigned again or changed, the persons
  of <int_leads_resolved>_diff, persons with an appointment on a lead of that diff (before), booked on a
  referral of an affected person (now), or starting between the last as-of and this one (an SIU booking
  then reads as fulfilled); closed over HL7 / EMR appointment ids reported for several persons.
- int_touches_attributed (record keys): the records int_persons_matched assigned to another person (or
  new), records whose content changed (int_source_records' dirty ids), touches of persons of the diff (now
  or before) or naming one of its leads, web events of tracking tokens of its leads or rendered since the
  last build, and everything sharing a link token with those.
- fct_appointments (a copy of int_lead_appointments): the persons int_lead_appointments recomputed.
The appointment staging SQL runs over the raw rows of the ids an increment recomputes only
(macros/incremental_lead_staging.sql): DuckDB pushes no IN-subquery filter below the views' dedup.

A full rebuild instead when an upstream was rebuilt whole or built more than once since, the as-of went
back, the model SQL / this file's logic / episode rules / reference data / staging SQL changed, a side
table lost rows, or with --full-refresh / var identity_full_refresh. Spark builds these models whole. -#}

{#- The record kinds int_touches_attributed keeps (its SQL and its increment's scope read the same list). -#}
{% macro lead_touch_kinds() -%}
    'call', 'voicemail', 'sms', 'email', 'web', 'outcome', 'eligibility'
{%- endmacro %}

{#- Bump when this file's logic changes: the fingerprint then forces one full rebuild. -#}
{% macro lead_models_logic_version() -%}2026-11-30.2{%- endmacro %}

{#- A side table of `relation` (default: this model). A mart's (fct_appointments) live beside its upstream in
the intermediate schema, not in marts: publish copies every marts table into the app's snapshot. -#}
{% macro lead_aux(suffix, relation=none) -%}
    {%- set base = this if relation is none else relation -%}
    {%- set schema = base.schema -%}
    {%- if relation is none and this.identifier in lead_marts() -%}
        {%- set schema = lead_relation(lead_marts()[this.identifier]).schema -%}
    {%- endif -%}
    {{ return(api.Relation.create(database=base.database, schema=schema,
        identifier=base.identifier ~ '_' ~ suffix)) }}
{%- endmacro %}

{#- Marts run as lead increments: name -> the intermediate model whose schema holds their side tables. -#}
{% macro lead_marts() -%}
    {{ return({'fct_appointments': 'int_lead_appointments'}) }}
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
        'fct_appointments': ['int_lead_appointments'],
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
        (select md5(string_agg(view_name || ':' || {{ view_identity() }}, ';' order by view_name)) from duckdb_views()
         where database_name = current_database()
           and schema_name || '.' || view_name in ('{{ source_records_upstream_models() | join("', '") }}')),
        {%- for name in ['stg_ref__clinics', 'stg_ref__zip_codes', 'stg_ref__diagnosis_groups',
            'stg_ref__payer_aliases'] %}
        (select count(*) || '/' || coalesce(sum(hash(t)), 0) from {{ lead_relation(name) }} as t),
        {%- endfor %}
        ''))
{%- endmacro %}

{#- 'create', 'full' or 'increment' (read-only: the same answer while rendering and in the hooks, so the
hooks take the answer the model's SQL computed: macros/incremental_lead_states.sql). -#}
{% macro lead_plan() -%}
    {%- set guard = increment_guard() -%}
    {%- if guard -%}
        {{ return(guard) }}
    {%- endif -%}
    {%- if lead_plan_key() in graph -%}
        {{ return(graph[lead_plan_key()]) }}
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
    {%- if this.identifier in ('int_lead_appointments', 'int_touches_attributed') -%}
        {%- do needed.append(lead_aux('diff', lead_relation('int_leads_resolved'))) -%}
    {%- endif -%}
    {%- if this.identifier == 'int_touches_attributed' -%}
        {%- do needed.append(lead_aux('dirty', lead_relation('int_source_records'))) -%}
    {%- endif -%}
    {%- if not lead_all_exist(needed) -%}
        {%- do graph.update({lead_plan_key(): 'full'}) -%}
        {{ return('full') }}
    {%- endif -%}
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
    {%- do graph.update({lead_plan_key(): 'increment' if ok else 'full'}) -%}
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

{#- Persons in the named upstreams' side tables, each only when that upstream built since this model's last
build: `sources` is a list of (upstream name, suffix), e.g. ('int_leads_resolved', 'diff'). -#}
{% macro lead_persons_of(sources) -%}
    select cast(null as varchar) as person_id where false
    {%- for name, suffix in sources %}
    union
    select person_id from {{ lead_aux(suffix, lead_relation(name)) }} where {{ lead_upstream_changed(name) }}
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

{#- True when int_lead_episodes builds whole on DuckDB in a run (create or full): its pre-hook then writes <M>_evals
first (lead_eval_slots over every record) and the model reads its evaluations there, so the full build runs the
appointment staging views and the names join once, not once in the model and again in the post-hook. The
model's SQL and both hooks ask this (the same answer: lead_plan is fixed for the invocation); unit tests,
compile and Spark render the model's own evaluation SQL. -#}
{% macro lead_evals_first() -%}
    {{ return(execute and target.type == 'duckdb' and model.resource_type == 'model' and this is not none
        and this.identifier == 'int_lead_episodes' and flags.WHICH in ('run', 'build', 'retry')
        and lead_plan() != 'increment') }}
{%- endmacro %}

{#- The temp tables of the records an int_lead_episodes / int_lead_appointments increment reads (written by
its pre-hook). -#}
{% macro lead_episode_records() -%}
    {{ return('lead_episode_records') }}
{%- endmacro %}

{% macro lead_appointment_records() -%}
    {{ return('lead_appointment_records') }}
{%- endmacro %}

{#- Every evaluation record with its person, slot and lowercased names (as int_lead_episodes' evals), optionally
only for the persons in `persons` (a relation with person_id), or for those whose rows of int_persons_matched
`person_records` holds: then the appointment staging SQL reads only their
records' raw rows (macros/incremental_lead_staging.sql), not every raw row through the views' dedup. Kept by
record (<int_lead_episodes>_evals) so the increment reads its evaluations' names here, not from every record
of int_source_records. -#}
{% macro lead_eval_slots(persons=none, person_records=none) -%}
    {%- set pm = lead_relation('int_persons_matched') -%}
    {%- set ids = none -%}
    {%- if person_records is not none -%}
        {#- the persons' rows of int_persons_matched already fetched (a relation with its columns) #}
        {%- set ids = 'select source_record_id from ' ~ person_records ~ " where record_kind = 'appointment'" -%}
        {%- set pm = person_records -%}
    {%- elif persons is not none -%}
        {#- their appointment records in one pass over int_persons_matched (the ids and the join read it) #}
        {%- set ids = 'select source_record_id from person_appointments' -%}
    with person_appointments as {{ materialized() }} (
        select record_key, record_kind, source, source_record_id, event_at, person_id from {{ pm }}
        where record_kind = 'appointment' and person_id in (select person_id from {{ persons }})
    )
    {%- set pm = 'person_appointments' -%}
    {%- endif %}
    select distinct
        pm.person_id,
        pm.record_key,
        slots.start_at,
        lower(records.first_name) as first_name,
        lower(records.last_name) as last_name
    from {{ pm }} as pm
    inner join {{ lead_relation('int_source_records') }} as records on pm.record_key = records.record_key
    inner join (
        select source, appointment_id as source_record_id, start_at
        from {{ lead_staged(lead_relation('stg_fhir__appointments'), ids) }} as fhir_slots
        where appointment_type = 'eval'
        union all
        select source, source_record_id, start_at
        from {{ lead_staged(lead_relation('stg_hl7v2__appointments'), ids) }} as hl7_slots
        where appointment_type = 'eval'
        union all
        select source, source_record_id, start_at
        from {{ lead_staged(lead_relation('stg_emr_csv__appointments'), ids) }} as emr_slots
        where appointment_type = 'eval'
    ) as slots on pm.source = slots.source and pm.source_record_id = slots.source_record_id
    where pm.record_kind = 'appointment' and pm.event_at is not null
{%- endmacro %}
