-- FHIR Locations mapped to practice clinics by identifier or name (config is the clinic master).
with latest as (
    {{ latest_rows(
        source('fhir', 'fhir_locations'), 'fhir_locations', order='last_updated desc nulls last, ingested_at desc'
    ) }}
),

clinics as (
    select * from {{ ref('stg_ref__clinics') }}
)

select
    latest.source_record_id as location_id,
    latest.name as location_name,
    {{ zip5('latest.postal_code') }} as zip,
    coalesce(by_id.clinic_id, by_name.clinic_id) as clinic_id
from latest
left join clinics as by_id on lower(latest.identifier) = lower(by_id.clinic_id)
left join clinics as by_name on lower(trim(latest.name)) = lower(by_name.clinic_name)
