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
{#- the columns of a named record the model reads (besides its person) -#}
{%- set named_columns = ['record_key', 'record_kind', 'source', 'source_file', 'source_record_id', 'fhir_patient_id',
    'event_at', 'opens_lead', 'person_key', 'phone_e164', 'email', 'token'] %}
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

-- Layout is not linted from here to the events (the linter renders both branches of a template if).
-- noqa: disable=LT02,ST03
-- Named records with their person (in an increment: those sharing a contact with a nameless record in
-- scope, enough to find every person such a record can attach to), with every column the model reads
-- of them: contacts, openings, activity, link tokens and (in a full build) the output come from this
-- one join on person_key, not from joins of all history on the record_key string.
{%- if increment %}
-- In an increment every named record read, with its person: one join of the clusters (a scan of all of
-- them) for the three uses below instead of one each (at 100k leads a third of the increment's SELECT).
named_records as {{ materialized() }} (
    select
        {%- for column in named_columns %}
        records.{{ column }},
        {%- endfor %}
        clusters.person_id
    from records
    inner join {{ ref('int_persons_clustered') }} as clusters on records.person_key = clusters.person_key
    where records.has_identity
),

identified as (
    select * from named_records
    where
        phone_e164 in (select nameless.phone_e164 from nameless)
        or email in (select nameless.email from nameless)
),
{%- else %}
identified as (
    select
        {%- for column in named_columns %}
        records.{{ column }},
        {%- endfor %}
        clusters.person_id
    from records
    inner join {{ ref('int_persons_clustered') }} as clusters on records.person_key = clusters.person_key
    where records.has_identity
),
{%- endif %}

contacts as (
    select distinct
        person_id,
        'phone' as contact_type,
        phone_e164 as contact
    from identified
    where phone_e164 is not null
    union all
    select distinct
        person_id,
        'email' as contact_type,
        email as contact
    from identified
    where email is not null
),

{%- if increment %}

-- Every named record of the persons a nameless record in scope can attach to.
timeline as (
    select
        person_id,
        event_at,
        opens_lead
    from named_records
    where person_id in (select contacts.person_id from contacts)
),

-- The named records in scope (their person is their node's cluster).
scoped_identified as (
    select * from named_records
    where record_key in (select record_key from {{ persons_matched_aux('scope') }})
),

nameless_candidates as (
    select
        nameless.record_key,
        nameless.event_at,
        -- the link token a web event can attach through (only an SMS's or email's)
        case when nameless.record_kind in ('sms', 'email') then nameless.token end as link_token,
        contacts.person_id,
        contacts.contact_type
    from nameless
    inner join contacts on contacts.contact_type = 'phone' and nameless.phone_e164 = contacts.contact
    union all
    select
        nameless.record_key,
        nameless.event_at,
        case when nameless.record_kind in ('sms', 'email') then nameless.token end as link_token,
        contacts.person_id,
        contacts.contact_type
    from nameless
    inner join contacts on contacts.contact_type = 'email' and nameless.email = contacts.contact
),

-- Each candidate among its person's dated named records (the activity timeline), in time order; at the
-- same instant the records come first, so the running aggregates below include them.
events as (
    select
        person_id,
        event_at,
        false as is_candidate,
        opens_lead,
        cast(null as {{ string_type() }}) as record_key,
        cast(null as {{ string_type() }}) as link_token,
        cast(null as {{ string_type() }}) as contact_type
    from timeline
    where event_at is not null
    union all
    select
        person_id,
        event_at,
        true as is_candidate,
        false as opens_lead,
        record_key,
        link_token,
        contact_type
    from nameless_candidates
),
-- noqa: enable=LT02,ST03

-- The candidate person's latest lead-opening record at the event and own records just before and after it
-- (macros/persons_matched_activity.sql).
candidates_timed as (
    {{ persons_matched_activity('events',
        ['record_key', 'person_id', 'contact_type', 'event_at', 'link_token', 'is_candidate']) }}
),

candidates_flagged as (
    select
        candidates_timed.record_key,
        candidates_timed.person_id,
        candidates_timed.contact_type,
        candidates_timed.link_token,
        case
            when candidates_timed.opened_at >= candidates_timed.event_at - {{ days_interval('rules.idle_days') }}
                then candidates_timed.opened_at
        end as active_since,
        -- a record at the same instant counts as before (distance 0) even though the window above
        -- leaves it out of "after"; a dateless event has no nearest record
        least(
            candidates_timed.event_at - candidates_timed.previous_activity_at,
            candidates_timed.next_activity_at - candidates_timed.event_at
        ) as activity_distance
    from candidates_timed
    cross join {{ ref('int_episode_rules') }} as rules
),

-- The person with the record's latest active episode wins; without one (or between several with the
-- same), the one whose own records are nearest in time, then by phone before email, then person_id.
attached as (
    select
        record_key,
        person_id,
        link_token
    from candidates_flagged
    qualify row_number() over (
        partition by record_key
        order by
            active_since desc nulls last,
            activity_distance asc nulls last,
            (contact_type = 'phone') desc,
            person_id
    ) = 1
),

-- Web events carry no contact, only the token of the tracked link an SMS or email sent: they belong
-- to whoever received that message.
token_owners as (
    select
        link_token as token,
        min(person_id) as person_id
    from (
        select
            case when record_kind in ('sms', 'email') then token end as link_token,
            person_id
        from scoped_identified
        union all
        select
            link_token,
            person_id
        from attached
    ) as owners
    where link_token is not null
    group by link_token
),

nameless_assigned as (
    select
        record_key,
        person_id
    from attached
    union all
    select
        nameless.record_key,
        token_owners.person_id
    from nameless
    inner join token_owners on nameless.token = token_owners.token
    anti join attached on nameless.record_key = attached.record_key
)

-- Identified records take their columns from their join on person_key; only the nameless ones join back
-- on record_key (a string-key join of the whole history with its assignments was most of this model).
-- The key hashes let the daily increments find rows by integer (macros/history_key_hash.sql).
select
    identified_rows.record_key,
    identified_rows.record_kind,
    identified_rows.source,
    identified_rows.source_file,
    identified_rows.source_record_id,
    identified_rows.fhir_patient_id,
    identified_rows.event_at,
    identified_rows.opens_lead,
    identified_rows.person_key,
    identified_rows.person_id,
    {{ key_hash('identified_rows.person_id') }} as person_id_hash,
    {{ key_hash('identified_rows.record_key') }} as record_key_hash,
    {{ key_hash('identified_rows.person_key') }} as person_key_hash
from scoped_identified as identified_rows
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
    {{ key_hash('nameless.record_key') }} as record_key_hash,
    {{ key_hash('nameless.person_key') }} as person_key_hash
from nameless
inner join nameless_assigned on nameless.record_key = nameless_assigned.record_key
{%- else %}

-- A full build (the branch above is the increment's, kept as it is: h115's rewrite of it slowed the 1M
-- daily increment). Each contact's persons as a range (the smallest and largest person_id): a nameless
-- record whose phone and email ranges hold one person (at 100k leads 609k of the 656k records with a
-- candidate) takes it whatever the timing, without a candidate row per record and contact or a grouping of
-- them by record_key; only the records with several (contested) go through the activity window below,
-- with the activity of their candidate persons only (a tenth of the persons at 100k leads).
contact_persons as (
    select
        contact_type,
        contact,
        min(person_id) as person_id,
        max(person_id) as last_person_id
    from contacts
    group by contact_type, contact
),

nameless_persons as (
    select
        nameless.record_key,
        nameless.event_at,
        nameless.phone_e164,
        nameless.email,
        least(phones.person_id, emails.person_id) as person_id,
        greatest(phones.last_person_id, emails.last_person_id) as last_person_id
    from nameless
    left join contact_persons as phones on phones.contact_type = 'phone' and nameless.phone_e164 = phones.contact
    left join contact_persons as emails on emails.contact_type = 'email' and nameless.email = emails.contact
),

-- A contested record's candidate persons as narrow rows: its key, time, person and whether the phone
-- matched; its link token and output columns come from the record itself at the end.
contested as (
    select
        nameless_persons.record_key,
        nameless_persons.event_at,
        contacts.person_id,
        true as by_phone
    from nameless_persons
    inner join contacts on contacts.contact_type = 'phone' and nameless_persons.phone_e164 = contacts.contact
    where nameless_persons.person_id < nameless_persons.last_person_id
    union all
    select
        nameless_persons.record_key,
        nameless_persons.event_at,
        contacts.person_id,
        false as by_phone
    from nameless_persons
    inner join contacts on contacts.contact_type = 'email' and nameless_persons.email = contacts.contact
    where nameless_persons.person_id < nameless_persons.last_person_id
),

-- Each contested person's dated named records, one row per instant (whether one of them opens a lead):
-- the window below reads each instant once instead of every record.
activity as (
    select
        person_id,
        event_at,
        bool_or(opens_lead) as opens_lead
    from identified
    where
        event_at is not null
        and person_id in (select contested.person_id from contested)
    group by person_id, event_at
),

-- Each contested candidate among its person's activity, in time order; at the same instant the records
-- come first, so the running aggregates below include them.
events as (
    select
        person_id,
        event_at,
        false as is_candidate,
        opens_lead,
        cast(null as {{ string_type() }}) as record_key,
        cast(null as boolean) as by_phone
    from activity
    union all
    select
        person_id,
        event_at,
        true as is_candidate,
        false as opens_lead,
        record_key,
        by_phone
    from contested
),

-- As in the increment: the latest opening and the activity just before and after each candidate.
candidates_timed as (
    {{ persons_matched_activity('events', ['record_key', 'person_id', 'by_phone', 'event_at', 'is_candidate']) }}
),

-- The same winner as the increment's row_number: the single candidate person, else the latest active
-- episode, nearest own activity, phone before email, person_id; by a grouped arg_min on one sort key
-- (macros/persons_matched_candidate_order.sql), not a window sorting every candidate.
attached as (
    select
        record_key,
        person_id
    from nameless_persons
    where person_id = last_person_id
    union all
    select
        candidates_timed.record_key,
        {{ arg_min('candidates_timed.person_id', candidate_order_key(
            'case when candidates_timed.opened_at >= candidates_timed.event_at - '
                ~ days_interval('rules.idle_days') ~ ' then candidates_timed.opened_at end',
            'least(candidates_timed.event_at - candidates_timed.previous_activity_at, '
                ~ 'candidates_timed.next_activity_at - candidates_timed.event_at)',
            'candidates_timed.by_phone', 'candidates_timed.person_id')) }} as person_id
    from candidates_timed
    cross join {{ ref('int_episode_rules') }} as rules
    group by candidates_timed.record_key
),

-- Link tokens' owners: the named records' and the attached SMS's and emails'.
token_owners as (
    select
        link_token as token,
        min(person_id) as person_id
    from (
        select
            case when record_kind in ('sms', 'email') then token end as link_token,
            person_id
        from identified
        union all
        select
            nameless.token as link_token,
            attached.person_id
        from attached
        inner join nameless on attached.record_key = nameless.record_key
        where nameless.record_kind in ('sms', 'email')
    ) as owners
    where link_token is not null
    group by link_token
),

-- A nameless record's person: the one it attached to, else its link token's owner; else no row.
nameless_assigned as (
    select
        nameless.*,
        coalesce(attached.person_id, token_owners.person_id) as assigned_person_id
    from nameless
    left join attached on nameless.record_key = attached.record_key
    left join token_owners on nameless.token = token_owners.token
)

select
    record_key,
    record_kind,
    source,
    source_file,
    source_record_id,
    fhir_patient_id,
    event_at,
    opens_lead,
    person_key,
    person_id,
    {{ key_hash('person_id') }} as person_id_hash,
    {{ key_hash('record_key') }} as record_key_hash,
    {{ key_hash('person_key') }} as person_key_hash
from identified
union all
select
    record_key,
    record_kind,
    source,
    source_file,
    source_record_id,
    fhir_patient_id,
    event_at,
    opens_lead,
    person_key,
    assigned_person_id as person_id,
    {{ key_hash('assigned_person_id') }} as person_id_hash,
    {{ key_hash('record_key') }} as record_key_hash,
    {{ key_hash('person_key') }} as person_key_hash
from nameless_assigned
where assigned_person_id is not null
{%- endif %}
