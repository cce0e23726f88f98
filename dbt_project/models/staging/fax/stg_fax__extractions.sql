-- Referral faxes received by the run's as-of: OCR-extracted fields with a confidence each. A field staff
-- corrected in the review queue (stg_fax__corrections) replaces the OCR value with confidence 1.0, and the
-- fax no longer needs review.
{%- set corrected_fields = ['first_name', 'last_name', 'dob', 'phone', 'zip', 'diagnosis_codes',
    'referring_name', 'referring_npi', 'payer', 'member_id', 'post_op', 'surgery_date', 'orders'] %}
{%- set replaced = ['needs_review'] %}
{%- for field in corrected_fields %}
    {%- do replaced.extend([field, field ~ '_confidence']) %}
{%- endfor %}
with extracted as (
    {% call latest_rows(source('fax', 'fax_extractions'), 'fax_extractions') -%}
        coalesce(received_at, ingested_at) <= {{ as_of() }}
    {%- endcall %}
),

latest as (
    select
        {{ star_except('extracted', replaced) }},
        {%- for field in corrected_fields %}
            case
                when corrections.{{ field }}_corrected then corrections.{{ field }} else extracted.{{ field }}
            end as {{ field }},
            case
                when corrections.{{ field }}_corrected then 1.0 else extracted.{{ field }}_confidence
            end as {{ field }}_confidence,
        {%- endfor %}
        extracted.needs_review and corrections.fax_record_id is null as needs_review,
        corrections.corrected_by,
        corrections.corrected_at
    from extracted
    left join {{ ref('stg_fax__corrections') }} as corrections
        on extracted.source_record_id = corrections.fax_record_id
)

select
    source,
    source_file,
    source_record_id,
    'referral' as record_kind,
    coalesce(received_at, ingested_at) as event_at,
    {{ title_case('first_name') }} as first_name,
    {{ title_case('last_name') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    cast(null as string) as email,
    {{ zip5('zip') }} as zip5,
    address,
    diagnosis_codes,
    diagnosis_text,
    referring_name,
    referring_npi,
    {{ npi_is_valid('referring_npi') }} as referring_npi_valid,
    {{ to_e164('referring_phone') }} as referring_phone_e164,
    {{ to_e164('coalesce(from_fax, referring_fax)') }} as from_fax_e164,
    orders,
    post_op,
    surgery_date,
    payer as payer_text,
    {{ payer_id_from_text('payer') }} as payer_id,
    {{ diagnosis_group_of('diagnosis_codes') }} as diagnosis_group,
    member_id,
    signed_date,
    pages,
    needs_review,
    first_name_confidence,
    last_name_confidence,
    dob_confidence,
    phone_confidence,
    zip_confidence,
    address_confidence,
    diagnosis_codes_confidence,
    diagnosis_text_confidence,
    referring_name_confidence,
    referring_npi_confidence,
    orders_confidence,
    post_op_confidence,
    surgery_date_confidence,
    payer_confidence,
    member_id_confidence,
    page_images,
    corrected_by,
    corrected_at,
    ingested_at
from latest
