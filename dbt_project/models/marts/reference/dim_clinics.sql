-- Practice clinics from config/practice.yaml.
select
    clinic_id,
    clinic_name,
    zip,
    timezone,
    lat,
    lon
from {{ ref('stg_ref__clinics') }}
