-- Appointments from every scheduling source (FHIR Appointment, HL7 SIU, EMR appointment reports)
-- attached to lead episodes: the lead holding the referral the appointment is based on, else the same
-- person's latest lead received at or before the booking. A booking before the lead's receipt never
-- counts. One appointment reported by several systems (same person, start and type) is kept once,
-- from the most authoritative source.
with leads as (
    select
        lead_id,
        person_id,
        received_at
    from {{ ref('int_leads_resolved') }}
),

referral_leads as (
    select
        source_record_id as service_request_id,
        lead_id
    from {{ ref('int_lead_episodes') }}
    where source = 'fhir' and record_kind = 'referral'
),

persons as (
    select
        source,
        source_record_id,
        person_id
    from {{ ref('int_persons_matched') }}
    where record_kind = 'appointment'
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
        1 as authority,
        {{ list_of([struct_of(
            {'source': 'appts.source', 'source_file': 'appts.source_file', 'source_record_id': 'appts.appointment_id'}
        )]) }} as records
    from {{ ref('stg_fhir__appointments') }} as appts
    inner join persons on appts.source = persons.source and appts.appointment_id = persons.source_record_id
),

-- SIU: an appointment's history is its messages; the latest known one holds the status. SIU sends no
-- message when a visit simply takes place, so a booking whose start has passed without a cancel or
-- no-show message counts as kept.
hl7_messages as (
    select
        persons.person_id,
        msgs.*,
        min(msgs.event_at) over (partition by msgs.appointment_id) as first_message_at,
        {{ list_agg(struct_of(
            {'source': 'msgs.source', 'source_file': 'msgs.source_file', 'source_record_id': 'msgs.source_record_id'}
        )) }} over (partition by msgs.appointment_id) as records
    from {{ ref('stg_hl7v2__appointments') }} as msgs
    inner join persons on msgs.source = persons.source and msgs.source_record_id = persons.source_record_id
    where msgs.appointment_id is not null
    qualify row_number() over (
        partition by msgs.appointment_id order by msgs.event_at desc, msgs.source_record_id desc
    ) = 1
),

hl7 as (
    select
        person_id,
        'hl7v2:' || appointment_id as appointment_id,
        source,
        source_file,
        cast(null as string) as service_request_id,
        appointment_type,
        case when status = 'booked' and start_at <= {{ as_of() }} then 'fulfilled' else status end as status,
        first_message_at as booked_at,
        start_at,
        duration_min,
        clinic_id as location_id,
        therapist_npi as practitioner_id,
        2 as authority,
        records
    from hl7_messages
),

emr_csv as (
    select
        persons.person_id,
        'emr_csv:' || appts.appointment_id as appointment_id,
        appts.source,
        appts.source_file,
        cast(null as string) as service_request_id,
        appts.appointment_type,
        appts.status,
        appts.event_at as booked_at,
        appts.start_at,
        appts.duration_min,
        appts.clinic_id as location_id,
        appts.therapist as practitioner_id,
        3 as authority,
        {{ list_of([struct_of(
            {'source': 'appts.source', 'source_file': 'appts.source_file', 'source_record_id': 'appts.source_record_id'}
        )]) }} as records
    from {{ ref('stg_emr_csv__appointments') }} as appts
    inner join persons on appts.source = persons.source and appts.source_record_id = persons.source_record_id
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
-- cancelled booking and its rebooking into the same slot are two appointments, both kept).
ranked_appointments as (
    select
        *,
        min(authority) over (partition by person_id, start_at, appointment_type) as top_authority,
        row_number() over (
            partition by person_id, start_at, appointment_type
            order by authority, status in ('cancelled', 'noshow', 'entered-in-error'), appointment_id
        ) as slot_rank
    from appointments
    where start_at is not null and booked_at is not null
),

-- Records of the less authoritative systems, lineage of the slot's first appointment.
echo_records as (
    select
        person_id,
        start_at,
        appointment_type,
        flatten({{ list_agg('records') }}) as records
    from ranked_appointments
    where authority > top_authority
    group by person_id, start_at, appointment_type
),

distinct_appointments as (
    select
        {{ star_except('ranked', ['records', 'top_authority', 'slot_rank']) }},  -- noqa: RF02
        case
            when ranked.slot_rank = 1
                then {{ list_concat('ranked.records', 'coalesce(echo_records.records, ' ~ list_of([]) ~ ')') }}
            else ranked.records
        end as records
    from ranked_appointments as ranked
    left join echo_records
        on
            ranked.person_id = echo_records.person_id
            and ranked.start_at = echo_records.start_at
            and ranked.appointment_type is not distinct from echo_records.appointment_type
    where ranked.authority = ranked.top_authority
),

-- The lead named by the appointment's referral (when booked after its receipt), else the person's
-- latest lead received at or before the booking (ASOF join: linear, where an OR join would compare
-- every appointment with every lead).
direct as (
    select
        distinct_appointments.appointment_id,
        leads.lead_id
    from distinct_appointments
    inner join referral_leads on distinct_appointments.service_request_id = referral_leads.service_request_id
    inner join leads on referral_leads.lead_id = leads.lead_id
    where distinct_appointments.booked_at >= leads.received_at
),

by_person as (
    {{ asof_left_join('distinct_appointments', 'leads', 'person_id', 'booked_at', '>=', 'received_at',
        {'person_lead_id': 'lead_id'}) }}
)

select
    coalesce(direct.lead_id, by_person.person_lead_id) as lead_id,
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
    by_person.records
from by_person
left join direct on by_person.appointment_id = direct.appointment_id
where coalesce(direct.lead_id, by_person.person_lead_id) is not null
qualify row_number() over (partition by by_person.appointment_id order by direct.lead_id nulls last) = 1
