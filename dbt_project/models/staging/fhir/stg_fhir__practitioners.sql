with latest as (
    {{ latest_rows(
        source('fhir', 'fhir_practitioners'), 'fhir_practitioners', order='last_updated desc nulls last, ingested_at desc'
    ) }}
)

select
    source_record_id as practitioner_id,
    npi,
    {{ npi_is_valid('npi') }} as npi_is_valid,
    coalesce(name_text, trim(coalesce(given, '') || ' ' || coalesce(family, ''))) as practitioner_name,
    {{ to_e164('phone') }} as phone_e164,
    {{ to_e164('fax') }} as fax_e164,
    source_file
from latest
