{#- Staging keeps each record's latest raw row: `qualify row_number() over (partition by source_record_id
order by ...) = 1`. DuckDB runs that as a hash aggregate (or, for two order keys, a window) carrying every
row's columns, though almost every id has one raw row: at 1M leads that was ~45% of int_source_records' CPU
(SCALE.md, session 26). On DuckDB the ids that do have more than one raw row are kept as data
(staging_state.raw_repeated_ids, refreshed by every dbt invocation's on-run-start); the other ids' rows are
taken as they are and only the repeated (or null) ids are ranked. The same rows: an id outside the table has
one raw row at most, so at most one survives any filter.

The table is exact as of the refresh: a staging view read after an ingest and before the next dbt
invocation may keep two versions of a record that was re-sent in between. Every reader in a run comes after
dbt's start; a view read by hand between runs is only as fresh as the last run. -#}

{#- The raw tables whose staging dedupe reads staging_state.raw_repeated_ids (the refresh keeps exactly
these), as words: macros here print rather than `return`, so that sqlfluff's Jinja renders the views as dbt
does. -#}
{% macro latest_rows_tables() -%}
    calls_log calls_voicemails eligibility_responses email_events emr_csv_appointments emr_csv_patients
    emr_csv_referrals fax_extractions fhir_appointments fhir_coverages fhir_locations fhir_patients
    fhir_practitioners fhir_service_requests hl7v2_appointments hl7v2_messages hl7v2_patient_updates
    hl7v2_referrals outcomes sms_messages web_events webforms_submissions
{%- endmacro %}

{#- The latest row of each source_record_id in `raw` (a relation or a parenthesised query over raw table
`table`), among the rows a `{% call %}` body's condition keeps (no call body: all rows). `order` ranks an
id's rows, latest first. -#}
{% macro latest_rows(raw, table, order='ingested_at desc', alias='raw_rows') -%}
    {%- if table not in latest_rows_tables().split() -%}
        {{ exceptions.raise_compiler_error('latest_rows: add ' ~ table ~ ' to latest_rows_tables()') }}
    {%- endif -%}
    {%- set where = caller() if caller is defined else none -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('latest_rows', 'ptleads')(raw, table, order, alias, where) }}
    {%- else -%}
        {{ duckdb__latest_rows(raw, table, order, alias, where) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__latest_rows(raw, table, order, alias, where) -%}
    select *
    from {{ raw }} as {{ alias }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    qualify row_number() over (partition by source_record_id order by {{ order }}) = 1
{%- endmacro %}

{% macro duckdb__latest_rows(raw, table, order, alias, where) -%}
    {%- set repeated -%}
        select repeated.source_record_id from staging_state.raw_repeated_ids as repeated
        where repeated.raw_table = '{{ table }}'
    {%- endset -%}
    select *
    from {{ raw }} as {{ alias }}
    where
        {% if where %}({{ where }}) and {% endif %}{{ alias }}.source_record_id is not null
        and {{ alias }}.source_record_id not in ({{ repeated }})
    union all
    select *
    from {{ raw }} as {{ alias }}
    where
        {% if where %}({{ where }}) and {% endif %}({{ alias }}.source_record_id is null
            or {{ alias }}.source_record_id in ({{ repeated }}))
    qualify row_number() over (partition by {{ alias }}.source_record_id order by {{ order }}) = 1
{%- endmacro %}

{#- on-run-start (DuckDB): bring staging_state.raw_repeated_ids up to the raw tables. Per table,
staging_state.raw_repeated_marks holds the newest ingested_at, the row count and a fingerprint of the rows
(the sum of hash(ingested_at)) the ids were found at. Rows past that watermark are the only ones that can make
an id repeated: their ids are looked up in the whole table (a semi-join probing its id column). A table whose
rows at or before its watermark are not the recorded ones (fewer: deleted; more: back-dated by a clock set
back; or as many of each, which the count alone missed and hypothesis found: a fingerprint that differs), or
with no complete mark yet, is searched whole. The fingerprint reads only ingested_at, which the count reads
anyway (1M leads: +0.02 s); it misses only rows deleted and back-dated rows landing at the very same
instants. Statements are ordered so that a failure at any point leaves a superset of the repeated ids or no
mark (searched whole next time), never a missing id. -#}
{% macro refresh_repeated_ids() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {#- staging_state, not ref: publish copies ref to the app's snapshot, which has no use for these. 2254744
    kept them in ref: dropped here so no warehouse publishes its stale copy. -#}
    {%- do run_query("create schema if not exists staging_state;
        drop table if exists ref.raw_repeated_ids;
        drop table if exists ref.raw_repeated_marks;
        create table if not exists staging_state.raw_repeated_ids
            (raw_table varchar, source_record_id varchar);
        create table if not exists staging_state.raw_repeated_marks
            (raw_table varchar, watermark timestamp, row_count bigint);
        alter table staging_state.raw_repeated_marks add column if not exists fingerprint hugeint") -%}
    {%- set found = run_query("select t.table_name, cast(m.watermark as varchar), m.row_count,
            cast(m.fingerprint as varchar)
        from duckdb_tables() as t
        left join staging_state.raw_repeated_marks as m on t.table_name = m.raw_table
        where t.database_name = current_database() and t.schema_name = 'raw'
            and t.table_name in ('" ~ latest_rows_tables().split() | join("', '") ~ "')
        order by 1") -%}
    {%- if not found.rows -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counts = [] -%}
    {%- for row in found.rows -%}
        {%- set since = "timestamp '" ~ row[1] ~ "'" if row[1] is not none else "timestamp '-infinity'" -%}
        {#- fingerprints as strings: a hugeint sum, compared and written back exactly -#}
        {%- do counts.append("select '" ~ row[0] ~ "', count(*) filter (where ingested_at <= " ~ since
            ~ "), count(*) filter (where ingested_at > " ~ since ~ "), cast(max(ingested_at) as varchar), count(*),
            cast(coalesce(sum(hash(ingested_at)) filter (where ingested_at <= " ~ since ~ "), 0) as varchar),
            cast(coalesce(sum(hash(ingested_at)), 0) as varchar)
            from raw." ~ row[0]) -%}
    {%- endfor -%}
    {%- set now = {} -%}
    {%- for row in run_query(counts | join(' union all ')).rows -%}
        {%- do now.update({row[0]: row}) -%}
    {%- endfor -%}
    {%- for row in found.rows -%}
        {%- set table, mark, marked_rows, marked_print = row[0], row[1], row[2], row[3] -%}
        {%- set current = now[table] -%}
        {%- set intact = mark is not none and current[1] == marked_rows and current[5] == marked_print -%}
        {%- if not intact or current[2] > 0 %}
{% if not intact -%}
delete from staging_state.raw_repeated_marks where raw_table = '{{ table }}';
delete from staging_state.raw_repeated_ids where raw_table = '{{ table }}';
{% endif -%}
insert into staging_state.raw_repeated_ids
select '{{ table }}', source_record_id
from raw.{{ table }}
where
    source_record_id is not null
    {%- if intact %}
    and source_record_id in (
        select source_record_id from raw.{{ table }} where ingested_at > timestamp '{{ mark }}'
    )
    and source_record_id not in (
        select source_record_id from staging_state.raw_repeated_ids where raw_table = '{{ table }}'
    )
    {%- endif %}
group by source_record_id
having count(*) > 1;
delete from staging_state.raw_repeated_marks where raw_table = '{{ table }}';
{% if current[3] is not none -%}
insert into staging_state.raw_repeated_marks
values ('{{ table }}', timestamp '{{ current[3] }}', {{ current[4] }}, cast('{{ current[6] }}' as hugeint));
{%- endif %}
        {%- endif -%}
    {%- endfor %}
{%- endmacro %}
