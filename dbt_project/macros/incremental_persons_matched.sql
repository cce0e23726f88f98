{#- int_persons_matched as a daily increment (DuckDB): only the records whose person can have changed are
recomputed (the *scope*), with the same SQL restricted to the persons and contacts they can attach to.

A named record's person is its node's cluster: it changes only when its records changed
(int_source_records_changes) or its node was clustered again (int_persons_clustered_changes). A nameless
record's person depends on the persons sharing its phone or email (their contacts, lead openings and
activity), a web event's on the owners of its link token. So with P = the persons (before and after)
of those changed or re-clustered nodes, the scope is: the records of those nodes, every record of a node
that had a record attached to a person of P before (every record attached to P before: a named record's
person is its node's, a nameless record is its own node), every nameless record with a contact of a person
of P now, and every record sharing a link token with one of them. Everything else keeps its row (tests/pipeline/
test_incremental_replay.py: day-by-day increments equal a full rebuild).

A full rebuild instead when the versions do not line up (this model's last build must describe the
previous int_source_records version, which must be an increment, and the clusters this one), the model
SQL or the episode rules changed, or with --full-refresh / var identity_full_refresh. -#}

{% macro persons_matched_aux(suffix) -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema,
        identifier=this.identifier ~ '_' ~ suffix)) }}
{%- endmacro %}

{% macro persons_matched_beside(relation, suffix) -%}
    {{ return(api.Relation.create(database=relation.database, schema=relation.schema,
        identifier=relation.identifier ~ '_' ~ suffix)) }}
{%- endmacro %}

{#- From the catalog, not dbt's relation cache: the state tables are made by hooks, which the cache does
not see within the run that made them. -#}
{% macro identity_state_exists(relation) -%}
    {%- set found = run_query("select count(*) from information_schema.tables where table_catalog = '"
        ~ relation.database ~ "' and table_schema = '" ~ relation.schema ~ "' and table_name = '"
        ~ relation.identifier ~ "'") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- The temp table of the records an increment's SQL reads (persons_matched_prepare). -#}
{% macro persons_matched_records() -%}
    {{ return('int_persons_matched_records') }}
{%- endmacro %}

{#- What the rows depend on besides records and clusters: this model's SQL and the episode rules. -#}
{% macro persons_matched_fingerprint() -%}
    md5(concat_ws('|', '{{ local_md5(model.raw_code) }}',
        (select string_agg(cast(r as varchar), ';') from {{ ref('int_episode_rules') }} as r)))
{%- endmacro %}

{#- 'create', 'full' or 'increment' (read-only; the same answer while rendering and in the hooks). -#}
{% macro persons_matched_plan() -%}
    {#- dbt unit tests render the model with fixtures in place of its inputs: always the whole SQL. -#}
    {%- set guard = increment_guard() -%}
    {%- if guard -%}
        {{ return(guard) }}
    {%- endif -%}
    {%- set records = ref('int_source_records') -%}
    {%- set needed = [persons_matched_aux('state'), persons_matched_beside(records, 'state'),
        persons_matched_beside(records, 'changes'),
        persons_matched_beside(ref('int_persons_clustered'), 'changes')] -%}
    {%- if not all_states_exist(needed) -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set check -%}
        select
            coalesce((select bool_and(not rebuilt) from {{ needed[1] }}), false)
            and (select max(version) from {{ needed[1] }}) - 1 = (select max(source_version) from {{ needed[0] }})
            and (select bool_and(fingerprint = {{ persons_matched_fingerprint() }}) from {{ needed[0] }})
            and coalesce((select bool_and(not rebuilt and source_version = (select max(version) from {{ needed[1] }}))
                from {{ needed[3] }}), false)
    {%- endset -%}
    {%- set ok = run_query(check).columns[0].values()[0] -%}
    {{ return('increment' if ok else 'full') }}
{%- endmacro %}

{#- pre-hook: the plan (<model>_run); for an increment the scope (<model>_scope), the persons it held before
(<model>_changes, <model>_opening_changes), its delete, and the temp table <model>_records: the rows of
int_source_records the model's SQL reads in an increment (a temp table: written at half the cost of a stored one,
and the hooks and the model's SQL run on one connection). Those are the records in scope and every named record of a person that a
nameless record in scope can attach to (a contact shared with it): each CTE of the model filters the records
by a condition on the row alone, so reading this subset gives the same rows as reading all history, and
the model's joins and ASOF joins run over ~the scope instead of every record (at 1M leads 11 of its 18 s). -#}
{% macro persons_matched_prepare() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = persons_matched_plan() -%}
        {%- set records = ref('int_source_records') -%}
        {%- set clusters = ref('int_persons_clustered') -%}
        {%- set subset = persons_matched_records() -%}
        {#- the columns of int_source_records the model reads -#}
        {%- set columns = 'record_key, record_kind, source, source_file, source_record_id, fhir_patient_id, event_at,
            opens_lead, person_key, has_identity, phone_e164, email, token' -%}
        create or replace table {{ persons_matched_aux('run') }} as select '{{ plan }}' as plan;
        drop table if exists {{ subset }};
        {%- if plan == 'full' %}
        delete from {{ this }};
        {%- elif plan == 'increment' %}
        {#- Each lookup is a semi-join on one or two narrow columns and yields rowids; the rows are then fetched by
        rowid (a filter DuckDB applies in the scan). An OR of IN lists instead made mark joins over every
        record and every column the statement reads (at 100k leads 2.4 of the pre-hook's 4.1 s). A person's
        records lie scattered over the history, so fetching them touches nearly every vector of each column
        read: the rowids of the scope and of the named records it needs are all found first, on narrow
        columns, and the columns the model reads are fetched once for both. #}
        create or replace temp table persons_matched_keys as
        select person_key from {{ persons_matched_beside(records, 'changes') }}
        union
        select person_key from {{ persons_matched_beside(clusters, 'changes') }}
        where person_key is not null;
        {#- P: the changed nodes' persons now (the clusters) and before, whose rows are found by person_key_hash
        (integers instead of every person_key string: at 1M leads most of a 1.1 s statement). Only their
        person_id_hash is read (a person_id read decodes nearly the whole column, however few rows): the
        candidates' hashes. A colliding hash only adds a candidate; P is narrowed to the exact persons below,
        on the rows read for P anyway. -#}
        create or replace temp table persons_matched_now as
        select person_id from {{ clusters }} where person_key in (select person_key from persons_matched_keys);
        create or replace temp table persons_matched_candidates as
        select person_id_hash from {{ this }}
        where person_key_hash in (select {{ key_hash('person_key') }} from persons_matched_keys)
        union
        select {{ key_hash('person_id') }} from persons_matched_now;
        {#- The records of the changed nodes and those attached to a person of P before, in one pass, found
        through their person_key in P's rows (a named record's person is its node's; a nameless record is
        its own node): no lookup of every record_key. They hold every node of P now too (a node of P not
        clustered again held P before), so P's phones and emails come from them. -#}
        {#- P's nodes before: rows found by person_id_hash (integers, not every person_id string), then checked on
        person_id in a statement of their own (a filter on person_id beside the hash one reads the whole column) -#}
        create or replace temp table persons_matched_before as
        select person_key, person_id from {{ this }}
        where person_id_hash in (select person_id_hash from persons_matched_candidates);
        {#- P exactly: the persons of the rows holding a changed node's person_key (every such row was just read:
        its person is a candidate) and the persons now. -#}
        create or replace temp table persons_matched_persons as
        select person_id from persons_matched_before where person_key in (select person_key from persons_matched_keys)
        union
        select person_id from persons_matched_now;
        drop table persons_matched_now;
        drop table persons_matched_candidates;
        create or replace temp table persons_matched_hits as
        select rowid as row_id, person_key, has_identity, phone_e164, email from {{ records }}
        where person_key in (
            select person_key from persons_matched_keys
            union
            select person_key from persons_matched_before
            where person_id in (select person_id from persons_matched_persons)
        );
        create or replace temp table persons_matched_contacts as
        select distinct contact from (
            select unnest([phone_e164, email]) as contact from persons_matched_hits
            where has_identity and person_key in (
                select person_key from {{ clusters }}
                where person_id in (select person_id from persons_matched_persons)
            )
        )
        where contact is not null;
        create or replace temp table persons_matched_rows as
        select row_id from persons_matched_hits
        union
        select rowid from {{ records }}
        where not has_identity and phone_e164 in (select contact from persons_matched_contacts)
        union
        select rowid from {{ records }}
        where not has_identity and email in (select contact from persons_matched_contacts);
        {#- and every record sharing a link token with one of them #}
        insert into persons_matched_rows
        select rowid from {{ records }}
        where token in (
            select token from {{ records }}
            where rowid in (select row_id from persons_matched_rows) and token is not null
        )
        except
        select row_id from persons_matched_rows;
        {#- the phones and emails of the nameless records in scope (those of the hits already read) -#}
        create or replace temp table persons_matched_nameless as
        select phone_e164, email from persons_matched_hits where not has_identity
        union all
        select phone_e164, email from {{ records }}
        where not has_identity and rowid in (
            select row_id from persons_matched_rows
            except
            select row_id from persons_matched_hits
        );
        {#- the named records sharing a contact with a nameless record in scope: one semi-join per contact column
        (an OR of the two made DuckDB mark-join every record), rowids only (a person_key beside the phone filter
        was decoded for every named record with a phone: at 100k leads 0.17 -> 0.15 CPU-s with the fetch below) -#}
        create or replace temp table persons_matched_sharing as
        {%- for contact in ['phone_e164', 'email'] %}
        {{ 'union' if not loop.first }}
        select rowid as row_id from {{ records }}
        where has_identity and {{ contact }} in (select {{ contact }} from persons_matched_nameless)
        {%- endfor %};
        {#- the named records of every person they belong to -#}
        create or replace temp table persons_matched_named as
        select rowid as row_id from {{ records }}
        where has_identity and person_key in (
            select person_key from {{ clusters }}
            where person_id in (
                {#- their nodes, then their persons, all semi-joins: an inner join of the records with the clusters
                was planned before the contact filter (at 100k leads 1.1M rows joined, half of this statement) #}
                select person_id from {{ clusters }}
                where person_key in (
                    select person_key from {{ records }}
                    where rowid in (select row_id from persons_matched_sharing)
                )
            )
        )
        except
        select row_id from persons_matched_rows;
        {#- one fetch of the columns the model reads, for the scope and those named records -#}
        create or replace temp table {{ subset }} as
        select {{ columns }}, rowid in (select row_id from persons_matched_rows) as in_scope from {{ records }}
        where rowid in (select row_id from persons_matched_rows union all select row_id from persons_matched_named);
        create or replace table {{ persons_matched_aux('scope') }} as select record_key from {{ subset }} where in_scope;
        alter table {{ subset }} drop column in_scope;
        drop table persons_matched_keys;
        drop table persons_matched_persons;
        drop table persons_matched_before;
        drop table persons_matched_hits;
        drop table persons_matched_contacts;
        drop table persons_matched_rows;
        drop table persons_matched_nameless;
        drop table persons_matched_sharing;
        drop table persons_matched_named;
        {#- the persons of the scope before (the delete loses them) and, in the post-hook, after: the lead
        models recompute those persons (macros/incremental_lead_models.sql); opening_changes the same for
        lead-opening records and appointments only (touches never enter int_lead_episodes, whose increment
        recomputes just these persons). One pass over the rows for both. #}
        create or replace temp table persons_matched_scope_persons as
        select rowid as row_id, record_key, person_id, (opens_lead or record_kind = 'appointment') as opening
        from {{ this }}
        where record_key_hash in (select {{ key_hash('record_key') }} from {{ persons_matched_aux('scope') }});
        {#- by record_key_hash above; the key itself decides (a colliding hash must not delete another row) #}
        delete from persons_matched_scope_persons
        where record_key not in (select record_key from {{ persons_matched_aux('scope') }} where record_key is not null);
        create or replace table {{ persons_matched_aux('changes') }} as
        select distinct person_id from persons_matched_scope_persons;
        create or replace table {{ persons_matched_aux('opening_changes') }} as
        select distinct person_id from persons_matched_scope_persons where opening;
        {#- by rowid: the rows just found, without a second read of the record_key column #}
        delete from {{ this }} where rowid in (select row_id from persons_matched_scope_persons);
        drop table persons_matched_scope_persons;
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- post-hook: the persons of the scope after (an increment; else none: the build is whole), a build counter
with its plan (<model>_build, read by the lead models' increments), then the version and fingerprint this
build describes; the temp table <model>_records is dropped (a day's working set). -#}
{% macro persons_matched_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set records = ref('int_source_records') -%}
        {%- set state = persons_matched_beside(records, 'state') -%}
        {%- set plan = run_query('select plan from ' ~ persons_matched_aux('run')).columns[0].values()[0] -%}
        {#- which of the build counter and the records' state exist, in one query -#}
        {%- set existing = lead_existing([persons_matched_aux('build'), state]) -%}
        {%- set build = 0 -%}
        {%- if (persons_matched_aux('build') | string) in existing -%}
            {%- set build = run_query('select max(build) from ' ~ persons_matched_aux('build')).columns[0].values()[0]
                or 0 -%}
        {%- endif -%}
        {%- set appended = increment_appended_rows() if plan == 'increment' else none -%}
        {%- if plan == 'increment' %}
        {#- the rows just inserted are the scope's: from the table dbt appended them from when it is still there #}
        create or replace temp table persons_matched_scope_persons as
        select distinct person_id, (opens_lead or record_kind = 'appointment') as opening
        {%- if appended %}
        from {{ appended }}
        {%- else %}
        from {{ this }} where record_key in (select record_key from {{ persons_matched_aux('scope') }})
        {%- endif %};
        insert into {{ persons_matched_aux('changes') }}
        select distinct person_id from persons_matched_scope_persons
        except select person_id from {{ persons_matched_aux('changes') }};
        insert into {{ persons_matched_aux('opening_changes') }}
        select distinct person_id from persons_matched_scope_persons where opening
        except select person_id from {{ persons_matched_aux('opening_changes') }};
        drop table persons_matched_scope_persons;
        {%- else %}
        create or replace table {{ persons_matched_aux('changes') }} (person_id varchar);
        create or replace table {{ persons_matched_aux('opening_changes') }} (person_id varchar);
        {%- endif %}
        drop table if exists {{ persons_matched_records() }};
        create or replace table {{ persons_matched_aux('build') }} as
        select {{ build + 1 }} as build, '{{ plan }}' as plan;
        create or replace table {{ persons_matched_aux('state') }} as
        select
            {% if (state | string) in existing %}(select max(version) from {{ state }}){% else %}null{% endif %}
                as source_version,
            {{ persons_matched_fingerprint() }} as fingerprint
    {%- endif -%}
{%- endmacro %}

{#- The materialization of the identity models that run as daily increments: incremental on DuckDB, a
plain table elsewhere (Spark builds them whole). -#}
{% macro identity_increment_materialization() -%}
    {{ return('incremental' if target is not defined or target.type == 'duckdb' else 'table') }}
{%- endmacro %}
