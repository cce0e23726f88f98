{#- int_source_records as a daily increment (DuckDB): only the records whose inputs changed since the last
build are deleted and recomputed; everything else stays in place. The increment equals a full rebuild:

- A record's row depends on its raw rows (staging keeps the latest version by source_record_id, at or
  before the as-of), on the reference tables staging joins, on the staging SQL, and on a few other rows:
  a FHIR resource borrows its Patient's identity fields, a fax its corrections, an email event the link
  token of its message. A source record id is *dirty* when one of its raw rows (or of those rows) was
  ingested after the last build's watermark, or has a time column between the last as-of and this one
  (a row that was in the future may enter; a status like `booked` may lapse).
- Rows whose source_record_id or fhir_patient_id is dirty are deleted and recomputed (the same
  predicate on both sides, so ids shared across sources only cost extra work).
- A full rebuild instead when: no state yet, an earlier as-of than the last build, a raw row deleted
  (fewer rows at or before a table's watermark), a changed staging view, model SQL or reference table,
  `--full-refresh` or var identity_full_refresh.

State lives beside the model: <model>_state (one row: version, rebuilt, as_of, fingerprint),
<model>_watermarks (per raw table: max ingested_at and row count), <model>_dirty (this run's ids) and
<model>_changes (the person_keys whose records changed in this version, before and after, for the
identity models downstream; `rebuilt` = everything changed). -#}

{#- Bump when this file's logic changes: the fingerprint then forces one full rebuild. -#}
{% macro source_records_logic_version() -%}2026-11-29.1{%- endmacro %}

{#- Raw rows that change other records than their own: extra id columns naming the record they change,
and columns grouping rows whose records share a value computed over the group (staging windows). -#}
{% macro source_records_linked_ids() -%}
    {{ return({'fax_corrections': ['fax_record_id']}) }}
{%- endmacro %}

{% macro source_records_groups() -%}
    {{ return({'email_events': 'sg_message_id'}) }}
{%- endmacro %}

{% macro source_records_aux(suffix) -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema,
        identifier=this.identifier ~ '_' ~ suffix)) }}
{%- endmacro %}

{#- Every source table upstream of this model (through staging models and their refs): a list of dicts
(name, relation, stamped = has ingested_at, time_columns). -#}
{% macro source_records_upstream() -%}
    {%- set ns = namespace(frontier=model.depends_on.nodes | list) -%}
    {%- set seen = [] -%}
    {%- set found = [] -%}
    {%- for _ in range(6) -%}
        {%- set next = [] -%}
        {%- for uid in ns.frontier if uid not in seen -%}
            {%- do seen.append(uid) -%}
            {%- if uid.startswith('source.') -%}
                {%- do found.append(graph.sources[uid]) -%}
            {%- elif uid in graph.nodes -%}
                {%- do next.extend(graph.nodes[uid].depends_on.nodes) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set ns.frontier = next -%}
    {%- endfor -%}
    {%- set tables = [] -%}
    {%- for src in found | sort(attribute='unique_id') -%}
        {%- set relation = api.Relation.create(database=src.database, schema=src.schema,
            identifier=src.identifier) -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
        {%- set names = columns | map(attribute='name') | map('lower') | list -%}
        {%- set times = [] -%}
        {%- for column in columns -%}
            {%- if column.dtype | upper in ('DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS',
                'TIMESTAMP_MS', 'TIMESTAMP_S') -%}
                {%- do times.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do tables.append({'name': src.identifier, 'relation': relation,
            'stamped': 'ingested_at' in names and 'source_record_id' in names, 'time_columns': times}) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}

{#- SQL expression: what, besides the raw rows, a row of this model depends on. -#}
{% macro source_records_fingerprint(tables) -%}
    {%- set staging = [] -%}
    {%- for uid in model.depends_on.nodes if uid in graph.nodes -%}
        {%- do staging.append(graph.nodes[uid].schema) -%}
    {%- endfor -%}
    md5(concat_ws('|',
        '{{ local_md5(model.raw_code ~ source_records_logic_version()) }}',
        (select md5(string_agg(schema_name || '.' || view_name || ':' || sql, ';' order by schema_name, view_name))
         from duckdb_views()
         where database_name = current_database()
           and schema_name in ('{{ staging | unique | join("', '") }}')),
        {%- for t in tables if not t.stamped %}
        (select count(*) || '/' || coalesce(sum(hash(t)), 0) from {{ t.relation }} as t),
        {%- endfor %}
        ''
    ))
{%- endmacro %}

{#- 'create' (no table yet or --full-refresh: dbt builds it whole), 'full' (delete all, insert all) or
'increment'. Read-only; called while rendering the model and again by its hooks (same answer: nothing
it reads changes in between). -#}
{% macro source_records_plan(tables) -%}
    {%- if not execute or model.resource_type != 'model' or this is none or not is_incremental() -%}
        {{ return('create') }}
    {%- endif -%}
    {%- if var('identity_full_refresh', false) in (true, 'true', 'True', 1, '1') -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set state = source_records_aux('state') -%}
    {%- set marks = source_records_aux('watermarks') -%}
    {%- if not identity_state_exists(state) or not identity_state_exists(marks) -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set stamped = tables | selectattr('stamped') | list -%}
    {%- set check -%}
        with marks as (select * from {{ marks }}),
        counts as (
            {%- for t in stamped %}
            select
                '{{ t.name }}' as table_name,
                (select count(*) from {{ t.relation }}
                 where ingested_at <= (select watermark from marks where table_name = '{{ t.name }}')) as n
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        select
            coalesce(bool_and(s.fingerprint = {{ source_records_fingerprint(tables) }}), false)
            and coalesce(bool_and(s.as_of <= {{ as_of() }}), false)
            and (select count(*) from counts) = (select count(*) from marks)
            and (select count(*) from counts left join marks using (table_name)
                 where marks.row_count is distinct from counts.n) = 0
        from {{ state }} as s
    {%- endset -%}
    {%- set ok = run_query(check).columns[0].values()[0] -%}
    {{ return('increment' if ok else 'full') }}
{%- endmacro %}

{#- The rows this build (re)computes: every row of the union, or only those of dirty ids. -#}
{% macro source_records_selected(plan) -%}
    {%- if plan == 'increment' -%}
        where
            source_record_id in (select id from {{ source_records_aux('dirty') }})
            or fhir_patient_id in (select id from {{ source_records_aux('dirty') }})
    {%- endif -%}
{%- endmacro %}

{#- pre-hook: records the plan (<model>_run), then for an increment the dirty ids, the person_keys of the rows
about to go, and the delete. -#}
{% macro source_records_prepare() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set tables = source_records_upstream() -%}
        {%- set plan = source_records_plan(tables) -%}
        create or replace table {{ source_records_aux('run') }} as select '{{ plan }}' as plan;
        {%- if plan == 'full' %}
        delete from {{ this }};
        {%- elif plan == 'increment' %}
            {%- set linked = source_records_linked_ids() -%}
            {%- set groups = source_records_groups() %}
        create or replace table {{ source_records_aux('dirty') }} as
        with marks as (select * from {{ source_records_aux('watermarks') }}),
        previous as (select as_of from {{ source_records_aux('state') }}),
            {%- for t in tables if t.stamped %}
                {%- set n = loop.index %}
        changed_{{ n }} as (
            select *
            from {{ t.relation }}
            where
                ingested_at > coalesce(
                    (select watermark from marks where table_name = '{{ t.name }}'), timestamp '-infinity')
                {%- for c in t.time_columns %}
                or (cast({{ adapter.quote(c) }} as timestamp) > (select as_of from previous)
                    and cast({{ adapter.quote(c) }} as timestamp) <= {{ as_of() }})
                {%- endfor %}
        ),
        ids_{{ n }} as (
                {%- if t.name in groups %}
            select source_record_id as id from {{ t.relation }}
            where {{ groups[t.name] }} in (select {{ groups[t.name] }} from changed_{{ n }})
            union all
                {%- endif %}
                {%- for extra in linked.get(t.name, []) %}
            select {{ extra }} as id from changed_{{ n }}
            union all
                {%- endfor %}
            select source_record_id as id from changed_{{ n }}
        ),
            {%- endfor %}
        ids as (
            {%- for t in tables if t.stamped %}
            select id from ids_{{ loop.index }}
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        select distinct id from ids where id is not null;
        create or replace table {{ source_records_aux('changes') }} as
        select distinct person_key from {{ this }} {{ source_records_selected(plan) }};
        delete from {{ this }} {{ source_records_selected(plan) }};
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- post-hook: the person_keys of the rows just inserted (an increment), then the new state and watermarks. -#}
{% macro source_records_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set tables = source_records_upstream() -%}
        {%- set plan = run_query('select plan from ' ~ source_records_aux('run')).columns[0].values()[0] -%}
        {%- set state = source_records_aux('state') -%}
        {%- set version = 0 -%}
        {%- if identity_state_exists(state) -%}
            {%- set version = run_query('select max(version) from ' ~ state).columns[0].values()[0] or 0 -%}
        {%- endif -%}
        {%- if plan == 'increment' %}
        insert into {{ source_records_aux('changes') }}
        select distinct person_key from {{ this }} {{ source_records_selected(plan) }}
        except select person_key from {{ source_records_aux('changes') }};
        {%- else %}
        create or replace table {{ source_records_aux('changes') }} (person_key varchar);
        create or replace table {{ source_records_aux('dirty') }} (id varchar);
        {%- endif %}
        create or replace table {{ source_records_aux('watermarks') }} as
        {%- for t in tables if t.stamped %}
        select '{{ t.name }}' as table_name, max(ingested_at) as watermark, count(*) as row_count
        from {{ t.relation }}
        {% if not loop.last %}union all{% endif %}
        {%- endfor %};
        create or replace table {{ state }} as
        select
            {{ version + 1 }} as version,
            {{ plan != 'increment' }} as rebuilt,
            {{ as_of() }} as as_of,
            {{ source_records_fingerprint(tables) }} as fingerprint
    {%- endif -%}
{%- endmacro %}

{#- The daily increment's filter at the end of int_source_records (DuckDB only; Spark builds it whole). A
macro so that the model itself names no `target` (sqlfluff's templater has none). -#}
{% macro source_records_increment_filter() -%}
    {%- if target is defined and target.type == 'duckdb' -%}
        {{ source_records_selected(source_records_plan(source_records_upstream())) }}
    {%- endif -%}
{%- endmacro %}
