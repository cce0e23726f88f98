-- Lineage of identity resolution: every ingested record that belongs to a lead (lead-opening records,
-- appointments, touches), once, with the best match weight that tied its identity node into the person.
-- A voicemail both opens its lead (int_lead_episodes) and is a touch (int_touches_attributed): the
-- episode's row wins. record_kind comes from the branch that lists the record: an outcome attached only
-- by the lead it names has no row in int_persons_matched.
-- On DuckDB a daily increment: only the persons the day's identity and lead increments changed are
-- computed again (macros/incremental_marts.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ marts_prepare() }}",
    post_hook="{{ marts_commit() }}",
) }}
{%- set increment = marts_plan() == 'increment' %}
{#- rendered only for an increment (unit tests render the model with no relation to name) #}
{%- set in_scope = ('person_id in (select person_id from ' ~ marts_aux('scope') ~ ')') if increment else '' %}
with episode_records as (
    select
        source,
        source_file,
        source_record_id,
        record_key,
        record_kind,
        lead_id,
        person_id
    from {{ ref('int_lead_episodes') }}
    -- an evaluation booking that opened its lead is listed with the appointment's records below
    where
        record_kind != 'appointment'
        -- noqa: disable=LT02,LT14
        {% if increment %}
        and {{ in_scope }}
        {% endif %}
    -- noqa: enable=LT02,LT14
),

-- An increment reads it twice (the touches an episode lists, and the others); a full build once. Inlined in a
-- full build, not kept whole with seven columns (1M leads: 8.5M rows, 3.2 GB spilled at a 2.5 GB cap).
touches as {% if not increment %}{{ not_materialized() }} {% endif %}(
    select
        source,
        source_file,
        source_record_id,
        record_key,
        record_kind,
        lead_id,
        person_id
    from {{ ref('int_touches_attributed') }}
    where
        lead_id is not null
        -- noqa: disable=LT02,LT14
        {% if increment %}
        and {{ in_scope }}
        {% endif %}
    -- noqa: enable=LT02,LT14
),

-- The touches' records an episode lists (any person's: the episode's row wins). An increment looks them up by
-- the touches' keys (the episodes of its touches, not every episode of the history); a full build takes every
-- episode's key (1M leads: 1.5M keys, no second pass over the 8.5M touches for the lookup).
episode_listed as (
    select record_key from {{ ref('int_lead_episodes') }}
    where
        record_kind != 'appointment'
        -- noqa: disable=LT02,LT14
        {% if increment %}
        and record_key in (select touches.record_key from touches)
        {% else %}
        and record_key is not null
        {% endif %}
-- noqa: enable=LT02,LT14
),

lead_records as (
    select * from episode_records
    union all
    select
        appointment_records.record.source,
        appointment_records.record.source_file,
        appointment_records.record.source_record_id,
        appointment_records.record.source || ':appointment:' || appointment_records.record.source_record_id
            as record_key,
        'appointment' as record_kind,
        appointment_records.lead_id,
        appointment_records.person_id
    from (
        select
            lead_id,
            person_id,
            unnest(records) as record
        from {{ ref('int_lead_appointments') }}
        -- noqa: disable=LT02,LT14
        {% if increment %}
        where {{ in_scope }}
        {% endif %}
        -- noqa: enable=LT02,LT14
    ) as appointment_records
    union all
    select
        touches.source,
        touches.source_file,
        touches.source_record_id,
        touches.record_key,
        touches.record_kind,
        touches.lead_id,
        touches.person_id
    from touches
    where not exists (
        select 1 from episode_listed
        where episode_listed.record_key = touches.record_key
    )
),

-- The identity nodes of the listed records (an increment: only of its records, found by record_key_hash, a
-- scan of integers instead of every record_key string; a colliding hash only adds a row that the joins on
-- record_key below drop).
record_nodes as (
    select
        record_key,
        person_key
    from {{ ref('int_persons_matched') }}
    -- noqa: disable=LT02,LT14
    {% if increment %}
    where record_key_hash in (select {{ key_hash('lead_records.record_key') }} from lead_records)
    {% endif %}
    -- noqa: enable=LT02,LT14
),

-- Strongest accepted weight per identity node, then per record: only records whose node has an accepted
-- pair (named records) are joined on record_key, not every record of the history. A full build casts the
-- decimal weight to double per node (a monotone cast: the same value as casting the max per record; 1M
-- leads: 2.6M casts instead of 18M, an 8-byte payload in the record_key join instead of a 16-byte decimal).
node_weights as (
    select
        person_key,
        {% if increment %}max(match_weight){% else %}cast(max(match_weight) as double){% endif %} as match_weight
    from (
        select
            person_key_l as person_key,
            match_weight
        from {{ ref('int_record_matches') }}
        where
            accepted
            -- noqa: disable=LT02,LT14
            {% if increment %}
            and person_key_l in (select person_key from record_nodes)
            {% endif %}
        -- noqa: enable=LT02,LT14
        union all
        select
            person_key_r as person_key,
            match_weight
        from {{ ref('int_record_matches') }}
        where
            accepted
            -- noqa: disable=LT02,LT14
            {% if increment %}
            and person_key_r in (select person_key from record_nodes)
            {% endif %}
        -- noqa: enable=LT02,LT14
    )
    group by person_key
),

record_weights as (
    select
        persons.record_key,
        node_weights.match_weight
    from record_nodes as persons
    inner join node_weights on persons.person_key = node_weights.person_key
)

select
    lead_records.source,
    lead_records.source_file,
    lead_records.source_record_id,
    lead_records.lead_id,
    lead_records.person_id,
    lead_records.record_kind,
    {% if increment %}cast(record_weights.match_weight as double) as match_weight
    {%- else %}record_weights.match_weight{% endif %}
from lead_records
left join record_weights on lead_records.record_key = record_weights.record_key
