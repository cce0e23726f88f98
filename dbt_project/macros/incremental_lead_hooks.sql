{#- Hooks of the lead models' daily increments (design: macros/incremental_lead_models.sql). The pre-hook
records the plan and, for an increment, writes the affected persons (<M>_changes; <M>_scope for
int_touches_attributed) and deletes their rows; the post-hook writes the build counter and state. -#}

{% macro lead_prepare() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = lead_plan() -%}
        {%- do run_query('create or replace table ' ~ lead_aux('run') ~ " as select '" ~ plan ~ "' as plan") -%}
        {%- if lead_evals_first() %}
        {#- int_lead_episodes' full build reads its evaluations here (lead_evals_first) #}
        create or replace table {{ lead_aux('evals') }} as {{ lead_eval_slots() }};
        {%- endif %}
        {%- if plan == 'full' %}
        delete from {{ this }}
        {%- elif plan == 'increment' -%}
            {%- if this.identifier == 'int_lead_episodes' -%}
                {{ lead_scope_episodes() }}
            {%- elif this.identifier == 'int_leads_resolved' -%}
                {{ lead_scope_resolved() }}
            {%- elif this.identifier == 'int_lead_appointments' -%}
                {{ lead_scope_appointments() }}
            {%- elif this.identifier == 'fct_appointments' -%}
                {{ lead_scope_appointment_copies() }}
            {%- else -%}
                {{ touches_scope() }}  {#- int_touches_attributed: macros/incremental_touches.sql #}
            {%- endif -%}
        {%- else %}
        select 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Persons changed upstream, those with an evaluation that can echo or twin one of theirs (old or new),
and as inputs also the persons whose evaluations can echo or twin those. Echo and twin compare two
evaluations only in the same slot (start time) and with the same surname, or the same first name and a
surname one edit apart (int_lead_episodes' unreferred_evals): a slot alone pulled in everyone booked at
that hour (1M day: 572,520 persons from 53,479 changed), slot and first name alone 111,783. -#}
{% macro lead_eval_neighbours(slots) -%}
    select evals.person_id
    from {{ lead_aux('evals') }} as evals
    inner join {{ slots }} as slots
        on evals.start_at = slots.start_at
        and (
            evals.last_name = slots.last_name
            or (evals.first_name = slots.first_name and levenshtein(evals.last_name, slots.last_name) <= 1)
        )
{%- endmacro %}

{% macro lead_scope_episodes() -%}
    {%- set evals = lead_aux('evals') -%}
    {#- only persons whose lead-opening records or appointments were assigned again or changed: the model
    reads no other record #}
    create or replace table {{ lead_aux('base') }} as {{ lead_upstream_persons('opening_changes') }};
    {#- the records the model reads (its `records` CTE, whose filter this repeats) of those persons, in one pass over
    int_persons_matched by person_id_hash; the persons added below (evaluation neighbours) take a second pass for
    them alone #}
    {{ lead_persons_matched_rows(lead_episode_records(), lead_aux('base'), lead_episode_columns(),
        lead_episode_condition()) }};
    {#- the changed persons' evaluations now (stored in <M>_evals below: no second pass over the views) #}
    create or replace table {{ lead_aux('newslots') }} as
    {{ lead_eval_slots(person_records=lead_episode_records()) }};
    create or replace table {{ lead_aux('slots') }} as
    select start_at, first_name, last_name from {{ lead_aux('newslots') }}
    union
    select start_at, first_name, last_name from {{ evals }}
    where person_id in (select person_id from {{ lead_aux('base') }});
    create or replace table {{ lead_aux('changes') }} as
    select person_id from {{ lead_aux('base') }}
    union
    {{ lead_eval_neighbours(lead_aux('slots')) }};
    create or replace table {{ lead_aux('inslots') }} as
    select start_at, first_name, last_name from {{ lead_aux('slots') }}
    union
    select start_at, first_name, last_name from {{ evals }}
    where person_id in (select person_id from {{ lead_aux('changes') }});
    create or replace table {{ lead_aux('inputs') }} as
    select person_id from {{ lead_aux('changes') }}
    union
    {{ lead_eval_neighbours(lead_aux('inslots')) }};
    {#- the records of the input persons not fetched above (the model's `records` CTE reads this temp table on the
    same connection); their appointments' ids filter the staging views (pushed below their dedup) #}
    create or replace temp table lead_episode_added as
    select person_id from {{ lead_aux('inputs') }}
    except
    select person_id from {{ lead_aux('base') }};
    {{ lead_persons_matched_rows(lead_episode_records(), 'lead_episode_added', lead_episode_columns(),
        lead_episode_condition(), append=true) }};
    drop table lead_episode_added;
    create or replace table {{ lead_aux('records') }} as
    select source_record_id from {{ lead_episode_records() }} where record_kind = 'appointment';
    {#- only the changed persons' evaluations move (the others' records did not): the model reads every input
    person's evaluation names from here (no pass over int_source_records) #}
    delete from {{ evals }} where person_id in (select person_id from {{ lead_aux('base') }});
    insert into {{ evals }} by name select * from {{ lead_aux('newslots') }};
    delete from {{ this }} where person_id in (select person_id from {{ lead_aux('changes') }})
{%- endmacro %}

{#- Persons whose lead-opening records were assigned again or changed, or whose episodes changed (the model
reads episodes and their opening records' details, no touch), plus those whose FHIR coverage, location or
practitioner rows are new. <M>_before keeps what the consumers read of their leads (id, person, receipt) for
the post-hook's <M>_diff. -#}
{% macro lead_scope_resolved() -%}
    {%- set pm = lead_relation('int_persons_matched') -%}
    {%- set new_sides = run_query('select (select count(*) from (' ~ lead_side_new('coverages') ~ ')) + '
        ~ '(select count(*) from (' ~ lead_side_new('locations') ~ ')) + (select count(*) from ('
        ~ lead_side_new('practitioners') ~ '))').columns[0].values()[0] -%}
    create or replace table {{ lead_aux('changes') }} as
    {{ lead_persons_of([('int_persons_matched', 'opening_changes'), ('int_lead_episodes', 'changes')]) }}
    {%- if new_sides > 0 %}
    union
    select person_id from {{ pm }}
    where fhir_patient_id in (select beneficiary_ref from ({{ lead_side_new('coverages') }}))
    union
    select person_id from {{ pm }}
    where
        source = 'fhir' and record_kind = 'referral'
        and source_record_id in (
            select service_request_id from {{ lead_relation('stg_fhir__service_requests') }}
            where
                coverage_id in (select source_record_id from ({{ lead_side_new('coverages') }}))
                or location_id in (select source_record_id from ({{ lead_side_new('locations') }}))
                or practitioner_id in (select source_record_id from ({{ lead_side_new('practitioners') }}))
        )
    {%- endif %};
    {#- their rows found once (rowids hold within this transaction): lead ids, what consumers read, the delete #}
    create or replace temp table lead_resolved_deleted as
    select rowid as row_id, lead_id, person_id, received_at from {{ this }}
    where person_id in (select person_id from {{ lead_aux('changes') }});
    create or replace table {{ lead_aux('leads') }} as select lead_id from lead_resolved_deleted;
    create or replace table {{ lead_aux('before') }} as
    select lead_id, person_id, received_at from lead_resolved_deleted;
    delete from {{ this }} where rowid in (select row_id from lead_resolved_deleted)
{%- endmacro %}

{#- Persons changed upstream; persons with an appointment on a lead of an affected person (before) or
booked on their referral (now), or starting since the last as-of; then closed over HL7 / EMR appointment
ids that list several persons (the latest report's person holds the appointment). -#}
{% macro lead_scope_appointments() -%}
    {%- set pm = lead_relation('int_persons_matched') -%}
    {%- set changes = lead_aux('changes') -%}
    {%- set diff = lead_aux('diff', lead_relation('int_leads_resolved')) -%}
    {#- appointment records assigned again or changed; persons whose leads changed (id, receipt) and the
    persons holding an appointment on such a lead; appointments whose start passed since the last as-of #}
    {%- set first -%}
        create or replace table {{ changes }} as
        {{ lead_persons_of([('int_persons_matched', 'opening_changes'), ('int_leads_resolved', 'diff')]) }}
        union
        select person_id from {{ this }}
        where lead_id in (select lead_id from {{ diff }}) and {{ lead_upstream_changed('int_leads_resolved') }}
        union
        select person_id from {{ this }}
        where start_at > (select as_of from {{ lead_aux('state') }}) and start_at <= {{ as_of() }}
    {%- endset -%}
    {%- do run_query(first) -%}
    {#- the persons of FHIR appointments booked on their referrals: the records found by record_key_hash (integers,
    not the string columns of every record; a record's key is source:record_kind:source_record_id), then checked
    on record_key #}
    {%- set referred -%}
        create or replace temp table lead_appointments_referred_keys as
        select distinct 'fhir:appointment:' || source_record_id as record_key
        {#- every raw version (a superset of the as-of's): no pass over the staging view's dedup #}
        from {{ lead_source('fhir', 'fhir_appointments') }}
        where based_on_ref in (
            select source_record_id from {{ lead_relation('int_lead_episodes') }}
            where source = 'fhir' and record_kind = 'referral'
                and person_id in (select person_id from {{ changes }})
        );
        {{ lead_persons_matched_by_key('lead_appointments_referred', 'lead_appointments_referred_keys') }};
        insert into {{ changes }}
        select distinct person_id from lead_appointments_referred
        where person_id not in (select person_id from {{ changes }});
        drop table lead_appointments_referred;
        drop table lead_appointments_referred_keys
    {%- endset -%}
    {%- do run_query(referred) -%}
    {%- set hl7_raw = lead_source('hl7v2', 'hl7v2_appointments') -%}
    {%- set emr_raw = lead_source('emr_csv', 'emr_csv_appointments') -%}
    {%- set records = lead_appointment_records() -%}
    {#- their appointment records in one pass over int_persons_matched, kept as the persons grow: the closure
    below reads its HL7 / EMR ids here (not in another pass per round), the model's `persons` CTE reads this temp
    table on the same connection, and their ids filter the staging views (pushed below their dedup) #}
    {%- set columns = 'source, source_record_id, record_kind, person_id' -%}
    {%- set condition = "record_kind = 'appointment'" -%}
    {%- do run_query(lead_persons_matched_rows(records, changes, columns, condition)) -%}
    {%- set ns = namespace(done=false) -%}
    {%- for _ in range(8) if not ns.done -%}
        {%- set grow -%}
            create or replace temp table lead_appointments_shared as
            with mine as (
                select source, source_record_id from {{ records }}
                where source in ('hl7v2', 'emr_csv')
            ),
            {#- the appointment ids of their records in every raw version (a superset of the as-of's: more
            persons, never fewer), then every raw record reporting one of those ids #}
            appointment_keys as (
                select 'h' || coalesce(filler_id, placer_id) as appointment_key
                from {{ hl7_raw }}
                where coalesce(filler_id, placer_id) is not null
                    and source_record_id in (select source_record_id from mine where source = 'hl7v2')
                union
                select 'e' || coalesce(appointment_id, source_record_id) as appointment_key
                from {{ emr_raw }}
                where source_record_id in (select source_record_id from mine where source = 'emr_csv')
            ),
            shared as (
                select source, source_record_id from {{ hl7_raw }}
                where coalesce(filler_id, placer_id) is not null
                    and 'h' || coalesce(filler_id, placer_id) in (select appointment_key from appointment_keys)
                union all
                select source, source_record_id from {{ emr_raw }}
                where
                    'e' || coalesce(appointment_id, source_record_id) in (select appointment_key from appointment_keys)
            )
            {#- their appointment records' keys (source:appointment:source_record_id), found by record_key_hash #}
            select distinct source || ':appointment:' || source_record_id as record_key from shared;
            {{ lead_persons_matched_by_key('lead_appointments_found', 'lead_appointments_shared') }};
            create or replace temp table lead_appointments_added as
            select distinct person_id from lead_appointments_found
            where person_id not in (select person_id from {{ changes }});
            drop table lead_appointments_found;
            drop table lead_appointments_shared;
            insert into {{ changes }} select person_id from lead_appointments_added;
            select count(*) from lead_appointments_added
        {%- endset -%}
        {%- set added = run_query(grow).columns[0].values()[0] -%}
        {%- if added == 0 -%}
            {%- set ns.done = true -%}
        {%- else -%}
            {%- do run_query(lead_persons_matched_rows(records, 'lead_appointments_added', columns, condition,
                append=true)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not ns.done -%}
        {#- Not closed after 8 rounds: every person is affected (the increment computes everything). -#}
        {%- do run_query('insert into ' ~ changes ~ ' select distinct person_id from ' ~ pm
            ~ ' where person_id not in (select person_id from ' ~ changes ~ ')') -%}
        {%- do run_query(lead_persons_matched_rows(records, changes, columns, condition)) -%}
    {%- endif %}
    drop table if exists lead_appointments_added;
    create or replace table {{ lead_aux('records') }} as
    select source_record_id from {{ records }};
    delete from {{ this }} where person_id in (select person_id from {{ changes }})
{%- endmacro %}

{#- fct_appointments copies int_lead_appointments: the persons that model recomputed (it deletes and inserts
by person, and an appointment's person is its record's). -#}
{% macro lead_scope_appointment_copies() -%}
    create or replace table {{ lead_aux('scope') }} as
    {{ lead_persons_of([('int_lead_appointments', 'changes')]) }};
    create or replace table {{ lead_aux('changes') }} as select person_id from {{ lead_aux('scope') }};
    delete from {{ this }} where person_id in (select person_id from {{ lead_aux('scope') }})
{%- endmacro %}

{#- post-hook: side tables of the rows just written, the build counter and the state. -#}
{% macro lead_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = run_query('select plan from ' ~ lead_aux('run')).columns[0].values()[0] -%}
        {#- which build counters exist (this model's and its upstreams'), in one query -#}
        {%- set builds = [lead_aux('build')] -%}
        {%- for up in lead_upstreams() -%}
            {%- do builds.append(lead_aux('build', up.relation)) -%}
        {%- endfor -%}
        {%- set existing = lead_existing(builds) -%}
        {%- set build = 0 -%}
        {%- if (builds[0] | string) in existing -%}
            {%- set build = run_query('select max(build) from ' ~ lead_aux('build')).columns[0].values()[0] or 0 -%}
        {%- endif -%}
        {%- set changes = lead_aux('changes') -%}
        {%- if plan == 'increment' -%}
            {#- the rows just inserted (the keys the increment deleted): read from dbt's temp table, not found
            again in the whole model -#}
            {%- set appended = increment_appended_rows() -%}
            {%- if appended -%}
                {%- set written = appended -%}
            {%- elif this.identifier == 'int_touches_attributed' -%}
                {%- set written = '(select * from ' ~ this ~ ' where record_key in (select record_key from '
                    ~ lead_aux('scope') ~ '))' -%}
            {%- else -%}
                {%- set written = '(select * from ' ~ this ~ ' where person_id in (select person_id from '
                    ~ changes ~ '))' -%}
            {%- endif -%}
            {%- if this.identifier == 'int_leads_resolved' %}
        insert into {{ lead_aux('leads') }}
        select lead_id from {{ written }} as written;
        {#- the leads whose id, person or receipt differ from before: what the appointments and touches read #}
        create or replace table {{ lead_aux('diff') }} as
        with after as (
            select lead_id, person_id, received_at from {{ written }} as written
        ),
        before as (select lead_id, person_id, received_at from {{ lead_aux('before') }})
        select lead_id, person_id from (select * from before except select * from after)
        union
        select lead_id, person_id from (select * from after except select * from before);
            {%- elif this.identifier == 'int_lead_appointments' %}
        {#- fct_appointments copies them (no pass over every appointment for the persons recomputed) #}
        create or replace table {{ lead_aux('rows') }} as select * from {{ written }} as written;
            {%- elif this.identifier == 'int_touches_attributed' %}
        {#- fct_touches copies them (no pass over every touch for the scope's keys) #}
        create or replace table {{ lead_aux('rows') }} as select * from {{ written }} as written;
        insert into {{ changes }}
        select distinct person_id from {{ lead_aux('rows') }}
        except select person_id from {{ changes }};
            {%- endif %}
        {%- else %}
        create or replace table {{ changes }} (person_id varchar);
            {%- if this.identifier == 'int_lead_episodes' and not lead_evals_first() %}
        create or replace table {{ lead_aux('evals') }} as {{ lead_eval_slots() }};
            {%- elif this.identifier == 'int_leads_resolved' %}
        create or replace table {{ lead_aux('leads') }} (lead_id varchar);
        create or replace table {{ lead_aux('diff') }} (lead_id varchar, person_id varchar);
            {%- elif this.identifier == 'int_touches_attributed' %}
        create or replace table {{ lead_aux('scope') }} (record_key varchar);
        create or replace table {{ lead_aux('rows') }} as select * from {{ this }} where false;
            {%- elif this.identifier == 'int_lead_appointments' %}
        create or replace table {{ lead_aux('rows') }} as select * from {{ this }} where false;
            {%- elif this.identifier == 'fct_appointments' %}
        create or replace table {{ lead_aux('scope') }} (person_id varchar);
            {%- endif %}
        {%- endif %}
        create or replace table {{ lead_aux('build') }} as select {{ build + 1 }} as build, '{{ plan }}' as plan;
        create or replace table {{ lead_aux('state') }} as
        select
            {{ build + 1 }} as build,
            {{ as_of() }} as as_of,
            {{ lead_fingerprint() }} as fingerprint
            {%- for up in lead_upstreams() %},
            {% if (lead_aux('build', up.relation) | string) in existing -%}
                (select max(build) from {{ lead_aux('build', up.relation) }})
            {%- else %}cast(null as bigint){% endif %} as up_{{ loop.index }}
            {%- endfor %}
            {%- for side in lead_side_tables() %},
            (select max({{ side.mark }}) from {{ side.relation }}) as mark_{{ loop.index }},
            (select count(*) from {{ side.relation }}) as count_{{ loop.index }}
            {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- Statements: the rows of int_persons_matched with `condition` (on the row alone) of the persons in `persons`
(`columns` of them) into temp table `target`, created or appended to. Found by person_id_hash (a scan of 8-byte
integers, not of every person_id string: macros/history_key_hash.sql), then checked on person_id in a statement of
its own (beside the hash filter, a person_id filter reads the whole column). -#}
{% macro lead_persons_matched_rows(target, persons, columns, condition, append=false) -%}
    {%- set found = target ~ '_found' if append else target -%}
    create or replace temp table {{ found }} as
    select {{ columns }}
    from {{ lead_relation('int_persons_matched') }}
    where ({{ condition }}) and person_id_hash in (select {{ key_hash('person_id') }} from {{ persons }});
    delete from {{ found }}
    where person_id not in (select person_id from {{ persons }} where person_id is not null)
    {%- if append %};
    insert into {{ target }} select * from {{ found }};
    drop table {{ found }}
    {%- endif %}
{%- endmacro %}

{#- The columns and condition of int_lead_episodes' `records` CTE (its increment reads them from a temp table). -#}
{% macro lead_episode_columns() -%}
    record_key, person_id, source, source_file, source_record_id, record_kind, event_at, opens_lead
{%- endmacro %}

{% macro lead_episode_condition() -%}
    event_at is not null and (opens_lead or record_kind = 'appointment')
{%- endmacro %}

{#- Statements: the record_key and person_id of int_persons_matched's rows whose record_key is in `keys` (a relation
with record_key) into temp table `target`: found by record_key_hash, then checked on record_key in a statement of
its own (macros/history_key_hash.sql). -#}
{% macro lead_persons_matched_by_key(target, keys) -%}
    create or replace temp table {{ target }} as
    select record_key, person_id from {{ lead_relation('int_persons_matched') }}
    where record_key_hash in (select {{ key_hash('record_key') }} from {{ keys }});
    delete from {{ target }}
    where record_key not in (select record_key from {{ keys }} where record_key is not null)
{%- endmacro %}
