-- Referring providers by NPI: the FHIR Practitioner record when known, and whether the NPI is valid.
with referred as (
    select distinct referring_npi as npi
    from {{ ref('int_leads_resolved') }}
    where referring_npi is not null
),

practitioners as (
    select
        npi,
        practitioner_name,
        phone_e164,
        fax_e164
    from {{ ref('stg_fhir__practitioners') }}
    where npi is not null
    qualify row_number() over (partition by npi order by practitioner_id) = 1
)

select
    referred.npi as referring_npi,
    practitioners.practitioner_name as referrer_name,
    practitioners.phone_e164,
    practitioners.fax_e164,
    {{ npi_is_valid('referred.npi') }} as npi_is_valid
from referred
left join practitioners on referred.npi = practitioners.npi
