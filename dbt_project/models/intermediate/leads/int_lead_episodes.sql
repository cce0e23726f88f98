-- Lead-opening records of each person split into lead episodes. Opening records are referrals from any
-- channel, voicemails and web forms, and an evaluation booked for someone with neither an opening
-- record nor an appointment in the idle window before it (a patient booked straight at the front desk:
-- without it their evaluation would fall out of the funnel; a re-evaluation during care does not open).
-- A record opens a new episode when it is the person's first, when the previous one is more than
-- idle_days (config/identity.yaml) old, or when it is more than lost_after_days old and nothing was
-- booked in between (the earlier episode was lost). Records of different channels for one request
-- (FHIR + fax + web form within days) therefore share one lead. The lead id hashes the person and the
-- episode's first record: deterministic from content, the same in full and incremental builds.
-- On DuckDB a daily increment: only the episodes of affected persons (persons int_persons_matched changed
-- and those sharing an evaluation slot with them) are computed again (macros/incremental_lead_models.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    pre_hook="{{ lead_prepare() }}",
    post_hook="{{ lead_commit() }}",
) }}
{%- set increment = lead_plan() == 'increment' %}
with rules as (
    select idle_days from {{ ref('int_episode_rules') }}
),

-- In an increment only the affected persons and those holding an evaluation in one of their slots: the
-- pre-hook wrote their rows of this CTE to a temp table (macros/incremental_lead_hooks.sql).
-- In a full build every reader inlines it: kept, it held every opening record and appointment with all eight
-- columns for four readers (1M leads: 9.8M rows, 9.5 GB spilled at a 2.5 GB cap; inlined 4.6 GB, CPU -23%).
{%- set persons_matched = ref('int_persons_matched') %}
{%- if increment %}{% set persons_matched = lead_episode_records() %}{% endif %}
records as {% if not increment %}{{ not_materialized() }} {% endif %}(
    select
        record_key,
        person_id,
        source,
        source_file,
        source_record_id,
        record_kind,
        event_at,
        opens_lead
    from {{ persons_matched }}
    -- every use below reads opening records or appointments: the touches need not be kept
    where event_at is not null and (opens_lead or record_kind = 'appointment')
),

{#- A full build on DuckDB: the pre-hook already wrote every evaluation record with its slot and lowercased
names to <M>_evals (lead_eval_slots: the table the increments keep), so the model reads them there instead of
running the appointment staging views and the names join a second time (macros/incremental_lead_hooks.sql).
An increment too: its pre-hook has just rewritten the rows of <M>_evals of the persons whose records changed
(its base), and the other persons it reads (neighbours in a slot) kept theirs, so the model need not stage
the raw appointments of its records again (at 1M leads a pass over each raw appointment table). #}
-- noqa: disable=LT02,LT08
{%- if increment or lead_evals_first() %}
-- Evaluations with their slot, their system's authority (FHIR first, then HL7 v2, then the EMR export: as in
-- eval_slots below) and lowercased names, from <M>_evals (written by the pre-hook of this build).
evals as {{ materialized() }} (
    select
        {{ star_except('records', ['opens_lead']) }},  -- noqa: RF02
        evals_written.start_at,
        case records.source when 'fhir' then 1 when 'hl7v2' then 2 when 'emr_csv' then 3 end as authority,
        evals_written.first_name,
        evals_written.last_name
    from records
    inner join {{ lead_aux('evals') }} as evals_written on records.record_key = evals_written.record_key
    where records.record_kind = 'appointment'
),
{%- else %}
-- Evaluations by system (most authoritative first) with their slot (a build off DuckDB, or a compile).
eval_slots as (
    select
        source,
        appointment_id as source_record_id,
        start_at,
        1 as authority
    from {{ ref('stg_fhir__appointments') }}
    where appointment_type = 'eval'
    union all
    select
        source,
        source_record_id,
        start_at,
        2 as authority
    from {{ ref('stg_hl7v2__appointments') }}
    where appointment_type = 'eval'
    union all
    select
        source,
        source_record_id,
        start_at,
        3 as authority
    from {{ ref('stg_emr_csv__appointments') }}
    where appointment_type = 'eval'
),

eval_records as {{ materialized() }} (
    select
        {{ star_except('records', ['opens_lead']) }},  -- noqa: RF02
        eval_slots.start_at,
        eval_slots.authority
    from records
    inner join eval_slots
        on records.source = eval_slots.source and records.source_record_id = eval_slots.source_record_id
    where records.record_kind = 'appointment'
),

{% set eval_names = '(select record_key, lower(first_name) as first_name, lower(last_name) as last_name from '
    ~ ref('int_source_records') ~ ')' %}
evals as (
    select
        eval_records.*,
        eval_names.first_name,
        eval_names.last_name
    from eval_records
    inner join {{ eval_names }} as eval_names on eval_records.record_key = eval_names.record_key
),
{%- endif %}
-- noqa: enable=LT02,LT08

bookings as (
    select
        person_id,
        event_at as booked_at
    from records
    where record_kind = 'appointment'
),

-- Each evaluation with whether its patient already had an opening record or an appointment in the idle
-- window before it (then it belongs to that episode and opens nothing).
evals_placed as (
    select
        evals.*,
        exists(
            select 1
            from records as earlier
            where
                earlier.person_id = evals.person_id
                and (earlier.opens_lead or earlier.record_kind = 'appointment')
                and earlier.event_at < evals.event_at
                and earlier.event_at >= evals.event_at - {{ days_interval('rules.idle_days') }}
        ) as in_open_window
    from evals
    cross join rules
),

-- An evaluation opens a lead only for someone with no opening record or appointment in the idle window
-- before it, and only if it is not another system's report of an evaluation a more authoritative
-- system holds in the same slot for a patient of the same surname (identity left the two unlinked).
-- A patient whose own record in a more authoritative system holds that slot is no such echo: a namesake
-- booked into the same hour at another clinic must not silence both copies of one booking. A surname one
-- typo apart counts as the same when the first name agrees and both systems logged the booking within the
-- hour ("Wiliams" in FHIR, "Williams" in the EMR, no shared phone or DOB to link them). Such a twin in
-- another system that already sits in its patient's open episode (a voicemail that morning) means this
-- copy is that lead's evaluation, whatever the systems' authority: it opens nothing either.
unreferred_evals as (
    select {{ star_except('evals_placed', ['start_at', 'authority', 'first_name', 'last_name', 'in_open_window']) }}  -- noqa: RF02, LT05
    from evals_placed
    where
        not evals_placed.in_open_window
        -- Own copy or no echo; one level of correlation each (Spark resolves no outer-outer reference).
        and (
            exists (
                select 1
                from evals as own_copy
                where
                    own_copy.person_id = evals_placed.person_id
                    and own_copy.start_at = evals_placed.start_at
                    and own_copy.authority < evals_placed.authority
            )
            or not exists (
                select 1
                from evals as echoed
                where
                    echoed.start_at = evals_placed.start_at
                    and echoed.authority < evals_placed.authority
                    and echoed.person_id != evals_placed.person_id
                    and (
                        echoed.last_name = evals_placed.last_name
                        or (
                            echoed.first_name = evals_placed.first_name
                            and levenshtein(echoed.last_name, evals_placed.last_name) <= 1
                            and abs({{ seconds_between('echoed.event_at', 'evals_placed.event_at') }}) <= 3600
                        )
                    )
            )
        )
        and not exists (
            select 1
            from evals_placed as twin
            where
                twin.in_open_window
                and twin.start_at = evals_placed.start_at
                and twin.source != evals_placed.source
                and twin.person_id != evals_placed.person_id
                and twin.first_name = evals_placed.first_name
                and levenshtein(twin.last_name, evals_placed.last_name) <= 1
                and abs({{ seconds_between('twin.event_at', 'evals_placed.event_at') }}) <= 3600
        )
),

openings as (
    select * from (
        select {{ star_except('records', ['opens_lead']) }}
        from records
        where records.opens_lead
        union all
        select * from unreferred_evals
    )
    -- noqa: disable=LT02,LT14
    {% if increment %}
    where person_id in (select person_id from {{ lead_aux('changes') }})
    {% endif %}
-- noqa: enable=LT02,LT14
),

ordered as (
    select
        *,
        lag(event_at) over (partition by person_id order by event_at, record_key) as previous_at
    from openings
),

flagged as (
    select
        ordered.*,
        case
            when ordered.previous_at is null then 1
            when ordered.event_at > ordered.previous_at + {{ days_interval('rules.idle_days') }} then 1
            when
                ordered.event_at > ordered.previous_at + {{ days_interval(var('lost_after_days')) }}
                and not exists (
                    select 1
                    from bookings
                    where
                        bookings.person_id = ordered.person_id
                        and bookings.booked_at > ordered.previous_at
                        and bookings.booked_at <= ordered.event_at
                )
                then 1
            else 0
        end as opens_episode
    from ordered
    cross join rules
),

-- Each record's episode (a running count of the openings) and the episode's first record (the latest opening
-- so far): one window, one sort (a first_value per person and episode sorted the records a third time).
with_first as (
    select
        *,
        sum(opens_episode) over running as episode_number,
        {{ last_value_ignore_nulls('case when opens_episode = 1 then record_key end') }} over running
            as first_record_key
    from flagged
    window running as (partition by person_id order by event_at, record_key rows unbounded preceding)
)

select
    'L' || substr(md5(person_id || ':' || first_record_key), 1, 15) as lead_id,
    person_id,
    cast(episode_number as integer) as episode_number,
    record_key,
    source,
    source_file,
    source_record_id,
    record_kind,
    event_at,
    record_key = first_record_key as is_first_record
from with_first
