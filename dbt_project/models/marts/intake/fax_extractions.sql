-- One row per referral fax received by the run's as-of: the fields OCR extracted, each with its
-- confidence, after staff corrections (stg_fax__extractions already lets a correction win at 1.0), and
-- the lead the fax belongs to once identity resolution placed it.
with faxes as (
    select * from {{ ref('stg_fax__extractions') }}
),

fax_leads as (
    select
        source_record_id,
        lead_id
    from {{ ref('int_lead_episodes') }}
    where source = 'fax'
)

select
    faxes.source_record_id,
    faxes.first_name,
    faxes.last_name,
    faxes.dob,
    faxes.phone_e164 as phone,
    faxes.zip5 as zip,
    faxes.diagnosis_codes,
    faxes.referring_name,
    faxes.referring_npi,
    -- payer as the fax wrote it (what the confidence and a reviewer judge); payer_id is the canonical id
    faxes.payer_text as payer,
    faxes.member_id,
    faxes.post_op,
    faxes.surgery_date,
    faxes.orders,
    faxes.first_name_confidence,
    faxes.last_name_confidence,
    faxes.dob_confidence,
    faxes.phone_confidence,
    faxes.zip_confidence,
    faxes.diagnosis_codes_confidence,
    faxes.referring_name_confidence,
    faxes.referring_npi_confidence,
    faxes.payer_confidence,
    faxes.member_id_confidence,
    faxes.post_op_confidence,
    faxes.surgery_date_confidence,
    faxes.orders_confidence,
    faxes.needs_review,
    faxes.source,
    faxes.source_file,
    faxes.event_at as received_at,
    cast(faxes.pages as integer) as pages,
    faxes.page_images,
    faxes.payer_id,
    faxes.referring_npi_valid,
    faxes.diagnosis_group,
    faxes.corrected_by,
    faxes.corrected_at,
    fax_leads.lead_id
from faxes
left join fax_leads on faxes.source_record_id = fax_leads.source_record_id
