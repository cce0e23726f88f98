{#- int_touches_attributed's pre-hook (the other lead models keep lead_prepare, macros/incremental_lead_hooks.sql):
the lead models' plan, then the scope below and its delete, with int_persons_matched read once. The records that
model assigned again (its <_scope>) all hold a person of its <_changes> now (its post-hook adds the persons
of the rows it wrote), so the reassigned records and the records of persons of the leads' diff both come
from one pass over its person_id column (the persons of both, a few thousand) instead of a pass over
record_key and another over person_id (each a pass over every source record: ~20M at 1M leads). -#}
{% macro touches_prepare() -%}
    {%- if target.type != 'duckdb' or not execute or lead_plan() != 'increment' -%}
        {{ lead_prepare() }}
    {%- else -%}
        {%- do run_query('create or replace table ' ~ lead_aux('run') ~ " as select 'increment' as plan") -%}
        {{ touches_scope() }}
    {%- endif -%}
{%- endmacro %}

{#- Record keys of the touches whose row can differ: records int_persons_matched assigned to another person
(or new), records whose content changed (int_source_records' dirty ids), touches of persons whose leads
changed (<int_leads_resolved>_diff: id, person, receipt feed the ASOF attribution) or naming such a lead, web
events of tracking tokens of such leads or rendered since, and all sharing a token with those. Not every
record of a re-matched person: their rows stay when their person and leads did (1M day: 2.6M records).
Then their rows found once, their persons kept (<M>_changes) and deleted.
Fewer whole columns of history are read for the few thousand rows of the day (1M day: the scope in one
statement read int_persons_matched.person_id, the touches' record_key and person_id twice, and four columns of
int_source_records, 2.2 s; 100k day, this pre-hook 0.45 -> 0.30 CPU-s, the same scope):
- int_persons_matched's rows of the persons (the reassigned records' and the diff's) by person_id_hash, then
  checked on person_id in a statement of their own (a filter on the string beside the hash one reads it all);
- the touches' rows of those persons in one pass over person_id: they hold every old row a reassigned record
  could keep (its person is one of them) and the diff's persons' touches (a touch's record_key is unique);
- the records with a dirty id from int_persons_matched's scope, not from every record: that increment consumed
  this int_source_records version (lead_plan) and its scope holds every record of a node whose records changed
  (int_source_records_changes: every row of a dirty id, after), so they are the scope's keys whose id part
  (record_key is source:kind:id; source and kind hold no colon) is dirty. -#}
{% macro touches_scope() -%}
    {%- set pm = lead_relation('int_persons_matched') -%}
    {%- set records = lead_relation('int_source_records') -%}
    {%- set matched = lead_upstream_changed('int_persons_matched') -%}
    create or replace temp table touches_diff as
    select lead_id, person_id from {{ lead_aux('diff', lead_relation('int_leads_resolved')) }}
    where {{ lead_upstream_changed('int_leads_resolved') }};
    {#- persons whose records can enter: the reassigned records' (when int_persons_matched built since) and
    the diff's #}
    create or replace temp table touches_persons as
    select person_id from {{ lead_aux('changes', pm) }} where {{ matched }}
    union
    select person_id from touches_diff;
    create or replace temp table touches_pm_hits as
    select record_key, person_id, record_kind from {{ pm }}
    where person_id_hash in (select {{ key_hash('person_id') }} from touches_persons);
    {#- by person_id_hash above; the person itself decides (a colliding hash must not add a record) #}
    create or replace temp table touches_pm_rows as
    select record_key, person_id, record_kind from touches_pm_hits
    where person_id in (select person_id from touches_persons);
    create or replace temp table touches_old as
    select record_key, person_id from {{ this }} where person_id in (select person_id from touches_persons);
    create or replace table {{ lead_aux('scope') }} as
    with diff as (
        select lead_id, person_id from touches_diff
    ),
    {#- touch kinds only: the scope holds every record of a re-matched person, and the others never have a
    row here (they would all count as new) #}
    assigned as (
        select record_key, person_id from touches_pm_rows
        where
            record_key in (select record_key from {{ lead_aux('scope', pm) }}) and {{ matched }}
            and record_kind in ({{ lead_touch_kinds() }})
    ),
    tokens as (
        select token from {{ lead_source('web', 'tracking_tokens') }} where lead_id in (select lead_id from diff)
        union
        select token from ({{ lead_side_new('tokens') }})
    ),
    keys as (
        {#- a reassigned record keeps its row when its old row holds its person now (then one of the persons
        above); a touch's row holds the named lead's person when it names one: such rows come along (a
        superset) #}
        select record_key from assigned
        where not exists (
            select 1 from touches_old as old
            where old.record_key = assigned.record_key and old.person_id = assigned.person_id
        )
        union
        select record_key from touches_pm_rows where person_id in (select person_id from diff)
        union
        select record_key from touches_old where person_id in (select person_id from diff)
        union
        select record_key from {{ lead_aux('scope', pm) }}
        where
            substr(record_key, length(split_part(record_key, ':', 1)) + length(split_part(record_key, ':', 2)) + 3)
                in (select id from {{ lead_aux('dirty', records) }})
            and {{ matched }}
        union
        {#- naming a lead of the diff, a token of one: two semi-joins on one narrow column each (an OR of the
        two made mark joins over every record) #}
        select record_key from {{ records }} where lead_ref in (select lead_id from diff)
        union
        select record_key from {{ records }} where record_kind = 'web' and token in (select token from tokens)
    ),
    linked as (
        select distinct token from {{ records }}
        where token is not null and record_key in (select record_key from keys)
    )
    select record_key from keys
    union
    select record_key from {{ records }} where token in (select token from linked);
    drop table touches_diff;
    drop table touches_persons;
    drop table touches_pm_hits;
    drop table touches_pm_rows;
    drop table touches_old;
    {#- the rows in scope found once (their rowids hold within this transaction): persons, then the delete #}
    create or replace temp table lead_touches_deleted as
    select rowid as row_id, person_id from {{ this }}
    where record_key in (select record_key from {{ lead_aux('scope') }});
    create or replace table {{ lead_aux('changes') }} as select distinct person_id from lead_touches_deleted;
    delete from {{ this }} where rowid in (select row_id from lead_touches_deleted)
{%- endmacro %}
