-- Patients from vendor EMR patient exports, one row per record id, normalised like every person record.
with latest as (
    {{ latest_rows(source('emr_csv', 'emr_csv_patients'), 'emr_csv_patients') }}
)

select
    source,
    source_file,
    source_record_id,
    'patient' as record_kind,
    received_at as event_at,
    {{ title_case('first_name') }} as first_name,
    {{ title_case('last_name') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    nullif(lower(trim(email)), '') as email,
    {{ zip5('zip') }} as zip5,
    patient_ref,
    patient_ref as source_person_id,
    profile,
    sex,
    address,
    diagnosis_codes,
    diagnosis_text,
    referring_name,
    referring_npi,
    {{ npi_is_valid('referring_npi') }} as referring_npi_valid,
    referring_practice,
    payer as payer_text,
    member_id,
    clinic as clinic_text,
    {{ payer_id_from_text('payer') }} as payer_id,
    {{ diagnosis_group_of('diagnosis_codes') }} as diagnosis_group,
    {{ clinic_id_from_text('clinic') }} as clinic_id,
    post_op,
    surgery_date,
    notes,
    ingested_at
from latest
