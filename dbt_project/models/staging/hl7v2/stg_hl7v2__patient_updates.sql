-- ADT patient updates (registrations, demographics changes, merges) sent by the run's as-of.
with latest as (
    {% call latest_rows(source('hl7v2', 'hl7v2_patient_updates'), 'hl7v2_patient_updates') -%}
        sent_at is null or sent_at <= {{ as_of() }}
    {%- endcall %}
)

select
    source,
    source_file,
    source_record_id,
    'patient' as record_kind,
    sent_at as event_at,
    {{ title_case('given') }} as first_name,
    {{ title_case('family') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    cast(null as {{ string_type() }}) as email,
    {{ zip5('zip') }} as zip5,
    patient_id as patient_ref,
    patient_id as source_person_id,
    prior_patient_id as prior_patient_ref,
    event_type,
    sex,
    diagnosis_codes,
    payer_name as payer_text,
    member_id,
    ingested_at
from latest
