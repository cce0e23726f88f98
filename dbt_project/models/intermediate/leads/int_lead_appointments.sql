-- Appointments from every scheduling source (FHIR Appointment, HL7 SIU, EMR appointment reports)
-- attached to lead episodes: the lead holding the referral the appointment is based on, else the same
-- person's latest lead received at or before the booking. A booking before the lead's receipt never
-- counts. One appointment reported by several systems (same person, start and type) is kept once,
-- from the most authoritative source.
-- On DuckDB a daily increment: only the appointments of affected persons are computed again
-- (macros/incremental_lead_models.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    pre_hook=["{{ lead_prepare() }}", "{{ joins_build_as_written(lead_plan() != 'increment') }}"],
    post_hook=["{{ joins_build_as_written(false, lead_plan() != 'increment') }}", "{{ lead_commit() }}"],
) }}
{%- set increment = lead_plan() == 'increment' %}
{#- in an increment the staging SQL reads only the affected persons' appointment records' raw rows
(macros/incremental_lead_staging.sql): the views deduplicate every raw row first -#}
{%- set ids = ('select source_record_id from ' ~ lead_aux('records')) if increment else none %}
with leads as (
    select
        lead_id,
        person_id,
        received_at
    from {{ ref('int_leads_resolved') }}
),

-- The leads an appointment can attach to by person (in an increment: the affected persons').
person_leads as (
    select * from leads
    -- noqa: disable=LT02,LT14
    {% if increment %}
    where person_id in (select person_id from {{ lead_aux('changes') }})
    {% endif %}
-- noqa: enable=LT02,LT14
),

-- Each appointment record's person (in an increment the affected persons' records: the pre-hook wrote them to
-- a temp table, macros/incremental_lead_hooks.sql), one scan per scheduling source: each raw table holds one
-- source (its ingest module's), so each source joins only its own records, and no CTE of every appointment
-- record is materialized for three readers (8M rows at 1M leads).
{%- set persons_matched = ref('int_persons_matched') %}
{%- if increment %}{% set persons_matched = lead_appointment_records() %}{% endif %}
fhir_persons as (
    select
        source,
        source_record_id,
        person_id
    from {{ persons_matched }}
    where record_kind = 'appointment' and source = 'fhir'
),

hl7_persons as (
    select
        source,
        source_record_id,
        person_id
    from {{ persons_matched }}
    where record_kind = 'appointment' and source = 'hl7v2'
),

emr_persons as (
    select
        source,
        source_record_id,
        person_id
    from {{ persons_matched }}
    where record_kind = 'appointment' and source = 'emr_csv'
),

fhir as (
    select
        persons.person_id,
        appts.appointment_id,
        appts.source,
        appts.source_file,
        appts.service_request_id,
        appts.appointment_type,
        appts.status,
        appts.booked_at,
        appts.start_at,
        appts.duration_min,
        appts.location_id,
        appts.practitioner_id,
        1 as authority
    from {{ lead_staged(ref('stg_fhir__appointments'), ids) }} as appts
    inner join fhir_persons as persons
        on appts.source = persons.source and appts.appointment_id = persons.source_record_id
),

-- The lead of each FHIR referral (in an increment only the referrals the appointments above are based on).
referral_leads as (
    select
        source_record_id as service_request_id,
        lead_id
    from {{ ref('int_lead_episodes') }}
    where
        source = 'fhir' and record_kind = 'referral'
        -- noqa: disable=LT02,LT14
        {% if increment %}
        and source_record_id in (select fhir.service_request_id from fhir)
        {% endif %}
-- noqa: enable=LT02,LT14
),

-- SIU: an appointment's history is its messages; the latest known one holds the status. SIU sends no
-- message when a visit simply takes place, so a booking whose start has passed without a cancel or
-- no-show message counts as kept. One aggregate per appointment id (the latest message's columns by
-- arg_max over a unique key), not windows over every message. The messages (two readers: this aggregate
-- and the record lists, record_rows) carry no lists: a list is built once, for the appointment kept.
hl7_message_rows as (
    select
        'hl7v2:' || msgs.appointment_id as appointment_id,
        persons.person_id,
        msgs.source,
        msgs.source_file,
        msgs.source_record_id,
        msgs.event_at,
        msgs.appointment_type,
        msgs.status,
        msgs.start_at,
        msgs.duration_min,
        msgs.clinic_id,
        msgs.therapist_npi
    from {{ lead_staged(ref('stg_hl7v2__appointments'), ids) }} as msgs
    inner join hl7_persons as persons
        on msgs.source = persons.source and msgs.source_record_id = persons.source_record_id
    where msgs.appointment_id is not null
),

-- One row per SIU appointment id.
{%- set hl7_latest = {'person_id': 'person_id', 'source': 'source', 'source_file': 'source_file',
    'appointment_type': 'appointment_type', 'status': 'status', 'start_at': 'start_at',
    'duration_min': 'duration_min', 'clinic_id': 'clinic_id', 'therapist_npi': 'therapist_npi'} %}
hl7_messages as (
    select
        appointment_id,
        {{ arg_max_null(struct_of(hl7_latest), '(event_at, source_record_id)') }} as latest,
        min(event_at) as first_message_at
    from hl7_message_rows
    group by appointment_id
),

hl7 as (
    select
        hl7_messages.latest.person_id,
        hl7_messages.appointment_id,
        hl7_messages.latest.source,
        hl7_messages.latest.source_file,
        cast(null as string) as service_request_id,
        hl7_messages.latest.appointment_type,
        case
            when hl7_messages.latest.status = 'booked' and hl7_messages.latest.start_at <= {{ as_of() }}
                then 'fulfilled'
            else hl7_messages.latest.status
        end as status,
        hl7_messages.first_message_at as booked_at,
        hl7_messages.latest.start_at,
        hl7_messages.latest.duration_min,
        hl7_messages.latest.clinic_id as location_id,
        hl7_messages.latest.therapist_npi as practitioner_id,
        2 as authority
    from hl7_messages
),

-- EMR reports: one row per appointment id. Every report row of an appointment is listed in its records;
-- should a report list one appointment twice (two exports), the later report stands, as for SIU, so an
-- appointment id is unique by construction (no dedup window over every appointment at the end).
emr_report_rows as (
    select
        'emr_csv:' || appts.appointment_id as appointment_id,
        persons.person_id,
        appts.source,
        appts.source_file,
        appts.source_record_id,
        appts.event_at,
        appts.appointment_type,
        appts.status,
        appts.start_at,
        appts.duration_min,
        appts.clinic_id,
        appts.therapist
    from {{ lead_staged(ref('stg_emr_csv__appointments'), ids) }} as appts
    inner join emr_persons as persons
        on appts.source = persons.source and appts.source_record_id = persons.source_record_id
),

-- One row per EMR appointment id.
{%- set emr_latest = {'person_id': 'person_id', 'source': 'source', 'source_file': 'source_file',
    'appointment_type': 'appointment_type', 'status': 'status', 'booked_at': 'event_at', 'start_at': 'start_at',
    'duration_min': 'duration_min', 'location_id': 'clinic_id', 'practitioner_id': 'therapist'} %}
emr_reports as (
    select
        appointment_id,
        {{ arg_max_null(struct_of(emr_latest), '(event_at, source_record_id)') }} as latest
    from emr_report_rows
    group by appointment_id
),

emr_csv as (
    select
        emr_reports.latest.person_id,
        emr_reports.appointment_id,
        emr_reports.latest.source,
        emr_reports.latest.source_file,
        cast(null as string) as service_request_id,
        emr_reports.latest.appointment_type,
        emr_reports.latest.status,
        emr_reports.latest.booked_at,
        emr_reports.latest.start_at,
        emr_reports.latest.duration_min,
        emr_reports.latest.location_id,
        emr_reports.latest.practitioner_id,
        3 as authority
    from emr_reports
),

appointments as (
    select * from fhir
    union all
    select * from hl7
    union all
    select * from emr_csv
),

-- One appointment reported by several systems shares person, start and type: the most authoritative
-- system's records stand for it. Within that system every appointment id is its own appointment (a
-- cancelled booking and its rebooking into the same slot are two appointments, both kept). The slot's
-- first appointment (by authority, kept before cancelled, id) carries the other systems' records.
-- Aggregates and a join, not windows over every appointment.
timed_appointments as (
    select *
    from appointments
    where start_at is not null and booked_at is not null
),

-- The slot's first appointment: kept before cancelled or no-show before unknown status, then by id. The
-- min of one string (a letter ranking authority and status, then the id) orders as the tuple (authority,
-- status rank, id) does: cheaper than arg_min over a struct on every appointment.
{%- set slot_rank = "authority * 3 + case when status is null then 2 when status in ('cancelled', 'noshow', "
    ~ "'entered-in-error') then 1 else 0 end" %}
slots as (
    select
        person_id,
        start_at,
        appointment_type,
        min(authority) as top_authority,
        substr(min(chr(65 + {{ slot_rank }}) || appointment_id), 2) as first_appointment_id
    from timed_appointments
    group by person_id, start_at, appointment_type
),

ranked_appointments as (
    select
        timed_appointments.*,
        slots.top_authority,
        slots.first_appointment_id
    from timed_appointments
    inner join slots
        on
            timed_appointments.person_id = slots.person_id
            and timed_appointments.start_at = slots.start_at
            and timed_appointments.appointment_type is not distinct from slots.appointment_type
    -- noqa: disable=LT02,LT14
    {% if not increment %}
    -- the full build joins only the other systems' appointments to their slot: a FHIR one (authority 1) always
    -- stands for it (below) and lists itself (at 100k leads 457k of the slot join's 801k rows). The join's rows
    -- are kept in memory for two readers (DuckDB materializes the CTE): 100k, at 2 GB, peak 1.62 -> 1.31 GB.
    where timed_appointments.authority > 1
    {% endif %}
-- noqa: enable=LT02,LT14
),

-- The appointments that stand for their slot (the others are its echoes).
-- noqa: disable=LT02
distinct_appointments as (
    {%- if not increment %}
    select *
    from timed_appointments
    where authority = 1
    union all
    {%- endif %}
    select {{ star_except('ranked_appointments', ['top_authority', 'first_appointment_id']) }}  -- noqa: RF02
    from ranked_appointments
    where ranked_appointments.authority = ranked_appointments.top_authority
),
-- noqa: enable=LT02

-- The lead named by the appointment's referral (when booked after its receipt), else the person's
-- latest lead received at or before the booking (ASOF join: linear, where an OR join would compare
-- every appointment with every lead). A referral is one episode record, so at most one direct lead.
direct_leads as (
    select
        referral_leads.service_request_id,
        leads.lead_id,
        leads.received_at
    from referral_leads
    inner join leads on referral_leads.lead_id = leads.lead_id
),

with_direct as (
    select
        distinct_appointments.*,
        direct_leads.lead_id as direct_lead_id
    from distinct_appointments
    left join direct_leads
        on
            distinct_appointments.service_request_id = direct_leads.service_request_id
            and distinct_appointments.booked_at >= direct_leads.received_at
),

-- The person's lead: the daily increment (a few thousand appointments) finds it by an ASOF join; the full
-- build by a hash join on person_id to each lead's span (its received_at up to the person's next lead's):
-- the ASOF join sorts every appointment with its columns. The full build plans its hash joins with the build
-- side as written (the pre-hook, joins_build_as_written): DuckDB estimates the materialized
-- ranked_appointments at 1 row and built this join and the referral join on the wide appointment rows,
-- which ran out of memory at 1M leads (6 GB) and at 100k under a 400 MB cap. (Leads of one person received at
-- the same instant: the ASOF join takes either, the spans the larger lead_id.)
by_person as (
    -- noqa: disable=LT02
    {%- if increment %}
    {{ asof_left_join('with_direct', 'person_leads', 'person_id', 'booked_at', '>=', 'received_at',
        {'person_lead_id': 'lead_id'}) }}
    {%- else %}
    {{ span_left_join('with_direct', 'person_leads', 'person_id', 'booked_at', 'received_at',
        {'person_lead_id': 'lead_id'}, 'lead_id') }}
    {%- endif %}
-- noqa: enable=LT02
),

-- Record lists, built once at the end from the SIU messages and EMR report rows (not carried as lists
-- through the slot join, the ASOF join's sort and an aggregate of lists): each row goes to its appointment
-- if that stands for its slot, else to the slot's first appointment as an echo. A FHIR appointment (authority
-- 1) lists itself; its slot's echoes follow.
record_rows as (
    select
        appointment_id,
        source,
        source_file,
        source_record_id
    from hl7_message_rows
    union all
    select
        appointment_id,
        source,
        source_file,
        source_record_id
    from emr_report_rows
),

record_owners as (
    select
        appointment_id,
        case when authority = top_authority then appointment_id else first_appointment_id end as owner_id,
        authority > top_authority as is_echo
    from ranked_appointments
    where authority > 1
),

-- (every list sorted: list_agg's order follows the execution, and an increment must equal a full build)
{%- set record = struct_of(
    {'source': 'record_rows.source', 'source_file': 'record_rows.source_file',
        'source_record_id': 'record_rows.source_record_id'}) %}
owned_records as (
    select
        record_owners.owner_id as appointment_id,
        {{ sorted_list(list_agg(record) ~ ' filter (where not record_owners.is_echo)') }} as own_records,
        {{ sorted_list(list_agg(record) ~ ' filter (where record_owners.is_echo)') }} as echo_records
    from record_rows
    inner join record_owners on record_rows.appointment_id = record_owners.appointment_id
    group by record_owners.owner_id
)

{%- set own_records = 'case when by_person.authority = 1 then ' ~ list_of([struct_of(
    {'source': 'by_person.source', 'source_file': 'by_person.source_file',
        'source_record_id': 'by_person.appointment_id'}
)]) ~ ' else owned_records.own_records end' %}
select
    coalesce(by_person.direct_lead_id, by_person.person_lead_id) as lead_id,
    by_person.person_id,
    by_person.appointment_id,
    by_person.source,
    by_person.source_file,
    by_person.appointment_type,
    by_person.status,
    by_person.booked_at,
    by_person.start_at,
    by_person.duration_min,
    by_person.location_id,
    by_person.practitioner_id,
    case
        when owned_records.echo_records is not null
            then {{ list_concat(own_records, 'owned_records.echo_records') }}
        else {{ own_records }}
    end as records
from by_person
left join owned_records on by_person.appointment_id = owned_records.appointment_id
where coalesce(by_person.direct_lead_id, by_person.person_lead_id) is not null
