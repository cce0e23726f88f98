-- REF^I12 referrals sent by the run's as-of, one row per MSH-10, normalised like every person record.
with latest as (
    {% call latest_rows(source('hl7v2', 'hl7v2_referrals'), 'hl7v2_referrals') -%}
        coalesce(sent_at, cast(referral_date as timestamp)) <= {{ as_of() }}
    {%- endcall %}
)

select
    source,
    source_file,
    source_record_id,
    'referral' as record_kind,
    coalesce(sent_at, cast(referral_date as timestamp)) as event_at,
    {{ title_case('given') }} as first_name,
    {{ title_case('family') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    cast(null as {{ string_type() }}) as email,
    {{ zip5('zip') }} as zip5,
    patient_id as patient_ref,
    patient_id as source_person_id,
    sex,
    street as address,
    referral_id,
    status as referral_status,
    priority,
    reason,
    referral_date,
    nullif(trim(concat_ws(' ', referring_given, referring_family)), '') as referring_name,
    referring_npi,
    {{ npi_is_valid('referring_npi') }} as referring_npi_valid,
    referring_phone,
    referred_to_name,
    diagnosis_codes,
    {{ first_element('diagnosis_texts') }} as diagnosis_text,
    payer_name as payer_text,
    {{ payer_id_from_text('payer_name') }} as payer_id,
    {{ diagnosis_group_of('diagnosis_codes') }} as diagnosis_group,
    {{ clinic_id_from_text('referred_to_name') }} as clinic_id,
    {{ post_op_from_text('cast(null as boolean)', join_list('notes', "' '")) }} as post_op,
    member_id,
    group_number,
    plan_type,
    notes,
    ingested_at
from latest
