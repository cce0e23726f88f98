-- Lead-opening records (referrals from any channel, voicemails, web forms) of each person split into
-- lead episodes. A record opens a new episode when it is the person's first, when the previous one is
-- more than episode_idle_days old, or when it is more than lost_after_days old and nothing was booked
-- in between (the earlier episode was lost). Records of different channels for one request (FHIR +
-- fax + web form within days) therefore share one lead. The lead id hashes the person and the
-- episode's first record: deterministic from content, the same in full and incremental builds.
with openings as (
    select
        record_key,
        person_id,
        source,
        source_file,
        source_record_id,
        record_kind,
        event_at
    from {{ ref('int_persons_matched') }}
    where opens_lead and event_at is not null
),

bookings as (
    select
        person_id,
        event_at as booked_at
    from {{ ref('int_persons_matched') }}
    where record_kind = 'appointment' and event_at is not null
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
            when ordered.event_at > ordered.previous_at + to_days({{ var('episode_idle_days', 60) }}) then 1
            when
                ordered.event_at > ordered.previous_at + to_days({{ var('lost_after_days') }})
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
),

numbered as (
    select
        *,
        sum(opens_episode) over (
            partition by person_id order by event_at, record_key rows unbounded preceding
        ) as episode_number
    from flagged
),

with_first as (
    select
        *,
        first_value(record_key) over (
            partition by person_id, episode_number order by event_at, record_key
        ) as first_record_key
    from numbered
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
