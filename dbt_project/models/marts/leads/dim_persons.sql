-- One row per resolved person with the identity fields of its earliest named record (PHI).
-- On DuckDB a daily increment: only the persons int_persons_matched changed are computed again
-- (macros/incremental_marts.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ marts_prepare() }}",
    post_hook="{{ marts_commit() }}",
) }}
{%- set increment = marts_plan() == 'increment' %}
-- depends_on: {{ ref('int_persons_matched') }}
-- A named record's person is its identity node's cluster (int_persons_matched takes it from there), so the
-- persons' named records are found through their nodes: the clusters table is a seventh of the rows of
-- int_persons_matched, which a lookup by person_id had to read whole every day.
with nodes as (
    select
        person_id,
        person_key
    from {{ ref('int_persons_clustered') }}
    -- noqa: disable=LT02,LT14
    {% if increment %}
    where person_id in (select person_id from {{ marts_aux('scope') }})
    {% endif %}
    -- noqa: enable=LT02,LT14
),

named as (
    select
        nodes.person_id,
        records.first_name,
        records.last_name,
        records.dob,
        records.phone_e164,
        records.email,
        records.zip5,
        records.event_at,
        -- time order (event_at, then record_key), built once per record (macros/cross_db/record_order_key.sql)
        {{ record_order_key('records.event_at', 'records.record_key') }} as record_order
    from nodes
    inner join {{ ref('int_source_records') }} as records on nodes.person_key = records.person_key
    where records.has_identity
)

select
    person_id,
    {{ arg_min('first_name', 'record_order') }} filter (where first_name is not null) as first_name,
    {{ arg_min('last_name', 'record_order') }} filter (where last_name is not null) as last_name,
    {{ arg_min('dob', 'record_order') }} filter (where dob is not null) as dob,
    {{ arg_min('phone_e164', 'record_order') }} filter (where phone_e164 is not null) as phone_e164,
    {{ arg_min('email', 'record_order') }} filter (where email is not null) as email,
    {{ arg_min('zip5', 'record_order') }} filter (where zip5 is not null) as zip5,
    min(event_at) as first_seen_at,
    cast(count(*) as integer) as record_count
from named
group by person_id
