{#- The marts after the lead models as daily increments on DuckDB (issue 8: at 1M leads dim_persons,
lead_source_records and ml_lead_features rebuilt all history every day, 14 s each). An increment deletes
the rows the day's upstream increments can have changed and computes them again with the same SQL
restricted to them; every other row stays. It equals a full rebuild (tests/pipeline/
test_incremental_replay.py compares every marts table; tests/dbt/test_marts_day_scope.py).

State lives in schema marts_state, not marts (the replay test compares every marts table with a full
refresh; publish copies marts to the app): <model>_run (the plan: create / full / increment, held to
'increment' by the replay test), <model>_state (the upstream build counters, int_source_records version
and as-of this build consumed, and a fingerprint) and <model>_scope (the keys the increment recomputed).

Scopes (the upstream `_changes` / `_scope` count only when that upstream built since this model did):
- dim_persons (person_id): the persons int_persons_matched changed, before and after. A record whose fields
  changed is among them: int_source_records_changes puts its node in int_persons_matched's scope.
- lead_source_records (person_id): those and the persons the lead models recomputed, plus the persons of
  touches of a record an episode of theirs lists (now or before): a touch is listed only when no episode
  lists its record, and a touch naming a lead belongs to that lead's person. Match weights: a pair is
  rescored only with one of its nodes (int_record_matches_dirty), whose records int_persons_matched
  assigned again, and an accepted pair's two nodes are one person, so the persons of both ends are in.
- ml_lead_features (lead_id): the leads of persons the lead models recomputed (before and after) and of
  their appointments (one booked on another person's referral: int_lead_funnel_cross); leads whose
  time-dependent columns move between the last as-of and this one (label_scheduled_14d 14 days after
  receipt, status closed_lost after lost_after_days, evaluated_at / no_show at an appointment's start,
  received after the last as-of); leads with a record in int_source_records' dirty ids (their diagnosis
  codes); and, for the referrer / source history counts, every lead of a referrer or source received at
  or after the maturity (receipt + 14 days) of an outcome of that key that changed (its key, receipt or
  14-day label, before vs now). A lead received by the last as-of reads only outcomes matured by its
  receipt, so later maturities change nothing before it. The as_of column is set on every row. The
  history counts of the scope's leads read daily totals per key (<model>_history_days, moved by the
  outcomes that changed) and the outcomes of their receipt day only. The leads in scope for those counts
  only (<model>_recounted: not in <model>_base, whose rows are computed again) keep their rows and get their
  four counts set again by a post-hook (marts_recount_history).
- eligibility (source_record_id): the 271 answers among int_touches_attributed_scope's records (the touch
  and its lead were recomputed), now or before: an answer's row reads its own raw row (a new version or an
  as-of that reveals it makes it dirty, so a touch in scope), its touch's lead and the payer reference data
  (fingerprint). The model reads the day's answers by a constant id list, which DuckDB pushes below the
  staging view's dedup (at 1M leads the whole view cost 1.7 s a day).
- fct_touches (touch_id): int_touches_attributed_scope. Its 'full' plan keeps the earlier diff (rows of
  int_touches_attributed that differ from the table), which equals a rebuild too.

A full rebuild instead ('full'): no state yet, an upstream rebuilt whole or built more than once since,
int_source_records more than one version on or rebuilt, the as-of went back, the model SQL / this file's
logic / upstream views / reference data / lost_after_days changed; 'create' with --full-refresh, var
identity_full_refresh, a first build, unit tests or another adapter (Spark builds these as tables). -#}

{#- Bump when this file's logic changes: the fingerprint then forces one full rebuild. -#}
{% macro marts_logic_version() -%}2026-11-29.1{%- endmacro %}

{% macro marts_aux(suffix) -%}
    {{ return(api.Relation.create(database=this.database, schema='marts_state',
        identifier=this.identifier ~ '_' ~ suffix)) }}
{%- endmacro %}

{#- The upstream increments each mart reads the changes of (each keeps <name>_build and <name>_changes). -#}
{% macro marts_upstreams() -%}
    {%- set ups = {
        'dim_persons': ['int_persons_matched'],
        'lead_source_records': ['int_persons_matched', 'int_lead_episodes', 'int_lead_appointments',
            'int_touches_attributed'],
        'ml_lead_features': ['int_lead_episodes', 'int_leads_resolved', 'int_lead_appointments',
            'int_touches_attributed'],
        'fct_touches': ['int_touches_attributed'],
        'eligibility': ['int_touches_attributed'],
    } -%}
    {%- set out = [] -%}
    {%- for name in ups.get(this.identifier, []) -%}
        {%- do out.append({'name': name, 'relation': lead_relation(name)}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- The key column of <model>_scope. -#}
{% macro marts_key() -%}
    {{ return({'ml_lead_features': 'lead_id', 'fct_touches': 'touch_id', 'eligibility': 'source_record_id'}
        .get(this.identifier, 'person_id')) }}
{%- endmacro %}

{#- SQL expression: what besides upstream rows the model's rows depend on. -#}
{% macro marts_fingerprint() -%}
    md5(concat_ws('|',
        '{{ local_md5(model.raw_code ~ marts_logic_version() ~ var("lost_after_days", "")) }}',
        (select md5(coalesce(string_agg(view_name || ':' || {{ view_identity() }}, ';' order by view_name), '')) from duckdb_views()
         where database_name = current_database()
           and schema_name || '.' || view_name in ('{{ source_records_upstream_models() | join("', '") }}')),
        {%- for node in model_upstream().models if node.name.startswith('stg_ref__') %}
        (select count(*) || '/' || coalesce(sum(hash(t)), 0) from {{ lead_relation(node.name) }} as t),
        {%- endfor %}
        ''))
{%- endmacro %}

{#- SQL conditions on a state row `s`: every upstream built as recorded (s.up_<n>), or once more by an
    increment (then this model can follow it by an increment too). -#}
{% macro upstreams_in_step(upstreams) -%}
    {%- for up in upstreams %}
            and coalesce((select bool_and(u.build = s.up_{{ loop.index }}
                or (u.build = s.up_{{ loop.index }} + 1 and u.plan = 'increment'))
                from {{ lead_aux('build', up.relation) }} as u), false)
    {%- endfor %}
{%- endmacro %}

{#- Which of `relations` exist (their names as strings), from the catalog in one query: the state tables are
made by hooks, which dbt's relation cache misses (as identity_state_exists, which asks once per table: a
mart's plan, rendered for its SQL and again in its pre-hook, named up to 13 tables; ~200 queries a day). -#}
{% macro marts_existing(relations) -%}
    {%- set names = relations | map('string') | unique | list -%}
    {%- set listed = [] -%}
    {%- for relation in relations -%}
        {%- do listed.append("('" ~ relation.database ~ "', '" ~ relation.schema ~ "', '" ~ relation.identifier
            ~ "')") -%}
    {%- endfor -%}
    {%- set found = run_query("select table_catalog, table_schema, table_name from information_schema.tables"
        ~ " where (table_catalog, table_schema, table_name) in (" ~ (listed | unique | join(', ')) ~ ")") -%}
    {%- set existing = [] -%}
    {%- for row in found.rows -%}
        {%- do existing.append(api.Relation.create(database=row[0], schema=row[1], identifier=row[2]) | string) -%}
    {%- endfor -%}
    {{ return(names | select('in', existing) | list) }}
{%- endmacro %}

{#- 'create', 'full' or 'increment' (read-only: the same answer while rendering and in the hooks). -#}
{% macro marts_plan() -%}
    {%- set guard = increment_guard() -%}
    {%- if guard -%}
        {{ return(guard) }}
    {%- endif -%}
    {%- set records_state = lead_aux('state', lead_relation('int_source_records')) -%}
    {%- set pm_state = lead_aux('state', lead_relation('int_persons_matched')) -%}
    {%- set needed = [marts_aux('state'), records_state, pm_state,
        lead_aux('dirty', lead_relation('int_source_records'))] -%}
    {%- for up in marts_upstreams() -%}
        {%- do needed.append(lead_aux('build', up.relation)) -%}
        {%- do needed.append(lead_aux('scope' if this.identifier in ('fct_touches', 'eligibility') else 'changes',
            up.relation)) -%}
    {%- endfor -%}
    {%- if this.identifier == 'ml_lead_features' -%}
        {%- do needed.append(marts_aux('codes')) -%}
        {%- do needed.append(marts_aux('inactive')) -%}
        {%- do needed.append(lead_aux('rows', lead_relation('int_touches_attributed'))) -%}
    {%- endif -%}
    {%- if marts_existing(needed) | length < needed | map('string') | unique | list | length -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set check -%}
        select coalesce(bool_and(
            s.fingerprint = {{ marts_fingerprint() }} and s.as_of <= {{ as_of() }}
            and (select max(version) from {{ records_state }}) = (select max(source_version) from {{ pm_state }})
            and ((select max(version) from {{ records_state }}) = s.records_version
                or ((select max(version) from {{ records_state }}) = s.records_version + 1
                    and (select bool_and(not rebuilt) from {{ records_state }})))
            {{- upstreams_in_step(marts_upstreams()) }}), false)
        from {{ marts_aux('state') }} as s
    {%- endset -%}
    {{ return('increment' if run_query(check).columns[0].values()[0] else 'full') }}
{%- endmacro %}

{#- Keys an upstream increment recomputed since this model's last build (none when it did not build). -#}
{% macro marts_upstream_keys(suffix='changes', column='person_id', alias=none) -%}
    select cast(null as varchar) as {{ alias or column }} where false
    {%- for up in marts_upstreams() %}
    union
    select {{ column }} from {{ lead_aux(suffix, up.relation) }}
    where (select max(build) from {{ lead_aux('build', up.relation) }})
        > (select up_{{ loop.index }} from {{ marts_aux('state') }})
    {%- endfor %}
{%- endmacro %}

{#- Source record ids int_source_records recomputed since this model's last build. -#}
{% macro marts_dirty_ids() -%}
    {%- set records = lead_relation('int_source_records') -%}
    select id from {{ lead_aux('dirty', records) }}
    where (select max(version) from {{ lead_aux('state', records) }})
        > (select records_version from {{ marts_aux('state') }})
{%- endmacro %}

{#- pre-hook: the plan (<model>_run); 'full' empties the table, an increment writes its scope and deletes it. -#}
{% macro marts_prepare() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = marts_plan() -%}
        {%- do run_query('create schema if not exists marts_state') -%}
        {%- do run_query('create or replace table ' ~ marts_aux('run') ~ " as select '" ~ plan ~ "' as plan") -%}
        {%- if plan == 'full' and this.identifier == 'fct_touches' %}
        delete from {{ this }}
        where event_at > {{ as_of() }}
            or touch_id not in (select record_key from {{ lead_relation('int_touches_attributed') }})
        {%- elif plan == 'full' %}
        delete from {{ this }}
        {%- elif plan == 'increment' %}
            {%- if this.identifier == 'dim_persons' %}
        create or replace table {{ marts_aux('scope') }} as {{ marts_upstream_keys() }};
            {%- elif this.identifier == 'lead_source_records' %}
        {{ marts_scope_lead_source_records() }};
            {%- elif this.identifier == 'ml_lead_features' %}
        {{ marts_scope_features() }};
            {%- elif this.identifier == 'eligibility' %}
        create or replace table {{ marts_aux('scope') }} as {{ marts_scope_eligibility() }};
            {%- else %}
        create or replace table {{ marts_aux('scope') }} as {{ marts_upstream_keys('scope', 'record_key', 'touch_id') }};
            {%- endif %}
            {%- if this.identifier == 'lead_source_records' %}
        {#- its scope macro deleted the rows #}
        select 1
            {%- else %}
        {#- ml_lead_features keeps the rows of the leads in scope for their history counts only (marts_recount_history) #}
        delete from {{ this }} where {{ marts_key() }} in (select {{ marts_key() }}
            from {{ marts_aux('base' if this.identifier == 'ml_lead_features' else 'scope') }})
            {%- if this.identifier == 'ml_lead_features' -%};
        {#- every row reads the as-of: the rows kept are otherwise the same at this one #}
        update {{ this }} set as_of = {{ as_of() }} where as_of is distinct from {{ as_of() }}
            {%- endif %}
            {%- endif %}
        {%- else %}
        select 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Persons of lead_source_records to recompute (see the top of this file), and their rows deleted. The rows of
the changed persons are found once, by one pass over person_id (lead_source_records_old: their rowids); their
episode keys (before) are fetched by rowid, and the delete takes them by rowid: no second pass over every
person_id of the table (18M rows at 1M leads), and the other three columns are not read beside the person_id
filter (100k day, cold, scope + delete 0.26 -> 0.20 CPU-s). person_id is read again only for the persons the
touches lookup adds (none on the 100k day: a semi-join on an empty set stops at once). The rowids are read
and used within this pre-hook, which writes nothing else to the table in between. marts_prepare's generic
delete is skipped for this model (it would find nothing left). -#}
{% macro marts_scope_lead_source_records() -%}
    create or replace table {{ marts_aux('changed') }} as {{ marts_upstream_keys() }};
    create or replace temp table lead_source_records_old as
    select rowid as row_id from {{ this }} where person_id in (select person_id from {{ marts_aux('changed') }});
    create or replace temp table lead_source_records_keys as
    select source || ':' || record_kind || ':' || source_record_id as record_key from {{ this }}
    where record_kind != 'appointment' and rowid in (select row_id from lead_source_records_old);
    create or replace table {{ marts_aux('scope') }} as
    with episode_keys as (
        select record_key from {{ lead_relation('int_lead_episodes') }}
        where record_kind != 'appointment' and person_id in (select person_id from {{ marts_aux('changed') }})
        union
        select record_key from lead_source_records_keys
    )
    select person_id from {{ marts_aux('changed') }}
    union
    select person_id from {{ lead_relation('int_touches_attributed') }}
    where lead_id is not null and record_key in (select record_key from episode_keys);
    delete from {{ this }} where rowid in (select row_id from lead_source_records_old);
    delete from {{ this }} where person_id in (
        select person_id from {{ marts_aux('scope') }} except select person_id from {{ marts_aux('changed') }});
    drop table lead_source_records_old;
    drop table lead_source_records_keys
{%- endmacro %}

{#- Answers of the eligibility mart to recompute (see the top of this file): read while rendering the model
(its constant id list) and by the pre-hook (the scope it deletes), before either writes. The ids are read off
the touches' scope keys (source:kind:id, int_source_records; a source name has no colon), which list the
answers' touches now and before, without reading the touches or this table (100k day: 0.11 -> 0.003 s). -#}
{% macro marts_scope_eligibility() -%}
    select distinct substr(record_key, length(split_part(record_key, ':', 1)) + 14) as source_record_id
    from ({{ marts_upstream_keys('scope', 'record_key') }}) as touched
    where split_part(record_key, ':', 2) = 'eligibility'
{%- endmacro %}

{#- The eligibility increment's answer ids as a quoted SQL list ('' for none), or none when over `limit`
(the model then semi-joins on the scope table the pre-hook wrote). -#}
{% macro marts_eligibility_ids(limit=20000) -%}
    {%- set found = run_query("select count(*), coalesce(string_agg('''' || replace(source_record_id, '''', '''''')"
        ~ " || '''', ', '), '') from (" ~ marts_scope_eligibility() ~ ") as scoped") -%}
    {%- set row = found.rows[0] -%}
    {{ return(none if row[0] > limit else row[1]) }}
{%- endmacro %}

{#- Leads of ml_lead_features to recompute (see the top of this file). -#}
{% macro marts_scope_features() -%}
    {%- set funnel = lead_relation('int_lead_funnel') -%}
    {%- set state = marts_aux('state') -%}
    create or replace table {{ marts_aux('persons') }} as {{ marts_upstream_keys() }};
    create or replace table {{ marts_aux('base') }} as
    with marks as (
        select
            as_of as last_as_of,
            {{ as_of() }} as as_of
        from {{ state }}
    )
    select lead_id from {{ this }} where person_id in (select person_id from {{ marts_aux('persons') }})
    union
    select lead_id from {{ funnel }} where person_id in (select person_id from {{ marts_aux('persons') }})
    union
    {#- an appointment booked on another person's referral sits on that person's lead (now, and before through
    int_lead_funnel's cross pairs) #}
    select lead_id from {{ lead_relation('int_lead_appointments') }}
    where person_id in (select person_id from {{ marts_aux('persons') }})
    {%- if identity_state_exists(lead_aux('cross', funnel)) %}
    union
    select lead_id from {{ lead_aux('cross', funnel) }}
    where person_id in (select person_id from {{ marts_aux('persons') }})
    {%- endif %}
    union
    select funnel.lead_id from {{ funnel }} as funnel, marks
    where
        funnel.received_at > marks.last_as_of
        or (funnel.received_at > marks.last_as_of - interval 14 day
            and funnel.received_at <= marks.as_of - interval 14 day)
        or (funnel.received_at > marks.last_as_of - {{ days_interval(var('lost_after_days')) }}
            and funnel.received_at <= marks.as_of - {{ days_interval(var('lost_after_days')) }})
    union
    select appointments.lead_id from {{ lead_relation('int_lead_appointments') }} as appointments, marks
    where appointments.start_at > marks.last_as_of and appointments.start_at <= marks.as_of
    union
    select lead_id from {{ lead_relation('int_lead_episodes') }}
    where source_record_id in ({{ marts_dirty_ids() }});
    {#- the outcomes of those leads at the last build and now: what moved in the referrer / source history #}
    create or replace table {{ marts_aux('outcomes') }} as
    {%- for side, relation, matured_by in [
        ('last', this, '(select as_of from ' ~ state ~ ')'), ('now', funnel, as_of())] %}
    {% if not loop.first %}union all{% endif %}
    select
        '{{ side }}' as side,
        lead_id,
        referring_npi,
        source,
        received_at + interval 14 day as matured_at,
        cast(coalesce(scheduled_at <= received_at + interval 14 day, false) as integer) as scheduled_14d
    from {{ relation }}
    where lead_id in (select lead_id from {{ marts_aux('base') }})
        and received_at + interval 14 day <= {{ matured_by }}
    {%- endfor %};
    {{ marts_history_days_update() }};
    create or replace table {{ marts_aux('scope') }} as
    with outcomes as (
        select * from {{ marts_aux('outcomes') }}
    ),
    changed as (
        select lead_id, referring_npi, source, matured_at, scheduled_14d
        from outcomes
        group by all
        having count(*) filter (where side = 'last') != count(*) filter (where side = 'now')
    ),
    since as (
        select 'referrer' as history_kind, referring_npi as history_key, min(matured_at) as matured_at
        from changed where referring_npi is not null group by referring_npi
        union all
        select 'source' as history_kind, source as history_key, min(matured_at) as matured_at
        from changed where source is not null group by source
    )
    select lead_id from {{ marts_aux('base') }}
    union
    select funnel.lead_id from {{ funnel }} as funnel
    inner join since
        on since.history_kind = 'referrer' and funnel.referring_npi = since.history_key
        and funnel.received_at >= since.matured_at
    union
    select funnel.lead_id from {{ funnel }} as funnel
    inner join since
        on since.history_kind = 'source' and funnel.source = since.history_key
        and funnel.received_at >= since.matured_at;
    {#- in scope for the history counts only: every other column of theirs is as at the last build (1M day: 282k
    of the scope's 311k leads, rewritten whole before) #}
    create or replace table {{ marts_aux('recounted') }} as
    select lead_id from {{ marts_aux('scope') }}
    except
    select lead_id from {{ marts_aux('base') }};
    {{ marts_codes_update() }};
    {{ marts_inactive_update() }}
{%- endmacro %}

{#- ml_lead_features' history counts in an increment, as CTEs after the model's funnel (the scope's leads)
and history_kinds (every lead read from int_lead_funnel itself: the model's all_leads CTE is then unused), ending with history_running_day (kind, lead, running sums as the
whole-history time line's history_running). A scope lead's counts are its key's outcomes matured on earlier
days (<model>_history_days, kept current by the pre-hook) plus those matured on its receipt day up to its
receipt, read from the funnel (a day's outcomes of one key): every step reads one day's rows or the daily
totals, no sort of every outcome. Days are UTC epoch days of maturity (receipt + 14 days), the same in the
totals; ties sort as in the whole-history time line (an outcome maturing at a lead's receipt was known). -#}
{% macro marts_history_day_ctes() -%}
scope_points as (
    select
        keyed.lead_id,
        keyed.history_kind,
        keyed.history_key,
        keyed.received_at,
        epoch_us(keyed.received_at) // 86400000000 as history_day
    from (
        select
            funnel.lead_id,
            funnel.received_at,
            history_kinds.history_kind,
            case
                when history_kinds.history_kind = 'referrer' then funnel.referring_npi
                else funnel.source
            end as history_key
        from funnel
        cross join history_kinds
        where funnel.received_at is not null
    ) as keyed
    where keyed.history_key is not null
),

scope_days as (
    select distinct
        history_kind,
        history_key,
        history_day
    from scope_points
),

day_marks as (
    select
        history_kind,
        history_key,
        history_day,
        sum(outcome_count) as outcome_count,
        sum(scheduled_14d) as scheduled_14d,
        bool_or(is_scope_day) as is_scope_day
    from (
        select
            daily.history_kind,
            daily.history_key,
            daily.matured_day as history_day,
            daily.outcome_count,
            daily.scheduled_14d,
            false as is_scope_day
        from {{ marts_aux('history_days') }} as daily
        semi join (select distinct history_kind, history_key from scope_days) as keys
            on daily.history_kind = keys.history_kind and daily.history_key = keys.history_key
        union all
        select
            history_kind,
            history_key,
            history_day,
            0 as outcome_count,
            0 as scheduled_14d,
            true as is_scope_day
        from scope_days
    ) as marks
    group by history_kind, history_key, history_day
),

days_before as (
    select
        history_kind,
        history_key,
        history_day,
        is_scope_day,
        coalesce(sum(outcome_count) over earlier, 0) as outcomes_before,
        coalesce(sum(scheduled_14d) over earlier, 0) as scheduled_before
    from day_marks
    window earlier as (
        partition by history_kind, history_key
        order by history_day
        rows between unbounded preceding and 1 preceding
    )
),

day_outcomes as (
    select
        keyed.history_kind,
        keyed.history_key,
        keyed.history_day,
        keyed.matured_at,
        keyed.scheduled_14d
    from (
        select
            history_kinds.history_kind,
            case
                when history_kinds.history_kind = 'referrer' then all_leads.referring_npi
                else all_leads.source
            end as history_key,
            all_leads.received_at + interval 14 day as matured_at,
            epoch_us(all_leads.received_at + interval 14 day) // 86400000000 as history_day,
            cast(coalesce(all_leads.scheduled_at <= all_leads.received_at + interval 14 day, false) as integer)
                as scheduled_14d
        from {{ lead_relation('int_lead_funnel') }} as all_leads
        cross join history_kinds
        where all_leads.received_at + interval 14 day <= {{ as_of() }}
    ) as keyed
    semi join scope_days
        on keyed.history_kind = scope_days.history_kind
        and keyed.history_key = scope_days.history_key
        and keyed.history_day = scope_days.history_day
),

day_timeline as (
    select
        history_kind,
        history_key,
        history_day,
        matured_at as event_at,
        0 as is_lead,
        cast(null as string) as lead_id,
        1 as outcome_count,
        scheduled_14d
    from day_outcomes
    union all
    select
        history_kind,
        history_key,
        history_day,
        received_at as event_at,
        1 as is_lead,
        lead_id,
        0 as outcome_count,
        0 as scheduled_14d
    from scope_points
),

history_running_day as (
    select
        timeline.history_kind,
        timeline.lead_id,
        timeline.is_lead,
        days_before.outcomes_before + sum(timeline.outcome_count) over running as prior_leads,
        days_before.scheduled_before + sum(timeline.scheduled_14d) over running as prior_scheduled
    from day_timeline as timeline
    inner join days_before
        on timeline.history_kind = days_before.history_kind
        and timeline.history_key = days_before.history_key
        and timeline.history_day = days_before.history_day
    window running as (
        partition by timeline.history_kind, timeline.history_key, timeline.history_day
        order by timeline.event_at, timeline.is_lead
        rows between unbounded preceding and current row
    )
),
{%- endmacro %}

{#- ml_lead_features' four history count columns, comma-separated: callers split the text (a macro calling one
that returns a list breaks sqlfluff's rendering of the model, which lints it). -#}
{% macro marts_history_columns() -%}
    referrer_prior_leads,referrer_prior_scheduled,source_prior_leads,source_prior_scheduled
{%- endmacro %}

{#- Per lead, its history counts from `running` (history_running / history_running_day: kind, lead, sums). -#}
{% macro marts_history_counts(running) -%}
    select
        lead_id,
        {%- for column in marts_history_columns().split(',') %}
        max({{ column.split('_', 1)[1] }}) filter (where history_kind = '{{ column.split('_', 1)[0] }}')
            as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ running }}
    where is_lead = 1
    group by lead_id
{%- endmacro %}

{#- post-hook of ml_lead_features (an increment): the leads in scope for their referrer / source history only
(<model>_recounted) kept their rows; their four counts are set again here, by the model's own CTEs over those
leads (the daily totals as the model's SELECT read them: marts_history_days_commit moves none in an
increment). An update of four integer columns instead of a delete and insert of whole rows. -#}
{% macro marts_recount_history() -%}
    {%- if target.type != 'duckdb' or not execute
        or run_query('select plan from ' ~ marts_aux('run')).columns[0].values()[0] != 'increment' -%}
        select 1
    {%- else -%}
        update {{ this }} as target
        set
            {%- for column in marts_history_columns().split(',') %}
            {{ column }} = counts.{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from (
            with funnel as (
                select lead_id, received_at, referring_npi, source from {{ lead_relation('int_lead_funnel') }}
                where lead_id in (select lead_id from {{ marts_aux('recounted') }})
            ),
            history_kinds as (
                select 'referrer' as history_kind
                union all
                select 'source' as history_kind
            ),
            {{ marts_history_day_ctes() }}
            history as (
                {{ marts_history_counts('history_running_day') }}
            )
            select
                funnel.lead_id,
                {%- for column in marts_history_columns().split(',') %}
                cast(coalesce(history.{{ column }}, 0) as integer) as {{ column }}{{ ',' if not loop.last }}
                {%- endfor %}
            from funnel
            left join history on funnel.lead_id = history.lead_id
        ) as counts
        where target.lead_id = counts.lead_id
    {%- endif -%}
{%- endmacro %}

{#- The referrer / source history of ml_lead_features as daily totals (<model>_history_days): per history kind
and key, the outcomes (leads whose 14-day label had matured by `as_of_sql`) by UTC epoch day of maturity, and
how many of them scheduled. An increment reads these instead of sorting every outcome of the history per
kind. Built from the model's own rows (they hold the funnel's key, receipt and scheduling). -#}
{% macro marts_history_days_select(relation, as_of_sql) -%}
    select
        history_kind,
        history_key,
        epoch_us(matured_at) // 86400000000 as matured_day,
        count(*) as outcome_count,
        cast(sum(scheduled_14d) as bigint) as scheduled_14d
    from (
        select
            kinds.history_kind,
            case
                when kinds.history_kind = 'referrer' then lead_rows.referring_npi else lead_rows.source
            end as history_key,
            lead_rows.received_at + interval 14 day as matured_at,
            cast(coalesce(lead_rows.scheduled_at <= lead_rows.received_at + interval 14 day, false) as integer)
                as scheduled_14d
        from {{ relation }} as lead_rows
        cross join (select 'referrer' as history_kind union all select 'source' as history_kind) as kinds
        where lead_rows.received_at + interval 14 day <= {{ as_of_sql }}
    ) as outcomes
    where history_key is not null
    group by history_kind, history_key, matured_day
{%- endmacro %}

{#- Increment (pre-hook, before the scope's rows are deleted): the daily totals move by the outcomes of the
base leads, last build's out and now's in (<model>_outcomes). Every other lead's key, receipt and label are
the same as at the last build (the scope's history rule rests on that too). Written from this table as of
the last build first when missing. -#}
{% macro marts_history_days_update() -%}
    {%- set days = marts_aux('history_days') -%}
    create table if not exists {{ days }} as
    {{ marts_history_days_select(this, '(select as_of from ' ~ marts_aux('state') ~ ')') }};
    create or replace table {{ days }} as
    select
        history_kind,
        history_key,
        matured_day,
        cast(sum(outcome_count) as bigint) as outcome_count,
        cast(sum(scheduled_14d) as bigint) as scheduled_14d
    from (
        select history_kind, history_key, matured_day, outcome_count, scheduled_14d from {{ days }}
        union all
        select
            kinds.history_kind,
            case when kinds.history_kind = 'referrer' then moved.referring_npi else moved.source end as history_key,
            epoch_us(moved.matured_at) // 86400000000 as matured_day,
            case when moved.side = 'now' then 1 else -1 end as outcome_count,
            case when moved.side = 'now' then 1 else -1 end * moved.scheduled_14d as scheduled_14d
        from {{ marts_aux('outcomes') }} as moved
        cross join (select 'referrer' as history_kind union all select 'source' as history_kind) as kinds
    ) as moves
    where history_key is not null
    group by history_kind, history_key, matured_day
    having sum(outcome_count) != 0 or sum(scheduled_14d) != 0
{%- endmacro %}

{#- post-hook of ml_lead_features: a whole build writes the daily totals from its rows (an increment moved
them in its pre-hook). -#}
{% macro marts_history_days_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- elif run_query('select plan from ' ~ marts_aux('run')).columns[0].values()[0] != 'increment' -%}
        create or replace table {{ marts_aux('history_days') }} as
        {{ marts_history_days_select(this, as_of()) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The diagnosis staging views ml_lead_features reads, by source: (view, id column). -#}
{% macro marts_diagnosis_views() -%}
    {{ return({'fax': ('stg_fax__extractions', 'source_record_id'),
        'fhir': ('stg_fhir__service_requests', 'service_request_id'),
        'hl7v2': ('stg_hl7v2__referrals', 'source_record_id'),
        'emr_csv': ('stg_emr_csv__referrals', 'source_record_id'),
        'webforms': ('stg_webforms__submissions', 'submission_id')}) }}
{%- endmacro %}

{#- The diagnosis codes of lead-opening records (<model>_codes, records with codes only). The staging views
dedup every raw row and DuckDB does not push a semi-join below that (at 1M leads the FHIR ServiceRequest view
alone reads 5.7 s), so ml_lead_features keeps the codes beside it: a full build writes them all, an increment
only those of records int_source_records recomputed (their ids as constant lists, which DuckDB pushes down to
the raw scans; a day's lead-opening records are a few thousand). -#}
{% macro marts_codes_select(listed=none) -%}
    {%- for source, view in marts_diagnosis_views().items() %}
    select source, {{ view[1] }} as source_record_id, diagnosis_codes from {{ lead_relation(view[0]) }}
    where cardinality(diagnosis_codes) > 0
        {%- if listed is not none and listed.get(source) %}
        and {{ view[1] }} in ({{ listed[source] }})
        {%- elif listed is not none %}
        and false
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{% macro marts_codes_update() -%}
    {%- set records = lead_relation('int_source_records') -%}
    {%- set dirty -%}
        create or replace table {{ marts_aux('dirty_codes') }} as
        select source, source_record_id from {{ records }}
        where opens_lead and source in ('{{ marts_diagnosis_views().keys() | join("', '") }}')
            and source_record_id in ({{ marts_dirty_ids() }})
        union
        select source, source_record_id from {{ marts_aux('codes') }}
        where source_record_id in ({{ marts_dirty_ids() }})
    {%- endset -%}
    {%- do run_query(dirty) -%}
    {#- quoted in SQL: one text per source (agate would read an id like 0123 as a number) #}
    {%- set lists = run_query("select source, string_agg('''' || replace(source_record_id, '''', '''''') || '''', ', '), "
        ~ "count(*) from " ~ marts_aux('dirty_codes') ~ " group by source") -%}
    {%- set listed = {} -%}
    {%- set ns = namespace(total=0) -%}
    {%- for row in lists.rows -%}
        {%- do listed.update({row[0]: row[1]}) -%}
        {%- set ns.total = ns.total + row[2] -%}
    {%- endfor %}
    delete from {{ marts_aux('codes') }}
    where source_record_id in (select source_record_id from {{ marts_aux('dirty_codes') }});
    insert into {{ marts_aux('codes') }}
    {%- if ns.total <= 20000 %}
    {{ marts_codes_select(listed) }}
    {%- else %}
    select codes.* from ({{ marts_codes_select() }}) as codes
    inner join {{ marts_aux('dirty_codes') }} as dirty using (source, source_record_id)
    {%- endif %}
{%- endmacro %}

{#- The 271 answers saying a lead's plan is not active (<model>_inactive: eligibility touches attributed to a
lead with result 'inactive'), what ml_lead_features.coverage_inactive_at reads: an increment reads these few
rows of its scope's leads instead of passing over every touch (~8.5M at 1M leads) for the eligibility ones. -#}
{% macro marts_inactive_select(touches) -%}
    select record_key, lead_id, event_at from {{ touches }}
    where record_kind = 'eligibility' and lead_id is not null and touch_result = 'inactive'
{%- endmacro %}

{#- Increment (pre-hook): the touches int_touches_attributed recomputed since this model's last build (its
<_scope> keys; their rows now are its <_rows>, all of them: every other touch kept its row) replace theirs. -#}
{% macro marts_inactive_update() -%}
    {%- set touches = lead_relation('int_touches_attributed') -%}
    {#- loop.index over the whole list (the state's columns are numbered so) #}
    {%- set ns = namespace(since='false') -%}
    {%- for up in marts_upstreams() -%}
        {%- if up.name == 'int_touches_attributed' -%}
            {%- set ns.since = '(select max(build) from ' ~ lead_aux('build', touches) ~ ') > (select up_'
                ~ loop.index ~ ' from ' ~ marts_aux('state') ~ ')' -%}
        {%- endif -%}
    {%- endfor %}
    delete from {{ marts_aux('inactive') }}
    where record_key in (select record_key from {{ lead_aux('scope', touches) }}) and {{ ns.since }};
    insert into {{ marts_aux('inactive') }}
    select * from ({{ marts_inactive_select(lead_aux('rows', touches)) }}) as written where {{ ns.since }}
{%- endmacro %}

{#- post-hook: the state this build describes (and an empty scope after a whole build). -#}
{% macro marts_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = run_query('select plan from ' ~ marts_aux('run')).columns[0].values()[0] -%}
        {%- set records_state = lead_aux('state', lead_relation('int_source_records')) -%}
        {%- set builds = [] -%}
        {%- for up in marts_upstreams() -%}{%- do builds.append(lead_aux('build', up.relation)) -%}{%- endfor -%}
        {%- set existing = marts_existing([records_state] + builds) -%}
        {%- if plan != 'increment' %}
        create or replace table {{ marts_aux('scope') }} ({{ marts_key() }} varchar);
            {%- if this.identifier == 'ml_lead_features' %}
        create or replace table {{ marts_aux('codes') }} as {{ marts_codes_select() }};
        create or replace table {{ marts_aux('inactive') }} as
        {{ marts_inactive_select(lead_relation('int_touches_attributed')) }};
            {%- endif %}
        {%- endif %}
        create or replace table {{ marts_aux('state') }} as
        select
            {{ as_of() }} as as_of,
            {{ marts_fingerprint() }} as fingerprint,
            {% if (records_state | string) in existing -%}
                (select max(version) from {{ records_state }})
            {%- else %}cast(null as bigint){% endif %} as records_version
            {%- for up in marts_upstreams() %},
            {% if (lead_aux('build', up.relation) | string) in existing -%}
                (select max(build) from {{ lead_aux('build', up.relation) }})
            {%- else %}cast(null as bigint){% endif %} as up_{{ loop.index }}
            {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- int_lead_funnel as a daily increment on DuckDB (issue 8: rebuilt whole every day, 1.6 s at 1M leads).
Side tables beside it (intermediate schema): <M>_run (the plan), <M>_state (as-of, fingerprint and the
upstream builds consumed), <M>_scope (the lead ids recomputed) and <M>_cross (appointment person, lead) pairs
whose lead belongs to another person (an appointment booked on another person's referral: its row follows
the appointment's person, not the lead's). A lead's row reads its lead, its appointments and its touches
(a touch naming a lead carries that lead's person), and the as-of only through an appointment's start and
lost_after_days after receipt. Scope: the leads of persons an upstream increment recomputed (before: this
table; after: int_leads_resolved), leads of appointments of those persons (now, and before through <M>_cross,
which only grows until a whole build), leads whose receipt passes lost_after_days between the last as-of and
this one, and leads of appointments starting in between. A whole build instead as for the lead models (an
upstream rebuilt whole or built twice since, the as-of went back, the SQL or this logic changed). -#}
{% macro funnel_logic_version() -%}2026-11-29.1{%- endmacro %}

{% macro funnel_upstreams() -%}
    {%- set out = [] -%}
    {%- for name in ['int_leads_resolved', 'int_lead_appointments', 'int_touches_attributed'] -%}
        {%- do out.append({'name': name, 'relation': lead_relation(name)}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{% macro funnel_fingerprint() -%}
    '{{ local_md5(model.raw_code ~ funnel_logic_version() ~ var("lost_after_days", "")) }}'
{%- endmacro %}

{#- 'create', 'full' or 'increment' (read-only: the same answer while rendering and in the hooks, so the
pre-hook takes the answer the model's SQL computed, as lead_plan does). -#}
{% macro funnel_plan() -%}
    {%- set guard = increment_guard() -%}
    {%- if guard -%}
        {{ return(guard) }}
    {%- endif -%}
    {%- if lead_plan_key() in graph -%}
        {{ return(graph[lead_plan_key()]) }}
    {%- endif -%}
    {%- set needed = [lead_aux('state'), lead_aux('cross')] -%}
    {%- for up in funnel_upstreams() -%}
        {%- do needed.append(lead_aux('build', up.relation)) -%}
        {%- do needed.append(lead_aux('changes', up.relation)) -%}
    {%- endfor -%}
    {%- if not all_states_exist(needed) -%}
        {%- do graph.update({lead_plan_key(): 'full'}) -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set check -%}
        select coalesce(bool_and(
            s.fingerprint = {{ funnel_fingerprint() }} and s.as_of <= {{ as_of() }}
            {{- upstreams_in_step(funnel_upstreams()) }}), false)
        from {{ lead_aux('state') }} as s
    {%- endset -%}
    {%- set plan = 'increment' if run_query(check).columns[0].values()[0] else 'full' -%}
    {%- do graph.update({lead_plan_key(): plan}) -%}
    {{ return(plan) }}
{%- endmacro %}

{#- Persons the named upstreams recomputed since this model's last build (all three when none is named). -#}
{% macro funnel_upstream_persons(names=none) -%}
    select cast(null as varchar) as person_id where false
    {#- loop.index over the whole list (the state's columns are numbered so): a filtered `for .. if` renumbers #}
    {%- for up in funnel_upstreams() %}
        {%- if names is none or up.name in names %}
    union
    select person_id from {{ lead_aux('changes', up.relation) }}
    where (select max(build) from {{ lead_aux('build', up.relation) }})
        > (select up_{{ loop.index }} from {{ lead_aux('state') }})
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- pre-hook: the plan (<M>_run); 'full' empties the table, an increment writes its scope and deletes it. -#}
{% macro funnel_prepare() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = funnel_plan() -%}
        {%- do run_query('create or replace table ' ~ lead_aux('run') ~ " as select '" ~ plan ~ "' as plan") -%}
        {%- if plan == 'full' %}
        delete from {{ this }}
        {%- elif plan == 'increment' %}
        {%- set appointments = lead_relation('int_lead_appointments') %}
        create or replace table {{ lead_aux('persons') }} as {{ funnel_upstream_persons() }};
        create or replace table {{ lead_aux('booked') }} as {{ funnel_upstream_persons(['int_lead_appointments']) }};
        create or replace table {{ lead_aux('scope') }} as
        with marks as (
            select
                as_of as last_as_of,
                {{ as_of() }} as as_of
            from {{ lead_aux('state') }}
        )
        select lead_id from {{ this }} where person_id in (select person_id from {{ lead_aux('persons') }})
        union
        select lead_id from {{ lead_relation('int_leads_resolved') }}
        where person_id in (select person_id from {{ lead_aux('persons') }})
        union
        select lead_id from {{ appointments }} where person_id in (select person_id from {{ lead_aux('booked') }})
        union
        select lead_id from {{ lead_aux('cross') }} where person_id in (select person_id from {{ lead_aux('booked') }})
        union
        select funnel.lead_id from {{ this }} as funnel, marks
        where funnel.received_at > marks.last_as_of - {{ days_interval(var('lost_after_days')) }}
            and funnel.received_at <= marks.as_of - {{ days_interval(var('lost_after_days')) }}
        union
        select appointments.lead_id from {{ appointments }} as appointments, marks
        where appointments.start_at > marks.last_as_of and appointments.start_at <= marks.as_of;
        delete from {{ this }} where lead_id in (select lead_id from {{ lead_aux('scope') }})
        {%- else %}
        select 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- (appointment person, lead) pairs whose lead belongs to another person, among `where`'s appointments. -#}
{% macro funnel_cross_pairs(where='true') -%}
    select distinct appointments.person_id, appointments.lead_id
    from {{ lead_relation('int_lead_appointments') }} as appointments
    inner join {{ this }} as funnel on appointments.lead_id = funnel.lead_id
    where appointments.person_id is distinct from funnel.person_id and {{ where }}
{%- endmacro %}

{#- post-hook: the cross pairs and the state this build describes. -#}
{% macro funnel_commit() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1
    {%- else -%}
        {%- set plan = run_query('select plan from ' ~ lead_aux('run')).columns[0].values()[0] -%}
        {#- which upstream build counters exist, in one query -#}
        {%- set builds = [] -%}
        {%- for up in funnel_upstreams() -%}{%- do builds.append(lead_aux('build', up.relation)) -%}{%- endfor -%}
        {%- set existing = lead_existing(builds) -%}
        {%- if plan == 'increment' %}
        insert into {{ lead_aux('cross') }}
        {{ funnel_cross_pairs('appointments.lead_id in (select lead_id from ' ~ lead_aux('scope') ~ ')') }}
        except
        select person_id, lead_id from {{ lead_aux('cross') }};
        {%- else %}
        create or replace table {{ lead_aux('scope') }} (lead_id varchar);
        create or replace table {{ lead_aux('cross') }} as {{ funnel_cross_pairs() }};
        {%- endif %}
        create or replace table {{ lead_aux('state') }} as
        select
            {{ as_of() }} as as_of,
            {{ funnel_fingerprint() }} as fingerprint
            {%- for up in funnel_upstreams() %},
            {% if (lead_aux('build', up.relation) | string) in existing -%}
                (select max(build) from {{ lead_aux('build', up.relation) }})
            {%- else %}cast(null as bigint){% endif %} as up_{{ loop.index }}
            {%- endfor %}
    {%- endif -%}
{%- endmacro %}
