-- One lead episode per referral (FHIR ServiceRequest) or web-form request, with its person, clinic,
-- payer, diagnosis group and distance to the nearest clinic.
with persons as (
    select * from {{ ref('int_persons_matched') }}
),

patients as (
    select * from {{ ref('stg_fhir__patients') }}
),

coverages as (
    select * from {{ ref('stg_fhir__coverages') }}
),

fhir_leads as (
    select
        sr.service_request_id as source_record_id,
        'fhir' as source,
        'emr' as channel,
        sr.source_file,
        sr.received_at,
        sr.patient_id as fhir_patient_id,
        sr.status as request_status,
        loc.clinic_id as stated_clinic_id,
        coalesce(linked_cov.payer_id, patient_cov.payer_id) as payer_id,
        sr.diagnosis_group,
        sr.expected_visits,
        sr.post_op,
        coalesce(sr.requester_npi, pr.npi) as referring_npi,
        patients.zip,
        patients.lat,
        patients.lon,
        patients.phone_e164 is not null as has_phone,
        patients.email is not null as has_email,
        cast(null as boolean) as sms_consent,
        cast(null as boolean) as email_consent,
        cast(null as varchar) as preferred_contact
    from {{ ref('stg_fhir__service_requests') }} as sr
    left join patients on sr.patient_id = patients.patient_id
    left join {{ ref('stg_fhir__locations') }} as loc on sr.location_id = loc.location_id
    left join {{ ref('stg_fhir__practitioners') }} as pr on sr.practitioner_id = pr.practitioner_id
    left join coverages as linked_cov on sr.coverage_id = linked_cov.coverage_id
    left join coverages as patient_cov
        on sr.patient_id = patient_cov.patient_id and patient_cov.status = 'active'
    qualify row_number() over (
        partition by sr.service_request_id order by patient_cov.period_start desc nulls last
    ) = 1
),

webform_leads as (
    select
        submission_id as source_record_id,
        'webforms' as source,
        'web' as channel,
        source_file,
        received_at,
        cast(null as varchar) as fhir_patient_id,
        cast(null as varchar) as request_status,
        clinic_id as stated_clinic_id,
        payer_id,
        diagnosis_group,
        expected_visits,
        post_op,
        referring_npi,
        zip,
        lat,
        lon,
        phone_e164 is not null as has_phone,
        email is not null as has_email,
        sms_consent,
        email_consent,
        preferred_contact
    from {{ ref('stg_webforms__submissions') }}
),

leads as (
    select
        * replace (
            coalesce(diagnosis_group, 'general') as diagnosis_group,
            coalesce(post_op, false) as post_op
        )
    from fhir_leads
    union all
    select
        * replace (
            coalesce(diagnosis_group, 'general') as diagnosis_group,
            coalesce(post_op, false) as post_op
        )
    from webform_leads
),

nearest as (
    select
        leads.source,
        leads.source_record_id,
        clinics.clinic_id,
        {{ haversine_km('leads.lat', 'leads.lon', 'clinics.lat', 'clinics.lon') }} as distance_km
    from leads
    cross join {{ ref('stg_ref__clinics') }} as clinics
    where leads.lat is not null and clinics.lat is not null
    qualify row_number() over (
        partition by leads.source, leads.source_record_id order by distance_km, clinics.clinic_id
    ) = 1
),

group_visits as (
    select
        diagnosis_group,
        max(expected_visits) as expected_visits
    from {{ ref('stg_ref__diagnosis_groups') }}
    group by diagnosis_group
),

default_clinic as (
    select min(clinic_id) as clinic_id from {{ ref('stg_ref__clinics') }}
)

select
    'L' || substr(md5(leads.source || ':' || leads.source_record_id), 1, 15) as lead_id,
    persons.person_id,
    leads.source,
    leads.channel,
    leads.source_file,
    leads.source_record_id,
    leads.received_at,
    coalesce(leads.stated_clinic_id, nearest.clinic_id, default_clinic.clinic_id) as clinic_id,
    coalesce(leads.payer_id, 'UNKNOWN') as payer,
    leads.payer_id is null as payer_unknown,
    leads.diagnosis_group,
    coalesce(leads.expected_visits, dg.expected_visits) as expected_visits,
    leads.post_op,
    leads.referring_npi,
    leads.zip,
    nearest.distance_km,
    leads.fhir_patient_id,
    leads.request_status,
    leads.has_phone,
    leads.has_email,
    leads.sms_consent,
    leads.email_consent,
    leads.preferred_contact
from leads
inner join persons
    on
        leads.source = persons.source
        and leads.source_record_id = persons.source_record_id
        and persons.is_lead
left join nearest
    on leads.source = nearest.source and leads.source_record_id = nearest.source_record_id
left join group_visits as dg on leads.diagnosis_group = dg.diagnosis_group
cross join default_clinic
