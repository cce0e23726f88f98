select
    id as clinic_id,
    name as clinic_name,
    zip,
    timezone,
    lat,
    lon
from {{ source('ref', 'clinics') }}
