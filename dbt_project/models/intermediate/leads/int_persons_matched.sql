-- Each source record with its person. Records with a name or DOB take their identity node's cluster
-- (int_persons_clustered). Nameless records (SMS, email and web events, call logs) attach by phone,
-- else email, to a person already known by that contact. When a household shares it: to the person
-- with an active episode (a lead-opening record at most episode_idle_days before the event; the latest
-- such one wins), else to the person whose own records are nearest in time (a caller whose patient
-- record and booking appear days after the voicemail, rather than a relative with a lead months ago).
-- Web events attach through the token of the SMS or email link that brought the visitor.
-- On DuckDB a daily increment: only the records whose person can have changed are assigned again, with
-- the contacts, openings and activity of the persons they can attach to
-- (macros/incremental_persons_matched.sql); the other rows stay in place.
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ persons_matched_prepare() }}",
    post_hook="{{ persons_matched_commit() }}",
) }}
-- depends_on: {{ ref('int_source_records') }}
{%- set increment = persons_matched_plan() == 'increment' %}
-- In an increment the records this SQL can read: those in scope and the named records of the persons
-- they can attach to (temp table <model>_records, written by the pre-hook), not all history.
with records as {{ not_materialized() }} (
    select * from {{ persons_matched_records() if increment else ref('int_source_records') }}
),

-- The records this build assigns: all, or in an increment those in scope.
scoped as {{ not_materialized() }} (
    select * from records
    {%- if increment %}
    where record_key in (select record_key from {{ persons_matched_aux('scope') }})
    {%- endif %}
),

nameless as {{ not_materialized() }} (
    select * from scoped
    where not has_identity
),

-- Layout is not linted from here to the openings (the linter renders both branches of a template if).
-- noqa: disable=LT02,ST03
-- Named records with their person (in an increment: those sharing a contact with a nameless record in
-- scope, enough to find every person such a record can attach to).
identified as (
    select
        records.record_key,
        clusters.person_id
    from records
    inner join {{ ref('int_persons_clustered') }} as clusters on records.person_key = clusters.person_key
    where
        records.has_identity
        {%- if increment %}
        and (
            records.phone_e164 in (select nameless.phone_e164 from nameless)
            or records.email in (select nameless.email from nameless)
        )
        {%- endif %}
),

contacts as (
    select distinct
        identified.person_id,
        'phone' as contact_type,
        records.phone_e164 as contact
    from records
    inner join identified on records.record_key = identified.record_key
    where records.phone_e164 is not null
    union all
    select distinct
        identified.person_id,
        'email' as contact_type,
        records.email as contact
    from records
    inner join identified on records.record_key = identified.record_key
    where records.email is not null
),

{%- if increment %}

-- Every named record of the persons a nameless record in scope can attach to.
timeline as (
    select
        records.record_key,
        clusters.person_id
    from records
    inner join {{ ref('int_persons_clustered') }} as clusters on records.person_key = clusters.person_key
    where records.has_identity and clusters.person_id in (select contacts.person_id from contacts)
),

-- The named records in scope (their person is their node's cluster).
scoped_identified as (
    select
        scoped.record_key,
        clusters.person_id
    from scoped
    inner join {{ ref('int_persons_clustered') }} as clusters on scoped.person_key = clusters.person_key
    where scoped.has_identity
),
{%- endif %}
-- noqa: enable=LT02,ST03

openings as (
    select
        timeline.person_id,
        records.event_at
    from records
    inner join {{ 'timeline' if increment else 'identified' }} as timeline on records.record_key = timeline.record_key
    where records.opens_lead
),

-- Every dated record of each identified person (activity timeline).
activity as (
    select
        timeline.person_id,
        records.event_at
    from records
    inner join {{ 'timeline' if increment else 'identified' }} as timeline on records.record_key = timeline.record_key
    where records.event_at is not null
),

nameless_candidates as (
    select
        nameless.record_key,
        nameless.event_at,
        contacts.person_id,
        contacts.contact_type
    from nameless
    inner join contacts on contacts.contact_type = 'phone' and nameless.phone_e164 = contacts.contact
    union all
    select
        nameless.record_key,
        nameless.event_at,
        contacts.person_id,
        contacts.contact_type
    from nameless
    inner join contacts on contacts.contact_type = 'email' and nameless.email = contacts.contact
),

-- The latest lead-opening record of each candidate person at the event (DuckDB ASOF join); it makes
-- the candidate active when it is within the idle window.
candidates_active as (
    {{ asof_left_join('nameless_candidates', 'openings', 'person_id', 'event_at', '>=', 'event_at',
        {'opened_at': 'event_at'}) }}
),

candidates_flagged as (
    select
        candidates_active.record_key,
        candidates_active.person_id,
        candidates_active.contact_type,
        candidates_active.event_at,
        case
            when candidates_active.opened_at >= candidates_active.event_at - {{ days_interval('rules.idle_days') }}
                then candidates_active.opened_at
        end as active_since
    from candidates_active
    cross join {{ ref('int_episode_rules') }} as rules
),

-- Only a record's candidates with its latest active episode (all of them when none is active) can win:
-- the nearest-activity tie-break below runs on those alone. A contact shared by hundreds of people at a
-- large practice gives a record hundreds of candidates, and the two activity ASOF joins over all of them
-- were most of this model (an aggregate and a join instead of a window over every candidate).
best_since as (
    select
        record_key,
        max(active_since) as active_since
    from candidates_flagged
    group by record_key
),

candidates_best as (
    select candidates_flagged.*
    from candidates_flagged
    inner join best_since
        on
            candidates_flagged.record_key = best_since.record_key
            and coalesce(candidates_flagged.active_since, cast('1900-01-01' as timestamp))
            = coalesce(best_since.active_since, cast('1900-01-01' as timestamp))
),

-- The candidate's own records just before and just after the event.
candidates_before as (
    {{ asof_left_join('candidates_best', 'activity', 'person_id', 'event_at', '>=', 'event_at',
        {'previous_activity_at': 'event_at'}) }}
),

candidates_timed as (
    {{ asof_left_join('candidates_before', 'activity', 'person_id', 'event_at', '<=', 'event_at',
        {'next_activity_at': 'event_at'}) }}
),

attached as (
    select
        record_key,
        person_id
    from candidates_timed
    qualify row_number() over (
        partition by record_key
        order by
            least(event_at - previous_activity_at, next_activity_at - event_at) asc nulls last,
            (contact_type = 'phone') desc,
            person_id
    ) = 1
),

by_contact as (
    select * from {{ 'scoped_identified' if increment else 'identified' }}
    union all
    select * from attached
),

-- Web events carry no contact, only the token of the tracked link an SMS or email sent: they belong
-- to whoever received that message.
token_owners as (
    select
        scoped.token,
        min(by_contact.person_id) as person_id
    from scoped
    inner join by_contact on scoped.record_key = by_contact.record_key
    where scoped.token is not null and scoped.record_kind in ('sms', 'email')
    group by scoped.token
),

by_token as (
    select
        nameless.record_key,
        token_owners.person_id
    from nameless
    inner join token_owners on nameless.token = token_owners.token
    anti join attached on nameless.record_key = attached.record_key
),

nameless_assigned as (
    select * from attached
    union all
    select * from by_token
)

-- Identified records take their columns from one join on person_key; only the nameless ones join back
-- on record_key (a string-key join of the whole history with its assignments was most of this model).
-- The key hashes let the daily increments find rows by integer (macros/history_key_hash.sql).
select
    scoped.record_key,
    scoped.record_kind,
    scoped.source,
    scoped.source_file,
    scoped.source_record_id,
    scoped.fhir_patient_id,
    scoped.event_at,
    scoped.opens_lead,
    scoped.person_key,
    clusters.person_id,
    {{ key_hash('clusters.person_id') }} as person_id_hash,
    {{ key_hash('scoped.record_key') }} as record_key_hash
from scoped
inner join {{ ref('int_persons_clustered') }} as clusters on scoped.person_key = clusters.person_key
where scoped.has_identity
union all
select
    nameless.record_key,
    nameless.record_kind,
    nameless.source,
    nameless.source_file,
    nameless.source_record_id,
    nameless.fhir_patient_id,
    nameless.event_at,
    nameless.opens_lead,
    nameless.person_key,
    nameless_assigned.person_id,
    {{ key_hash('nameless_assigned.person_id') }} as person_id_hash,
    {{ key_hash('nameless.record_key') }} as record_key_hash
from nameless
inner join nameless_assigned on nameless.record_key = nameless_assigned.record_key
