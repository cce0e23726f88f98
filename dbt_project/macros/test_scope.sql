{#- Data tests that cost what a daily run adds, not what the history holds (issue 8: at 1M leads the daily
run's 184 tests took 38 s, most of it re-reading all history).

A test's `where` config may name two placeholders, replaced when the test runs (dbt renders yml configs
at parse time, without project macros, so the work happens here, in the `get_where_subquery` override
dbt documents for this purpose):

- `__full_build_only__`: `true` on a full build, `false` in a daily run. For tests whose guard a daily run
  keeps elsewhere (the staging views' rows are the rows int_source_records materializes and tests on its
  increment) or that hold by construction in an increment (fct_touches is delete+insert keyed on a column
  tested unique upstream in the same run).
- `__increment_rows__`: the rows this build (re)computed in a model that runs as a daily increment
  (test_increment_predicate), `true` when the model was built whole. Rows outside it were tested on the
  day they were written and are unchanged since.
- `__new_raw_rows__`: on an append-only raw table, the rows ingested since the last build (past
  int_source_records' watermark for that table), `true` on a full build.

A daily run is a DuckDB build without --full-refresh / identity_full_refresh on a warehouse whose
int_source_records already holds increment state; anything else (first build, full refresh, Spark) tests
every row. unique_in_increment (macros/unique_in_increment_test.sql) checks the keys of new rows against all
rows, so a new row colliding with an old one still fails; unique_columns does the same for a composite key,
and relationships_in_increment (macros/relationships_in_increment_test.sql) looks up the child rows the
child's increment recomputed and those whose parent key the parent's increment deleted and computed again.
columns_valid (macros/columns_valid_test.sql) checks a model's not_null and accepted_values columns in one
node, and tests/raw_rows_valid.sql every raw table's new rows in one node (a dbt node costs ~0.1 s whatever
it reads). What still reads a column of every row daily: a key lookup against all rows (unique_in_increment,
unique_columns, and relationships' parent side) scans the key column of the whole table, as DuckDB keeps
no index on these tables. -#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ render_test_scope(where, relation) }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro render_test_scope(where, relation) -%}
    {%- set rendered = where -%}
    {%- if '__full_build_only__' in rendered -%}
        {%- set rendered = rendered.replace('__full_build_only__', 'false' if is_daily_test_run() else 'true') -%}
    {%- endif -%}
    {%- if '__increment_rows__' in rendered -%}
        {%- set rendered = rendered.replace('__increment_rows__', test_increment_predicate(relation)) -%}
    {%- endif -%}
    {%- if '__new_raw_rows__' in rendered -%}
        {%- set rendered = rendered.replace('__new_raw_rows__', test_new_raw_rows(relation)) -%}
    {%- endif -%}
    {{ return(rendered) }}
{%- endmacro %}

{#- The relation of a model by name, from the graph (ref() of a node a test does not depend on fails). -#}
{% macro test_scope_model_relation(name, suffix='') -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == name -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema,
            identifier=(node.alias or node.name) ~ suffix)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- From the catalog: the increment macros' state tables are made by hooks, which dbt's cache misses. -#}
{% macro test_scope_table_exists(relation) -%}
    {%- if relation is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query("select count(*) from information_schema.tables where table_catalog = '"
        ~ relation.database ~ "' and table_schema = '" ~ relation.schema ~ "' and table_name = '"
        ~ relation.identifier ~ "'") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- Whether this build is a daily run is decided once, when it starts (on-run-start calls
remember_test_run_kind): int_source_records creates its increment state during a first build, so asked
again by each test, the tests after it called a first build daily and rendered __full_build_only__ as
`where false` (68 tests that read nothing on every first build). Kept in `graph`, the one dict every
node's context of an invocation shares; asked live where no hook ran. -#}
{% macro remember_test_run_kind() -%}
    {%- if execute -%}
        {%- do graph.update({'ptleads_daily_test_run': is_daily_test_run_now()}) -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro is_daily_test_run() -%}
    {%- if execute and 'ptleads_daily_test_run' in graph -%}
        {{ return(graph['ptleads_daily_test_run']) }}
    {%- endif -%}
    {{ return(is_daily_test_run_now()) }}
{%- endmacro %}

{% macro is_daily_test_run_now() -%}
    {%- if not execute or target.type != 'duckdb' or flags.FULL_REFRESH
        or var('identity_full_refresh', false) in (true, 'true', 'True', 1, '1') -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(test_scope_table_exists(test_scope_model_relation('int_source_records', '_state'))) }}
{%- endmacro %}

{#- An increment that recomputed nothing (a rerun, a day without new data) leaves nothing to test: `false`
lets DuckDB skip the scans a semi-join on an empty list would still make. -#}
{% macro test_scope_is_empty(relation) -%}
    {{ return(run_query('select count(*) = 0 from ' ~ relation).columns[0].values()[0]) }}
{%- endmacro %}

{#- A side table of an increment: <schema>.<model>_<suffix>, or <schema>_state.<model>_<suffix> where an
increment keeps its state out of the published schema (the marts increments: macros/incremental_marts.sql),
or, for a mart run as a lead increment (fct_appointments), beside its upstream lead model (lead_aux);
none when none exists. -#}
{% macro test_scope_side_table(relation, suffix) -%}
    {%- set schemas = [relation.schema, relation.schema ~ '_state'] -%}
    {%- if relation.identifier in lead_marts() -%}
        {%- do schemas.append(test_scope_model_relation(lead_marts()[relation.identifier]).schema) -%}
    {%- endif -%}
    {%- set candidates = [] -%}
    {%- for schema in schemas -%}
        {%- do candidates.append(api.Relation.create(database=relation.database, schema=schema,
            identifier=relation.identifier ~ '_' ~ suffix)) -%}
    {%- endfor -%}
    {#- one catalog query for every candidate schema, the first existing one wins as before -#}
    {%- set existing = marts_existing(candidates) -%}
    {%- for side in candidates if (side | string) in existing -%}
        {{ return(side) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The plan this model's last build recorded (<model>_run: create / full / increment), or none. -#}
{% macro test_scope_plan(relation) -%}
    {%- set run = test_scope_side_table(relation, 'run') -%}
    {%- if run is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(run_query('select plan from ' ~ run).columns[0].values()[0]) }}
{%- endmacro %}

{#- SQL predicate over `relation`'s rows: those its last build (re)computed when that build was an increment,
else `true`. Each increment names its rows the way its pre-hook deleted them: int_source_records by its
dirty ids (incremental_source_records; the FHIR-patient clause is a superset since the dirty ids are closed
over FHIR borrowing), three lead models by the persons in <model>_changes (incremental_lead_hooks), any
other model whose <model>_run says 'increment' by the one-column <model>_scope table its pre-hook deleted
by (int_persons_matched, int_touches_attributed: record_key; the marts increments keep theirs in marts_state).
A model without such state is tested whole.
This trusts that an increment writes only rows of its scope (each model's SQL filters on the same table);
the replay test (increments equal a full rebuild) is what checks that. -#}
{% macro test_increment_predicate(relation) -%}
    {%- if not execute or target.type != 'duckdb' or relation.identifier is not defined
        or not is_daily_test_run() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set beside = api.Relation.create(database=relation.database, schema=relation.schema,
        identifier=relation.identifier ~ '_SUFFIX') | string -%}
    {%- if relation.identifier == 'int_source_records' -%}
        {%- set dirty = beside.replace('_SUFFIX', '_dirty') -%}
        {%- if test_scope_plan(relation) == 'increment' -%}
            {%- if test_scope_is_empty(dirty) -%}
                {{ return('false') }}
            {%- endif -%}
            {{ return('(source_record_id in (select id from ' ~ dirty ~ ') or fhir_patient_id in (select id from '
                ~ dirty ~ '))') }}
        {%- endif -%}
    {%- elif relation.identifier in ('int_lead_episodes', 'int_leads_resolved', 'int_lead_appointments') -%}
        {#- incremental_lead_hooks: these delete, and their SQL recomputes, the persons in <model>_changes -#}
        {%- set changes = beside.replace('_SUFFIX', '_changes') -%}
        {%- if test_scope_plan(relation) == 'increment' -%}
            {%- if test_scope_is_empty(changes) -%}
                {{ return('false') }}
            {%- endif -%}
            {{ return('(person_id in (select person_id from ' ~ changes ~ '))') }}
        {%- endif -%}
    {%- elif test_scope_plan(relation) == 'increment' -%}
        {#- The convention of int_persons_matched and int_touches_attributed, for any other increment: its
        pre-hook deletes (and the model's SQL recomputes) the rows whose value of one column is listed in
        <model>_scope. -#}
        {%- set scope = test_scope_side_table(relation, 'scope') -%}
        {%- if scope is not none -%}
            {%- set keyed = adapter.get_columns_in_relation(scope) | map(attribute='name') | list -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
            {%- if keyed | length == 1 and keyed[0] in present -%}
                {%- if test_scope_is_empty(scope) -%}
                    {{ return('false') }}
                {%- endif -%}
                {{ return('(' ~ adapter.quote(keyed[0]) ~ ' in (select ' ~ adapter.quote(keyed[0]) ~ ' from '
                    ~ scope ~ '))') }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('true') }}
{%- endmacro %}

{#- SQL query of the `column` values of the rows `relation`'s last build (re)computed, for a test that looks
those keys up against every row; none when the model was built whole (test everything) and 'false' when the
increment recomputed nothing. Where the increment's <model>_scope lists the tested column itself
(int_persons_matched, int_touches_attributed: record_key; ml_lead_features: lead_id) the scope table is the
list: every row holding one of its keys was recomputed, so `column in (scope)` selects the same rows as
`column in (keys of the recomputed rows)` without reading the model twice. int_source_records' rows are
those of its dirty ids by either of two columns: a union of two semi-joins, not an OR of two IN lists (which
DuckDB runs as two mark joins over every row; 100k practice, one day: 0.5 -> 0.37 s). -#}
{% macro test_increment_keys(relation, column) -%}
    {%- set new_rows = test_increment_predicate(relation) -%}
    {%- if new_rows in ('true', 'false') -%}
        {{ return(none if new_rows == 'true' else 'false') }}
    {%- endif -%}
    {%- if relation.identifier == 'int_source_records' -%}
        {%- set dirty = api.Relation.create(database=relation.database, schema=relation.schema,
            identifier=relation.identifier ~ '_dirty') -%}
        {#- the increment's post-hook lists the keys of the rows it wrote (the rows of the dirty ids) -#}
        {%- set written = api.Relation.create(database=relation.database, schema=relation.schema,
            identifier=relation.identifier ~ '_keys') -%}
        {%- if column == 'record_key' and test_scope_table_exists(written) -%}
            {{ return('select record_key from ' ~ written) }}
        {%- endif -%}
        {{ return('select ' ~ column ~ ' from ' ~ relation ~ ' where source_record_id in (select id from ' ~ dirty
            ~ ') union all select ' ~ column ~ ' from ' ~ relation ~ ' where fhir_patient_id in (select id from '
            ~ dirty ~ ')') }}
    {%- endif -%}
    {%- set scope = test_scope_side_table(relation, 'scope') -%}
    {%- if scope is not none and new_rows == '(' ~ adapter.quote(column) ~ ' in (select ' ~ adapter.quote(column)
        ~ ' from ' ~ scope ~ '))' -%}
        {{ return('select ' ~ adapter.quote(column) ~ ' from ' ~ scope) }}
    {%- endif -%}
    {{ return('select ' ~ column ~ ' from ' ~ relation ~ ' where ' ~ new_rows) }}
{%- endmacro %}

{#- SQL query of the `column` values a parent's last increment deleted (and computed again), for
relationships_in_increment: a child row can have lost its parent only if its value is one of them. None when
the parent does not record them. `keys`: test_increment_keys(relation, column), the keys of the rows the
increment recomputed. The recorded tables: ml_lead_features' <model>_base (the scope's leads it rewrites: the
rest of its scope keeps its rows, recounted in place; 1M day: 29k of 311k leads); any other increment whose
<model>_scope lists the column itself, i.e. is `keys` (every row holding one of those keys was deleted).
(int_leads_resolved's deleted leads, <model>_leads, would scope its children's tests too, but at 1M leads such
a test still scans the child's whole lead_id column and took as long as the whole-table test: 0.42-0.43 s
against 0.44-0.48.) -#}
{% macro test_deleted_keys(relation, column, keys) -%}
    {%- set recorded = {'ml_lead_features': 'base'} -%}
    {%- set side = test_scope_side_table(relation, recorded.get(relation.identifier, 'scope')) -%}
    {%- if side is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set listed = 'select ' ~ adapter.quote(column) ~ ' from ' ~ side -%}
    {%- if relation.identifier in recorded -%}
        {%- set present = adapter.get_columns_in_relation(side) | map(attribute='name') | list -%}
        {{ return(listed if column in present else none) }}
    {%- endif -%}
    {{ return(listed if keys == listed else none) }}
{%- endmacro %}

{#- Rows of a raw (append-only, ingested_at-stamped) table ingested after the last build's watermark. Source
tests run first in a build, before int_source_records moves the watermarks: these are the day's rows. -#}
{% macro test_new_raw_rows(relation) -%}
    {%- if not is_daily_test_run() or relation.identifier is not defined
        or (relation | string) not in test_scope_ingested_at_tables() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set marks = test_scope_model_relation('int_source_records', '_watermarks') -%}
    {{ return("ingested_at > coalesce((select watermark from " ~ marks ~ " where table_name = '"
        ~ relation.identifier ~ "'), timestamp '-infinity')") }}
{%- endmacro %}

{#- The tables holding an ingested_at column (their names as strings), read from the catalog once per dbt
invocation and kept in `graph` (see remember_test_run_kind): a daily run tests the new rows of ~24 raw
tables, and asking dbt for each table's columns cost a catalog query and its events per test. Only raw
tables are looked up here, which no node of a build writes. -#}
{% macro test_scope_ingested_at_tables() -%}
    {%- set key = 'ptleads_ingested_at_tables' -%}
    {%- if key not in graph or graph[key].invocation != invocation_id -%}
        {%- set found = run_query("select table_catalog, table_schema, table_name from information_schema.columns"
            ~ " where column_name = 'ingested_at'") -%}
        {%- set names = [] -%}
        {%- for row in found.rows -%}
            {%- do names.append(api.Relation.create(database=row[0], schema=row[1], identifier=row[2]) | string) -%}
        {%- endfor -%}
        {%- do graph.update({key: {'invocation': invocation_id, 'tables': names}}) -%}
    {%- endif -%}
    {{ return(graph[key].tables) }}
{%- endmacro %}
