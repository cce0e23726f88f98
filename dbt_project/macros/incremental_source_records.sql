{#- int_source_records as a daily increment (DuckDB): only the records whose inputs changed since the last
build are deleted and recomputed; everything else stays in place. The increment equals a full rebuild:

- A record's row depends on its raw rows (staging keeps the latest version by source_record_id, at or
  before the as-of), on the reference tables staging joins, on the staging SQL, and on a few other rows:
  a FHIR resource borrows its Patient's identity fields, a fax its corrections, an email event the link
  token of its message. A source record id is *dirty* when one of its raw rows (or of those rows) was
  ingested after the last build's watermark, or has a time column between the last as-of and this one
  (a row that was in the future may enter; a status like `booked` may lapse).
- The dirty ids are closed over FHIR borrowing: the resources that point at a dirty Patient are dirty,
  and so are the Patients a dirty resource points at (its borrowed fields are joined from them). Rows
  whose source_record_id is dirty are then deleted and recomputed (the same predicate on both sides, so
  ids shared across sources only cost extra work).
- The dirty ids are found while the model is rendered (source_records_selection) and written into the
  SQL as a constant: DuckDB pushes a constant id filter through the union and the staging views'
  dedup windows down to the raw scans, a semi-join against a table it evaluates after every staging view
  ran over all history (31.7 s at 1M leads for a ~0.2% day). The constant is one string split into a list
  (`list_contains(string_split('a<US>b', chr(31)), id)`), which DuckDB folds and turns into the same IN
  filter at the scan; an IN list of one constant per id cost ~10 us each to bind and rewrite (at 1M, ~78k
  ids: ~0.7 s of planning a day). Above source_records_max_listed() ids, or when an id holds the
  separator (chr(31)), the table is used instead (the same rows, slower).
- A full rebuild instead when: no state yet, an earlier as-of than the last build, raw rows deleted or
  back-dated (other rows at or before a table's watermark than recorded: their count and their sum of
  hash(ingested_at)), a changed staging view, model SQL or reference table, `--full-refresh` or var
  identity_full_refresh.

State lives beside the model: <model>_state (one row: version, rebuilt, as_of, fingerprint),
<model>_watermarks (per raw table: max ingested_at, row count and the rows' fingerprint), <model>_dirty
(this run's ids, empty after a rebuild) and
<model>_changes (the person_keys whose records changed in this version, before and after, for the
identity models downstream; `rebuilt` = everything changed). -#}

{#- Bump when this file's logic changes: the fingerprint then forces one full rebuild. -#}
{% macro source_records_logic_version() -%}2026-11-29.3{%- endmacro %}

{#- Raw rows that change other records than their own: extra id columns naming the record they change,
and columns grouping rows whose records share a value computed over the group (staging windows). -#}
{% macro source_records_linked_ids() -%}
    {{ return({'fax_corrections': ['fax_record_id']}) }}
{%- endmacro %}

{% macro source_records_groups() -%}
    {{ return({'email_events': 'sg_message_id'}) }}
{%- endmacro %}

{#- Raw tables whose rows borrow fields of another record (int_source_records joins each FHIR resource to its
Patient): the column naming the lender. -#}
{% macro source_records_borrowers() -%}
    {{ return({'fhir_service_requests': 'patient_ref', 'fhir_appointments': 'patient_ref'}) }}
{%- endmacro %}

{#- The dbt commands whose run of this model is an increment (others render the whole SQL and plan 'full'). -#}
{% macro source_records_commands() -%}
    {{ return(('run', 'build', 'retry')) }}
{%- endmacro %}

{#- Up to this many dirty ids are written into the SQL as a constant list. -#}
{% macro source_records_max_listed() -%}
    {{ return(200000) }}
{%- endmacro %}

{% macro source_records_aux(suffix) -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema,
        identifier=this.identifier ~ '_' ~ suffix)) }}
{%- endmacro %}

{#- Every source table upstream of this model (through staging models and their refs): a list of dicts
(name, relation, stamped = has ingested_at, time_columns). The columns of all of them come from one catalog
query (a DESCRIBE per source was ~28 queries), asked once per invocation: this runs while rendering and in
both hooks, and the raw tables do not change while dbt runs (ingest is done before). -#}
{% macro source_records_upstream() -%}
    {%- set key = 'ptleads_source_records_upstream:' ~ invocation_id ~ ':' ~ this -%}
    {%- if execute and key in graph -%}
        {{ return(graph[key]) }}
    {%- endif -%}
    {%- set sources = model_upstream().sources | sort(attribute='unique_id') -%}
    {%- set names = [] -%}
    {%- for src in sources -%}
        {%- do names.append("'" ~ src.database ~ "." ~ src.schema ~ "." ~ src.identifier ~ "'") -%}
    {%- endfor -%}
    {%- set columns_of = {} -%}
    {%- if names -%}
        {%- set found = run_query("select database_name || '.' || schema_name || '.' || table_name, column_name, data_type
            from duckdb_columns() where database_name || '.' || schema_name || '.' || table_name in ("
            ~ names | join(', ') ~ ") order by 1, column_index") -%}
        {%- for row in found.rows -%}
            {%- if row[0] not in columns_of -%}
                {%- do columns_of.update({row[0]: []}) -%}
            {%- endif -%}
            {%- do columns_of[row[0]].append({'name': row[1], 'dtype': row[2]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set tables = [] -%}
    {%- for src in sources -%}
        {%- set relation = api.Relation.create(database=src.database, schema=src.schema,
            identifier=src.identifier) -%}
        {%- set columns = columns_of.get(src.database ~ '.' ~ src.schema ~ '.' ~ src.identifier, []) -%}
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
    {%- if execute -%}
        {%- do graph.update({key: tables}) -%}
    {%- endif -%}
    {{ return(tables) }}
{%- endmacro %}

{#- schema.name of every model upstream of this one (through refs): the views whose SQL the rows depend
on. Only these: a view another phase adds to the same schema (phase 2's stg_ml__lead_scores) must not
change the fingerprint and force a rebuild the next day. -#}
{% macro source_records_upstream_models() -%}
    {%- set names = [] -%}
    {%- for node in model_upstream().models -%}
        {%- do names.append(node.schema ~ '.' ~ (node.alias or node.name)) -%}
    {%- endfor -%}
    {{ return(names | unique | sort) }}
{%- endmacro %}

{#- SQL expression: what, besides the raw rows, a row of this model depends on. -#}
{% macro source_records_fingerprint(tables) -%}
    md5(concat_ws('|',
        '{{ local_md5(model.raw_code ~ source_records_logic_version()) }}',
        (select md5(string_agg(schema_name || '.' || view_name || ':' || {{ view_identity() }}, ';' order by schema_name, view_name))
         from duckdb_views()
         where database_name = current_database()
           and schema_name || '.' || view_name in ('{{ source_records_upstream_models() | join("', '") }}')),
        {%- for t in tables if not t.stamped %}
        (select count(*) || '/' || coalesce(sum(hash(t)), 0) from {{ t.relation }} as t),
        {%- endfor %}
        ''
    ))
{%- endmacro %}

{#- 'create' (no table yet or --full-refresh: dbt builds it whole), 'full' (delete all, insert all) or
'increment'. Read-only; called while rendering the model and again by its pre-hook (same answer: nothing
it reads changes in between), so the check runs once per invocation (lead_plan_key). -#}
{% macro source_records_plan(tables) -%}
    {%- if not execute or model.resource_type != 'model' or this is none or not is_incremental() -%}
        {{ return('create') }}
    {%- endif -%}
    {%- if var('identity_full_refresh', false) in (true, 'true', 'True', 1, '1') -%}
        {{ return('full') }}
    {%- endif -%}
    {#- Only these commands render the model right before running it, which writes the dirty ids. -#}
    {%- if flags.WHICH not in source_records_commands() -%}
        {{ return('full') }}
    {%- endif -%}
    {%- if lead_plan_key() in graph -%}
        {{ return(graph[lead_plan_key()]) }}
    {%- endif -%}
    {%- set state = source_records_aux('state') -%}
    {%- set marks = source_records_aux('watermarks') -%}
    {%- if not lead_all_exist([state, marks]) -%}
        {%- do graph.update({lead_plan_key(): 'full'}) -%}
        {{ return('full') }}
    {%- endif -%}
    {#- watermarks written before the rows' fingerprint was kept: one rebuild writes it -#}
    {%- if 'rows_fingerprint' not in (adapter.get_columns_in_relation(marks) | map(attribute='name') | list) -%}
        {%- do graph.update({lead_plan_key(): 'full'}) -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set stamped = tables | selectattr('stamped') | list -%}
    {#- The rows at or before each watermark must be the ones recorded: a count alone missed as many rows
    deleted as back-dated ones added (a clock set back), so their sum of hash(ingested_at) too (the same
    column the count reads; see latest_rows.sql's refresh_repeated_ids). -#}
    {%- set check -%}
        with marks as (select * from {{ marks }}),
        counts as (
            {%- for t in stamped %}
            select
                '{{ t.name }}' as table_name,
                count(*) as n,
                coalesce(sum(hash(ingested_at)), 0) as rows_fingerprint
            from {{ t.relation }}
            where ingested_at <= (select watermark from marks where table_name = '{{ t.name }}')
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        select
            coalesce(bool_and(s.fingerprint = {{ source_records_fingerprint(tables) }}), false)
            and coalesce(bool_and(s.as_of <= {{ as_of() }}), false)
            and (select count(*) from counts) = (select count(*) from marks)
            and (select count(*) from counts left join marks using (table_name)
                 where marks.row_count is distinct from counts.n
                    or marks.rows_fingerprint is distinct from counts.rows_fingerprint) = 0
        from {{ state }} as s
    {%- endset -%}
    {%- set ok = run_query(check).columns[0].values()[0] -%}
    {%- do graph.update({lead_plan_key(): 'increment' if ok else 'full'}) -%}
    {{ return('increment' if ok else 'full') }}
{%- endmacro %}

{#- The dirty ids of an increment: <model>_dirty, (re)written here. Called once, while the model is rendered
for a run or build, before its pre-hook (which deletes the rows of these ids). -#}
{% macro source_records_write_dirty(tables) -%}
    {%- set linked = source_records_linked_ids() -%}
    {%- set groups = source_records_groups() -%}
    {%- set borrowers = source_records_borrowers() -%}
    {%- set dirty = source_records_aux('dirty') -%}
    {%- set bounds = run_query('select cast((select as_of from ' ~ source_records_aux('state')
        ~ ') as varchar), cast(' ~ as_of() ~ ' as varchar)') -%}
    {#- The two as-ofs as literals: a range on one column against constants can skip row groups. -#}
    {%- set previous = "timestamp '" ~ bounds.columns[0].values()[0] ~ "'" -%}
    {%- set current = "timestamp '" ~ bounds.columns[1].values()[0] ~ "'" -%}
    {%- set marks = run_query('select table_name, cast(watermark as varchar) from '
        ~ source_records_aux('watermarks')) -%}
    {%- set watermark = {} -%}
    {%- for row in marks.rows -%}
        {%- do watermark.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- set write -%}
        create or replace table {{ dirty }} as
        with
            {%- for t in tables if t.stamped %}
                {%- set n = loop.index %}
                {#- Only the columns ids_n reads: the union dedups (and the scans fetch) these, not whole raw rows. #}
                {%- set keys = (['source_record_id'] + linked.get(t.name, []) + ([groups[t.name]] if t.name in groups else []))
                    | join(', ') %}
        {#- One range per column, unioned (not one OR): each can use the column's zone maps. #}
        changed_{{ n }} as (
            select {{ keys }} from {{ t.relation }}
            where ingested_at > {% if watermark.get(t.name) %}timestamp '{{ watermark[t.name] }}'{% else %}timestamp '-infinity'{% endif %}
                {%- for c in t.time_columns if c != 'ingested_at' %}
            union
            select {{ keys }} from {{ t.relation }}
            where cast({{ adapter.quote(c) }} as timestamp) > {{ previous }}
                and cast({{ adapter.quote(c) }} as timestamp) <= {{ current }}
                {%- endfor %}
            {%- if 'ingested_at' in t.time_columns %}
            union
            select {{ keys }} from {{ t.relation }}
            where ingested_at > {{ previous }} and ingested_at <= {{ current }}
            {%- endif %}
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
        {#- Borrowed fields: the resources of a dirty lender are dirty. #}
        insert into {{ dirty }}
        select distinct id from (
            {%- for t in tables if t.name in borrowers %}
            select source_record_id as id from {{ t.relation }}
            where {{ borrowers[t.name] }} in (select id from {{ dirty }})
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        where id is not null and id not in (select id from {{ dirty }})
    {%- endset -%}
    {%- do run_query(write) -%}
    {#- And the lenders of dirty resources, so that the lenders' rows are at hand when the resources are
    recomputed; repeated while it adds ids (a lender's id can be a resource id too). -#}
    {%- set lenders -%}
        insert into {{ dirty }}
        select distinct id from (
            {%- for t in tables if t.name in borrowers %}
            select {{ borrowers[t.name] }} as id from {{ t.relation }}
            where source_record_id in (select id from {{ dirty }})
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        where id is not null and id not in (select id from {{ dirty }});
        select count(*) from {{ dirty }}
    {%- endset -%}
    {%- set ns = namespace(size=-1, done=false) -%}
    {%- for _ in range(10) if not ns.done -%}
        {%- set size = run_query(lenders).columns[0].values()[0] -%}
        {%- set ns.done = size == ns.size -%}
        {%- set ns.size = size -%}
    {%- endfor -%}
    {{ return(ns.size) }}
{%- endmacro %}

{#- Raw tables upstream of the staging model `name` (through the staging models it refs): their identifiers. -#}
{% macro source_records_tables_of(name) -%}
    {%- set ns = namespace(frontier=[]) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == name -%}
        {%- set ns.frontier = node.depends_on.nodes | list -%}
    {%- endfor -%}
    {%- set found = [] -%}
    {%- for _ in range(3) -%}
        {%- set next = [] -%}
        {%- for uid in ns.frontier -%}
            {%- if uid.startswith('source.') -%}
                {%- do found.append(graph.sources[uid].identifier) -%}
            {%- elif uid in graph.nodes -%}
                {%- do next.extend(graph.nodes[uid].depends_on.nodes) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set ns.frontier = next -%}
    {%- endfor -%}
    {{ return(found | unique | list) }}
{%- endmacro %}

{#- What this render selects: none (every row: a create, a full rebuild or not a run), 'table' (the ids in
<model>_dirty, too many to list, or an id holds the separator) or, per staging model name, the dirty ids its raw
tables hold joined by chr(31), escaped for a SQL string literal ('' when none). One list per branch of the
union, not one list for the whole union: DuckDB copies a filter into every branch it pushes it through (at 1M
leads, one 70k-id IN list cost ~12 s of planning). Writes the dirty ids of an increment (source_records_write_dirty), so it is called once per render of the model. -#}
{% macro source_records_selection() -%}
    {%- if not (target is defined and target.type == 'duckdb' and execute and flags.WHICH in source_records_commands()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tables = source_records_upstream() -%}
    {%- if source_records_plan(tables) != 'increment' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set size = source_records_write_dirty(tables) -%}
    {%- if size > source_records_max_listed() -%}
        {{ return('table') }}
    {%- endif -%}
    {#- Each stamped raw table's dirty ids: a row there can only be a record of that table's staging models.
    Joined by a separator no id holds (else the table, as for too many ids), one SQL string literal per table. -#}
    {%- set held -%}
        select table_name, replace(string_agg(id, chr(31)), '''', '''''') as ids,
            count(*) filter (where contains(id, chr(31))) as clashes, chr(31) as separator
        from (
            {%- for t in tables if t.stamped %}
            select distinct '{{ t.name }}' as table_name, source_record_id as id from {{ t.relation }}
            where source_record_id in (select id from {{ source_records_aux('dirty') }})
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        group by table_name
    {%- endset -%}
    {%- set by_table = {} -%}
    {%- set ns = namespace(separator=none, clashes=0) -%}
    {%- for row in run_query(held).rows -%}
        {%- do by_table.update({row[0]: row[1]}) -%}
        {%- set ns.clashes = ns.clashes + row[2] -%}
        {%- set ns.separator = row[3] -%}
    {%- endfor -%}
    {%- if ns.clashes > 0 -%}
        {{ return('table') }}
    {%- endif -%}
    {%- set by_model = {} -%}
    {%- for uid in model.depends_on.nodes if uid in graph.nodes -%}
        {%- set name = graph.nodes[uid].name -%}
        {%- set lists = [] -%}
        {%- for table in source_records_tables_of(name) if by_table.get(table) -%}
            {%- do lists.append(by_table[table]) -%}
        {%- endfor -%}
        {%- do by_model.update({name: lists | join(ns.separator)}) -%}
    {%- endfor -%}
    {{ return(by_model) }}
{%- endmacro %}

{#- `where <column> in (what the selection holds for staging model `name`)`; nothing when every row is
built. -#}
{% macro source_records_where(column, selection, name) -%}
    {%- if selection is none -%}
    {%- elif selection == 'table' -%}
        where {{ column }} in (select id from {{ source_records_aux('dirty') }})
    {%- elif not selection.get(name) -%}
        where false
    {%- else -%}
        {#- One string constant split into a list, not a list of constants: DuckDB binds and rewrites it as one value
        (planning a 78k-id IN list took ~0.7 s at 1M leads), folds it, then turns list_contains into the same IN
        filter at the raw scan. #}
        where list_contains(string_split('{{ selection[name] }}', chr(31)), {{ column }})
    {%- endif -%}
{%- endmacro %}

{#- The union of the tagged person-bearing staging models (union_person_bearing), each branch filtered by its
own selection. -#}
{% macro source_records_tagged_union(optional, exclude, selection) -%}
    {%- set models = person_bearing_models(exclude) -%}
    {%- set names = models | map(attribute='name') | list -%}
    {%- for node in models %}
    select * from (
        {{ union_person_bearing(optional=optional, exclude=exclude + (names | reject('equalto', node.name) | list)) }}
    ) {{ source_records_where('source_record_id', selection, node.name) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- pre-hook: records the plan (<model>_run), then for an increment the person_keys of the rows about to go,
and the delete (the dirty ids were written while the model was rendered). -#}
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
        {#- One scan of the model for the rows about to go: their person_keys, then the delete by rowid (no second
        read of the id column). #}
        create or replace temp table source_records_gone as
        select rowid as row_id, person_key from {{ this }}
        where source_record_id in (select id from {{ source_records_aux('dirty') }});
        create or replace table {{ source_records_aux('changes') }} as
        select distinct person_key from source_records_gone;
        delete from {{ this }} where rowid in (select row_id from source_records_gone);
        drop table source_records_gone;
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
        {%- set appended = increment_appended_rows() if plan == 'increment' else none -%}
        {%- if plan == 'increment' %}
        {#- The rows just inserted are those of the dirty ids: read from the table dbt appended them from when it
        is still there, not from a scan of the whole model. #}
        insert into {{ source_records_aux('changes') }}
        {%- if appended %}
        select distinct person_key from {{ appended }}
        {%- else %}
        select distinct person_key from {{ this }} where source_record_id in (select id from {{ source_records_aux('dirty') }})
        {%- endif %}
        except select person_key from {{ source_records_aux('changes') }};
        {#- and their record keys, for the daily unique test of record_key (test_increment_keys), which otherwise
        found them by two passes over the id columns of every record (1M day: 1.2 s) #}
        create or replace table {{ source_records_aux('keys') }} as
        {%- if appended %}
        select record_key from {{ appended }};
        {%- else %}
        select record_key from {{ this }} where source_record_id in (select id from {{ source_records_aux('dirty') }});
        {%- endif %}
        {%- else %}
        {#- A rebuild: `rebuilt` says everything changed, no rows needed. #}
        create or replace table {{ source_records_aux('changes') }} (person_key varchar);
        create or replace table {{ source_records_aux('dirty') }} (id varchar);
        create or replace table {{ source_records_aux('keys') }} (record_key varchar);
        {%- endif %}
        create or replace table {{ source_records_aux('watermarks') }} as
        {%- for t in tables if t.stamped %}
        select
            '{{ t.name }}' as table_name, max(ingested_at) as watermark, count(*) as row_count,
            coalesce(sum(hash(ingested_at)), 0) as rows_fingerprint
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
