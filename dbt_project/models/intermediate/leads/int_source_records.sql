-- Every person-bearing record, one row, with the identity fields used for matching.
-- FHIR resources that point at a Patient borrow that patient's identity fields.
with patients as (
    select * from {{ ref('stg_fhir__patients') }}
),

fhir_records as (
    select
        'patient' as record_type,
        patient_id as source_record_id,
        patient_id as fhir_patient_id,
        cast(null as timestamp) as received_at,
        false as is_lead,
        source,
        source_file
    from patients
    union all
    select
        'service_request' as record_type,
        service_request_id as source_record_id,
        patient_id as fhir_patient_id,
        received_at,
        true as is_lead,
        source,
        source_file
    from {{ ref('stg_fhir__service_requests') }}
    union all
    select
        'appointment' as record_type,
        appointment_id as source_record_id,
        patient_id as fhir_patient_id,
        booked_at as received_at,
        false as is_lead,
        source,
        source_file
    from {{ ref('stg_fhir__appointments') }}
),

webforms as (
    select
        'webform' as record_type,
        submission_id as source_record_id,
        cast(null as varchar) as fhir_patient_id,
        received_at,
        true as is_lead,
        first_name,
        last_name,
        dob,
        phone_e164,
        email,
        zip,
        source,
        source_file
    from {{ ref('stg_webforms__submissions') }}
),

unioned as (
    select
        fhir_records.record_type,
        fhir_records.source_record_id,
        fhir_records.fhir_patient_id,
        fhir_records.received_at,
        fhir_records.is_lead,
        patients.first_name,
        patients.last_name,
        patients.dob,
        patients.phone_e164,
        patients.email,
        patients.zip,
        fhir_records.source,
        fhir_records.source_file
    from fhir_records
    left join patients on fhir_records.fhir_patient_id = patients.patient_id
    union all
    select
        record_type,
        source_record_id,
        fhir_patient_id,
        received_at,
        is_lead,
        first_name,
        last_name,
        dob,
        phone_e164,
        email,
        zip,
        source,
        source_file
    from webforms
)

select
    source || ':' || record_type || ':' || source_record_id as record_key,
    *,
    nullif(regexp_replace(lower(last_name), '[^a-z]', '', 'g'), '') as last_name_norm
from unioned
